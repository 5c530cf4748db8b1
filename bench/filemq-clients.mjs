// npm run bench:filemq-clients [-- --tree A|B|AB] [--clients 1,20] [--runs N] [--quick]
//
// One FileMQ server feeding many clients at once (issue 21 item 4): `filemq serve` in its own
// process and N `filemq sync` processes started together, on loopback with a warm page cache.
//   tree A: 64 × 16 MiB in 8 folders; tree B: 10,000 × 4 KiB in 100 folders
//   (--quick: 16 × 16 MiB and 2,000 × 4 KiB).
// Client counts are interleaved run by run (order rotated); medians of --runs (default 1).
// All figures are the server process's own, from /proc/PID: peak RSS while serving (sampled every
// 20 ms, and VmHWM, which includes start-up), CPU (user + system) over the transfer, per client
// and per MiB (tree A) or per file (tree B), and bytes read (rchar: every read syscall, files and
// sockets; with a warm cache a file read is a copy from the page cache, so this is what "reads each
// file once" saves). The clock runs from the clients' start to the last client's last file. Every
// client's mirror is checked against the source's SHA-1s. The target: server RSS with 20 clients
// ≤ 2× that with one.
import {spawn} from "node:child_process"
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from "node:fs"
import {availableParallelism, cpus, tmpdir} from "node:os"
import {join} from "node:path"
import {fileURLToPath} from "node:url"
import {check, makeTree} from "./lib/filemq-trees.mjs"
import {cpuOf, freePort, until} from "./lib/processes.mjs"
import {median} from "./lib/common.mjs"

const ROOT = fileURLToPath(new URL("..", import.meta.url))
// FMQ_CLI: another build of the CLI (an A/B against a copy of dist/ from before a change).
const CLI = process.env.FMQ_CLI ?? join(ROOT, "dist", "esm", "filemq", "cli.js")
const MiB = 1 << 20

const args = process.argv.slice(2)
const flag = name => args.includes(`--${name}`)
const value = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const quick = flag("quick")
const runs = Number(value("runs", 1))
const which = value("tree", "AB").toUpperCase()
const counts = value("clients", "1,20").split(",").map(Number)
const TREES = {
  A: {name: "A", files: Number(value("a-files", quick ? 16 : 64)), size: 16 * MiB, folders: 8},
  B: {name: "B", files: Number(value("b-files", quick ? 2000 : 10_000)), size: 4096, folders: 100},
}

const work = mkdtempSync(join(tmpdir(), "zmtp-fmq-clients-"))
process.on("exit", () => rmSync(work, {recursive: true, force: true}))
const log = line => process.stderr.write(`${line}\n`)

/** A field of /proc/PID/status in KiB (VmRSS, VmHWM). */
function statusKiB(pid, field) {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+)`, "m"))
  return m ? Number(m[1]) : NaN
}

/** Bytes the process has read through read syscalls (files and sockets), from /proc/PID/io. */
function rcharOf(pid) {
  const m = readFileSync(`/proc/${pid}/io`, "utf8").match(/^rchar:\s+(\d+)/m)
  return m ? Number(m[1]) : NaN
}

/**
 * Starts a server once and waits for its `.filemq-index`, so that every measured server starts
 * from the index alike (the first start hashes the tree, which would weigh on whichever client
 * count happened to run first).
 */
async function writeIndex(src) {
  const port = await freePort()
  const server = spawn(process.execPath, [CLI, "serve", src, "--bind", `tcp://127.0.0.1:${port}`, "--stable", "0"], {stdio: "ignore"})
  await until(() => existsSync(join(src, ".filemq-index")), 120_000, "the server's index")
  server.kill("SIGTERM")
  await exited(server)
}

const exited = p => new Promise(r => (p.exitCode !== null || p.signalCode !== null ? r() : p.once("exit", r)))

