/**
 * Shared machinery for the libzmq interop matrix (test/interop/matrix*.test.ts): one loose socket
 * type over zmtp and zeromq.js (their APIs are the same), construction by library and class name,
 * endpoint handling, cleanup, event recording and a few wait-until helpers.
 */
import {afterEach} from "vitest"
import net from "node:net"
import * as zmq from "zeromq"
import * as zmtp from "../../src/index.js"
import {endpointFor, until} from "./sockets.js"
import {setTraceSink} from "../../src/engine/trace.js"

export type Lib = "zmtp" | "libzmq"
export type Transport = "tcp" | "ipc"
export const LIBS: Lib[] = ["zmtp", "libzmq"]
export const TRANSPORTS: Transport[] = ["tcp", "ipc"]
export const other = (lib: Lib): Lib => (lib === "zmtp" ? "libzmq" : "zmtp")

export type ClassName = "Pair" | "Publisher" | "Subscriber" | "Request" | "Reply" | "Dealer" | "Router" | "Pull" | "Push" | "XPublisher" | "XSubscriber"

/** The short names the RFCs use. */
export const SHORT: Record<ClassName, string> = {
  Pair: "PAIR",
  Publisher: "PUB",
  Subscriber: "SUB",
  Request: "REQ",
  Reply: "REP",
  Dealer: "DEALER",
  Router: "ROUTER",
  Pull: "PULL",
  Push: "PUSH",
  XPublisher: "XPUB",
  XSubscriber: "XSUB",
}

export interface Observed {
  type: string
  /** Date.now() when the test read it (recordEvents). */
  at?: number
  address?: string
  interval?: number
  error?: Error & {code?: string; errno?: number}
}

/** What both libraries' sockets offer (the zeromq.js v6 API); option properties are reached by name. */
export interface Sock {
  bind(address: string): Promise<void>
  unbind(address: string): Promise<void>
  connect(address: string, options?: {routingId?: string}): void
  disconnect(address: string): void
  send(message: unknown): Promise<void>
  receive(): Promise<Buffer[]>
  close(): void
  readonly closed: boolean
  readonly lastEndpoint: string | null
  readonly events: {receive(): Promise<Observed>; close(): void}
  subscribe(...topics: Array<string | Buffer>): void
  unsubscribe(...topics: Array<string | Buffer>): void
  [option: string]: any
}

const open: Sock[] = []
const rawSockets: net.Socket[] = []
const servers: net.Server[] = []
const cleanups: (() => void)[] = []

/** Closes every socket, raw stream and server the test made (registered once per test file). */
export function installCleanup(): void {
  afterEach(() => {
    for (const fn of cleanups.splice(0)) fn()
    for (const s of rawSockets.splice(0)) s.destroy()
    for (const s of servers.splice(0)) s.close()
    for (const s of open.splice(0)) if (!s.closed) s.close()
  })
}

export function onCleanup(fn: () => void): void {
  cleanups.push(fn)
}

export function trackRaw(s: net.Socket): net.Socket {
  rawSockets.push(s)
  return s
}

export function trackServer(s: net.Server): net.Server {
  servers.push(s)
  return s
}

/**
 * A socket of either library, linger 0 unless the test says otherwise, tracked for cleanup: by the
 * afterEach of installCleanup(), or in `owner` (concurrent tests close their own sockets).
 */
export function make(lib: Lib, cls: ClassName, options: Record<string, unknown> = {}, owner: Sock[] = open): Sock {
  const mod = (lib === "zmtp" ? zmtp : zmq) as unknown as Record<ClassName, new (o: Record<string, unknown>) => Sock>
  const s = new mod[cls]({linger: 0, ...options})
  owner.push(s)
  return s
}

export function track(s: Sock): Sock {
  open.push(s)
  return s
}

/** Binds to a fresh endpoint of the transport and returns the address peers connect to. */
export async function bindFresh(s: Sock, transport: Transport): Promise<string> {
  await s.bind(endpointFor(transport))
  return s.lastEndpoint!
}

/** Binds to exactly this address, retrying while the old owner is still letting it go (EADDRINUSE). */
export async function bindAgain(s: Sock, address: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      await s.bind(address)
      return
    } catch (e) {
      if ((e as {code?: string}).code !== "EADDRINUSE" || Date.now() > deadline) throw e
      await new Promise(r => setTimeout(r, 10))
    }
  }
}

/** Records every monitor event of a socket until its observer ends. */
export function recordEvents(s: Sock): Observed[] {
  const list: Observed[] = []
  const events = s.events
  void (async () => {
    for (;;) {
      let e: Observed
      try {
        e = await events.receive()
      } catch {
        return
      }
      list.push({...e, at: Date.now()})
      if (e.type === "end") return
    }
  })()
  return list
}

export const types = (events: Observed[]) => events.map(e => e.type)
export const count = (events: Observed[], type: string) => events.filter(e => e.type === type).length

/** Calls `attempt` until it returns true (or throws something unexpected). */
export async function retry(attempt: () => Promise<boolean>, ms = 3000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await attempt())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 5))
  }
}

