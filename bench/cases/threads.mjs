/**
 * PUSH→PULL throughput between two worker threads (node:worker_threads) of one process, over
 * inproc and over tcp://127.0.0.1. The role process (bench/worker.mjs) has already loaded the
 * library in its main thread when the role starts (zmtp's default context and inproc registry are
 * handed to workers started after that; zeromq.js has one libzmq context per process), then starts
 * thread A, whose PULL binds, and thread B, whose PUSH connects. Each thread imports the library
 * itself. B sends `count` messages with `await push.send(msg)` in a loop; A reads them as
 * push-pull.mjs does (`for await (const [msg] of pull)`, or `--recv=receive`) and times the first
 * message to the last. Parameters go down in workerData, results come back over parentPort.
 *
 * The floor (inproc only): bare MessagePort between the two threads. B packs the messages as
 * [u32 length][bytes] into 64 KiB ArrayBuffers and transfers them, with at most 4 batches unacked;
 * A slices every message out of each batch.
 *
 * A thread that does not answer fails the run within ~20 s rather than hanging it: no "ready"
 * from A, or no "done" from A (then B is asked how many of its sends have completed, which tells
 * a connect that never came up from a slow run).
 */
import {Worker, MessageChannel, isMainThread, parentPort, workerData} from "node:worker_threads"
import {bindAddress, loadLib, payload} from "../lib/common.mjs"
import {withRoles} from "../lib/proc.mjs"
import {receiveAll, thrResult} from "./push-pull.mjs"

const FILE = "threads.mjs"
const KiB = 1024
/** How long the role waits for a thread's "ready" or "done". */
const TIMEOUT_MS = 20_000

/** Starting counts, modest enough that a first run at a quarter of the expected rate stays < 20 s. */
const SIZES = [
  {tag: "16", size: 16, counts: {inproc: {zmtp: 3_000_000, zeromq: 500_000, floor: 10_000_000}, tcp: {zmtp: 2_000_000, zeromq: 500_000}}},
  {tag: "1k", size: KiB, counts: {inproc: {zmtp: 1_000_000, zeromq: 300_000, floor: 2_000_000}, tcp: {zmtp: 500_000, zeromq: 300_000}}},
]

export const cases = []
for (const transport of ["inproc", "tcp"]) {
  for (const s of SIZES) {
    cases.push({
      id: `threads-${transport}-${s.tag}`,
      title: `PUSH→PULL ${transport} ${s.size >= KiB ? s.size / KiB + " KiB" : s.size + " B"}, 2 threads`,
      metric: "msgsPerSec",
      counts: s.counts[transport],
      labels: {floor: "MessagePort floor"},
      run: (contender, count, opts) =>
        withRoles(async start => {
          const r = start(FILE, "threads", contender, {lib: contender, transport, count, size: s.size, recv: opts.recv})
          const {result} = await r.wait("done")
          return thrResult(result, s.size)
        }),
    })
  }
}

// ---- the role (in bench/worker.mjs's main thread) ---------------------------------------------

/** One worker thread running this file, and the {type, ...} messages it posts. */
class Thread {
  constructor(name, data, transferList = []) {
    this.name = name
    this.inbox = []
    this.waiters = []
    this.failed = null
    this.done = false
    /** Rejects when the thread fails (an error, or an exit before "done"). */
    this.failure = new Promise((_, reject) => (this.rejectFailure = reject))
    this.failure.catch(() => {})
    this.worker = new Worker(new URL(import.meta.url), {workerData: {threadsBench: name, ...data}, transferList})
    this.worker.on("message", msg => {
      if (msg.type === "error") return this.#fail(new Error(`${name} thread failed: ${msg.message}`))
      if (msg.type === "done") this.done = true
      const i = this.waiters.findIndex(w => w.type === msg.type)
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(msg)
      else this.inbox.push(msg)
    })
    this.worker.on("error", e => this.#fail(new Error(`${name} thread failed: ${e?.stack ?? e}`)))
    this.worker.on("exit", code => {
      this.exited = true
      if (!this.done) this.#fail(new Error(`${name} thread exited (${code}) before it was done`))
    })
  }

  #fail(err) {
    this.failed ??= err
    this.rejectFailure(this.failed)
    for (const w of this.waiters.splice(0)) w.reject(this.failed)
  }

  /** The next message of this type; rejects after `ms`, or at once if the thread has failed. */
  wait(type, ms = TIMEOUT_MS) {
    const i = this.inbox.findIndex(m => m.type === type)
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0])
    if (this.failed) return Promise.reject(this.failed)
    return new Promise((resolve, reject) => {
      const w = {type}
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        reject(Object.assign(new Error(`${this.name} thread: no "${type}" within ${ms / 1000} s`), {timeout: true}))
      }, ms)
      w.resolve = m => (clearTimeout(timer), resolve(m))
      w.reject = e => (clearTimeout(timer), reject(e))
      this.waiters.push(w)
    })
  }

  /** Waits up to `ms` for the thread to end by itself, then terminates it. */
  async exit(ms) {
    if (this.exited) return
    const exited = new Promise(resolve => this.worker.once("exit", resolve))
    const timer = setTimeout(() => this.worker.terminate(), ms)
    await exited
    clearTimeout(timer)
  }

  post(type, data = {}) {
    this.worker.postMessage({type, ...data})
  }
}

/** Waits for `thread`'s message, failing early if `other` fails meanwhile. */
function either(thread, type, other) {
  return Promise.race([thread.wait(type), other.failure])
}

