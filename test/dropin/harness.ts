/**
 * Machinery for the drop-in scenarios (scenarios.ts): each scenario is written against the public
 * zeromq.js v6 API only and run once with `zeromq` and once with zmtp; these helpers turn what a
 * program can observe (messages, errors, option values, events) into plain data that can be
 * compared with deep equality once run-specific details (ports, ipc paths) are normalised.
 */
import {mkdtempSync} from "node:fs"
import {tmpdir} from "node:os"
import {join} from "node:path"

export type Zmq = typeof import("zeromq")
/** The draft module: `zeromq/draft`, or zmtp's src/draft.ts. */
export type Draft = typeof import("zeromq/draft.js")
export type Transport = "tcp" | "ipc" | "inproc"
export const TRANSPORTS: Transport[] = ["tcp", "ipc", "inproc"]

/** Loosely typed socket: the scenarios also feed the API values its types forbid. */
export type Loose = any // eslint-disable-line @typescript-eslint/no-explicit-any

const ipcDir = mkdtempSync(join(tmpdir(), "zmtp-dropin-"))
let counter = 0

/** What to bind to: tcp on an ephemeral port (read lastEndpoint afterwards), a fresh ipc path or inproc name. */
export function bindAddress(t: Transport): string {
  counter++
  switch (t) {
    case "tcp":
      return "tcp://127.0.0.1:*"
    case "ipc":
      return `ipc://${ipcDir}/dropin-${counter}.ipc`
    case "inproc":
      return `inproc://dropin-${counter}`
  }
}

/** A fresh ipc path / inproc name that nothing is bound to (counter-numbered, normalised away). */
export function freshName(prefix: string): string {
  counter++
  return `${prefix}-${counter}`
}

export const ipcDirectory = ipcDir

export const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms))

/** Frames as strings. */
export const str = (frames: Buffer[]) => frames.map(f => f.toString())
/** Frames as hex. */
export const hex = (frames: Buffer[]) => frames.map(f => f.toString("hex"))

/** A routing id libzmq generated (00 + 4 bytes) reads as "<auto>"; a chosen one as its text. */
export function idText(id: Buffer | undefined): string {
  if (!id) return "<none>"
  if (id.length === 5 && id[0] === 0) return "<auto>"
  return id.toString()
}

/** What a program can see of an error. */
export function errInfo(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return {nonError: String(e)}
  const x = e as Error & {code?: unknown; errno?: unknown; address?: unknown}
  const info: Record<string, unknown> = {kind: e.constructor.name, message: e.message}
  if (x.code !== undefined) info.code = x.code
  if (x.errno !== undefined) info.errno = x.errno
  if (x.address !== undefined) info.address = x.address
  return info
}

/**
 * The outcome of a call: {value} or {error}, however it came (returned or resolved, thrown or
 * rejected). Whether an error is thrown synchronously or rejects is a separate question, compared
 * on its own by delivery() in one scenario, so that the other scenarios compare codes and messages.
 */
export async function attempt(fn: () => unknown): Promise<Record<string, unknown>> {
  let r: unknown
  try {
    r = fn()
  } catch (e) {
    return {error: errInfo(e)}
  }
  if (r instanceof Promise) {
    try {
      return {value: summarize(await r)}
    } catch (e) {
      return {error: errInfo(e)}
    }
  }
  return {value: summarize(r)}
}

/** How a call delivers its outcome: "throws", "rejects", "resolves", "returns" (with the error code). */
export async function delivery(fn: () => unknown): Promise<string> {
  let r: unknown
  try {
    r = fn()
  } catch (e) {
    return `throws ${(e as {code?: string}).code ?? (e as Error).constructor.name}`
  }
  if (r instanceof Promise) {
    try {
      await r
      return "resolves"
    } catch (e) {
      return `rejects ${(e as {code?: string}).code ?? (e as Error).constructor.name}`
    }
  }
  return "returns"
}

/**
 * Like attempt(), but the call itself is made now and only its promise is awaited later, so a
 * series of calls can be made with no await in between (e.g. all while a bind is pending).
 */
