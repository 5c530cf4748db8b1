// npm run bench:filemq [-- --tree A|B|AB] [--runs N] [--quick] [--no-write]
//
// FileMQ against rsync (issue 21), in one run on one machine, loopback, warm page cache:
//   tree A: 64 files of 16 MiB (1 GiB) in 8 folders; tree B: 10,000 files of 4 KiB in 100 folders
//   (--quick: 16 and 2,000).
// Contenders, interleaved run by run (order rotated), medians of --runs (default 3):
//   zmtp FileMQ   `filemq serve` and `filemq sync` (two processes, built dist/)
//   rsync daemon  `rsync --daemon` on 127.0.0.1 and `rsync -a rsync://…` (what users compare with)
//   rsync -W      the same, whole files (no delta algorithm)
//   C FileMQ      the C server and client (C → C), and the C server with `filemq sync` (C → zmtp),
//                 when a build of the C tools is here (bench/lib/filemq-c.mjs); else the reason.
//                 C → C livelocks (bug B1): a run that stalls is reported as "fails (n/N files)".
//                 Their clock runs from moving the tree into the C server's empty directory.
// The clock runs from the client's start to its last file (FileMQ: the last "received" line;
// rsync: its exit); the server starts before (zmtp's start-up, indexing included, is reported on
// its own, first run and indexed). CPU is each process's user + system time over the transfer
// (/proc; rsync's daemon counts the child it forks per connection). Every mirror is checked
// against the source's SHA-1s. The table goes into bench/RESULTS.md (between the filemq markers)
// unless --no-write.
import {spawn, spawnSync} from "node:child_process"
import {closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync} from "node:fs"
import net from "node:net"
import {availableParallelism, cpus, tmpdir, totalmem} from "node:os"
import {join} from "node:path"
import {fileURLToPath} from "node:url"
import {findFilemqC, runCServer} from "./lib/filemq-c.mjs"
import {check, makeTree} from "./lib/filemq-trees.mjs"
import {cpuOf, freePort, until} from "./lib/processes.mjs"
import {median} from "./lib/common.mjs"

const ROOT = fileURLToPath(new URL("..", import.meta.url))
const CLI = join(ROOT, "dist", "esm", "filemq", "cli.js")
const RESULTS = join(ROOT, "bench", "RESULTS.md")
const MiB = 1 << 20

const args = process.argv.slice(2)
const flag = name => args.includes(`--${name}`)
const value = (name, dflt) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const quick = flag("quick")
const runs = Number(value("runs", quick ? 1 : 3))
const which = value("tree", "AB").toUpperCase()
const TREES = {
  A: {name: "A", files: quick ? 16 : 64, size: 16 * MiB, folders: 8, label: quick ? "16 × 16 MiB" : "64 × 16 MiB (1 GiB)"},
  B: {name: "B", files: quick ? 2000 : 10_000, size: 4096, folders: 100, label: quick ? "2,000 × 4 KiB in 100 folders" : "10,000 × 4 KiB in 100 folders"},
}

const work = mkdtempSync(join(tmpdir(), "zmtp-fmq-bench-"))
process.on("exit", () => rmSync(work, {recursive: true, force: true}))
const log = line => process.stderr.write(`${line}\n`)

// ---- tools ---------------------------------------------------------------------------------------

/** rsync on PATH, installed with apt-get when missing and possible; else the reason it is not. */
function ensureRsync() {
  const has = () => spawnSync("rsync", ["--version"], {stdio: "ignore"}).status === 0
  if (has()) return null
  if (process.getuid?.() === 0 && spawnSync("apt-get", ["--version"], {stdio: "ignore"}).status === 0) {
    log("rsync is missing: apt-get install rsync")
    spawnSync("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsync"], {stdio: "inherit"})
    if (has()) return null
  }
  return "rsync is not installed and could not be (apt-get install rsync)"
}

// ---- trees ---------------------------------------------------------------------------------------

/** Fresh VM memory is slow the first time it is touched: use `bytes` of page cache once first. */
function warmPageCache(bytes) {
  const warm = join(work, "warm")
  const block = Buffer.alloc(MiB, 1)
  const fd = openSync(warm, "w")
  for (let i = 0; i < Math.ceil(bytes / MiB); i++) writeSync(fd, block)
  closeSync(fd)
  unlinkSync(warm)
}

