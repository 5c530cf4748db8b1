/**
 * Starts one role of a case in a child process (bench/worker.mjs) and talks to it over the IPC
 * channel with small {type, ...} messages: the child says "ready" (with its endpoint), the case
 * may send it "go"/"stop", and the child ends with "done" (its result) or "error".
 */
import {fork, spawnSync} from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import {BENCH_DIR} from "./common.mjs"

const WORKER = path.join(BENCH_DIR, "worker.mjs")

/** Options set by run.mjs from the command line (e.g. --cpu-prof, --pin). */
export const procOptions = {cpuProf: null, timeoutMs: 120_000, pin: "same"}

/** Whether `taskset` (util-linux) can pin a child to these CPUs here ("0", "0,1"); checked once each. */
const tasksetWorks = new Map()
export function canPin(cpus) {
  if (!tasksetWorks.has(cpus)) tasksetWorks.set(cpus, spawnSync("taskset", ["-c", cpus, process.execPath, "-e", "0"]).status === 0)
  return tasksetWorks.get(cpus)
}

/**
 * The shell words that raise the soft RLIMIT_NOFILE to `n` and then exec the rest of the command
 * line. Node cannot call setrlimit on itself, so the limit is set by `sh` in the process that
 * becomes the worker. Where the hard limit is lower than `n` (raising it needs CAP_SYS_RESOURCE,
 * which a container often lacks, so `prlimit --nofile=65536:65536` fails there), the soft limit
 * is raised to the hard one instead. The worker can read what it got with `openFilesLimit()`.
 */
function nofileWords(n) {
  return ["/bin/sh", "-c", `ulimit -Sn ${n} 2>/dev/null || ulimit -Sn "$(ulimit -Hn)"; exec "$0" "$@"`]
}

/** This process's soft RLIMIT_NOFILE (from /proc/self/limits), or undefined where that is not readable. */
export function openFilesLimit() {
  try {
    const line = fs.readFileSync("/proc/self/limits", "utf8").split("\n").find(l => l.startsWith("Max open files"))
    const [soft, hard] = line.slice("Max open files".length).trim().split(/\s+/)
    return {soft: Number(soft) || soft, hard: Number(hard) || hard}
  } catch {
    return undefined
  }
}

export class Role {
  /**
   * `options.cpus`: run the child on these CPUs only ("0", "0,1"), through taskset.
   * `options.nofile`: raise the child's soft limit on open files to this (or to the hard limit,
   * if that is lower), through `sh -c "ulimit -Sn …; exec …"`.
   */
  constructor(caseFile, role, lib, params, options = {}) {
    const execArgv = ["--expose-gc"]
    const prof = procOptions.cpuProf
    if (prof && (prof.lib === "any" || prof.lib === lib) && (prof.role === "any" || prof.role === role)) {
      execArgv.push("--cpu-prof", `--cpu-prof-dir=${prof.dir}`, `--cpu-prof-name=${caseFile.replace(/\W/g, "")}-${role}-${lib}-${Date.now()}.cpuprofile`)
    }
    this.name = `${role}/${lib}`
    // fork() runs execPath with execArgv before the module: with taskset as execPath, node runs
    // pinned and keeps the IPC channel (an inherited fd named in the environment).
    // sh (for nofile) execs taskset or node in the same way.
    let command = [process.execPath, ...execArgv]
    if (options.cpus !== undefined && canPin(options.cpus)) command = ["taskset", "-c", options.cpus, ...command]
    if (options.nofile !== undefined) command = [...nofileWords(options.nofile), ...command]
    this.child = fork(WORKER, [], {execPath: command[0], execArgv: command.slice(1), stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced"})
    this.inbox = []
    this.waiters = []
    this.exited = false
    this.child.on("message", msg => this.#deliver(msg))
    this.child.on("exit", (code, signal) => {
      this.exited = true
      const err = new Error(`${this.name} exited (${signal ?? code}) before answering`)
      for (const w of this.waiters.splice(0)) w.reject(err)
    })
    this.child.send({type: "start", caseFile, role, lib, params})
  }

  #deliver(msg) {
    if (msg.type === "error") {
      const err = new Error(`${this.name} failed: ${msg.message}`)
      for (const w of this.waiters.splice(0)) w.reject(err)
      this.failed = err
      return
    }
    const i = this.waiters.findIndex(w => w.type === msg.type)
    if (i >= 0) this.waiters.splice(i, 1)[0].resolve(msg)
    else this.inbox.push(msg)
  }

  /** The next message of this type from the child. */
  wait(type, timeoutMs = procOptions.timeoutMs) {
    if (this.failed) return Promise.reject(this.failed)
    const i = this.inbox.findIndex(m => m.type === type)
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0])
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`))
    return new Promise((resolve, reject) => {
      const w = {type, resolve, reject}
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        reject(new Error(`${this.name}: no "${type}" within ${timeoutMs} ms`))
      }, timeoutMs)
      w.resolve = m => (clearTimeout(timer), resolve(m))
      w.reject = e => (clearTimeout(timer), reject(e))
      this.waiters.push(w)
    })
  }

  send(type, data = {}) {
    if (!this.exited) this.child.send({type, ...data})
  }

  /** Waits for the child to exit by itself; kills it after `ms`. */
  async end(ms = 5000) {
    if (this.exited) return
    await new Promise(resolve => {
      const timer = setTimeout(() => {
        this.child.kill("SIGKILL")
      }, ms)
      this.child.once("exit", () => (clearTimeout(timer), resolve()))
    })
  }

  kill() {
    if (!this.exited) this.child.kill("SIGKILL")
  }
}

/** Runs `fn(roles)` and makes sure every role started through `start` is gone afterwards. */
export async function withRoles(fn) {
  const roles = []
  const start = (...args) => {
    const r = new Role(...args)
    roles.push(r)
    return r
  }
  try {
    return await fn(start)
  } finally {
    await Promise.all(roles.map(r => r.end(3000)))
  }
}