export function attemptNow(fn: () => unknown): () => Promise<Record<string, unknown>> {
  let r: unknown
  try {
    r = fn()
  } catch (e) {
    const out = {error: errInfo(e)}
    return async () => out
  }
  if (r instanceof Promise) {
    const p = r.then(
      v => ({value: summarize(v)}),
      e => ({error: errInfo(e)}),
    )
    return () => p
  }
  const out = {value: summarize(r)}
  return async () => out
}

/** The settled state of a promise that was pending (it must settle, e.g. because of a close). */
export async function settle(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    return {value: summarize(await p)}
  } catch (e) {
    return {error: errInfo(e)}
  }
}

/** Whether a promise is still pending after `ms`. */
export async function pendingAfter(p: Promise<unknown>, ms: number): Promise<boolean> {
  let done = false
  p.then(
    () => (done = true),
    () => (done = true),
  )
  await sleep(ms)
  return !done
}

function summarize(v: unknown): unknown {
  if (Array.isArray(v) && v.every(Buffer.isBuffer)) return str(v as Buffer[])
  if (Buffer.isBuffer(v)) return v.toString()
  return v
}

/**
 * Run-specific details replaced by placeholders: tcp ports, the numbered ipc paths and inproc
 * names (the counter differs between the two runs).
 */
export function normalise(v: unknown): unknown {
  if (typeof v === "string") {
    return (
      v
        // Any run's ipc directory (a child process has its own); first, as its random suffix
        // may begin with digits.
        .replace(/\/[^\s"']*?zmtp-dropin-[A-Za-z0-9]{6}/g, "IPCDIR")
        .replace(/(127\.0\.0\.1|\[::1\]|0\.0\.0\.0|localhost):\d+/g, "$1:PORT")
        .replace(/\b(dropin|name|sock)-\d+/g, "$1-N")
    )
  }
  if (Array.isArray(v)) return v.map(normalise)
  if (Buffer.isBuffer(v)) return normalise(v.toString())
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) out[k] = normalise(x)
    return out
  }
  return v
}

/** Collapses consecutive repeats in an event type sequence. */
export function collapse(types: string[]): string[] {
  return types.filter((t, i) => i === 0 || types[i - 1] !== t)
}

const keepForever: unknown[] = []

/** The sockets a scenario opens, closed (with linger 0) when it ends whatever happens. */
export class Env {
  private readonly open: Array<{close(): void; closed: boolean; linger?: number}> = []
  private readonly cleanups: Array<() => void> = []
  private readonly observers: Array<{close(): void}> = []

  constructor(readonly zmq: Zmq) {}

  track<T>(s: T): T {
    this.open.push(s as unknown as {close(): void; closed: boolean})
    return s
  }

  /**
   * The socket's Observer, closed at the end and never garbage collected: zeromq.js names each
   * monitor endpoint after the Observer's address in memory (inproc://zmq.monitor.<this>), so a
   * new Observer allocated where a collected one lived can collide with its endpoint while libzmq
   * is still reaping the old one, and then never sees an event.
   */
  observe<T extends {events: {close(): void}}>(s: T): T["events"] {
    const ev = s.events
    this.observers.push(ev)
    keepForever.push(ev)
    return ev
  }

  /** Keeps an object from being garbage collected (see observe()). */
  keep(x: unknown): void {
    keepForever.push(x)
  }

  onCleanup(fn: () => void): void {
    this.cleanups.push(fn)
  }

  /** Binds and returns the address peers connect to (lastEndpoint). */
  async bind(s: {bind(a: string): Promise<void>; readonly lastEndpoint: string | null}, t: Transport): Promise<string> {
    await s.bind(bindAddress(t))
    return s.lastEndpoint!
  }

  close(): void {
    for (const fn of this.cleanups.splice(0)) {
      try {
        fn()
      } catch {
        // best effort
      }
    }
    for (const s of this.open.splice(0)) {
      if (s.closed) continue
      try {
        s.linger = 0
      } catch {
        // closed meanwhile
      }
      s.close()
    }
    for (const ev of this.observers.splice(0)) ev.close()
  }
}

export type Scenario = (zmq: Zmq, draft: Draft) => Promise<unknown>

/** A scenario with an Env that is always cleaned up. */
export function withEnv(body: (zmq: Zmq, env: Env, draft: Draft) => Promise<unknown>): Scenario {
  return async (zmq, draft) => {
    const env = new Env(zmq)
    try {
      return await body(zmq, env, draft)
    } finally {
      env.close()
    }
  }
}