// ---- contenders ----------------------------------------------------------------------------------

/** zmtp FileMQ: `filemq serve` then `filemq sync`, two processes. */
async function runFileMQ(src, dest, files) {
  const port = await freePort()
  const endpoint = `tcp://127.0.0.1:${port}`
  const t0 = performance.now()
  const server = spawn(process.execPath, [CLI, "serve", src, "--bind", endpoint, "--stable", "0"], {stdio: ["ignore", "pipe", "inherit"]})
  let serving = false
  server.stdout.on("data", d => {
    if (String(d).includes("serving ")) serving = true
  })
  await until(() => serving, 120_000, "the FileMQ server")
  const startupMs = performance.now() - t0
  const server0 = cpuOf(server.pid)
  const t1 = performance.now()
  const client = spawn(process.execPath, [CLI, "sync", endpoint, dest], {stdio: ["ignore", "pipe", "inherit"]})
  let received = 0
  let pending = ""
  client.stdout.on("data", d => {
    pending += d
    const lines = pending.split("\n")
    pending = lines.pop()
    for (const l of lines) if (l.startsWith("received ")) received++
  })
  await until(() => received >= files, 600_000, "the FileMQ mirror")
  const seconds = (performance.now() - t1) / 1000
  const clientCpu = cpuOf(client.pid)
  const serverCpu = cpuOf(server.pid) - server0
  for (const p of [client, server]) p.kill("SIGTERM")
  await Promise.all([client, server].map(p => new Promise(r => (p.exitCode !== null ? r() : p.once("exit", r)))))
  return {seconds, serverCpu, clientCpu, startupMs}
}

/** rsync's daemon on loopback and its client; `whole`: -W. */
function rsyncContender(whole) {
  let daemon = null
  let port = 0
  return {
    async start(src) {
      port = await freePort()
      const conf = join(work, `rsyncd-${port}.conf`)
      writeFileSync(conf, `use chroot = no\npid file = ${join(work, `rsyncd-${port}.pid`)}\n[src]\n  path = ${src}\n  read only = yes\n  exclude = .filemq-index*\n`)
      daemon = spawn("rsync", ["--daemon", "--no-detach", `--port=${port}`, "--address=127.0.0.1", `--config=${conf}`], {stdio: "ignore"})
      const up = () =>
        new Promise(r => {
          const s = net.connect(port, "127.0.0.1", () => (s.destroy(), r(true)))
          s.on("error", () => r(false))
        })
      for (let i = 0; i < 200 && !(await up()); i++) await new Promise(r => setTimeout(r, 10))
    },
    async run(_src, dest) {
      const daemon0 = cpuOf(daemon.pid, true)
      const t0 = performance.now()
      // The shell reports its reaped child's CPU (the rsync client) from its own /proc entry.
      const sh = spawn("sh", ["-c", `rsync -a ${whole ? "-W " : ""}rsync://127.0.0.1:${port}/src/ "$1"/ && cat /proc/$$/stat`, "sh", dest], {stdio: ["ignore", "pipe", "inherit"]})
      let out = ""
      sh.stdout.on("data", d => (out += d))
      const code = await new Promise(r => sh.once("exit", r))
      const seconds = (performance.now() - t0) / 1000
      if (code !== 0) throw new Error(`rsync exited with ${code}`)
      const f = out.trim().split(") ")[1].split(" ")
      const clientCpu = ((Number(f[13]) + Number(f[14])) * 1000) / 100
      await new Promise(r => setTimeout(r, 100)) // the daemon reaps the child that served us
      return {seconds, serverCpu: cpuOf(daemon.pid, true) - daemon0, clientCpu}
    },
    stop() {
      daemon?.kill("SIGTERM")
    },
  }
}

// ---- main ----------------------------------------------------------------------------------------

