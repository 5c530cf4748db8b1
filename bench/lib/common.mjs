/**
 * Small helpers shared by the orchestrator (run.mjs), the worker (worker.mjs) and the cases.
 */
import {fileURLToPath, pathToFileURL} from "node:url"
import path from "node:path"
import os from "node:os"

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
export const ROOT_DIR = path.dirname(BENCH_DIR)

/**
 * The contenders, in the order they are listed in tables. "libzmq" is libzmq's C API itself
 * (bench/c/zmq_perf.c, spawned by lib/libzmq-c.mjs, never loaded into a worker); a case runs it
 * only where its `counts` name it.
 */
export const CONTENDERS = ["zmtp", "zeromq", "libzmq", "floor"]
export const CONTENDER_LABEL = {zmtp: "zmtp", zeromq: "zeromq.js", libzmq: "libzmq C", floor: "net floor"}

/** zmtp's build folder: dist/ (what `npm run bench` just built), or ZMTP_DIST to measure another build. */
export const ZMTP_DIST = path.resolve(process.env.ZMTP_DIST ?? path.join(ROOT_DIR, "dist"))

/** Loads a contender's module: zmtp's ESM build, the zeromq devDependency, or nothing (floor; libzmq C runs no worker). */
export async function loadLib(lib) {
  if (lib === "zmtp") return import(pathToFileURL(path.join(ZMTP_DIST, "esm/index.js")).href)
  if (lib === "zeromq") return import("zeromq")
  return null
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export function wallMs() {
  return performance.timeOrigin + performance.now()
}

export const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

export function rssMB() {
  return process.memoryUsage.rss() / 1048576
}

/** Peak resident set size of this process so far (the kernel's maxrss), in MB. */
export function peakRssMB() {
  return process.resourceUsage().maxRSS / 1024
}

/** A full collection when the process runs with --expose-gc (workers do), then a breath. */
export async function settle(ms = 50) {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.()
    await sleep(ms / 3)
  }
}

export function median(values) {
  const v = values.filter(x => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return undefined
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/** A fresh endpoint of the given transport for a bind (tcp picks a free port with "*"). */
export function bindAddress(transport, tag) {
  if (transport === "tcp") return "tcp://127.0.0.1:*"
  if (transport === "ipc") return `ipc://${path.join(os.tmpdir(), `zmtp-bench-${process.pid}-${tag}-${Date.now()}.sock`)}`
  if (transport === "inproc") return `inproc://bench-${tag}`
  throw new Error(`unknown transport ${transport}`)
}

/** A payload of `size` bytes (not all zeros, so nothing can cheat on content). */
export function payload(size, fill = 0x61) {
  const buf = Buffer.allocUnsafe(size)
  buf.fill(fill)
  return buf
}

export function machineInfo() {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    memGB: Math.round(os.totalmem() / 1073741824),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  }
}
