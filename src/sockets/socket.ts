/**
 * The public base socket: what zeromq.js's native `Socket` class provides (options by libzmq id,
 * bind/unbind/connect/disconnect, send/receive with one pending operation each, close), built on
 * pipes, ZMTP engines and the inproc links. Socket-type routing lives in the patterns (types/*).
 *
 * Blocking follows zeromq.js: a send that can be queued now resolves at once; otherwise it waits
 * until the pattern can take it or sendTimeout passes (EAGAIN). Receives likewise.
 */
import {Buffer} from "node:buffer"
import type net from "node:net"
import {performance} from "node:perf_hooks"
import {busyBinding, busyReading, busyWriting, errnoError, type ErrnoError} from "../errors.js"
import {context as defaultContext, assignOptions, Context} from "../context.js"
import type {Engine} from "../engine/engine.js"
import {copySmall, STAGE_PART_MAX} from "../engine/encoder.js"
import {linkInproc} from "../engine/inproc-engine.js"
import {Pipe, type Msg, type PeerInfo, type PipeOwner} from "../engine/pipe.js"
import {RawEngine} from "../engine/raw-engine.js"
import {ZmtpEngine} from "../engine/zmtp-engine.js"
import {NullMechanism} from "../mechanism/null.js"
import {PlainClient, PlainServer} from "../mechanism/plain.js"
import {CurveClient, CurveMissingKeys, CurveServer} from "../mechanism/curve.js"
import {encodeZapRequest, isZapAuthError, parseZapReply, ZapProtocolError, type ZapOptions, type ZapReply, type ZapRequest} from "../mechanism/zap.js"
import type {Mechanism} from "../mechanism/mechanism.js"
import {checkTermEndpoint, parseEndpoint, type Endpoint} from "../transport/endpoint.js"
import type {InprocBinder, InprocConnecter} from "../transport/inproc.js"
import {StreamConnecter, StreamListener, type SocketEvent} from "../transport/stream.js"
import {ZmtpError} from "../wire/errors.js"
import type {Observer} from "../observer.js"
import {sendsIdentity, socketTypeName, type SocketTypeName} from "../wire/socket-type.js"
import type {Pattern, PatternHost} from "./pattern.js"
import {SocketOptions, appliesImmediately, type OptionKind} from "./sockopt.js"
import {createPattern} from "./types/index.js"
import {checkArgumentCount} from "../native-class.js"
import {lingerEnded, lingerStarted, socketClosed, socketOpened, type Lingerer} from "./linger.js"
import {mayRunNow, newSlice, waitedForLoop} from "./slice.js"

export type MessageLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer | string | number | null

const RESOLVED = Promise.resolve()
/** The keep-alive timer's callback: the timer only holds the event loop open. */
const keepNothing = (): void => {}
/** 27/ZAP: where the application's authentication handler is bound. */
const ZAP_ENDPOINT = "zeromq.zap.01"
/** zeromq.js AuthError messages by ZAP status. */
const AUTH_MESSAGES: Record<number, string> = {300: "Temporary error", 400: "Authentication failure", 500: "Internal error"}
/** Socket types with no receive path: a receive() simply stays pending, as in zeromq.js. */
/** PUB and PUSH cannot receive. */
export const SEND_ONLY: ReadonlySet<number> = new Set([1, 8])

/** zeromq.js copies parts up to this size and shares larger ones (outgoing_msg.cc). */
const ZERO_COPY_THRESHOLD = STAGE_PART_MAX

/** A message made only of small Buffers (still the caller's): one Buffer or their array; else null. */
function smallParts(message: unknown): Buffer | Buffer[] | null {
  if (Buffer.isBuffer(message)) return message.length <= ZERO_COPY_THRESHOLD ? message : null
  if (!Array.isArray(message) || message.length === 0) return null
  for (let i = 0; i < message.length; i++) {
    const part: unknown = message[i]
    if (!Buffer.isBuffer(part) || part.length > ZERO_COPY_THRESHOLD) return null
  }
  return message as Buffer[]
}

/**
 * Converts what zeromq.js accepts as a message part into a Buffer, as its outgoing_msg.cc does:
 * Buffers and typed arrays are bytes (copied when small, so a later change to the caller's
 * buffer cannot alter a queued message), ArrayBuffers too, strings are UTF-8, null is an empty
 * frame, a DataView is refused, and anything else becomes its string form.
 */
export function toFrame(part: unknown): Buffer {
  if (Buffer.isBuffer(part)) return part.length > ZERO_COPY_THRESHOLD ? part : copySmall(part)
  if (typeof part === "string") return Buffer.from(part, "utf8")
  if (part === null) return Buffer.alloc(0)
  if (ArrayBuffer.isView(part)) {
    if (part instanceof DataView) throw new Error("Invalid argument")
    const view = Buffer.from(part.buffer, part.byteOffset, part.byteLength)
    return view.length > ZERO_COPY_THRESHOLD ? view : copySmall(view)
  }
  if (part instanceof ArrayBuffer) {
    const view = Buffer.from(part)
    return view.length > ZERO_COPY_THRESHOLD ? view : copySmall(view)
  }
  return Buffer.from(String(part), "utf8")
}

export interface EventSink {
  push(event: SocketEvent): void
  end(): void
}

interface Pending<T> {
  resolve(value: T): void
  reject(err: Error): void
  timer: NodeJS.Timeout | null
  /** performance.now() when it began to wait. */
  since: number
  /** Ready when made, held only for the event loop's turn (SLICE_MS). */
  held: boolean
}

interface PendingSend extends Pending<void> {
  msg: Msg
}

/** One connect()ed endpoint: its transport, and the pipe that outlives reconnects (immediate=0). */
interface ConnectEntry {
  address: string
  endpoint: Endpoint
  connecter: StreamConnecter | null
  inproc: InprocConnecter | null
  pipe: Pipe | null
  routingId: Buffer | null
  engines: Set<Transport>
}