export const roles = {
  async threads(_, {lib, transport, count, size, recv}) {
    const floor = lib === "floor"
    const channel = floor ? new MessageChannel() : null
    const address = floor ? null : bindAddress(transport, "threads")
    const rx = new Thread("receiver (A)", {lib, address, count, size, recv, port: channel?.port1}, floor ? [channel.port1] : [])
    let tx
    try {
      const {endpoint} = await rx.wait("ready").catch(e => {
        throw new Error(`${e.message}: the PULL in thread A did not bind ${address ?? ""}`)
      })
      tx = new Thread("sender (B)", {lib, endpoint, count, size, port: channel?.port2}, floor ? [channel.port2] : [])
      const {elapsed} = await either(rx, "done", tx).catch(async e => {
        if (!e.timeout) throw e
        tx.post("status")
        const sent = await tx.wait("status", 1000).then(m => m.sent, () => "?")
        throw new Error(
          `${e.message}; the sender's awaited send() calls that completed: ${sent} of ${count}` +
            (transport === "inproc" ? ` (does ${lib}'s inproc connect between threads work in this build?)` : ""),
        )
      })
      // A ends before B is told to stop. zeromq.js sends and receives messages over 128 B
      // zero-copy, so A's buffers, when finalized, hand B's payload back to B's module. Ending
      // both threads at about the same time aborted the process with heap corruption in 2 of 15
      // zeromq.js inproc 1 KiB runs ("corrupted double-linked list"); ending A first, in none of 36.
      await rx.exit(5000)
      tx.post("stop")
      await tx.wait("done")
      return {elapsed, count}
    } finally {
      // Done threads have closed their sockets and end by themselves; terminate() is only for a
      // thread that hangs (zeromq.js can abort the process when a thread is stopped under it).
      await Promise.all([rx, tx].filter(Boolean).map(t => t.exit(t.done ? 5000 : 0)))
    }
  },
}

// ---- inside the worker threads ----------------------------------------------------------------

/** How many of the sender's `await push.send(msg)` calls have completed, for "status". */
let sent = 0

async function receiverThread({lib, address, count, size, recv, port}) {
  if (lib === "floor") {
    parentPort.postMessage({type: "ready"})
    const elapsed = await floorReceive(port, count, size)
    parentPort.postMessage({type: "done", elapsed})
    return
  }
  const zmq = await loadLib(lib)
  const pull = new zmq.Pull()
  await pull.bind(address)
  parentPort.postMessage({type: "ready", endpoint: pull.lastEndpoint})
  const [elapsed, bytes] = await receiveAll(pull, count, recv)
  if (bytes !== count * size) throw new Error(`received ${bytes} bytes, expected ${count * size}`)
  pull.close()
  parentPort.postMessage({type: "done", elapsed})
}

async function senderThread({lib, endpoint, count, size, port}) {
  const stopped = new Promise(resolve => {
    const onMessage = m => {
      if (m.type === "status") parentPort.postMessage({type: "status", sent})
      if (m.type === "stop") resolve(parentPort.off("message", onMessage))
    }
    parentPort.on("message", onMessage)
  })
  if (lib === "floor") {
    await floorSend(port, count, payload(size))
    await stopped
    port.close()
    parentPort.postMessage({type: "done"})
    return
  }
  const zmq = await loadLib(lib)
  const push = new zmq.Push()
  push.connect(endpoint)
  const msg = payload(size)
  for (sent = 0; sent < count; sent++) await push.send(msg)
  await stopped
  push.close()
  parentPort.postMessage({type: "done"})
}

// ---- the MessagePort floor --------------------------------------------------------------------

const BATCH = 64 * KiB
const IN_FLIGHT = 4

/** Sends `count` copies of `msg` in transferred batches, at most IN_FLIGHT unacked. */
async function floorSend(port, count, msg) {
  let credit = IN_FLIGHT
  let wake = null
  port.on("message", () => {
    credit++
    if (wake) wake = wake()
  })
  let buf = new ArrayBuffer(BATCH)
  let view = new DataView(buf)
  let bytes = new Uint8Array(buf)
  let off = 0
  const flush = async () => {
    if (credit === 0) await new Promise(resolve => (wake = resolve))
    credit--
    port.postMessage(bytes.subarray(0, off), [buf])
    buf = new ArrayBuffer(BATCH)
    view = new DataView(buf)
    bytes = new Uint8Array(buf)
    off = 0
  }
  for (sent = 0; sent < count; sent++) {
    if (off + 4 + msg.length > BATCH) await flush()
    view.setUint32(off, msg.length)
    bytes.set(msg, off + 4)
    off += 4 + msg.length
  }
  if (off > 0) await flush()
}

/** Receives batches until `count` messages are sliced out; the clock starts at the first batch. */
function floorReceive(port, count, size) {
  return new Promise((resolve, reject) => {
    let got = 0
    let t0 = 0
    let total = 0
    port.on("message", batch => {
      if (got === 0) t0 = performance.now()
      const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength)
      let off = 0
      while (off < batch.byteLength) {
        const len = view.getUint32(off)
        const body = batch.subarray(off + 4, off + 4 + len)
        total += body.length
        off += 4 + len
        got++
      }
      port.postMessage(0)
      if (got >= count) {
        port.close()
        if (total !== count * size) reject(new Error(`received ${total} bytes, expected ${count * size}`))
        else resolve((performance.now() - t0) / 1000)
      }
    })
  })
}

if (!isMainThread && workerData?.threadsBench) {
  const main = workerData.threadsBench.startsWith("receiver") ? receiverThread : senderThread
  main(workerData).catch(e => parentPort.postMessage({type: "error", message: e?.stack ?? String(e)}))
}
