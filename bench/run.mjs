/**
 * The benchmark orchestrator: `npm run bench [-- options]`.
 *
 *   --case ID[,ID...]   run only these cases (exact id, a glob with *, or an id prefix such as
 *                       "push-pull-tcp"); --list prints the ids
 *   --quick             short runs (~0.3 s each) and 1 M instead of 10 M stalled-SUB sends
 *   --rounds N          rounds per case (default 3; contenders interleave, the median is reported)
 *   --only LIB[,LIB]    contenders to run: zmtp, zeromq, libzmq, floor (default all four;
 *                       libzmq, the C program bench/c/zmq_perf.c, runs only in the push-pull
 *                       tcp/ipc and req-rep cases, and is skipped with a reason if it cannot be
 *                       built: see bench/lib/libzmq-c.mjs)
 *   --cpu-prof[=LIB[:ROLE]]  write V8 CPU profiles of the workers to bench/prof/ (default zmtp:any)
 *   --pin same|split|none  where REQ↔REP pairs run: both on CPU 0 (default), REP on 1 and REQ
 *                       on 0, or wherever the scheduler puts them (see bench/cases/req-rep.mjs)
 *   --recv=iter|receive how PULL receivers read: `for await` (default, as zeromq.js's README
 *                       shows for PULL) or `await sock.receive()`
 *   --out FILE          write the markdown report there (a full run writes bench/RESULTS.md), and
 *                       beside it the results as JSON and the chart (FILE's name with .json, .svg)
 *   --svg-from FILE     run nothing: draw the chart from saved results (a RESULTS.json) into
 *                       FILE's name with .svg, or into --svg-out FILE
 *
 * Each case runs its contenders in turn, round after round, rotating their order every round so
 * that machine noise hits them alike; each run is sized (from the previous round) to last ~1.5 s.
 */
import {execSync} from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import {BENCH_DIR, CONTENDERS, CONTENDER_LABEL, ROOT_DIR, ZMTP_DIST, machineInfo, median} from "./lib/common.mjs"
import {procOptions} from "./lib/proc.mjs"
import {buildLibzmqC} from "./lib/libzmq-c.mjs"
import {placement} from "./cases/req-rep.mjs"
import {renderSvg, resultsJson} from "./lib/svg.mjs"

const CASE_FILES = ["push-pull.mjs", "threads.mjs", "req-rep.mjs", "pub-fanout.mjs", "pub-fanout-lossless.mjs", "router-dealers.mjs", "router-scale.mjs", "stalled-sub.mjs", "stalled-spill.mjs"]

// ---- command line ---------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = {cases: null, quick: false, rounds: 3, only: CONTENDERS, skip: [], cpuProf: null, out: null, list: false, recv: "iter", pin: "same", svgFrom: null, svgOut: null}
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s)
    const value = () => inline ?? argv[++i]
    switch (flag) {
      case "--case":
      case "--cases":
        opts.cases = value().split(",").filter(Boolean)
        break
      case "--quick":
        opts.quick = true
        break
      case "--rounds":
        opts.rounds = Math.max(1, Number(value()))
        break
      case "--only":
        opts.only = value().split(",").map(s => (s === "zeromq.js" ? "zeromq" : s))
        break
      case "--cpu-prof": {
        const [lib = "zmtp", role = "any"] = (inline ?? "zmtp").split(":")
        opts.cpuProf = {lib, role, dir: path.join(BENCH_DIR, "prof")}
        break
      }
      case "--pin":
        opts.pin = value()
        if (!["same", "split", "none"].includes(opts.pin)) throw new Error("--pin takes same, split or none")
        break
      case "--recv":
        opts.recv = value()
        if (!["iter", "receive"].includes(opts.recv)) throw new Error("--recv takes iter or receive")
        break
      case "--out":
        opts.out = value()
        break
      case "--list":
        opts.list = true
        break
      case "--svg-from":
        opts.svgFrom = value()
        break
      case "--svg-out":
        opts.svgOut = value()
        break
      default:
        throw new Error(`unknown option ${argv[i]} (see the top of bench/run.mjs)`)
    }
  }
  return opts
}