/** A receive that fails the test with a clear message instead of hanging until the test timeout. */
export async function receiveWithin(s: Sock, ms = 3000, what = "message"): Promise<Buffer[]> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([s.receive(), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Awaits `p` while touching `s` every few ms. A libzmq socket handles its pending commands (a new
 * pipe after a handshake, for one) only when the application calls into it; zeromq.js does so only
 * while a send/receive waits. Reading `readable` (ZMQ_EVENTS) is such a call, and harmless on zmtp.
 * Used where the other side waits for something a bound libzmq SUB/XSUB only sends on attach.
 */
export async function pumping<T>(s: Sock, p: Promise<T>): Promise<T> {
  let done = false
  const pump = (async () => {
    while (!done && !s.closed) {
      void s.readable
      await new Promise(r => setTimeout(r, 5))
    }
  })()
  try {
    return await p
  } finally {
    done = true
    await pump
  }
}

export const buf = (s: string) => Buffer.from(s)
export const EMPTY = Buffer.alloc(0)

/** `n` bytes of a pattern seeded by `seed`; the first byte is never 00/01 (not a subscription). */
export function body(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) b[i] = (seed * 31 + i * 7) & 0xff
  if (n > 0) b[0] = 0x41 + (seed % 26)
  return b
}

export const hexFrames = (m: Buffer[]) => m.map(f => (f.length > 64 ? `${f.length}:${f.subarray(0, 8).toString("hex")}…${f.subarray(-8).toString("hex")}` : f.toString("hex")))

export {until, endpointFor, zmq, zmtp}

// ---- raw ZMTP peers (a net.Socket that speaks the bytes itself) ------------------------------

export interface RawFrame {
  command: boolean
  more: boolean
  body: Buffer
}

/**
 * A raw peer's view of what the other side sent: the 64-byte greeting, then every frame. The
 * parser is incremental; `frames` grows as bytes arrive.
 */
export class RawPeer {
  greeting: Buffer | null = null
  readonly frames: RawFrame[] = []
  private pending = Buffer.alloc(0)
  closed = false

  constructor(readonly socket: net.Socket) {
    trackRaw(socket)
    socket.on("data", chunk => this.feed(chunk))
    socket.on("close", () => (this.closed = true))
    socket.on("error", () => {})
  }

  private feed(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk])
    if (!this.greeting) {
      if (this.pending.length < 64) return
      this.greeting = this.pending.subarray(0, 64)
      this.pending = this.pending.subarray(64)
    }
    for (;;) {
      if (this.pending.length < 2) return
      const flags = this.pending[0]!
      const long = (flags & 0x02) !== 0
      const headerSize = long ? 9 : 2
      if (this.pending.length < headerSize) return
      const size = long ? Number(this.pending.readBigUInt64BE(1)) : this.pending[1]!
      if (this.pending.length < headerSize + size) return
      this.frames.push({command: (flags & 0x04) !== 0, more: (flags & 0x01) !== 0, body: Buffer.from(this.pending.subarray(headerSize, headerSize + size))})
      this.pending = this.pending.subarray(headerSize + size)
    }
  }

  /** Command frames by name (the body after the name), in order. */
  commands(name?: string): {name: string; data: Buffer}[] {
    return this.frames
      .filter(f => f.command)
      .map(f => ({name: f.body.toString("latin1", 1, 1 + f.body[0]!), data: f.body.subarray(1 + f.body[0]!)}))
      .filter(c => name === undefined || c.name === name)
  }

  /** Non-command frames grouped into messages. */
  messages(): Buffer[][] {
    const out: Buffer[][] = []
    let cur: Buffer[] = []
    for (const f of this.frames) {
      if (f.command) continue
      cur.push(f.body)
      if (!f.more) {
        out.push(cur)
        cur = []
      }
    }
    return out
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes)
  }
}

/** Opens a raw stream to a tcp:// or ipc:// address. */
export function rawConnect(address: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = address.startsWith("tcp://")
      ? net.connect(Number(address.slice(address.lastIndexOf(":") + 1)), address.slice(6, address.lastIndexOf(":")))
      : net.connect(address.slice("ipc://".length))
    s.once("connect", () => resolve(s))
    s.once("error", reject)
  })
}

/** A raw tcp listener on 127.0.0.1; resolves with the address and the accepted peers as they come. */
export async function rawListen(onPeer: (peer: RawPeer) => void): Promise<string> {
  const server = trackServer(net.createServer(s => onPeer(new RawPeer(s))))
  await new Promise<void>(r => server.listen(0, "127.0.0.1", r))
  return `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`
}

/**
 * Turns the ZMTP_DEBUG=wire trace on for engines created from now on and collects its lines
 * (undone after the test). Lets a test see what crossed the wire without a packet capture.
 */
export function captureTrace(): string[] {
  const lines: string[] = []
  const before = process.env.ZMTP_DEBUG
  process.env.ZMTP_DEBUG = "wire"
  const previous = setTraceSink(line => lines.push(line))
  onCleanup(() => {
    // Engines made during the test keep tracing until they close: drop their lines unless the
    // whole run asked for the trace.
    if (before === undefined) {
      delete process.env.ZMTP_DEBUG
      setTraceSink(() => {})
    } else {
      process.env.ZMTP_DEBUG = before
      setTraceSink(previous)
    }
  })
  return lines
}
