/**
 * The public base socket: what zeromq.js's native `Socket` class provides (options by libzmq id,
 * bind/unbind/connect/disconnect, send/receive with one pending operation each, close). Each
 * endpoint is a session (../session/): a connect()ed endpoint is a ConnectSession, a bound one a
 * BoundEndpoint with its accepted peers. Routing is the socket type's pattern (types/*), the
 * blocking operations are operations.ts, and the options sockopt.ts.
 */
import {Buffer} from "node:buffer"
import {busyBinding, errnoError} from "../errors.js"
import {context as defaultContext, assignOptions, Context} from "../context.js"
import {Pipe, type PipeOwner} from "../engine/pipe.js"
import {Endpoints} from "../session/endpoints.js"
import type {SessionHost} from "../session/host.js"
import {Linger} from "../session/linger.js"
import {hasQueued} from "../session/queued.js"
import {setZapDealerFactory, type ZapDealer} from "../session/security.js"
import type {SocketEvent} from "../transport/stream.js"
import type {Observer} from "../observer.js"
import {groupName} from "../wire/group.js"
import {socketTypeName, SocketTypeId, type SocketTypeName} from "../wire/socket-type.js"
import {checkArgumentCount} from "../native-class.js"
import type {MessageLike} from "./message.js"
import {Operations} from "./operations.js"
import type {Pattern} from "./pattern.js"
import {OptionId} from "./option-ids.js"
import "./socket-properties.js"
import {SocketOptions, appliesImmediately, type OptionKind} from "./sockopt.js"
import {createPattern} from "./types/index.js"
import {SpillDirectory} from "./spill-directory.js"
import {ParkedPipes} from "./durable.js"
import {socketClosed, socketOpened, type Lingerer} from "./linger.js"

export type {MessageLike} from "./message.js"

const RESOLVED = Promise.resolve()
/** PUB and PUSH cannot receive: a receive() simply stays pending, as in zeromq.js. */
export const SEND_ONLY: ReadonlySet<number> = new Set([SocketTypeId.PUB, SocketTypeId.PUSH])

export interface EventSink {
  push(event: SocketEvent): void
  end(): void
}

let observeSocket: (socket: Socket, sink: EventSink) => () => void
let receiveNow: (socket: Socket) => Buffer[] | undefined
/** How many endpoints a socket is bound or connected to (Proxy requires at least one). */
let socketEndpointCount: (socket: Socket) => number
/** A socket's pattern, for the draft classes' own methods (join, leave, connect's routing id). */
let usablePattern: (socket: Socket) => Pattern
let observerFactory: ((socket: Socket) => Observer) | null = null
/** A socket's option store, for the zmtp extension properties (extensions.ts). */
let socketOptionsOf: (socket: Socket) => SocketOptions
/** The socket types that drop a message for a full peer (libzmq: dist.cpp, router.cpp, radio.cpp). */
const DROPPING: ReadonlySet<number> = new Set([SocketTypeId.PUB, SocketTypeId.XPUB, SocketTypeId.RADIO, SocketTypeId.ROUTER])

/** The Observer module registers its constructor here (avoids an import cycle). */
export function setObserverFactory(factory: (socket: Socket) => Observer): void {
  observerFactory = factory
}

export class Socket {
  readonly #type: number
  readonly #context: Context
  readonly #options: SocketOptions
  readonly #pattern: Pattern
  readonly #ops: Operations
  /** What this socket's sessions see of it. */
  readonly #host: SessionHost
  #closed = false
  #binding = false
  #closeRequested = false
  readonly #pipes = new Set<Pipe>()
  readonly #endpoints: Endpoints
  readonly #sinks = new Set<EventSink>()
  #events: Observer | null = null
  /** zmtp extension spill to disk: opened at the first bind/connect after spillDirectory is set. */
  #spill: SpillDirectory | null = null
  readonly #linger: Linger
  readonly #lingerer: Lingerer
  /** zmtp extension durableGrace: subscribers' pipes kept after their connection ended. */
  #parked: ParkedPipes | null = null

