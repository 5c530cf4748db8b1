/**
 * The v5 socket: zeromq.js 5.x's callback and EventEmitter API over one of zmtp's v6 sockets, with
 * the behaviour of zeromq.js's `v5-compat` layer (which does the same over its own v6 classes).
 *
 * - Received messages are emitted as "message" events, one argument per frame (Buffers), each on a
 *   later tick. A receive loop runs from construction on every type but push and pub.
 * - send(msg, flags, cb) queues the message (frames are gathered while ZMQ_SNDMORE is set) and a
 *   send loop writes the queue in order, one message at a time; cb() after each write, cb(err) on
 *   failure, or an "error" event when there is no callback.
 * - pause() stops both loops after their current step (a message received meanwhile is held);
 *   resume() delivers what was held, then sends and receives again.
 * - bind/unbind report through the callback and a "bind"/"unbind" event; failures go to the
 *   callback, else to an "error" event.
 * - monitor() turns the v6 socket's events into the v5 event names (listen, accept, connect_delay,
 *   connect_retry, bind_error, ...) emitted as (value, address, error).
 */
import {EventEmitter} from "node:events"
import * as zmq from "../index.js"
import {shortOptions, optionId, readOption, writeOption, type OptionName, type Target} from "./options.js"
import {ZMQ_SNDMORE} from "./constants.js"

/** The socket types the v5 API names (xreq and xrep are dealer and router). */
export type SocketType = "pair" | "req" | "rep" | "pub" | "sub" | "dealer" | "xreq" | "router" | "xrep" | "pull" | "push" | "xpub" | "xsub" | "stream"

export type Callback = (err?: Error) => void

type V6Socket = zmq.Pair | zmq.Publisher | zmq.Subscriber | zmq.Request | zmq.Reply | zmq.Dealer | zmq.Router | zmq.Pull | zmq.Push | zmq.XPublisher | zmq.XSubscriber | zmq.Stream

const constructors: Record<SocketType, new () => V6Socket> = {
  pair: zmq.Pair,
  req: zmq.Request,
  rep: zmq.Reply,
  pub: zmq.Publisher,
  sub: zmq.Subscriber,
  dealer: zmq.Dealer,
  xreq: zmq.Dealer,
  router: zmq.Router,
  xrep: zmq.Router,
  pull: zmq.Pull,
  push: zmq.Push,
  xpub: zmq.XPublisher,
  xsub: zmq.XSubscriber,
  stream: zmq.Stream,
}

/** Types that only send (no receive loop) and types that only receive (send refuses). */
const sendOnly = new Set<SocketType>(["push", "pub"])
const receiveOnly = new Set<SocketType>(["pull", "sub"])

/** v6 event type -> v5 event name, for the events monitor() passes on (others are dropped). */
const monitorNames: Record<string, string> = {
  connect: "connect",
  "connect:delay": "connect_delay",
  "connect:retry": "connect_retry",
  bind: "listen",
  "bind:error": "bind_error",
  accept: "accept",
  "accept:error": "accept_error",
  close: "close",
  "close:error": "close_error",
  disconnect: "disconnect",
}

/** A callback's exception surfaces as an uncaught exception, as if it had run on its own tick. */
function callSafely(cb: Callback, err?: Error): void {
  try {
    if (err === undefined) cb()
    else cb(err)
  } catch (thrown) {
    process.nextTick(() => {
      throw thrown
    })
  }
}

export class Socket extends EventEmitter {
  /** Any other property (the v5 option names are accessors on the prototype; see below). */
  [key: string]: any

  /** The type as given to the constructor (e.g. "xrep", not "router"). */
  type: SocketType

  #socket: V6Socket
  /** Frames of a message being assembled with ZMQ_SNDMORE. */
  #pending: zmq.MessageLike[] = []
  #outbox: Array<[zmq.MessageLike[], Callback | undefined]> = []
  /** Messages received while paused, delivered on resume(). */
  #held: Buffer[][] = []
  #paused = false
  #receiving = false
  #sending = false

  constructor(type: SocketType) {
    super()
    const Class = Object.prototype.hasOwnProperty.call(constructors, type) ? constructors[type] : undefined
    if (!Class) throw new Error(`Invalid socket type: ${type}`)
    this.type = type
    this.#socket = new Class()
    if (!sendOnly.has(type)) this.#startReceiving()
  }

