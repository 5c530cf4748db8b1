/**
 * Sockets that live in other worker threads, for running a test written for local sockets with
 * its ends in different threads (inproc between threads, issue 18). `threadZmq(dist)` gives
 * constructors shaped like zmtp's: each socket made goes to the next of two host workers in
 * turn (socket-host-worker.mjs, running the built package at `dist`), so a test's bound socket and
 * its connecting one live in different threads, and neither in the test's.
 *
 * Property reads and writes and the synchronous methods are synchronous here too: the call is
 * posted and this thread waits (Atomics.wait) for the answer. send, receive, bind and unbind
 * return promises, settled when the host's promise settles. Calls reach the host in order.
 */
import {Buffer} from "node:buffer"
import {fileURLToPath} from "node:url"
import {MessageChannel, receiveMessageOnPort, Worker, type MessagePort} from "node:worker_threads"

const HOST = fileURLToPath(new URL("./socket-host-worker.mjs", import.meta.url))
const METHODS = new Set(["send", "receive", "bind", "unbind", "connect", "disconnect", "close", "subscribe", "unsubscribe", "join", "leave", "setBoolOption"])

type Reply = {call: number; value?: unknown; pending?: true; error?: {message: string; code?: string; errno?: number; name?: string}}

function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive)
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  // A draft receive's second element: {routingId} or {group} (a Buffer).
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]))
  return value
}

function rethrow(error: NonNullable<Reply["error"]>): never {
  const e = Object.assign(new Error(error.message), {code: error.code, errno: error.errno})
  if (error.name === "TypeError") Object.setPrototypeOf(e, TypeError.prototype)
  throw e
}

class Host {
  private readonly requests: MessagePort
  private readonly syncReplies: MessagePort
  private readonly replies: MessagePort
  private readonly signal = new Int32Array(new SharedArrayBuffer(4))
  private readonly pending = new Map<number, {resolve(v: unknown): void; reject(e: unknown): void}>()
  private nextCall = 1
  readonly worker: Worker
  /** The host died (an exception in it): every call from then on throws it. */
  private failure: Error | null = null

  constructor(dist: string) {
    const req = new MessageChannel()
    const sync = new MessageChannel()
    const rep = new MessageChannel()
    this.requests = req.port1
    this.syncReplies = sync.port1
    this.replies = rep.port1
    this.worker = new Worker(HOST, {
      workerData: {dist, requests: req.port2, syncReplies: sync.port2, replies: rep.port2, flag: this.signal.buffer},
      transferList: [req.port2, sync.port2, rep.port2],
    })
    this.worker.once("error", e => (this.failure = e))
    this.replies.on("message", (m: Reply) => {
      const p = this.pending.get(m.call)
      if (!p) return
      this.pending.delete(m.call)
      if (!m.error) return p.resolve(revive(m.value))
      try {
        rethrow(m.error)
      } catch (e) {
        p.reject(e)
      }
    })
    this.replies.unref()
  }

  /**
   * Runs a call in the host and waits for its answer: a value, an error thrown here as it was
   * there, or (for an operation that returned a promise) a promise of its outcome.
   */
  call(request: object): unknown {
    if (this.failure) throw this.failure
    const call = this.nextCall++
    this.requests.postMessage({...request, call})
    for (;;) {
      const got = receiveMessageOnPort(this.syncReplies)
      if (got) {
        const m = got.message as Reply
        if (m.error) rethrow(m.error)
        if (m.pending) return new Promise((resolve, reject) => this.pending.set(call, {resolve, reject}))
        return revive(m.value)
      }
      // The host stores the call's number after posting its answer: wait only while it has not.
      const seen = Atomics.load(this.signal, 0)
      if (seen !== call && Atomics.wait(this.signal, 0, seen, 10_000) === "timed-out") throw new Error(`socket host did not answer call ${call} (${(request as {method?: string}).method ?? ""})`)
    }
  }
}

/** A socket in a host worker, shaped like a local one. */
function remoteSocket(host: Host, type: string, options: object | undefined): object {
  const id = host.call({op: "create", type, options}) as number
  const target = {} as Record<string | symbol, unknown>
  return new Proxy(target, {
    get(_, prop) {
      if (prop === "then") return undefined
      if (prop === Symbol.asyncIterator) {
        return async function* () {
          for (;;) {
            try {
              yield await (host.call({op: "call", id, method: "receive", args: []}) as Promise<unknown>)
            } catch (e) {
              if ((e as {code?: string}).code === "EAGAIN") return
              throw e
            }
          }
        }
      }
      if (typeof prop !== "string") return undefined
      if (METHODS.has(prop)) return (...args: unknown[]) => host.call({op: "call", id, method: prop, args})
      return host.call({op: "get", id, prop})
    },
    set(_, prop, value) {
      host.call({op: "set", id, prop, value})
      return true
    },
  })
}

/**
 * Constructors by zmtp's class names (draft ones too) whose sockets alternate between two host
 * workers, started at the first socket made. `dist()` gives the built package's folder then.
 */
export function threadZmq(dist: () => string): {zmq: Record<string, new (options?: object) => unknown>; close(): Promise<void>} {
  let hosts: Host[] | null = null
  let turn = 0
  const zmq = new Proxy({} as Record<string, new (options?: object) => unknown>, {
    get(_, type) {
      if (typeof type !== "string") return undefined
      return function (options?: object) {
        hosts ??= [new Host(dist()), new Host(dist())]
        return remoteSocket(hosts[turn++ % 2]!, type, options)
      }
    },
  })
  return {
    zmq,
    async close() {
      if (hosts) await Promise.all(hosts.map(h => h.worker.terminate()))
      hosts = null
    },
  }
}