/** One server process, `clients` sync processes; the server's own RSS, CPU and reads. */
async function runOnce(src, files, clients) {
  const port = await freePort()
  const endpoint = `tcp://127.0.0.1:${port}`
  const server = spawn(process.execPath, [CLI, "serve", src, "--bind", endpoint, "--stable", "0"], {stdio: ["ignore", "pipe", "inherit"]})
  let serving = false
  let tail = ""
  server.stdout.on("data", d => {
    tail = (tail + d).slice(-4096)
    if (tail.includes("serving ")) serving = true
  })
  await until(() => serving, 120_000, "the FileMQ server")
  await new Promise(r => setTimeout(r, 200)) // let start-up garbage settle before the baseline
  const rssIdle = statusKiB(server.pid, "VmRSS")
  const cpu0 = cpuOf(server.pid)
  const rchar0 = rcharOf(server.pid)
  let peakRss = rssIdle
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, statusKiB(server.pid, "VmRSS"))
    } catch {}
  }, 20)
  const t0 = performance.now()
  const dests = []
  const procs = []
  const received = new Array(clients).fill(0)
  for (let c = 0; c < clients; c++) {
    const dest = join(work, `dest-${c}`)
    rmSync(dest, {recursive: true, force: true})
    mkdirSync(dest)
    dests.push(dest)
    const p = spawn(process.execPath, [CLI, "sync", endpoint, dest], {stdio: ["ignore", "pipe", "inherit"]})
    let pending = ""
    p.stdout.on("data", d => {
      pending += d
      const lines = pending.split("\n")
      pending = lines.pop()
      for (const l of lines) if (l.startsWith("received ")) received[c]++
    })
    procs.push(p)
  }
  await until(() => received.every(n => n >= files), 1_800_000, "every client's mirror")
  const seconds = (performance.now() - t0) / 1000
  clearInterval(sampler)
  const cpu = cpuOf(server.pid) - cpu0
  const rchar = rcharOf(server.pid) - rchar0
  const hwm = statusKiB(server.pid, "VmHWM")
  for (const p of procs) p.kill("SIGTERM")
  await Promise.all(procs.map(exited))
  server.kill("SIGTERM")
  await exited(server)
  for (const d of dests) check(d, treeDigests)
  for (const d of dests) rmSync(d, {recursive: true, force: true})
  return {seconds, cpu, rchar, peakRss: peakRss / 1024, hwm: hwm / 1024, rssIdle: rssIdle / 1024}
}

let treeDigests = new Map()

if (!existsSync(CLI)) throw new Error("build first: npm run build")
const out = [
  "## One FileMQ server, many clients (`npm run bench:filemq-clients`)",
  "",
  `- date: ${new Date().toISOString()}; ${cpus()[0]?.model ?? "cpu"}, ${availableParallelism()} cores; Node ${process.version}`,
  `- ${runs} run${runs === 1 ? "" : "s"} per client count, interleaved, medians; loopback, warm page cache${quick ? "; --quick trees" : ""}; server figures from /proc`,
  "",
]
const verdicts = []
for (const key of which.split("")) {
  const tree = TREES[key]
  if (!tree) continue
  const label = `${tree.files.toLocaleString("en-US")} × ${tree.size >= MiB ? `${tree.size / MiB} MiB` : `${tree.size / 1024} KiB`}`
  log(`tree ${key}: writing ${label}`)
  const {dir: src, digests, bytes} = makeTree(work, tree)
  treeDigests = digests
  readdirSync(src, {recursive: true})
  await writeIndex(src)
  const results = new Map(counts.map(n => [n, []]))
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < counts.length; i++) {
      const n = counts[(i + r) % counts.length]
      const res = await runOnce(src, tree.files, n)
      results.get(n).push(res)
      log(`tree ${key} run ${r + 1}, ${n} client${n === 1 ? "" : "s"}: ${res.seconds.toFixed(2)} s, server ${res.cpu.toFixed(0)} ms CPU, peak RSS ${res.peakRss.toFixed(0)} MiB (idle ${res.rssIdle.toFixed(0)}, VmHWM ${res.hwm.toFixed(0)}), read ${(res.rchar / MiB).toFixed(0)} MiB`)
    }
  }
  const unit = key === "A" ? "MiB" : "file"
  const per = key === "A" ? bytes / MiB : tree.files
  const lines = [`### Tree ${key}: ${label}`, "", `| clients | seconds | server peak RSS MiB | server VmHWM MiB | server CPU ms | ms CPU per ${unit} per client | server read MiB (× tree) |`, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
  const rss = new Map()
  for (const n of counts) {
    const rs = results.get(n)
    const m = f => median(rs.map(f))
    rss.set(n, m(x => x.peakRss))
    lines.push(`| ${n} | ${m(x => x.seconds).toFixed(2)} | ${m(x => x.peakRss).toFixed(0)} | ${m(x => x.hwm).toFixed(0)} | ${m(x => x.cpu).toFixed(0)} | ${(m(x => x.cpu) / per / n).toFixed(key === "A" ? 3 : 4)} | ${(m(x => x.rchar) / MiB).toFixed(0)} (${(m(x => x.rchar) / bytes).toFixed(2)}) |`)
  }
  out.push(...lines, "")
  const lo = Math.min(...counts)
  const hi = Math.max(...counts)
  if (lo !== hi) verdicts.push(`${rss.get(hi) <= 2 * rss.get(lo) ? "PASS" : "FAIL"}  tree ${key}: server peak RSS with ${hi} clients ≤ 2× that with ${lo}: ${(rss.get(hi) / rss.get(lo)).toFixed(2)}×`)
  rmSync(src, {recursive: true, force: true})
}
out.push("```", ...verdicts, "```")
console.log(out.join("\n"))
