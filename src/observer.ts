/**
 * The Observer (zeromq.js `socket.events`): a socket's monitor events, read with receive() or
 * `for await`, or dispatched to listeners after on()/off() switch it to event emitter mode (those
 * two, the emitter and async iteration are added in index.ts exactly as zeromq.js adds them).
 * libzmq's monitor stream, with the same event names and payloads.
 */
import type {EventEmitter} from "node:events"
import {errnoError} from "./errors.js"
import {observeSocket, setObserverFactory, Socket, type EventSink} from "./sockets/socket.js"
import type {SocketEvent} from "./transport/stream.js"
import type {Event, EventOfType, EventType} from "./events.js"

/** Like libzmq's monitor pipe, the queue is bounded; the oldest events go first. */
const MAX_QUEUED = 10000

export class Observer {
  #queue: SocketEvent[] = []
  #pending: {resolve(e: SocketEvent): void; reject(e: Error): void} | null = null
  /** Referenced while a receive waits (see receive()). */
  #keepAlive: NodeJS.Timeout | null = null
  #closed = false
  #ended = false
  #unsubscribe: () => void

  constructor(socket: Socket) {
    // zeromq.js: a non-object is a TypeError; an object that is not a socket is EINVAL (no code).
    if (typeof socket !== "object" || socket === null) throw new TypeError("Socket must be a socket object")
    if (!(socket instanceof Socket)) throw new Error("Invalid argument")
    // zmq_socket_monitor on a closed socket
    if (socket.closed) throw errnoError("ENOTSOCK")
    const sink: EventSink = {
      push: event => this.#push(event),
      end: () => {
        if (this.#ended) return
        this.#ended = true
        this.#push({type: "end"})
      },
    }
    this.#unsubscribe = observeSocket(socket, sink)
  }

  get closed(): boolean {
    return this.#closed
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#unsubscribe()
    this.#queue = []
    const pending = this.#pending
    this.#pending = null
    this.#waiting(false)
    pending?.reject(errnoError("EAGAIN"))
  }

  receive(): Promise<Event> {
    if (this.#closed) throw errnoError("EBADF", "Socket is closed")
    if (this.#pending) throw errnoError("EBUSY", "Observer is busy reading; only one receive operation may be in progress at any time")
    // The transports' loose SocketEvents have the public shapes of events.ts.
    const next = this.#queue.shift()
    if (next) return Promise.resolve(this.#taken(next) as Event)
    return new Promise<Event>((resolve, reject) => {
      // A waiting read keeps the process alive, as zeromq.js's poll on the monitor socket does,
      // in emitter mode too: a program reading events runs until the socket (or the observer) is
      // closed.
      this.#pending = {resolve: e => resolve(e as Event), reject}
      this.#waiting(true)
    })
  }

  #waiting(yes: boolean): void {
    if (yes) {
      if (this.#keepAlive) this.#keepAlive.ref()
      else this.#keepAlive = setInterval(() => {}, 1 << 30)
    } else if (this.#keepAlive) {
      clearInterval(this.#keepAlive)
      this.#keepAlive = null
    }
  }

  /** After the "end" event has been read, the observer is closed (monitoring stopped). */
  #taken(event: SocketEvent): SocketEvent {
    if (event.type === "end") {
      this.#closed = true
      this.#unsubscribe()
      this.#waiting(false)
    }
    return event
  }

  #push(event: SocketEvent): void {
    if (this.#closed) return
    const pending = this.#pending
    if (pending) {
      this.#pending = null
      this.#keepAlive?.unref()
      pending.resolve(this.#taken(event))
      return
    }
    if (this.#queue.length >= MAX_QUEUED) this.#queue.shift()
    this.#queue.push(event)
  }
}

/** Added by index.ts, as zeromq.js adds them, with zeromq.js's event types (events.ts). */
export interface Observer {
  on<E extends EventType>(type: E, listener: (data: EventOfType<E>) => void): EventEmitter
  off<E extends EventType>(type: E, listener: (data: EventOfType<E>) => void): EventEmitter
  [Symbol.asyncIterator](): AsyncIterator<Event>
}

setObserverFactory(socket => new Observer(socket))