  static {
    observeSocket = (socket, sink) => {
      socket.#sinks.add(sink)
      if (socket.#closed) queueMicrotask(() => sink.end())
      return () => socket.#sinks.delete(sink)
    }
    receiveNow = socket => (socket.#closed || socket.#binding ? undefined : socket.#ops.receiveNow())
    socketEndpointCount = socket => socket.#endpoints.count
    socketOptionsOf = socket => socket.#options
    usablePattern = socket => {
      socket.#checkUsable()
      return socket.#pattern
    }
  }

  protected constructor(type: number, options?: Record<string, unknown>) {
    if (typeof type !== "number") throw new TypeError("Socket type must be a number")
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new TypeError("Options must be an object")
    }
    checkArgumentCount(arguments.length, 2)
    const ctx = options?.context ?? defaultContext
    if (!(ctx instanceof Context)) throw new Error("Invalid argument")
    const typeName = socketTypeName(type)
    if (typeName === undefined) throw errnoError("EINVAL")
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
    this.#pattern = createPattern(type, {options: this.#options, wake: () => this.#ops.wake()})
    this.#ops = new Operations(this.#pattern, this.#options)
    this.#lingerer = {context: ctx, closeForExit: () => this.#closeForExit()}
    this.#linger = new Linger(this.#lingerer)
    this.#host = this.#sessionHost(typeName)
    this.#endpoints = new Endpoints(this.#host)
    ctx.sockets.add(this)
    socketOpened(this.#lingerer)
    Object.preventExtensions(this)
    if (options) assignOptions(this, options)
  }

  #sessionHost(typeName: SocketTypeName): SessionHost {
    const socket = this
    const owner: PipeOwner = {
      pipeReadable: pipe => {
        this.#pattern.readable(pipe)
        if (this.#ops.receiving) this.#ops.retry()
      },
      pipeWritable: () => {
        if (this.#ops.sending) this.#ops.wake()
      },
      pipeTerminated: pipe => {
        this.#parked?.forget(pipe)
        this.#pipes.delete(pipe)
        this.#pattern.terminated(pipe)
        this.#ops.wake()
      },
    }
    return {
      typeName,
      options: this.#options,
      context: this.#context,
      linger: this.#linger,
      get closed() {
        return socket.#closed
      },
      newPipe: (endpoint, routingId, attached, connecting = false) => {
        const o = this.#options
        const pipe = new Pipe(owner, o.sendHighWaterMark, o.receiveHighWaterMark, endpoint)
        pipe.conflate = o.conflate
        if (DROPPING.has(this.#type)) pipe.dropPolicy = o
        if (this.#spill !== null) {
          pipe.spillSource = this.#spill
          pipe.connecting = connecting
        }
        pipe.routingId = routingId
        this.#pipes.add(pipe)
        this.#pattern.attach(pipe)
        // A connect()ed endpoint is the same peer across restarts: its log from the last run goes first.
        if (connecting) pipe.adoptSpill()
        if (!attached) this.#ops.wake()
        return pipe
      },
      park: pipe => (this.#parked ??= new ParkedPipes(this.#options, typeName)).park(pipe, this.#closed),
      unpark: peer => this.#parked?.unpark(peer) ?? null,
      connected: pipe => this.#pattern.connected(pipe),
      emit: event => {
        for (const sink of this.#sinks) sink.push(event)
      },
      wake: () => this.#ops.wake(),
    }
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
    if (id === OptionId.SNDHWM || id === OptionId.RCVHWM) {
      for (const pipe of this.#pipes) {
        pipe.sendHwm = this.#options.sendHighWaterMark
        pipe.recvHwm = this.#options.receiveHighWaterMark
      }
    }
    if (this.#endpoints.count > 0 && !appliesImmediately(id)) {
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

  /** Takes the spill directory (extensions.ts) for the pipes to come; its options are fixed from then on. */
  #openSpill(): void {
    const o = this.#options
    if (this.#spill !== null || o.spillDirectory === null) return
    this.#spill = new SpillDirectory(o.spillDirectory, o.spillBudget, o.spillRecover)
    o.spillFixed = true
  }

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
      this.#openSpill()
      work = this.#endpoints.bind(address) ?? RESOLVED
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
    this.#openSpill()
    this.#endpoints.bindSync(address)
  }

  unbind(address: string): Promise<void> {
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    this.#checkUsable()
    this.#binding = true
    let work = RESOLVED
    try {
      this.#endpoints.unbind(address)
    } catch (e) {
      work = Promise.reject(e)
    }
    return this.#unblockAfter(work)
  }

  unbindSync(address: string): void {
    this.#checkUsable()
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    this.#endpoints.unbind(address)
  }

  connect(address: string): void {
    this.#checkUsable()
    this.#openSpill()
    this.#endpoints.connect(address)
  }

  disconnect(address: string): void {
    this.#checkUsable()
    if (typeof address !== "string") throw new TypeError("Address must be a string")
    this.#endpoints.disconnect(address)
  }

  // ---- send / receive (operations.ts) -------------------------------------------------------

  send(message: MessageLike | MessageLike[], ...options: unknown[]): Promise<void>
  // The implementation takes no rest parameter: it would allocate an array on every send.
  send(message: MessageLike | MessageLike[]): Promise<void> {
    if (message === undefined) throw new TypeError("Message must be present")
    if (this.#closed) throw errnoError("EBADF")
    if (this.#binding) throw busyBinding()
    return this.#ops.send(message)
  }

  receive(): Promise<Buffer[]> {
    if (this.#closed) throw errnoError("EBADF")
    if (this.#binding) throw busyBinding()
    return this.#ops.receive()
  }

  // ---- groups (zmq_join / zmq_leave) --------------------------------------------------------

  /**
   * zeromq.js's native Socket has join and leave in a draft build (socket.cc Join/Leave), on every
   * type: a DISH joins each group (a C string: it ends at a NUL); any other type is ENOTSUP.
   */
  join(...values: Array<Buffer | string>): void {
    for (const value of values) {
      this.#checkUsable()
      this.#pattern.join(groupName(Buffer.isBuffer(value) ? value : String(value)))
    }
  }

  leave(...values: Array<Buffer | string>): void {
    for (const value of values) {
      this.#checkUsable()
      this.#pattern.leave(groupName(Buffer.isBuffer(value) ? value : String(value)))
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
    this.#ops.close(SEND_ONLY.has(this.#type))
    this.#closed = true
    this.#spill?.release()
    this.#context.sockets.delete(this)
    socketClosed(this.#lingerer)
    const linger = this.#options.linger
    this.#linger.begin(linger)
    const kept = this.#endpoints.close()
    for (const pipe of [...this.#pipes]) if (!kept.has(pipe)) this.#linger.lingerOrTerminate(pipe)
    this.#linger.start(linger)
    for (const sink of this.#sinks) sink.end()
    this.#sinks.clear()
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
}

// The ZAP client's DEALER (session/security.ts) is a socket of this class.
setZapDealerFactory(context => new (Socket as unknown as new (type: number, options: object) => ZapDealer)(SocketTypeId.DEALER, {context, linger: 0}))

export {observeSocket, socketEndpointCount, receiveNow, usablePattern, socketOptionsOf}