if (!existsSync(CLI)) throw new Error("build first: npm run build")
const rsyncMissing = ensureRsync()
const filemqC = await findFilemqC()
const C_SKIP = filemqC.reason ? `C FileMQ: skipped: ${filemqC.reason}` : `C FileMQ: ${filemqC.dir} (port 5670; its server sends changes only, so each run moves the tree into its empty directory)`
log(C_SKIP)

/** A C FileMQ contender: the C server, and `client` "c" (the C client) or "zmtp" (`filemq sync`). */
function cContender(client, tree) {
  return async (src, dest) => {
    const staging = join(work, "c-stage")
    const pub = join(work, "c-pub")
    for (const d of [staging, pub]) rmSync(d, {recursive: true, force: true})
    // Hard links: no copy, and the source's mtimes, old enough to be stable for the C server.
    if (spawnSync("cp", ["-al", src, staging]).status !== 0) throw new Error("cp -al failed")
    for (const e of readdirSync(staging)) if (e.startsWith(".")) rmSync(join(staging, e), {recursive: true, force: true})
    return runCServer({dir: filemqC.dir, client, pub, staging, dest, tree, stallMs: 15_000, maxRssMiB: 2048})
  }
}
if (rsyncMissing) log(`rsync: skipped: ${rsyncMissing}`)

const sections = []
const verdicts = []
for (const key of which.split("")) {
  const tree = TREES[key]
  if (!tree) continue
  log(`tree ${key}: writing ${tree.label}`)
  const {dir: src, digests, bytes} = makeTree(work, tree)
  warmPageCache(bytes * 2)
  readdirSync(src, {recursive: true}) // the source's inodes, warm
  const contenders = [{id: "zmtp FileMQ", run: (s, d) => runFileMQ(s, d, tree.files)}]
  if (filemqC.dir) contenders.push({id: "C FileMQ (C server → C client)", run: cContender("c", tree)}, {id: "C server → zmtp client", run: cContender("zmtp", tree)})
  const daemons = []
  if (!rsyncMissing) {
    for (const [id, whole] of [["rsync daemon", false], ["rsync -W", true]]) {
      const c = rsyncContender(whole)
      await c.start(src)
      daemons.push(c)
      contenders.push({id, run: (s, d) => c.run(s, d)})
    }
  }
  const results = Object.fromEntries(contenders.map(c => [c.id, []]))
  try {
    for (let r = 0; r < runs; r++) {
      for (let i = 0; i < contenders.length; i++) {
        const c = contenders[(i + r) % contenders.length]
        // Tree B: each run mirrors into a new directory, and none is deleted until the tree is
        // done. ext4 allocates a new inode by scanning past the ones freed in the last minutes
        // (recently_deleted() in fs/ext4/ialloc.c): measured here, creating a file right after
        // 10,000 were deleted took ~0.7 ms of kernel time instead of ~0.05, for every contender,
        // so whoever ran after a deletion paid several seconds. Tree A's 64 files barely notice,
        // and keeping its 1 GiB mirrors would fill the page cache with dirty pages instead.
        const dest = key === "B" ? join(work, `dest-B-${r}-${i}`) : join(work, "dest")
        rmSync(dest, {recursive: true, force: true})
        mkdirSync(dest)
        const res = await c.run(src, dest)
        if (res.failed) {
          results[c.id].push(res)
          log(`tree ${key} run ${r + 1}: ${c.id} fails: ${res.failed}`)
          continue
        }
        check(dest, digests)
        results[c.id].push(res)
        log(`tree ${key} run ${r + 1}: ${c.id} ${res.seconds.toFixed(2)} s (server ${res.serverCpu.toFixed(0)} + client ${res.clientCpu.toFixed(0)} ms CPU)${res.startupMs ? `, server start-up ${res.startupMs.toFixed(0)} ms` : ""}`)
      }
    }
  } finally {
    for (const d of daemons) d.stop()
  }
  const mib = bytes / MiB
  const failures = new Map(contenders.map(c => [c.id, results[c.id].find(x => x.failed)?.failed]).filter(([, f]) => f))
  const rows = contenders.filter(c => !failures.has(c.id)).map(c => {
    const rs = results[c.id]
    const seconds = median(rs.map(x => x.seconds))
    const per = tree.name === "A" ? mib : tree.files
    return {
      id: c.id,
      rate: tree.name === "A" ? mib / seconds : tree.files / seconds,
      server: median(rs.map(x => x.serverCpu)) / per,
      client: median(rs.map(x => x.clientCpu)) / per,
      seconds,
      startup: rs[0].startupMs,
      startupIndexed: rs.length > 1 ? median(rs.slice(1).map(x => x.startupMs)) : undefined,
    }
  })
  const unit = tree.name === "A" ? "MiB/s" : "files/s"
  const cpuUnit = tree.name === "A" ? "ms CPU per MiB" : "ms CPU per file"
  const lines = [`### Tree ${key}: ${tree.label}`, "", `| contender | ${unit} | seconds | server ${cpuUnit} | client ${cpuUnit} |`, "| --- | ---: | ---: | ---: | ---: |"]
  for (const row of rows) lines.push(`| ${row.id} | ${Math.round(row.rate).toLocaleString("en-US")} | ${row.seconds.toFixed(2)} | ${row.server.toFixed(tree.name === "A" ? 2 : 3)} | ${row.client.toFixed(tree.name === "A" ? 2 : 3)} |`)
  for (const [id, failed] of failures) lines.push(`| ${id} | fails (${failed}) | | | |`)
  if (filemqC.reason) lines.push("| C FileMQ | skipped: no build here | | | |")
  else lines.push("", "The C server's runs include its wait for the next rescan (every 1 s) and its SHA-1 of every change before the first file (sub_patch_add).")
  const z = rows[0]
  lines.push("", `zmtp's server start-up: ${z.startup.toFixed(0)} ms on the first run (indexing)${z.startupIndexed === undefined ? "" : `, ${z.startupIndexed.toFixed(0)} ms with its index (median of the later runs)`}.`)
  sections.push(lines.join("\n"))
  const daemonRow = rows.find(r => r.id === "rsync daemon")
  if (daemonRow) verdicts.push(`${z.rate >= daemonRow.rate ? "PASS" : "FAIL"}  tree ${key}: zmtp ≥ 1.0× rsync daemon ${unit}: ${(z.rate / daemonRow.rate).toFixed(2)}×`)
  if (key === "B" && z.startupIndexed !== undefined) verdicts.push(`${z.startupIndexed <= 500 ? "PASS" : "FAIL"}  tree B: server start-up on an unchanged, indexed tree ≤ 0.5 s: ${z.startupIndexed.toFixed(0)} ms`)
  rmSync(src, {recursive: true, force: true})
  for (const e of readdirSync(work)) if (e.startsWith("dest-B-")) rmSync(join(work, e), {recursive: true, force: true})
}