  /** The wrapped v6 socket, untyped, for the option table. */
  get #target(): Target {
    return this.#socket as unknown as Target
  }

  #startReceiving(): void {
    if (this.#receiving || sendOnly.has(this.type)) return
    this.#receiving = true
    void this.#receiveLoop()
  }

  // Both loops clear their flag in the same synchronous step as their last check (inside the
  // loop's own function, not after an await or in a .finally()), so that a send() or resume() that
  // comes right after the loop's last step starts a new loop instead of finding the flag still set.
  async #receiveLoop(): Promise<void> {
    const socket = this.#socket as zmq.Pull
    try {
      while (!socket.closed && !this.#paused) {
        const held = this.#held.shift()
        if (held) {
          this.#emitLater("message", ...held)
          continue
        }
        try {
          const msg = await socket.receive()
          if (this.#paused) this.#held.push(msg)
          else this.#emitLater("message", ...msg)
        } catch (err) {
          // A receive cut short by close() is not an error; EBUSY: another receive is under way.
          if (!socket.closed && (err as {code?: string}).code !== "EBUSY") this.#emitLater("error", err)
        }
      }
    } finally {
      this.#receiving = false
    }
  }

  #startSending(): void {
    if (this.#sending) return
    this.#sending = true
    void this.#sendLoop()
  }

  async #sendLoop(): Promise<void> {
    const socket = this.#socket as zmq.Push
    try {
      while (!socket.closed && !this.#paused && this.#outbox.length) {
        const [msg, cb] = this.#outbox.shift()!
        let failure: Error | undefined
        try {
          if (receiveOnly.has(this.type)) throw new Error("Cannot send on this socket type.")
          await socket.send(msg)
        } catch (err) {
          failure = err as Error
        }
        if (cb) callSafely(cb, failure)
        else if (failure) this.emit("error", failure)
      }
    } finally {
      this.#sending = false
    }
  }

  #emitLater(event: string, ...args: unknown[]): void {
    process.nextTick(() => this.emit(event, ...args))
  }

  /** Reports a finished bind/unbind: the event and cb() on success, cb(err) or "error" on failure. */
  #settle(work: Promise<void>, event: string, address: string, cb?: Callback): void {
    work.then(
      () =>
        process.nextTick(() => {
          this.emit(event, address)
          if (cb) cb()
        }),
      (err: Error) =>
        process.nextTick(() => {
          if (cb) cb(err)
          else this.emit("error", err)
        }),
    )
  }

  bind(address: string, cb?: Callback): this {
    this.#settle(this.#socket.bind(address), "bind", address, cb)
    return this
  }

  unbind(address: string, cb?: Callback): this {
    this.#settle(this.#socket.unbind(address), "unbind", address, cb)
    return this
  }

  bindSync(address: string): void {
    this.#socket.bindSync(address)
  }

  unbindSync(address: string): void {
    this.#socket.unbindSync(address)
  }

  connect(address: string): this {
    this.#socket.connect(address)
    return this
  }

  disconnect(address: string): this {
    this.#socket.disconnect(address)
    return this
  }

  /**
   * Queues a message: a frame or an array of frames. With ZMQ_SNDMORE in flags the frames wait
   * for the rest of the message (the next send without it); other flag bits are ignored. cb runs
   * once the whole message is written (cb() on success, cb(err) on failure).
   */
  send(message: zmq.MessageLike | zmq.MessageLike[], flags: number | null | undefined = 0, cb?: Callback): this {
    this.#pending = this.#pending.concat(message)
    if (((flags ?? 0) & ZMQ_SNDMORE) === 0) {
      this.#outbox.push([this.#pending, cb])
      this.#pending = []
      if (!this.#paused) this.#startSending()
    }
    return this
  }

  /** Gone from the v5 API in compatibility mode; messages arrive as "message" events. */
  read(): never {
    throw new Error("read() has been removed from compatibility mode; use on('message', ...) instead.")
  }

  pause(): void {
    this.#paused = true
  }

  resume(): void {
    this.#paused = false
    this.#startReceiving()
    if (this.#outbox.length) this.#startSending()
  }

  close(): this {
    this.#socket.close()
    return this
  }

  get closed(): boolean {
    return this.#socket.closed
  }

  /**
   * Emits the socket's events under their v5 names, each as (value, address, error): value is the
   * retry interval for connect_retry and the errno for the *_error events. The arguments (the old
   * polling interval and batch size) are ignored, with a process warning, as in zeromq.js.
   */
  monitor(interval?: number, numEvents?: number): this {
    if (interval || numEvents) {
      process.emitWarning("Arguments to monitor() are ignored in compatibility mode; all events are read automatically")
    }
    const events = this.#socket.events
    const pump = async () => {
      while (!events.closed) {
        let event: Record<string, any>
        try {
          event = await events.receive()
        } catch (err) {
          if (!this.#socket.closed) this.emit("error", err)
          continue
        }
        if (event.type === "end") return
        const name = monitorNames[event.type as string]
        if (!name) continue
        let value: unknown
        let error: Error | undefined
        if (event.type === "connect:retry") value = event.interval
        else if (name.endsWith("_error")) {
          error = event.error
          value = error ? (error as {errno?: number}).errno : 0
        }
        this.emit(name, value, event.address, error)
      }
    }
    void pump()
    return this
  }

  unmonitor(): this {
    this.#socket.events.close()
    return this
  }

  subscribe(filter: string | Buffer): this {
    if (!(this.#socket instanceof zmq.Subscriber)) throw new Error("Subscriber socket required")
    this.#socket.subscribe(filter)
    return this
  }

  unsubscribe(filter: string | Buffer): this {
    if (!(this.#socket instanceof zmq.Subscriber)) throw new Error("Subscriber socket required")
    this.#socket.unsubscribe(filter)
    return this
  }

  /** Sets an option by its ZMQ_* id or v5 name; throws "Unknown option" for others. */
  setsockopt(option: number | OptionName, value: any): this {
    writeOption(this.#target, optionId(option), value)
    return this
  }

  /** Reads an option by its ZMQ_* id or v5 name; throws "Unknown option" for others. */
  getsockopt(option: number | OptionName): any {
    return readOption(this.#target, optionId(option))
  }
}

// The v5 option names as properties (`sock.linger = 0`); a string value is written as a Buffer.
for (const [name, id] of Object.entries(shortOptions)) {
  if (Object.prototype.hasOwnProperty.call(Socket.prototype, name)) continue
  Object.defineProperty(Socket.prototype, name, {
    configurable: true,
    get(this: Socket) {
      return this.getsockopt(id)
    },
    set(this: Socket, value: unknown) {
      this.setsockopt(id, typeof value === "string" ? Buffer.from(value, "utf8") : value)
    },
  })
}

/**
 * A new socket of the given type, with options set by their v5 names (`{linger: 0, identity: "a"}`);
 * a key that is not an option name becomes a plain property of the socket.
 */
export function createSocket(type: SocketType, options: {[key: string]: any} = {}): Socket {
  const sock = new Socket(type)
  for (const key of Object.keys(options)) sock[key] = options[key]
  return sock
}
