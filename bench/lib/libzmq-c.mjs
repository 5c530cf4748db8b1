/**
 * The "libzmq C" contender: bench/c/zmq_perf.c (libzmq's own C API, in the shape of its perf
 * tools) compiled with `cc -O2 ... -lzmq`, and run one process per role with child_process.spawn.
 *
 * buildLibzmqC() compiles it once into node_modules/.cache/zmtp-bench/ (or $ZMTP_BENCH_CACHE) and
 * rebuilds only when the source or the compile command changed. When zmq.h or libzmq is missing,
 * it runs `apt-get install -y libzmq3-dev` if it runs as root and apt-get exists, saying so; if
 * it still cannot build, it returns {skip: reason} and run.mjs leaves the contender out.
 */
import {spawn, spawnSync} from "node:child_process"
import crypto from "node:crypto"
import fs from "node:fs"
import path from "node:path"
import {BENCH_DIR, ROOT_DIR} from "./common.mjs"
import {canPin, procOptions} from "./proc.mjs"

const SOURCE = path.join(BENCH_DIR, "c", "zmq_perf.c")
const CACHE_DIR = path.resolve(process.env.ZMTP_BENCH_CACHE ?? path.join(ROOT_DIR, "node_modules", ".cache", "zmtp-bench"))
const BINARY = path.join(CACHE_DIR, "zmq_perf")
const STAMP = `${BINARY}.stamp`

let built = null

/** {binary, version, command} once built, or {skip: reason}; computed once per process. */
export function buildLibzmqC(log = msg => process.stderr.write(`${msg}\n`)) {
  built ??= build(log)
  return built
}

function build(log) {
  const cc = process.env.CC || "cc"
  const args = ["-O2", "-Wall", "-o", `${BINARY}.tmp`, SOURCE, "-lzmq"]
  const command = `${cc} ${args.join(" ").replace(`${BINARY}.tmp`, BINARY)}`
  let source
  try {
    source = fs.readFileSync(SOURCE)
  } catch (e) {
    return {skip: `cannot read ${path.relative(ROOT_DIR, SOURCE)}: ${e.message}`}
  }
  const stamp = crypto.createHash("sha256").update(source).update(`\0${command}`).digest("hex")
  const fresh = () => {
    try {
      return fs.readFileSync(STAMP, "utf8") === stamp && fs.statSync(BINARY).isFile()
    } catch {
      return false
    }
  }
  if (!fresh()) {
    fs.mkdirSync(CACHE_DIR, {recursive: true})
    const compile = () => spawnSync(cc, args, {encoding: "utf8"})
    let r = compile()
    if (r.error) return {skip: `no C compiler (${cc}: ${r.error.code ?? r.error.message})`}
    if (r.status !== 0 && /zmq\.h|-lzmq|lzmq/.test(r.stderr) && installLibzmq(log)) r = compile()
    if (r.status !== 0) {
      const first = r.stderr.split("\n").find(l => /error/i.test(l)) ?? r.stderr.split("\n")[0]
      return {skip: `${cc} failed to build ${path.relative(ROOT_DIR, SOURCE)}: ${first.trim()}`}
    }
    fs.renameSync(`${BINARY}.tmp`, BINARY)
    fs.writeFileSync(STAMP, stamp)
    log(`libzmq C: built ${BINARY} (${command})`)
  }
  const v = spawnSync(BINARY, ["version"], {encoding: "utf8"})
  if (v.status !== 0) return {skip: `${BINARY} does not run: ${(v.error?.message ?? v.stderr).trim()}`}
  return {binary: BINARY, version: JSON.parse(v.stdout).version, command}
}