const header = [
  "## FileMQ against rsync (`npm run bench:filemq`)",
  "",
  `- date: ${new Date().toISOString()}; ${cpus()[0]?.model ?? "cpu"}, ${availableParallelism()} cores, ${Math.round(totalmem() / 2 ** 30)} GB; Node ${process.version}`,
  `- ${runs} run${runs === 1 ? "" : "s"} per contender, interleaved, medians; loopback, warm page cache${quick ? "; --quick trees" : ""}`,
  `- ${rsyncMissing ? `rsync: skipped: ${rsyncMissing}` : spawnSync("rsync", ["--version"], {encoding: "utf8"}).stdout.split("\n")[0]}`,
  `- ${C_SKIP}`,
  "",
]
const text = [...header, ...sections.flatMap(s => [s, ""]), "```", ...verdicts, "```"].join("\n")
console.log(text)
if (!flag("no-write") && !quick) {
  const BEGIN = "<!-- filemq:begin -->"
  const END = "<!-- filemq:end -->"
  const old = existsSync(RESULTS) ? readFileSync(RESULTS, "utf8") : ""
  const block = `${BEGIN}\n${text}\n${END}`
  const next = old.includes(BEGIN) ? old.slice(0, old.indexOf(BEGIN)) + block + old.slice(old.indexOf(END) + END.length) : `${old.trimEnd()}\n\n${block}\n`
  writeFileSync(RESULTS, next)
  log(`wrote the table into ${RESULTS}`)
}
