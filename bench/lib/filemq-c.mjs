// The C FileMQ (github.com/zeromq/filemq, master) as a contender in bench/filemq.mjs, when a build
// of its two command-line tools is on this machine; otherwise the reason it is not.
//
// Nothing here fetches or builds the C sources: put `filemq_server` and `filemq_client`, built
// from them against czmq, in $FILEMQ_C_BIN or in node_modules/.cache/zmtp-bench/filemq-c/
// ($ZMTP_BENCH_CACHE/filemq-c). Those tools take no endpoint: the server publishes its directory
// as "/" on port 5670, the client mirrors "/" from localhost:5670 (the reference's §10), so one
// C run at a time, and port 5670 must be free.
//
// The C server sends only changes made after a client subscribed (it ignores RESYNC), so a run
// starts the server on an empty directory, starts the client, waits for it to subscribe, and then
// moves the tree's folders in (hard links of the source, whose mtimes are old enough to count as
// stable at once). The clock runs from that move to the last complete file.
import {spawn, spawnSync} from "node:child_process"
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync} from "node:fs"
import net from "node:net"
import {join, resolve} from "node:path"
import {fileURLToPath} from "node:url"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const CLI = join(ROOT, "dist", "esm", "filemq", "cli.js")
export const C_PORT = 5670

/** The C tools' directory, or null. */
export function filemqCDir() {
  const dirs = process.env.FILEMQ_C_BIN
    ? [resolve(process.env.FILEMQ_C_BIN)]
    : [join(resolve(process.env.ZMTP_BENCH_CACHE ?? join(ROOT, "node_modules", ".cache", "zmtp-bench")), "filemq-c")]
  return dirs.find(d => existsSync(join(d, "filemq_server")) && existsSync(join(d, "filemq_client"))) ?? null
}

/** {dir} when the C FileMQ can run here, else {reason}. */
export async function findFilemqC() {
  const dir = filemqCDir()
  if (!dir) {
    return {reason: "no build of the C FileMQ here (put filemq_server and filemq_client, built from github.com/zeromq/filemq against czmq, in $FILEMQ_C_BIN or node_modules/.cache/zmtp-bench/filemq-c/)"}
  }
  const ldd = spawnSync("ldd", [join(dir, "filemq_server")], {encoding: "utf8"})
  if (ldd.status === 0 && /not found/.test(ldd.stdout)) return {reason: `the C FileMQ build in ${dir} misses libraries: ${ldd.stdout.split("\n").filter(l => /not found/.test(l)).map(l => l.trim()).join("; ")}`}
  const free = await new Promise(r => {
    const s = net.createServer().once("error", () => r(false))
    s.listen(C_PORT, "127.0.0.1", () => s.close(() => r(true)))
  })
  if (!free) return {reason: `port ${C_PORT} (fixed in the C tools) is in use`}
  return {dir}
}

function cpuOf(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100
  } catch {
    return NaN
  }
}

function rssMiB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024
  } catch {
    return 0
  }
}

/** Files under `dir` (dot names aside: our client's temp files and index) of exactly `size` bytes. */
function completeFiles(dir, size) {
  let n = 0
  const visit = d => {
    let entries
    try {
      entries = readdirSync(d, {withFileTypes: true})
    } catch {
      return
    }
    for (const e of entries) {
      if (e.name.startsWith(".")) continue
      if (e.isDirectory()) visit(join(d, e.name))
      else {
        try {
          if (statSync(join(d, e.name)).size === size) n++
        } catch {
          // renamed meanwhile
        }
      }
    }
  }
  visit(dir)
  return n
}

const sleep = ms => new Promise(r => setTimeout(r, ms))
const exited = p => new Promise(r => (p.exitCode !== null || p.signalCode !== null ? r() : p.once("exit", r)))

/**
 * One run: the C server publishing `work`/pub, and `client` ("c": the C client; "zmtp": our
 * `filemq sync`, default flags) mirroring it into `dest`. `staging` holds the tree's folders (hard
 * links of the source) and is emptied into pub. `tree`: {files, size}. Resolves to {seconds,
 * serverCpu, clientCpu} when every file arrived whole, or {failed: "n/N files …"} when nothing
 * more arrived for `stallMs` (the C server's livelock, B1), or the C server grew past `maxRssMiB`.
 */
export async function runCServer({dir, client, pub, staging, dest, tree, stallMs = 5000, maxRssMiB = 1024}) {
  mkdirSync(pub, {recursive: true})
  const env = {...process.env, ZSYS_FILE_STABLE_AGE_MSEC: "1000"}
  // Its debug log (both directory listings every second) goes nowhere.
  const server = spawn(join(dir, "filemq_server"), [pub], {stdio: "ignore", env})
  const procs = [server]
  try {
    await sleep(300)
    const c =
      client === "c"
        ? spawn(join(dir, "filemq_client"), [dest], {stdio: "ignore", env, cwd: dest})
        : spawn(process.execPath, [CLI, "sync", `tcp://127.0.0.1:${C_PORT}`, dest], {stdio: "ignore"})
    procs.push(c)
    await sleep(client === "c" ? 700 : 1500) // connected and subscribed
    if (server.exitCode !== null || c.exitCode !== null) throw new Error(`the C FileMQ ${server.exitCode !== null ? "server" : "client"} exited early`)
    const server0 = cpuOf(server.pid)
    const client0 = cpuOf(c.pid)
    const t0 = performance.now()
    for (const d of readdirSync(staging)) renameSync(join(staging, d), join(pub, d))
    let done = 0
    let last = performance.now()
    let cpuAtLast = server0
    for (;;) {
      await sleep(100)
      const n = completeFiles(dest, tree.size)
      if (n > done) {
        done = n
        last = performance.now()
        cpuAtLast = cpuOf(server.pid)
      }
      if (done >= tree.files) break
      const rss = rssMiB(server.pid)
      const stalled = performance.now() - last > stallMs
      if (stalled || rss > maxRssMiB) {
        const cpu = ((cpuOf(server.pid) - cpuAtLast) / (performance.now() - last)) * 100
        return {failed: `${done.toLocaleString("en-US")}/${tree.files.toLocaleString("en-US")} files, then ${stalled ? `nothing for ${stallMs / 1000} s` : `its RSS passed ${maxRssMiB} MiB`} (server at ${Math.round(rss)} MiB RSS${cpu > 50 ? ", spinning" : ""})`}
      }
    }
    const seconds = (performance.now() - t0) / 1000
    return {seconds, serverCpu: cpuOf(server.pid) - server0, clientCpu: cpuOf(c.pid) - client0}
  } finally {
    // The C server ignores SIGTERM while it spins (B1); the C client needs SIGINT or SIGTERM.
    for (const p of procs) p.kill(p === server ? "SIGKILL" : "SIGTERM")
    await Promise.race([Promise.all(procs.map(exited)), sleep(3000)])
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL")
  }
}