function selected(id, patterns) {
  if (!patterns) return true
  return patterns.some(p => {
    if (p === id) return true
    if (p.includes("*")) return new RegExp(`^${p.split("*").map(s => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(id)
    return id.startsWith(p.endsWith("-") ? p : `${p}-`)
  })
}

// ---- running --------------------------------------------------------------------------------

/** How long one measured run should last; counts are resized toward it after every run. */
const TARGET_S = {full: 1.5, quick: 0.3}

async function runCase(def, opts) {
  const contenders = CONTENDERS.filter(c => opts.only.includes(c) && !opts.skip.includes(c) && def.counts?.[c] !== undefined)
  const counts = {}
  for (const c of contenders) counts[c] = def.fixedCount ? def.counts[c](opts) : Math.max(2, Math.round(def.counts[c] * (opts.quick ? 0.25 : 1)))
  const runs = Object.fromEntries(contenders.map(c => [c, []]))
  const target = opts.quick ? TARGET_S.quick : TARGET_S.full
  for (let round = 0; round < opts.rounds; round++) {
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length])
    if (def.runAll) {
      // The case interleaves its contenders itself, burst by burst, inside one round.
      const t0 = performance.now()
      let all
      try {
        all = await def.runAll(order, counts, opts)
      } catch (e) {
        console.error(`  ${def.id}: ${e.message}`)
        all = Object.fromEntries(order.map(c => [c, {error: e.message.split("\n")[0]}]))
      }
      const wall = (performance.now() - t0) / 1000
      for (const c of order) {
        const r = all[c]
        runs[c].push(r)
        process.stderr.write(`  ${def.id} round ${round + 1} ${def.labels?.[c] ?? CONTENDER_LABEL[c]}: ${r.error ? "ERROR" : summary(def, r)} (n=${counts[c]})\n`)
        if (!r.error && r.elapsed > 0) counts[c] = Math.max(2, Math.round(counts[c] * Math.min(20, Math.max(0.05, target / r.elapsed))))
      }
      process.stderr.write(`  ${def.id} round ${round + 1}: ${wall.toFixed(1)} s\n`)
      continue
    }
    for (const c of order) {
      const t0 = performance.now()
      let r
      try {
        r = await def.run(c, counts[c], opts)
      } catch (e) {
        console.error(`  ${def.id} ${c}: ${e.message}`)
        r = {error: e.message.split("\n")[0]}
      }
      runs[c].push(r)
      const wall = (performance.now() - t0) / 1000
      process.stderr.write(`  ${def.id} round ${round + 1} ${def.labels?.[c] ?? CONTENDER_LABEL[c]}: ${r.error ? "ERROR" : summary(def, r)} (n=${counts[c]}, ${wall.toFixed(1)} s)\n`)
      if (!def.fixedCount && !r.error && r.elapsed > 0) {
        const next = counts[c] * Math.min(20, Math.max(0.05, target / r.elapsed))
        counts[c] = Math.max(2, Math.round(next))
      }
    }
  }
  const results = {}
  for (const c of contenders) {
    const ok = runs[c].filter(r => !r.error)
    if (ok.length === 0) {
      results[c] = {error: runs[c][0]?.error ?? "no run"}
      continue
    }
    const keys = new Set(ok.flatMap(r => Object.keys(r)))
    results[c] = Object.fromEntries([...keys].map(k => [k, median(ok.map(r => r[k]))]))
    // Fields that are not numbers (a case's text, e.g. the lossless search's trials) come from the
    // round whose metric is nearest the median.
    const mid = results[c][def.metric]
    const nearest = ok.reduce((a, r) => (Math.abs(r[def.metric] - mid) < Math.abs(a[def.metric] - mid) ? r : a))
    for (const k of keys) if (results[c][k] === undefined && nearest[k] !== undefined && typeof nearest[k] !== "number") results[c][k] = nearest[k]
    results[c].rounds = ok.length
  }
  return results
}

// ---- formatting -----------------------------------------------------------------------------

const fmt = {
  int: v => (v === undefined ? "" : Math.round(v).toLocaleString("en-US")),
  num: (v, d = 1) => (v === undefined ? "" : v.toFixed(d)),
  ratio: v => (v === undefined || !Number.isFinite(v) ? "—" : `${v.toFixed(2)}×`),
}

function summary(def, r) {
  const parts = []
  if (r.msgsPerSec !== undefined) parts.push(`${fmt.int(r.msgsPerSec)} msg/s`)
  if (r.mbPerSec !== undefined) parts.push(`${fmt.num(r.mbPerSec)} MB/s`)
  if (r.rttUs !== undefined) parts.push(`${fmt.num(r.rttUs)} µs`)
  if (def.notes) parts.push(def.notes(r))
  return parts.join(", ")
}

const METRIC_LABEL = {msgsPerSec: "msgs/s", mbPerSec: "MB/s", rttUs: "round trip", connectMs: "connect time", answeredMs: "time until all answered", growthMB: "sender RSS growth", routerGrowthMB: "ROUTER RSS growth", routerKBPerConn: "ROUTER RSS per connection"}

function table(defs, all) {
  const lines = [
    "| case | contender | msgs/s | MB/s | round trip µs | peak RSS MB | notes |",
    "| --- | --- | ---: | ---: | ---: | ---: | --- |",
  ]
  for (const def of defs) {
    for (const c of CONTENDERS) {
      const r = all[def.id]?.[c]
      if (!r) continue
      if (r.error) {
        lines.push(`| ${def.title} | ${def.labels?.[c] ?? CONTENDER_LABEL[c]} | error | | | | ${r.error.replace(/\|/g, "/")} |`)
        continue
      }
      lines.push(`| ${def.title} | ${def.labels?.[c] ?? CONTENDER_LABEL[c]} | ${fmt.int(r.msgsPerSec)} | ${r.mbPerSec === undefined ? "" : fmt.num(r.mbPerSec)} | ${fmt.num(r.rttUs)} | ${fmt.num(r.peakRssMB, 0)} | ${def.notes ? def.notes(r) : ""} |`)
    }
  }
  return lines.join("\n")
}

function ratioTable(defs, all) {
  const lines = ["| case | metric | zmtp / zeromq.js | zmtp / libzmq C | zmtp / floor |", "| --- | --- | ---: | ---: | ---: |"]
  for (const def of defs) {
    const res = all[def.id]
    for (const metric of [def.metric, ...(def.extraMetrics ?? [])]) {
      const z = res?.zmtp?.[metric]
      const better = def.lowerIsBetter?.includes(metric) ? "lower is better" : "higher is better"
      lines.push(`| ${def.title} | ${METRIC_LABEL[metric] ?? metric} (${better}) | ${fmt.ratio(z / res?.zeromq?.[metric])} | ${fmt.ratio(z / res?.libzmq?.[metric])} | ${fmt.ratio(z / res?.floor?.[metric])} |`)
    }
  }
  return lines.join("\n")
}

// ---- targets (issues 6, 19 and 20) -------------------------------------------------------------------

function targets(opts) {
  const stalledSends = opts.quick ? "1 M" : "10 M"
  const m = (all, id, lib, key) => all[id]?.[lib]?.[key]
  return [
    {id: "push-pull-tcp-16", text: "PUSH→PULL tcp 16 B ≥ 6× zeromq.js msgs/s", value: a => m(a, "push-pull-tcp-16", "zmtp", "msgsPerSec") / m(a, "push-pull-tcp-16", "zeromq", "msgsPerSec"), pass: v => v >= 6, show: fmt.ratio},
    {id: "push-pull-tcp-16", text: "PUSH→PULL tcp 16 B ≥ 30% of floor msgs/s", value: a => m(a, "push-pull-tcp-16", "zmtp", "msgsPerSec") / m(a, "push-pull-tcp-16", "floor", "msgsPerSec"), pass: v => v >= 0.3, show: pct},
    {id: "push-pull-tcp-1k", text: "PUSH→PULL tcp 1 KiB ≥ 3× zeromq.js msgs/s", value: a => m(a, "push-pull-tcp-1k", "zmtp", "msgsPerSec") / m(a, "push-pull-tcp-1k", "zeromq", "msgsPerSec"), pass: v => v >= 3, show: fmt.ratio},
    {id: "push-pull-tcp-1m", text: "PUSH→PULL tcp 1 MiB ≥ 85% of floor MB/s", value: a => m(a, "push-pull-tcp-1m", "zmtp", "mbPerSec") / m(a, "push-pull-tcp-1m", "floor", "mbPerSec"), pass: v => v >= 0.85, show: pct},
    {id: "req-rep-tcp-16", text: "REQ↔REP tcp 16 B round trip ≤ 0.7× zeromq.js", value: a => m(a, "req-rep-tcp-16", "zmtp", "rttUs") / m(a, "req-rep-tcp-16", "zeromq", "rttUs"), pass: v => v <= 0.7, show: fmt.ratio},
    {id: "req-rep-tcp-16", text: "REQ↔REP tcp 16 B round trip ≤ 1.25× floor", value: a => m(a, "req-rep-tcp-16", "zmtp", "rttUs") / m(a, "req-rep-tcp-16", "floor", "rttUs"), pass: v => v <= 1.25, show: fmt.ratio},
    {id: "push-pull-inproc-16", text: "inproc 16 B ≥ 3 M msgs/s", value: a => m(a, "push-pull-inproc-16", "zmtp", "msgsPerSec"), pass: v => v >= 3e6, show: v => `${fmt.int(v)} msgs/s`},
    // inproc between two worker threads of one process (bench/cases/threads.mjs)
    {id: "threads-inproc-16", text: "inproc 16 B between 2 threads ≥ 2 M msgs/s", value: a => m(a, "threads-inproc-16", "zmtp", "msgsPerSec"), pass: v => v >= 2e6, show: v => `${fmt.int(v)} msgs/s`},
    {id: "threads-inproc-16", text: "inproc 16 B between 2 threads ahead of zeromq.js msgs/s", value: a => m(a, "threads-inproc-16", "zmtp", "msgsPerSec") / m(a, "threads-inproc-16", "zeromq", "msgsPerSec"), pass: v => v > 1, show: fmt.ratio},
    // issue 19 item 3: the highest paced PUB rate at which all 10 SUBs get every message (bench/cases/pub-fanout-lossless.mjs)
    {
      id: "pub-fanout-lossless-tcp-64",
      text: "Lossless PUB → 10 SUBs, 64 B: ≥ 3× zeromq.js and ≥ 50% of the floor",
      value: a => {
        const z = m(a, "pub-fanout-lossless-tcp-64", "zmtp", "msgsPerSec")
        const vsZeromq = z / m(a, "pub-fanout-lossless-tcp-64", "zeromq", "msgsPerSec")
        const vsFloor = z / m(a, "pub-fanout-lossless-tcp-64", "floor", "msgsPerSec")
        return Number.isFinite(vsZeromq) && Number.isFinite(vsFloor) ? {vsZeromq, vsFloor} : NaN
      },
      pass: v => v.vsZeromq >= 3 && v.vsFloor >= 0.5,
      show: v => `${fmt.ratio(v.vsZeromq)} zeromq.js, ${pct(v.vsFloor)} of the floor`,
    },
    {id: "stalled-sub-tcp", text: `stalled SUB: RSS growth < 50 MB over ${stalledSends} sends`, value: a => m(a, "stalled-sub-tcp", "zmtp", "growthMB"), pass: v => v < 50, show: v => `${fmt.num(v)} MB`},
    // issue 20: a stalled peer with spill to disk on keeps the sender's memory flat
    {id: "stalled-spill-tcp", text: "stalled PULL with spill to disk: PUSH RSS growth < 50 MB over 1 GiB sent (issue 20)", value: a => m(a, "stalled-spill-tcp", "zmtp", "growthMB"), pass: v => v < 50, show: v => `${fmt.num(v)} MB`},
    {id: "router-dealers-tcp-1000", text: "1,000 idle connections < 20 MB over baseline (ROUTER process)", value: a => m(a, "router-dealers-tcp-1000", "zmtp", "routerGrowthMB"), pass: v => v < 20, show: v => `${fmt.num(v)} MB`},
    // issue 19: a run that misses any DEALER fails (its result is an error), and so does the target
    {id: "router-dealers-tcp-10000", text: "10,000 connections: all answered, ≤ 15 KB RSS per connection on the ROUTER (issue 19)", value: a => a["router-dealers-tcp-10000"]?.zmtp, pass: r => !r.error && r.answered === 10_000 && r.routerKBPerConn <= 15, show: r => (r.error ? `error: ${r.error}` : `${fmt.int(r.answered)} of 10,000 answered, ${fmt.num(r.routerKBPerConn)} KB per connection`)},
  ]
}

function pct(v) {
  return `${(v * 100).toFixed(0)}%`
}

function evaluate(opts, all) {
  const lines = []
  for (const t of targets(opts)) {
    if (!all[t.id]) continue
    const v = t.value(all)
    const verdict = v === undefined || Number.isNaN(v) ? "N/A " : t.pass(v) ? "PASS" : "FAIL"
    lines.push(`${verdict}  ${t.text}: ${Number.isNaN(v) || v === undefined ? "not measured" : t.show(v)}`)
  }
  return lines.join("\n")
}

// ---- main -----------------------------------------------------------------------------------

/** The zmtp revision measured: ZMTP_REV, or git's HEAD (and whether src/ differs from it). */
function revision() {
  if (process.env.ZMTP_REV) return process.env.ZMTP_REV
  try {
    let rev = execSync("git rev-parse --short HEAD", {cwd: ROOT_DIR, stdio: ["ignore", "pipe", "ignore"]}).toString().trim()
    if (execSync("git status --porcelain -- src", {cwd: ROOT_DIR, stdio: ["ignore", "pipe", "ignore"]}).toString().trim()) rev += " plus uncommitted src/ changes"
    return rev
  } catch {
    return "unknown"
  }
}

/** FILE.md → FILE.json / FILE.svg (any other name: the extension is appended). */
function beside(file, ext) {
  return file.endsWith(".md") || file.endsWith(".json") ? file.replace(/\.(md|json)$/, ext) : file + ext
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  if (opts.svgFrom) {
    const data = JSON.parse(fs.readFileSync(opts.svgFrom, "utf8"))
    const svgOut = opts.svgOut ?? beside(opts.svgFrom, ".svg")
    fs.writeFileSync(svgOut, renderSvg(data))
    console.log(`chart written to ${path.relative(process.cwd(), svgOut)}`)
    return
  }
  const defs = []
  for (const file of CASE_FILES) {
    const mod = await import(`./cases/${file}`)
    for (const def of mod.cases) defs.push({...def, file})
  }
  if (opts.list) {
    for (const d of defs) console.log(`${d.id.padEnd(28)} ${d.title}`)
    return
  }
  const chosen = defs.filter(d => selected(d.id, opts.cases))
  if (chosen.length === 0) throw new Error(`no case matches ${opts.cases} (try --list)`)
  if (opts.cpuProf) {
    fs.mkdirSync(opts.cpuProf.dir, {recursive: true})
    procOptions.cpuProf = opts.cpuProf
  }
  procOptions.pin = opts.pin
  // libzmq C is compiled before the first case; if it cannot be, it is left out, with the reason.
  let libzmqNote = null
  if (opts.only.includes("libzmq") && chosen.some(d => d.counts?.libzmq !== undefined)) {
    const b = buildLibzmqC()
    if (b.skip) {
      opts.skip.push("libzmq")
      process.stderr.write(`libzmq C: skipped (${b.skip})\n`)
      libzmqNote = `- libzmq C: skipped (${b.skip})`
    } else {
      libzmqNote = `- libzmq C: bench/c/zmq_perf.c on libzmq ${b.version} (\`${b.command.replaceAll(ROOT_DIR + "/", "")}\`)`
    }
  }
  const started = new Date()
  // The revision is read now, when dist/ has just been built, not after the run (src/ may have
  // been edited meanwhile, which does not change what was measured).
  const rev = revision()
  const all = {}
  for (const def of chosen) {
    process.stderr.write(`${def.id}: ${def.title}\n`)
    all[def.id] = await runCase(def, opts)
  }
  const machine = machineInfo()
  const zeromqVersion = JSON.parse(fs.readFileSync(path.join(BENCH_DIR, "../node_modules/zeromq/package.json"), "utf8")).version
  const distNote = ZMTP_DIST === path.join(ROOT_DIR, "dist") ? "" : ` (build in ${ZMTP_DIST})`
  const header = [
    `- date: ${started.toISOString()}`,
    `- machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGB} GB, ${machine.os}`,
    `- Node ${machine.node}; zeromq.js ${zeromqVersion} (libzmq 4.3.5); zmtp ${rev}${distNote}`,
    ...(libzmqNote ? [libzmqNote] : []),
    "- units: MB = 2^20 bytes; round trip = mean µs of one request and its reply; peak RSS = the larger of the processes' maxrss",
    `- mode: ${opts.quick ? "quick" : "full"}, PULL reads with ${opts.recv === "iter" ? "for await" : "await receive()"}, ${opts.rounds} rounds per case, contender order rotated every round, median shown`,
    ...(chosen.some(d => d.file === "req-rep.mjs") ? [`- REQ↔REP placement: ${placement()} for every contender (--pin; bench/cases/req-rep.mjs says why); req-rep-tcp-16-split: ${placement("split")}`] : []),
    `- command: npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
  ].join("\n")
  const report = [
    "## Results",
    header,
    "",
    table(chosen, all),
    "",
    "## Ratios",
    "",
    ratioTable(chosen, all),
    "",
    "## Targets (issues 6, 19 and 20)",
    "",
    "```",
    evaluate(opts, all),
    "```",
  ].join("\n")
  console.log(`\n${report}\n`)
  const out = opts.out ?? (!opts.cases && !opts.quick && opts.only.length === CONTENDERS.length ? path.join(BENCH_DIR, "RESULTS.md") : null)
  if (out) {
    const intro = "# zmtp benchmark results\n\nWritten by `npm run bench` (see bench/README.md for what each case measures). MB is 2^20 bytes.\n\n"
    // The FileMQ table (npm run bench:filemq) lives in the same file between its markers: kept.
    const old = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : ""
    const from = old.indexOf("<!-- filemq:begin -->")
    const to = old.indexOf("<!-- filemq:end -->")
    const filemq = from >= 0 && to > from ? `\n${old.slice(from, to + "<!-- filemq:end -->".length)}\n` : ""
    fs.writeFileSync(out, `${intro}${report}\n${filemq}`)
    console.log(`written to ${path.relative(process.cwd(), out)}`)
    // The results as data (RESULTS.json) and the chart drawn from them (RESULTS.svg).
    const data = resultsJson({
      date: started.toISOString(),
      meta: {
        mode: opts.quick ? "quick" : "full",
        rounds: opts.rounds,
        command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
        machine: `${machine.cpu}, ${machine.cores} cores, ${machine.memGB} GB, ${machine.os}`,
        node: machine.node,
        zeromqVersion,
        zmtp: `${rev}${distNote}`,
      },
      defs: chosen,
      all,
      contenderOrder: CONTENDERS,
      contenderLabel: CONTENDER_LABEL,
    })
    const jsonOut = beside(out, ".json")
    const svgOut = beside(out, ".svg")
    fs.writeFileSync(jsonOut, `${JSON.stringify(data, null, 1)}\n`)
    fs.writeFileSync(svgOut, renderSvg(data))
    console.log(`written to ${path.relative(process.cwd(), jsonOut)} and ${path.relative(process.cwd(), svgOut)}`)
  }
}

main().catch(e => {
  console.error(e?.stack ?? e)
  process.exitCode = 1
})