/** apt-get install -y libzmq3-dev, when root and apt-get exist; true when it succeeded. */
function installLibzmq(log) {
  if (process.getuid?.() !== 0) {
    log("libzmq C: zmq.h/libzmq missing; not root, so not installing libzmq3-dev")
    return false
  }
  if (spawnSync("apt-get", ["--version"], {stdio: "ignore"}).status !== 0) {
    log("libzmq C: zmq.h/libzmq missing and no apt-get to install libzmq3-dev")
    return false
  }
  const env = {...process.env, DEBIAN_FRONTEND: "noninteractive"}
  const apt = args => {
    log(`libzmq C: zmq.h/libzmq missing; running apt-get ${args.join(" ")}`)
    return spawnSync("apt-get", args, {stdio: ["ignore", 2, 2], env}).status === 0
  }
  // A fresh image may have no package lists yet: update once if the install fails.
  return apt(["install", "-y", "libzmq3-dev"]) || (apt(["update"]) && apt(["install", "-y", "libzmq3-dev"]))
}

/**
 * One running zmq_perf process. Its stdout is JSON lines; wait(key) resolves with the next line
 * that has that key. `options.cpus` pins it with taskset, as Role does for the node workers.
 */
export class CProcess {
  constructor(binary, args, options = {}) {
    const pinned = options.cpus !== undefined && canPin(options.cpus)
    this.name = `zmq_perf ${args[0]}`
    this.child = pinned ? spawn("taskset", ["-c", options.cpus, binary, ...args.map(String)]) : spawn(binary, args.map(String))
    this.child.stdin.on("error", () => {}) // it may exit before reading what is written
    this.lines = []
    this.waiters = []
    this.stderr = ""
    this.exited = false
    let partial = ""
    this.child.stdout.setEncoding("utf8")
    this.child.stdout.on("data", chunk => {
      const parts = (partial + chunk).split("\n")
      partial = parts.pop()
      for (const line of parts) if (line.trim()) this.#deliver(JSON.parse(line))
    })
    this.child.stderr.setEncoding("utf8")
    this.child.stderr.on("data", chunk => (this.stderr += chunk))
    this.child.on("error", e => this.#fail(new Error(`${this.name}: ${e.message}`)))
    this.child.on("close", (code, signal) => {
      this.exited = true
      this.#fail(new Error(`${this.name} exited (${signal ?? code}) before answering${this.stderr ? `: ${this.stderr.trim()}` : ""}`))
    })
  }

  #deliver(obj) {
    const i = this.waiters.findIndex(w => w.key in obj)
    if (i >= 0) this.waiters.splice(i, 1)[0].resolve(obj)
    else this.lines.push(obj)
  }

  #fail(err) {
    this.failed ??= err
    for (const w of this.waiters.splice(0)) w.reject(err)
  }

  /** The next output line holding `key`. */
  wait(key, timeoutMs = procOptions.timeoutMs) {
    const i = this.lines.findIndex(o => key in o)
    if (i >= 0) return Promise.resolve(this.lines.splice(i, 1)[0])
    if (this.failed) return Promise.reject(this.failed)
    return new Promise((resolve, reject) => {
      const w = {key, resolve, reject}
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        reject(new Error(`${this.name}: no "${key}" within ${timeoutMs} ms`))
      }, timeoutMs)
      w.resolve = o => (clearTimeout(timer), resolve(o))
      w.reject = e => (clearTimeout(timer), reject(e))
      this.waiters.push(w)
    })
  }

  /** A line to its stdin. */
  write(line) {
    if (!this.exited) this.child.stdin.write(`${line}\n`)
  }

  signal(sig = "SIGTERM") {
    if (!this.exited) this.child.kill(sig)
  }

  /** Waits for it to exit by itself; kills it after `ms`. */
  async end(ms = 5000) {
    if (this.exited) return
    await new Promise(resolve => {
      const timer = setTimeout(() => this.child.kill("SIGKILL"), ms)
      this.child.once("close", () => (clearTimeout(timer), resolve()))
    })
  }
}

/** Runs `fn(start)`, where start(args, options) spawns a zmq_perf; every one is gone afterwards. */
export async function withCProcesses(fn) {
  const procs = []
  const start = (args, options) => {
    const {binary, skip} = buildLibzmqC()
    if (skip) throw new Error(`libzmq C skipped: ${skip}`)
    const p = new CProcess(binary, args, options)
    procs.push(p)
    return p
  }
  try {
    return await fn(start)
  } finally {
    for (const p of procs) p.child.stdin.end()
    await Promise.all(procs.map(p => p.end(3000)))
  }
}