/** A live connection: a ZMTP engine, or a raw one for STREAM. */
type Transport = Engine

interface BindEntry {
  /** The resolved endpoint (lastEndpoint form); unbind() matches this. */
  address: string
  listener: StreamListener | null
  inproc: InprocBinder | null
  engines: Set<Transport>
}

let observeSocket: (socket: Socket, sink: EventSink) => () => void
let joinInproc: (bound: Socket, connecting: Socket, entry: ConnectEntry) => void
let receiveNow: (socket: Socket) => Buffer[] | undefined

/** Messages a pipe still holds for its peer: queued in it, or written to a stream not yet drained. */
function hasQueued(pipe: Pipe): boolean {
  if (pipe.outLength > 0) return true
  const t = pipe.transport
  return t !== null && !t.closed && t.unwritten > 0
}

/** How many endpoints a socket is bound or connected to (Proxy requires at least one). */
let socketEndpointCount: (socket: Socket) => number
let observerFactory: ((socket: Socket) => Observer) | null = null

/** The Observer module registers its constructor here (avoids an import cycle). */
export function setObserverFactory(factory: (socket: Socket) => Observer): void {
  observerFactory = factory
}

export class Socket {
  readonly #type: number
  readonly #context: Context
  readonly #options: SocketOptions
  readonly #pattern: Pattern
  readonly #owner: PipeOwner
  #closed = false
  #binding = false
  #closeRequested = false
  readonly #pipes = new Set<Pipe>()
  readonly #binds: BindEntry[] = []
  readonly #connects: ConnectEntry[] = []
  #sendOp: PendingSend | null = null
  #recvOp: Pending<Buffer[]> | null = null
  #wakeScheduled = false
  /** An operation of this socket waits for the event loop's check phase (SLICE_MS). */
  #yieldScheduled = false
  /** Inside #retry (see there). */
  #retrying = false
  #keepAlive: NodeJS.Timeout | null = null
  readonly #sinks = new Set<EventSink>()
  #events: Observer | null = null
  /**
   * ZMQ_LINGER after close(): what is still delivering (connect entries still dialling or
   * flushing, accepted connections flushing), until when (ms since the epoch; Infinity for -1),
   * and the timer that ends it all then.
   */
  readonly #lingerWork = new Set<ConnectEntry | Transport>()
  #lingerUntil = 0
  #lingerTimer: NodeJS.Timeout | null = null
  readonly #lingerer: Lingerer

  static {
    observeSocket = (socket, sink) => {
      socket.#sinks.add(sink)
      if (socket.#closed) {
        queueMicrotask(() => sink.end())
      }
      return () => socket.#sinks.delete(sink)
    }
    joinInproc = (bound, connecting, entry) => bound.#joinInproc(connecting, entry)
    receiveNow = socket => socket.#receiveNow()
    socketEndpointCount = socket => socket.#binds.length + socket.#connects.length
  }

  protected constructor(type: number, options?: Record<string, unknown>) {
    if (typeof type !== "number") throw new TypeError("Socket type must be a number")
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new TypeError("Options must be an object")
    }
    checkArgumentCount(arguments.length, 2)
    const ctx = options?.context ?? defaultContext
    if (!(ctx instanceof Context)) throw new Error("Invalid argument")
    if (socketTypeName(type) === undefined) throw errnoError("EINVAL")
    if (ctx.sockets.size >= ctx.maxSocketCount) throw errnoError("EMFILE")
    this.#type = type
    this.#context = ctx
    this.#options = new SocketOptions(
      type,
      {
        subscribe: topic => this.#pattern.subscribe(topic),
        unsubscribe: topic => this.#pattern.unsubscribe(topic),
        // ZMQ_EVENTS: ZMQ_POLLIN | ZMQ_POLLOUT
        events: () => (this.readable ? 1 : 0) | (this.writable ? 2 : 0),
      },
      {blocky: ctx.blockyDefault, ipv6: ctx.ipv6Default},
    )
    const host: PatternHost = {options: this.#options, wake: () => this.#wake()}
    this.#pattern = createPattern(type, host)
    this.#owner = {
      pipeReadable: pipe => {
        this.#pattern.readable(pipe)
        if (this.#recvOp) this.#receiveArrived()
      },
      pipeWritable: () => {
        if (this.#sendOp) this.#wake()
      },
      pipeTerminated: pipe => {
        this.#pipes.delete(pipe)
        this.#pattern.terminated(pipe)
        this.#wake()
      },
    }
    ctx.sockets.add(this)
    this.#lingerer = {context: ctx, closeForExit: () => this.#closeForExit()}
    socketOpened(this.#lingerer)
    Object.preventExtensions(this)
    if (options) assignOptions(this, options)
  }

  // ---- state --------------------------------------------------------------------------------

  get events(): Observer {
    if (this.#events === null) this.#events = observerFactory!(this)
    return this.#events
  }

  get context(): Context {
    return this.#context
  }

  get closed(): boolean {
    return this.#closed
  }

  get readable(): boolean {
    return !this.#closed && this.#pattern.canRecv
  }

  get writable(): boolean {
    return !this.#closed && this.#pattern.canSend
  }

  // ---- options (zeromq.js's protected raw accessors) ----------------------------------------

  #getOption(id: number, kind: OptionKind): unknown {
    if (this.#closed) throw errnoError("ENOTSOCK")
    return this.#options.get(id, kind)
  }

  #setOption(id: number, kind: OptionKind, value: unknown): void {
    if (this.#closed) throw errnoError("ENOTSOCK")
    this.#options.set(id, kind, value)
    // libzmq ≥ 4.2 applies new high-water marks to the pipes that already exist.
    if (id === 23 || id === 24) {
      for (const pipe of this.#pipes) {
        pipe.sendHwm = this.#options.sendHighWaterMark
        pipe.recvHwm = this.#options.receiveHighWaterMark
      }
    }
    if ((this.#binds.length > 0 || this.#connects.length > 0) && !appliesImmediately(id)) {
      process.emitWarning("Socket option will not take effect until next connect/bind.")
    }
  }

  protected getBoolOption(id: number): boolean {
    return this.#getOption(id, "Bool") as boolean
  }
  protected setBoolOption(id: number, value: boolean): void {
    this.#setOption(id, "Bool", value)
  }
  protected getInt32Option(id: number): number {
    return this.#getOption(id, "Int32") as number
  }
  protected setInt32Option(id: number, value: number): void {
    this.#setOption(id, "Int32", value)
  }
  protected getUint32Option(id: number): number {
    return this.#getOption(id, "Uint32") as number
  }
  protected setUint32Option(id: number, value: number): void {
    this.#setOption(id, "Uint32", value)
  }
  protected getInt64Option(id: number): number {
    return this.#getOption(id, "Int64") as number
  }
  protected setInt64Option(id: number, value: number): void {
    this.#setOption(id, "Int64", value)
  }
  protected getUint64Option(id: number): number {
    return this.#getOption(id, "Uint64") as number
  }
  protected setUint64Option(id: number, value: number): void {
    this.#setOption(id, "Uint64", value)
  }
  protected getStringOption(id: number): string | null {
    return this.#getOption(id, "String") as string | null
  }
  protected setStringOption(id: number, value: string | Buffer | null): void {
    this.#setOption(id, "String", value)
  }

  // ---- endpoints ----------------------------------------------------------------------------

  #checkUsable(): void {
    if (this.#closed) throw errnoError("EBADF")
    if (this.#binding) throw busyBinding()
  }

  // zeromq.js throws argument errors and EBADF/EBUSY at once, and rejects for everything that
  // libzmq itself reports (a bad address, a busy port, an unknown endpoint).
  bind(address: string): Promise<void> {
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    this.#checkUsable()
    this.#binding = true
    let work: Promise<void>
    try {
      const endpoint = parseEndpoint(address, true, this.#options.ipv6)
      if (endpoint.protocol === "inproc") {
        this.#bindInproc(endpoint)
        work = RESOLVED
      } else {
        const entry: BindEntry = {address: "", listener: null, inproc: null, engines: new Set()}
        const listener = new StreamListener(endpoint, this.#options, (stream, l) => this.#accepted(stream, entry, l), e => this.#emit(e))
        entry.listener = listener
        work = listener.listen().then(() => {
          entry.address = listener.address
          this.#binds.push(entry)
          this.#options.lastEndpoint = listener.address
        })
      }
    } catch (e) {
      work = Promise.reject(e)
    }
    return this.#unblockAfter(work)
  }

  /**
   * zeromq.js runs bind() and unbind() on libuv's thread pool and reports back on a later turn of
   * the event loop. Until then the socket is blocked (every other call is EBUSY), and a close()
   * asked for meanwhile happens then, before the promise settles (socket.cc request_close).
   */
  #unblockAfter(work: Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = (error: unknown, failed: boolean) =>
        setImmediate(() => {
          this.#binding = false
          if (this.#closeRequested) this.close()
          if (failed) reject(error)
          else resolve()
        })
      work.then(
        () => settle(undefined, false),
        e => settle(e, true),
      )
    })
  }

  bindSync(address: string): void {
    this.#checkUsable()
    const endpoint = parseEndpoint(address, true, this.#options.ipv6)
    if (endpoint.protocol === "inproc") {
      this.#bindInproc(endpoint)
      return
    }
    const entry: BindEntry = {address: "", listener: null, inproc: null, engines: new Set()}
    const listener = new StreamListener(endpoint, this.#options, (stream, l) => this.#accepted(stream, entry, l), e => this.#emit(e))
    entry.listener = listener
    listener.listenSync()
    entry.address = listener.address
    this.#binds.push(entry)
    this.#options.lastEndpoint = listener.address
  }

  unbind(address: string): Promise<void> {
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    this.#checkUsable()
    this.#binding = true
    let work = RESOLVED
    try {
      this.#unbindNow(address)
    } catch (e) {
      work = Promise.reject(e)
    }
    return this.#unblockAfter(work)
  }

  unbindSync(address: string): void {
    this.#checkUsable()
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    this.#unbindNow(address)
  }

  #unbindNow(address: string): void {
    if (!checkTermEndpoint(address)) throw errnoError("ENOENT", undefined, address)
    const i = this.#binds.findIndex(b => b.address === address)
    if (i < 0) throw errnoError("ENOENT", undefined, address)
    const [entry] = this.#binds.splice(i, 1)
    this.#closeBind(entry!)
  }

  connect(address: string): void {
    this.#checkUsable()
    const endpoint = parseEndpoint(address, false, this.#options.ipv6)
    const opts = this.#options
    const entry: ConnectEntry = {address, endpoint, connecter: null, inproc: null, pipe: null, routingId: opts.takeConnectRoutingId(), engines: new Set()}
    // libzmq (immediate=0) creates the pipe now, so sends queue before any connection exists.
    if (!opts.immediate) entry.pipe = this.#newPipe(address, entry.routingId, false)
    this.#connects.push(entry)
    // libzmq records connects in ZMQ_LAST_ENDPOINT too.
    opts.lastEndpoint = address
    if (endpoint.protocol === "inproc") {
      const connecter: InprocConnecter = {name: endpoint.name, completeInproc: binder => (binder as SocketBinder).join(this, entry)}
      entry.inproc = connecter
      this.#context.inproc.connect(connecter)
      return
    }
    const connecter = new StreamConnecter(endpoint, opts, (stream, c) => this.#connected(stream, entry, c), e => this.#emit(e))
    entry.connecter = connecter
    connecter.start()
  }

  disconnect(address: string): void {
    this.#checkUsable()
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    // libzmq's term_endpoint reads the scheme first: EINVAL / EPROTONOSUPPORT before ENOENT.
    if (!checkTermEndpoint(address)) throw errnoError("ENOENT", undefined, address)
    const i = this.#connects.findIndex(c => c.address === address)
    if (i < 0) {
      // libzmq's zmq_disconnect is term_endpoint, which ends a bound endpoint as well.
      const b = this.#binds.findIndex(e => e.address === address)
      if (b < 0) throw errnoError("ENOENT", undefined, address)
      const [entry] = this.#binds.splice(b, 1)
      this.#closeBind(entry!)
      return
    }
    const [entry] = this.#connects.splice(i, 1)
    this.#closeConnect(entry!)
  }

  // ---- send / receive -----------------------------------------------------------------------

  send(message: MessageLike | MessageLike[], ...options: unknown[]): Promise<void>
  // The implementation takes no rest parameter: it would allocate an array on every send.
  send(message: MessageLike | MessageLike[]): Promise<void> {
    if (message === undefined) throw new TypeError("Message must be present")
    if (this.#closed) throw errnoError("EBADF")
    if (this.#binding) throw busyBinding()
    if (this.#sendOp) throw busyWriting()
    const timeout = this.#options.sendTimeout
    const now = timeout === 0 || mayRunNow()
    // Small Buffers to a PUSH or DEALER with room: framed straight into the pipe (one copy).
    const small = now ? smallParts(message) : null
    if (small !== null && this.#pattern.sendSmall(small) === true) return this.#sent()
    const msg: Msg = Array.isArray(message) ? message.map(toFrame) : [toFrame(message)]
    if (msg.length === 0) return RESOLVED
    if (!now) this.#yieldToEventLoop()
    else if (timeout === 0 || this.#pattern.canSend) {
      try {
        if (this.#pattern.send(msg)) return this.#sent()
      } catch (e) {
        return Promise.reject(e)
      }
      if (timeout === 0) return Promise.reject(errnoError("EAGAIN"))
    }
    return new Promise<void>((resolve, reject) => {
      const op: PendingSend = {msg, resolve, reject, timer: null, since: performance.now(), held: !now}
      if (timeout > 0) op.timer = setTimeout(() => this.#expireSend(op), timeout)
      this.#sendOp = op
      this.#updateKeepAlive()
    })
  }

  /** A receive that completes now, or undefined (the async iterator's fast path). */
  #receiveNow(): Buffer[] | undefined {
    if (this.#closed || this.#binding || this.#recvOp) return undefined
    if (this.#options.receiveTimeout !== 0 && !mayRunNow()) return undefined
    const msg = this.#pattern.tryRecv()
    if (msg) this.#wake()
    return msg
  }

  /**
   * A send done at once. Like any completed send or receive, it may have made a waiting operation
   * of the other kind possible (REP: a receive makes a reply possible, a reply the next receive):
   * #wake retries one if there is one.
   */
  #sent(): Promise<void> {
    this.#wake()
    return RESOLVED
  }

  receive(): Promise<Buffer[]> {
    if (this.#closed) throw errnoError("EBADF")
    if (this.#binding) throw busyBinding()
    if (this.#recvOp) throw busyReading()
    const timeout = this.#options.receiveTimeout
    // As zeromq.js: receive now if a message is there (ZMQ_POLLIN) or no waiting is allowed;
    // otherwise wait, and try once more when the wait ends (an out-of-turn REQ/REP gets EFSM).
    const now = timeout === 0 || mayRunNow()
    if (!now) this.#yieldToEventLoop()
    else if (timeout === 0 || this.#pattern.canRecv) {
      try {
        const msg = this.#pattern.recv()
        if (msg) {
          this.#wake()
          return Promise.resolve(msg)
        }
      } catch (e) {
        return Promise.reject(e)
      }
      if (timeout === 0) return Promise.reject(errnoError("EAGAIN"))
    }
    return new Promise<Buffer[]>((resolve, reject) => {
      const op: Pending<Buffer[]> = {resolve, reject, timer: null, since: performance.now(), held: !now}
      if (timeout > 0) op.timer = setTimeout(() => this.#expireReceive(op), timeout)
      this.#recvOp = op
      this.#updateKeepAlive()
    })
  }

  /** A receive whose wait ended (timeout or close) makes one last attempt, as zeromq.js does. */
  #expireReceive(op: Pending<Buffer[]>): void {
    if (this.#recvOp !== op) return
    this.#recvOp = null
    if (op.timer) clearTimeout(op.timer)
    this.#updateKeepAlive()
    try {
      const msg = this.#closed ? undefined : this.#pattern.recv()
      if (msg) op.resolve(msg)
      else op.reject(errnoError("EAGAIN"))
    } catch (e) {
      op.reject(e as Error)
    }
  }

  #expireSend(op: PendingSend): void {
    if (this.#sendOp !== op) return
    this.#sendOp = null
    if (op.timer) clearTimeout(op.timer)
    this.#updateKeepAlive()
    // zeromq.js tries the send once more when the wait ends: an out-of-turn REQ gets EFSM here.
    try {
      if (this.#pattern.send(op.msg)) op.resolve()
      else op.reject(errnoError("EAGAIN"))
    } catch (e) {
      op.reject(e as Error)
    }
  }

  /**
   * The operation being made waits for the event loop's check phase, however ready the socket is
   * (SLICE_MS); it completes there, or waits on as usual.
   */
  #yieldToEventLoop(): void {
    if (this.#yieldScheduled) return
    this.#yieldScheduled = true
    setImmediate(() => {
      this.#yieldScheduled = false
      newSlice()
      this.#retry()
    })
  }

  #wake(): void {
    if (this.#wakeScheduled || (!this.#sendOp && !this.#recvOp)) return
    this.#wakeScheduled = true
    queueMicrotask(() => {
      this.#wakeScheduled = false
      this.#retry()
    })
  }

  /**
   * Completes a waiting send and a waiting receive if they can be now. Never from inside itself:
   * a send or receive can re-enter the socket synchronously (an inproc read resumes the peer,
   * whose next message arrives at once; an inproc request can bring its reply), and a nested
   * retry would complete the same operation a second time, settling it with another message and
   * losing the first. A nested call becomes the usual microtask retry.
   */
  #retry(): void {
    // An operation held back for the event loop's turn completes in that turn, not sooner.
    if (this.#yieldScheduled) return
    if (this.#retrying) {
      this.#wake()
      return
    }
    this.#retrying = true
    try {
      this.#retryNow()
    } finally {
      this.#retrying = false
    }
  }

  #retryNow(): void {
    const send = this.#sendOp
    if (send && this.#pattern.canSend) {
      try {
        if (this.#pattern.send(send.msg)) this.#finish(send, () => send.resolve())
      } catch (e) {
        this.#finish(send, () => send.reject(e as Error))
      }
    }
    const recv = this.#recvOp
    if (recv && this.#pattern.canRecv) {
      try {
        const msg = this.#pattern.recv()
        if (msg) this.#finish(recv, () => recv.resolve(msg))
      } catch (e) {
        this.#finish(recv, () => recv.reject(e as Error))
      }
    }
  }

  /**
   * A message arrived while a receive waits: complete it now, in the transport's callback, rather
   * than a microtask later: on a round trip, every step between a read and the reply's write counts
   * twice. A waiting send is tried too, as the microtask retry does.
   */
  #receiveArrived(): void {
    this.#retry()
  }

  #finish(op: PendingSend | Pending<Buffer[]>, settle: () => void): void {
    // An operation that waited longer than a turn of microtasks takes (REAL_WAIT_MS) waited for
    // the event loop: a new slice starts. One completed within the same turn (an inproc peer's
    // answer) did not, and counts on in this slice.
    if (waitedForLoop(op.since)) newSlice()
    if (op.timer) clearTimeout(op.timer)
    if (this.#sendOp === op) this.#sendOp = null
    if (this.#recvOp === op) this.#recvOp = null
    this.#updateKeepAlive()
    settle()
    this.#wake()
  }

  /**
   * A pending send or receive keeps the process alive, as in zeromq.js; an idle socket does not.
   * One long timer per socket, ref'd while an operation waits: creating and clearing a timer for
   * every receive that waits showed in a request/reply profile.
   */
  #updateKeepAlive(): void {
    const busy = this.#sendOp !== null || this.#recvOp !== null
    if (busy) {
      if (this.#keepAlive) this.#keepAlive.ref()
      else this.#keepAlive = setInterval(keepNothing, 1 << 30)
    } else if (this.#keepAlive) {
      if (this.#closed) {
        clearInterval(this.#keepAlive)
        this.#keepAlive = null
      } else {
        this.#keepAlive.unref()
      }
    }
  }

  // ---- close --------------------------------------------------------------------------------

  close(): void {
    if (this.#closed) return
    // Blocked by a bind or unbind: closed once that settles (#unblockAfter).
    if (this.#binding) {
      this.#closeRequested = true
      return
    }
    // Pending operations end as in zeromq.js, whose poller fires them once more as it closes: what
    // can complete does (a message there is received, a send with room is queued and then
    // lingered over), the rest rejects with the operation's own error (ENOTSUP for a receive on a
    // PUSH, EFSM for a REQ receive before its request) or EAGAIN.
    // An operation held only for the event loop's turn rejects with ENOTSOCK: zeromq.js runs its
    // delayed operation in that turn, on the socket it has closed by then.
    const held = this.#yieldScheduled
    const send = this.#sendOp
    if (send && held && send.held) this.#abandon(send, "ENOTSOCK")
    else if (send) this.#expireSend(send)
    const recv = this.#recvOp
    if (recv && held && recv.held) {
      this.#abandon(recv, "ENOTSOCK")
    } else if (recv) {
      if (SEND_ONLY.has(this.#type)) this.#abandon(recv, "ENOTSUP")
      else this.#expireReceive(recv)
    }
    this.#closed = true
    this.#context.sockets.delete(this)
    socketClosed(this.#lingerer)
    this.#updateKeepAlive()
    const linger = this.#options.linger
    this.#lingerUntil = linger < 0 ? Infinity : linger > 0 ? Date.now() + linger : 0
    const kept = new Set<Pipe>()
    for (const c of this.#connects.splice(0)) {
      if (this.#keepConnecting(c)) kept.add(c.pipe!)
      else this.#closeConnect(c, true)
    }
    for (const b of this.#binds.splice(0)) this.#closeBind(b, true)
    for (const pipe of [...this.#pipes]) if (!kept.has(pipe)) this.#lingerOrTerminate(pipe)
    if (this.#lingerWork.size > 0) {
      lingerStarted(this.#lingerer)
      if (this.#lingerUntil !== Infinity) {
        this.#lingerTimer = setTimeout(() => this.#lingerExpired(), linger)
        this.#lingerTimer.unref()
      }
    }
    for (const sink of this.#sinks) sink.end()
    this.#sinks.clear()
  }

  #abandon(op: PendingSend | Pending<Buffer[]>, code: string): void {
    if (this.#sendOp === op) this.#sendOp = null
    if (this.#recvOp === op) this.#recvOp = null
    if (op.timer) clearTimeout(op.timer)
    op.reject(errnoError(code))
  }

  /** At process exit: a socket still open with messages queued closes with its linger. */
  #closeForExit(): void {
    if (this.#closed || this.#options.linger === 0) return
    for (const pipe of this.#pipes) {
      if (hasQueued(pipe)) {
        this.close()
        return
      }
    }
  }

  /** ms of linger left for a connection to flush (-1: no limit). */
  #lingerLeft(): number {
    return this.#lingerUntil === Infinity ? -1 : Math.max(1, this.#lingerUntil - Date.now())
  }

  /**
   * close(): a connect()ed endpoint whose pipe still holds messages keeps dialling (libzmq's
   * session_base::process_term keeps the session, and so its connecter, until the pipe is flushed
   * or linger runs out): a message sent before any connection existed is delivered once one is
   * made. An inproc connect still waiting for its bind keeps its messages whatever the linger
   * (libzmq holds the pending pipe in the context and hands it over at the bind). Returns whether
   * the entry stays.
   */
  #keepConnecting(entry: ConnectEntry): boolean {
    const pipe = entry.pipe
    if (!pipe || pipe.terminated || !hasQueued(pipe)) return false
    if (entry.inproc) return pipe.transport === null
    if (this.#lingerUntil === 0) return false
    this.#lingerWork.add(entry)
    for (const e of entry.engines) if (!e.handshaking) e.closeAfterFlush(this.#lingerLeft())
    return true
  }

  /** A lingering connect entry is done (flushed, or given up): it stops dialling and its pipe ends. */
  #endLinger(entry: ConnectEntry): void {
    entry.connecter?.stop()
    for (const e of [...entry.engines]) e.close()
    entry.pipe?.terminate()
    this.#lingerDone(entry)
  }

  #lingerDone(work: ConnectEntry | Transport): void {
    if (!this.#lingerWork.delete(work) || this.#lingerWork.size > 0) return
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer)
    this.#lingerTimer = null
    lingerEnded(this.#lingerer)
  }

  /** Linger ran out: whatever is still queued is dropped. */
  #lingerExpired(): void {
    this.#lingerTimer = null
    for (const work of [...this.#lingerWork]) {
      if ("kick" in work) work.close()
      else this.#endLinger(work)
    }
  }

  /**
   * ZMQ_LINGER for one pipe at close: a live connection with messages still to write gets the
   * linger to flush them. An inproc pipe hands everything to the peer whatever the linger: libzmq's
   * inproc pipe is one queue shared by both sockets, so what was written is the peer's to read.
   */
  #lingerOrTerminate(pipe: Pipe): void {
    const transport = pipe.transport
    transport?.deliverRest()
    // Linger 0 drops what is still queued, but libzmq's I/O thread has written most of what was
    // sent by then; zmtp writes at the tick's end, so what the kernel takes now goes out first.
    if (this.#lingerUntil === 0) transport?.flushNow()
    if (this.#lingerUntil !== 0 && transport && !transport.closed && hasQueued(pipe)) {
      this.#lingerWork.add(transport)
      transport.closeAfterFlush(this.#lingerLeft())
      return
    }
    pipe.terminate()
  }

  #closeConnect(entry: ConnectEntry, closing = false): void {
    entry.connecter?.stop()
    if (entry.inproc) this.#context.inproc.cancel(entry.inproc)
    this.#closeEngines(entry, closing)
    if (!closing) entry.pipe?.terminate() // closing: close() lingers over the pipes
  }

  #closeBind(entry: BindEntry, closing = false): void {
    entry.listener?.close()
    if (entry.inproc) this.#context.inproc.unbind(entry.address.slice("inproc://".length), entry.inproc)
    this.#closeEngines(entry, closing)
  }

  /**
   * Ends the entry's connections. When the socket closes, those past the handshake have a pipe and
   * close() lingers over it; a connection still in its handshake has nothing queued and just ends.
   */
  #closeEngines(entry: BindEntry | ConnectEntry, closing: boolean): void {
    for (const e of [...entry.engines]) if (!closing || e.handshaking) e.close()
  }

  // ---- pipes and engines --------------------------------------------------------------------

  #newPipe(endpoint: string, routingId: Buffer | null, attached: boolean): Pipe {
    const o = this.#options
    const pipe = new Pipe(this.#owner, o.sendHighWaterMark, o.receiveHighWaterMark, endpoint)
    pipe.conflate = o.conflate
    pipe.routingId = routingId
    this.#pipes.add(pipe)
    this.#pattern.attach(pipe)
    if (!attached) this.#wake()
    return pipe
  }

  /** The security mechanism for one new connection, from the options (libzmq's choice rules). */
  #mechanism(peerAddress: string): Mechanism {
    const o = this.#options
    const type = socketTypeName(this.#type) as SocketTypeName
    const properties: [string, Buffer][] = [["Socket-Type", Buffer.from(type)]]
    if (sendsIdentity(type)) properties.push(["Identity", o.routingId ?? Buffer.alloc(0)])
    for (const [name, value] of o.metadata) properties.push([name, value])
    switch (o.mechanism) {
      case "plain":
        if (o.plainServer) return new PlainServer({properties, ...this.#zap(peerAddress)})
        return new PlainClient({properties, username: o.plainUsername ?? "", password: o.plainPassword ?? ""})
      case "curve":
        if (!o.curveSecretKey) return new CurveMissingKeys(o.curveServer, "CURVE needs curveSecretKey")
        if (o.curveServer) return new CurveServer({properties, secretKey: o.curveSecretKey, publicKey: o.curvePublicKey ?? undefined, ...this.#zap(peerAddress)})
        if (!o.curveServerKey) return new CurveMissingKeys(false, "A CURVE client needs curveServerKey")
        return new CurveClient({properties, serverKey: o.curveServerKey, secretKey: o.curveSecretKey, publicKey: o.curvePublicKey ?? undefined})
      default:
        return new NullMechanism(properties, o.zapDomain ? {...this.#zap(peerAddress), enforceDomain: o.zapEnforceDomain} : {})
    }
  }

  /**
   * ZAP for a server mechanism: the handler is whatever socket the application bound at
   * inproc://zeromq.zap.01 in this context (27/ZAP, as libzmq and zeromq.js do it). With none
   * bound, PLAIN refuses everyone and CURVE accepts everyone, as libzmq does.
   */
  #zap(peerAddress: string): ZapOptions {
    const o = this.#options
    const ctx = this.#context
    return {
      authenticate: ctx.inproc.isBound(ZAP_ENDPOINT) ? request => zapOverInproc(ctx, request) : undefined,
      domain: o.zapDomain ?? "",
      address: peerAddress,
      routingId: o.routingId ?? undefined,
    }
  }

  /**
   * Runs a connection: a ZMTP engine, or for STREAM sockets a raw one (no handshake, so it is
   * "connected" at once).
   */
  #startEngine(stream: net.Socket, address: string, onHandshake: (e: Transport, peer: PeerInfo) => void, onClose: (e: Transport, err: ZmtpError | null, hs: boolean) => void): Transport | null {
    if (this.#type === 11) {
      const raw = new RawEngine(stream, address, {onHandshake, onClose})
      raw.start()
      return raw
    }
    const o = this.#options
    let mechanism: Mechanism
    try {
      mechanism = this.#mechanism(stream.remoteAddress ?? "")
    } catch (e) {
      // Missing keys and the like: this connection cannot start.
      stream.destroy()
      const err = e instanceof ZmtpError ? e : new ZmtpError("ERR_ZMTP_UNSPECIFIED", (e as Error).message, {kind: "other"})
      this.#emitHandshakeError(address, err, true)
      return null
    }
    const engine = new ZmtpEngine(
      stream,
      {
        socketType: socketTypeName(this.#type) as SocketTypeName,
        mechanism,
        maxMessageSize: o.maxMessageSize,
        handshakeInterval: o.handshakeInterval,
        heartbeatInterval: o.heartbeatInterval,
        heartbeatTimeToLive: o.heartbeatTimeToLive,
        heartbeatTimeout: o.heartbeatTimeout,
        address,
      },
      {
        onHandshake,
        onClose: (e, err, hs) => {
          this.#emitHandshakeError(address, err, hs)
          onClose(e, err, hs)
        },
      },
    )
    engine.start()
    return engine
  }

  #accepted(stream: net.Socket, entry: BindEntry, listener: StreamListener): void {
    // ZMQ_TCP_ACCEPT_FILTER: a peer outside the allowed networks is closed at once.
    if (this.#closed || (stream.remoteAddress && !this.#options.acceptsPeer(stream.remoteAddress))) {
      stream.destroy()
      return
    }
    const address = listener.address
    let pipe: Pipe | null = null
    const engine = this.#startEngine(
      stream,
      address,
      (e, peer) => {
        pipe = this.#newPipe(address, null, true)
        e.attach(pipe, peer)
        if (!this.#pattern.connected(pipe)) {
          pipe.terminate()
          return
        }
        this.#emit({type: "handshake", address})
        this.#wake()
      },
      e => {
        entry.engines.delete(e)
        // A connection we end by closing the socket is not reported (libzmq's monitor is gone).
        if (!this.#closed) this.#emit({type: "disconnect", address})
        // 28..31/ZMTP: a bind-side peer's queue is destroyed with its connection.
        pipe?.terminate()
        this.#lingerDone(e)
      },
    )
    if (engine) entry.engines.add(engine)
  }

  #connected(stream: net.Socket, entry: ConnectEntry, connecter: StreamConnecter): void {
    const address = entry.address
    const engine = this.#startEngine(
      stream,
      address,
      (e, peer) => {
        let pipe = entry.pipe
        if (!pipe || pipe.terminated) {
          pipe = this.#newPipe(address, entry.routingId, true)
          entry.pipe = pipe
        }
        e.attach(pipe, peer)
        // Closed while dialling (linger): this connection only delivers what was queued.
        if (this.#closed) {
          e.closeAfterFlush(this.#lingerLeft())
          return
        }
        if (!this.#pattern.connected(pipe)) {
          e.close()
          return
        }
        this.#emit({type: "handshake", address})
        this.#wake()
      },
      (e, err) => {
        entry.engines.delete(e)
        // libzmq does not reconnect after a protocol error; it does after a plain disconnect.
        const reconnect = !(err && err.fatal)
        if (this.#closed) {
          this.#lingerDone(e)
          if (!this.#lingerWork.has(entry)) return
          // Lingering: dial again while messages remain (the deadline timer bounds it).
          const pipe = entry.pipe
          if (reconnect && this.#options.reconnectInterval >= 0 && pipe && !pipe.terminated && pipe.outLength > 0) connecter.connectionLost(true)
          else this.#endLinger(entry)
          return
        }
        this.#emit({type: "disconnect", address})
        const pipe = entry.pipe
        if (pipe && (this.#options.immediate || !reconnect)) {
          entry.pipe = null
          pipe.terminate()
        }
        connecter.connectionLost(reconnect)
      },
    )
    if (engine) entry.engines.add(engine)
    // A connection that cannot even start (missing CURVE keys) is not retried.
    else connecter.connectionLost(false)
  }

  #bindInproc(endpoint: Extract<Endpoint, {protocol: "inproc"}>): void {
    const binder = new SocketBinder(this)
    if (!this.#context.inproc.bind(endpoint.name, binder)) throw errnoError("EADDRINUSE", undefined, endpoint.address)
    this.#binds.push({address: endpoint.address, listener: null, inproc: binder, engines: new Set()})
    this.#options.lastEndpoint = endpoint.address
  }

  /** Joins `connecting` (its connect entry) to this bound socket over inproc. */
  #joinInproc(connecting: Socket, entry: ConnectEntry): void {
    const bound = this
    if (bound.#closed) return
    if (connecting.#closed && !entry.pipe) return
    const address = entry.address
    let a = entry.pipe
    if (!a || a.terminated) {
      a = connecting.#newPipe(address, entry.routingId, true)
      entry.pipe = a
    }
    const b = bound.#newPipe(address, null, true)
    const {ab, ba} = linkInproc(a, b)
    const info = (s: Socket): PeerInfo => ({
      socketType: socketTypeName(s.#type) ?? "",
      identity: s.#options.routingId ?? Buffer.alloc(0),
      minor: 1,
      address,
    })
    b.attach(ba, info(connecting))
    // The bound side learns its peer (a ROUTER its routing id) before a's queued messages arrive:
    // attaching a hands them over at once.
    if (!bound.#pattern.connected(b)) {
      b.terminate()
      return
    }
    a.attach(ab, info(bound))
    connecting.#pattern.connected(a)
    ab.kick()
    ba.kick()
    bound.#wake()
    if (connecting.#closed) {
      // It closed before the bind with messages queued: they are the bound socket's to read.
      ab.deliverRest()
      a.terminate()
      return
    }
    connecting.#wake()
  }

  // ---- events -------------------------------------------------------------------------------

  #emit(event: SocketEvent): void {
    for (const sink of this.#sinks) sink.push(event)
  }

  #emitHandshakeError(address: string, err: ZmtpError | null, duringHandshake: boolean): void {
    if (!err || !duringHandshake || err.kind === "silent") return
    if (isZapAuthError(err)) {
      // zeromq.js AuthError: {status, message}
      const error = Object.assign(new Error(AUTH_MESSAGES[err.status]), {status: err.status})
      this.#emit({type: "handshake:error:auth", address, error})
      return
    }
    if (err.kind === "protocol") {
      // zeromq.js names the family only ("ZMTP protocol error", "ZAP protocol error": observer.cc);
      // what exactly went wrong stays readable as the error's cause.
      const code = err instanceof ZapProtocolError ? err.zapCode : err.code
      const family = code.startsWith("ERR_ZAP_") ? "ZAP" : "ZMTP"
      const error = Object.assign(new Error(`${family} protocol error`, {cause: err}), {code})
      this.#emit({type: "handshake:error:protocol", address, error})
    } else {
      const code = err.code === "ERR_ZMTP_HANDSHAKE_TIMEOUT" ? "ETIMEDOUT" : "EPROTO"
      const error: ErrnoError = errnoError(code, err.message)
      this.#emit({type: "handshake:error:other", address, error})
    }
  }
}

/**
 * One ZAP request to the application's handler over inproc, from a DEALER of our own in the
 * same context (libzmq uses an internal socket the same way): ["", request...] out, and
 * ["", "1.0", id, status, text, user id, metadata] back, checked as libzmq checks it.
 */
async function zapOverInproc(context: Context, request: ZapRequest): Promise<ZapReply> {
  const dealer = new (Socket as unknown as new (type: number, options: object) => Socket)(5, {context, linger: 0})
  try {
    dealer.connect("inproc://" + ZAP_ENDPOINT)
    await (dealer as unknown as {send(m: Buffer[]): Promise<void>}).send([Buffer.alloc(0), ...encodeZapRequest(request)])
    const reply = await (dealer as unknown as {receive(): Promise<Buffer[]>}).receive()
    if (reply.length < 1 || reply[0]!.length !== 0) throw new ZapProtocolError("ERR_ZAP_MALFORMED_REPLY", "ZAP reply without its empty delimiter")
    return parseZapReply(reply.slice(1), request.requestId)
  } finally {
    dealer.close()
  }
}

/** The inproc side of a bound socket, registered in the context's name table. */
class SocketBinder implements InprocBinder {
  constructor(private readonly socket: Socket) {}

  acceptInproc(): boolean {
    return !this.socket.closed
  }

  join(connecting: Socket, entry: ConnectEntry): void {
    joinInproc(this.socket, connecting, entry)
  }
}

export {observeSocket, socketEndpointCount, receiveNow}

/** The option properties zeromq.js defines on every socket (index.ts installs the accessors). */
export interface Socket {
  affinity: number
  rate: number
  recoveryInterval: number
  readonly type: number
  linger: number
  reconnectInterval: number
  backlog: number
  reconnectMaxInterval: number
  maxMessageSize: number
  readonly lastEndpoint: string | null
  tcpKeepalive: number
  tcpKeepaliveCount: number
  tcpKeepaliveIdle: number
  tcpKeepaliveInterval: number
  tcpAcceptFilter: string | null
  immediate: boolean
  ipv6: boolean
  readonly securityMechanism: null | "plain" | "curve" | "gssapi"
  plainServer: boolean
  plainUsername: string | null
  plainPassword: string | null
  zapDomain: string | null
  typeOfService: number
  handshakeInterval: number
  socksProxy: string | null
  heartbeatInterval: number
  heartbeatTimeToLive: number
  heartbeatTimeout: number
  connectTimeout: number
  tcpMaxRetransmitTimeout: number
  readonly threadSafe: boolean
  multicastMaxTransportDataUnit: number
  vmciBufferSize: number
  vmciBufferMinSize: number
  vmciBufferMaxSize: number
  vmciConnectTimeout: number
  interface: string | null
  zapEnforceDomain: boolean
  loopbackFastPath: boolean
  [Symbol.asyncIterator](): AsyncIterator<Buffer[]>
}
