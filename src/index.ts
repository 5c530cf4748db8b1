/**
 * zmtp: ZeroMQ in pure TypeScript, with the zeromq.js v6 API. This module mirrors zeromq.js's
 * lib/index.js: the concrete socket classes and the option properties, each defined over the raw
 * `get/set{Type}Option(id)` accessors with libzmq's numeric option ids.
 */
import {EventEmitter} from "node:events"
import {generateKeyPairSync} from "node:crypto"
import {Context as ContextClass, context} from "./context.js"
import {nativeConstructor} from "./native-class.js"
import {Observer as ObserverClass} from "./observer.js"
import {Proxy as ProxyClass} from "./proxy.js"
import {receiveNow, Socket as SocketClass, type MessageLike} from "./sockets/socket.js"
import {z85Encode} from "./wire/z85.js"

// The native classes of zeromq.js, as they behave when called without `new` (native-class.ts).
export const Context = nativeConstructor(ContextClass)
export type Context = ContextClass
export const Socket = nativeConstructor(SocketClass)
export type Socket = SocketClass
export const Observer = nativeConstructor(ObserverClass)
export type Observer = ObserverClass
export const Proxy = nativeConstructor(ProxyClass)
export type Proxy<F extends Socket = Socket, B extends Socket = Socket> = ProxyClass<F, B>
export {context}
export type {MessageLike}
export type Message = Buffer
export type {ErrnoError} from "./errors.js"
export type {SocketEvent as Event} from "./transport/stream.js"

/** The libzmq release whose behaviour this stack follows (zeromq.js reports its libzmq's). */
export const version = "4.3.5"

/** What this build can do (zeromq.js's `capability`): said truthfully. */
export const capability: Partial<{ipc: boolean; pgm: boolean; tipc: boolean; norm: boolean; curve: boolean; gssapi: boolean; draft: boolean}> = {
  ipc: true,
  pgm: false,
  tipc: false,
  norm: false,
  curve: true,
  gssapi: false,
  draft: false,
}

/** A new CURVE key pair, each key as 40 Z85 characters (X25519 from node:crypto). */
export function curveKeyPair(): {publicKey: string; secretKey: string} {
  const {publicKey, privateKey} = generateKeyPairSync("x25519")
  const pub = publicKey.export({format: "der", type: "spki"}).subarray(-32)
  const sec = privateKey.export({format: "der", type: "pkcs8"}).subarray(-32)
  return {publicKey: z85Encode(pub), secretKey: z85Encode(sec)}
}

// ---- async iteration and event emitter mode, exactly as zeromq.js adds them -------------------

function asyncIterator(this: {closed: boolean; receive(): Promise<unknown>}) {
  return {
    next: async () => {
      if (this.closed) return {done: true, value: undefined}
      try {
        return {value: await this.receive(), done: false}
      } catch (err) {
        if (this.closed && (err as {code?: string}).code === "EAGAIN") return {done: true, value: undefined}
        throw err
      }
    },
  }
}

/** The same iteration for sockets, with a fast path for a message that is already there. */
function socketIterator(this: Socket & {receive(): Promise<Buffer[]>}) {
  const fallback = asyncIterator.call(this)
  return {
    next: (): Promise<IteratorResult<Buffer[]>> => {
      const msg = this.closed ? undefined : receiveNow(this)
      if (msg) return Promise.resolve({value: msg, done: false})
      return fallback.next() as Promise<IteratorResult<Buffer[]>>
    },
  }
}

Object.assign(Socket.prototype, {[Symbol.asyncIterator]: socketIterator})
Object.assign(Observer.prototype, {[Symbol.asyncIterator]: asyncIterator})

Object.defineProperty(Observer.prototype, "emitter", {
  get: function emitter(this: Observer & {receive(): Promise<{type: string}>}) {
    const value = new EventEmitter()
    const boundReceive = this.receive.bind(this)
    Object.defineProperty(this, "receive", {
      get: () => {
        throw new Error("Observer is in event emitter mode. After a call to events.on() it is not possible to read events with events.receive().")
      },
    })
    const run = async () => {
      while (!this.closed) {
        let event: {type: string}
        try {
          event = await boundReceive()
        } catch {
          return
        }
        value.emit(event.type, event)
      }
    }
    void run()
    Object.defineProperty(this, "emitter", {value})
    return value
  },
})

interface ObserverEmitter {
  on(type: string, listener: (event: any) => void): EventEmitter
  off(type: string, listener: (event: any) => void): EventEmitter
}
;(Observer.prototype as unknown as ObserverEmitter).on = function on(this: {emitter: EventEmitter}, ...args: Parameters<EventEmitter["on"]>) {
  return this.emitter.on(...args)
}
;(Observer.prototype as unknown as ObserverEmitter).off = function off(this: {emitter: EventEmitter}, ...args: Parameters<EventEmitter["off"]>) {
  return this.emitter.off(...args)
}

// ---- concrete socket types -----------------------------------------------------------------

type SocketOptions = Record<string, unknown>
type Raw = {setStringOption(id: number, v: string | Buffer | null): void; setBoolOption(id: number, v: boolean): void}
const raw = (s: Socket) => s as unknown as Raw

/** PAIR: exactly one peer; blocks while there is none or it is full. */
export class Pair extends Socket {
  constructor(options?: SocketOptions) {
    super(0, options)
  }
}

/** PUB: fan-out to subscribers; never blocks (drops for a subscriber at its HWM). */
export class Publisher extends Socket {
  constructor(options?: SocketOptions) {
    super(1, options)
  }
}

/** SUB: receives what it subscribed to (prefix match on the first frame). */
export class Subscriber extends Socket {
  constructor(options?: SocketOptions) {
    super(2, options)
  }

  /** Subscribes to each prefix; with no argument, to everything. */
  subscribe(...prefixes: Array<Buffer | string>): void {
    if (prefixes.length === 0) raw(this).setStringOption(6, null)
    else for (const prefix of prefixes) raw(this).setStringOption(6, prefix)
  }

  /** Removes each prefix; with no argument, the subscribe-all filter. */
  unsubscribe(...prefixes: Array<Buffer | string>): void {
    if (prefixes.length === 0) raw(this).setStringOption(7, null)
    else for (const prefix of prefixes) raw(this).setStringOption(7, prefix)
  }
}

/** REQ: strict send/receive alternation with an envelope. */
export class Request extends Socket {
  constructor(options?: SocketOptions) {
    super(3, options)
  }
}

/** REP: receives requests, sends each reply back to its requester. */
export class Reply extends Socket {
  constructor(options?: SocketOptions) {
    super(4, options)
  }
}

/** DEALER: load-balanced sends, fair-queued receives. */
export class Dealer extends Socket {
  constructor(options?: SocketOptions) {
    super(5, options)
  }
}

export interface RouterConnectOptions {
  routingId?: string
}

/** ROUTER: routes by the first frame (the peer's routing id). */
export class Router extends Socket {
  constructor(options?: SocketOptions) {
    super(6, options)
  }

  override connect(address: string, options: RouterConnectOptions = {}): void {
    if (options.routingId) raw(this).setStringOption(61, options.routingId)
    super.connect(address)
  }
}

/** PULL: fair-queued receives from pushers. */
export class Pull extends Socket {
  constructor(options?: SocketOptions) {
    super(7, options)
  }
}

/** PUSH: load-balanced sends to pullers; blocks at HWM or with no peer. */
export class Push extends Socket {
  constructor(options?: SocketOptions) {
    super(8, options)
  }
}

/** XPUB: a PUB that also receives (un)subscriptions as 01/00-prefixed messages. */
export class XPublisher extends Socket {
  constructor(options?: SocketOptions) {
    super(9, options)
  }

  /** ZMQ_XPUB_VERBOSE / ZMQ_XPUB_VERBOSER as one property: null, "allSubs" or "allSubsUnsubs". */
  set verbosity(value: null | "allSubs" | "allSubsUnsubs") {
    switch (value) {
      case null:
        raw(this).setBoolOption(40, false)
        break
      case "allSubs":
        raw(this).setBoolOption(40, true)
        break
      case "allSubsUnsubs":
        raw(this).setBoolOption(78, true)
        break
    }
  }
}

/** XSUB: a SUB whose subscriptions are messages the application sends. */
export class XSubscriber extends Socket {
  constructor(options?: SocketOptions) {
    super(10, options)
  }
}

export interface StreamConnectOptions {
  routingId?: string
}

/** STREAM: raw TCP peers, [routing id, data] both ways. */
export class Stream extends Socket {
  constructor(options?: SocketOptions) {
    super(11, options)
  }

  override connect(address: string, options: StreamConnectOptions = {}): void {
    if (options.routingId) raw(this).setStringOption(61, options.routingId)
    super.connect(address)
  }
}

// ---- option property types (declaration merging; the accessors are installed below) ---------

interface WritableOptions {
  sendBufferSize: number
  sendHighWaterMark: number
  sendTimeout: number
  multicastHops: number
}
interface ReadableOptions {
  receiveBufferSize: number
  receiveHighWaterMark: number
  receiveTimeout: number
}
export interface Pair extends WritableOptions, ReadableOptions {}
export interface Publisher extends WritableOptions {
  noDrop: boolean
  conflate: boolean
  invertMatching: boolean
}
export interface Subscriber extends ReadableOptions {
  conflate: boolean
  invertMatching: boolean
}
export interface Request extends WritableOptions, ReadableOptions {
  routingId: string | null
  probeRouter: boolean
  correlate: boolean
  relaxed: boolean
}
export interface Reply extends WritableOptions, ReadableOptions {
  routingId: string | null
}
export interface Dealer extends WritableOptions, ReadableOptions {
  routingId: string | null
  probeRouter: boolean
  conflate: boolean
}
export interface Router extends WritableOptions, ReadableOptions {
  routingId: string | null
  mandatory: boolean
  probeRouter: boolean
  handover: boolean
}
export interface Pull extends ReadableOptions {
  conflate: boolean
}
export interface Push extends WritableOptions {
  conflate: boolean
}
export interface XPublisher extends WritableOptions, ReadableOptions {
  noDrop: boolean
  manual: boolean
  welcomeMessage: string | null
  invertMatching: boolean
}
export interface XSubscriber extends WritableOptions, ReadableOptions {}
export interface Stream extends WritableOptions, ReadableOptions {
  notify: boolean
}
// ---- option properties (zeromq.js's defineOpt table, verbatim ids and types) ---------------

type Kind = "Bool" | "Int32" | "Uint32" | "Int64" | "Uint64" | "String"
const enum Acc {
  Read = 1,
  Write = 2,
  ReadWrite = 3,
}
type Target = {prototype: object}

function defineOpt(targets: Target[], name: string, id: number, type: Kind, acc: Acc = Acc.ReadWrite, values?: unknown[]): void {
  const desc: PropertyDescriptor = {}
  if (acc & Acc.Read) {
    const getter = `get${type}Option`
    desc.get = values
      ? function get(this: Record<string, (id: number) => number>) {
          return values[this[getter]!(id)]
        }
      : function get(this: Record<string, (id: number) => unknown>) {
          return this[getter]!(id)
        }
  }
  if (acc & Acc.Write) {
    const setter = `set${type}Option`
    desc.set = values
      ? function set(this: Record<string, (id: number, v: unknown) => void>, val: unknown) {
          this[setter]!(id, values.indexOf(val))
        }
      : function set(this: Record<string, (id: number, v: unknown) => void>, val: unknown) {
          this[setter]!(id, val)
        }
  }
  for (const target of targets) {
    if (Object.prototype.hasOwnProperty.call(target.prototype, name)) continue
    Object.defineProperty(target.prototype, name, desc)
  }
}

defineOpt([Context], "ioThreads", 1, "Int32")
defineOpt([Context], "maxSockets", 2, "Int32")
defineOpt([Context], "maxSocketsLimit", 3, "Int32", Acc.Read)
defineOpt([Context], "threadPriority", 3, "Int32", Acc.Write)
defineOpt([Context], "threadSchedulingPolicy", 4, "Int32", Acc.Write)
defineOpt([Context], "maxMessageSize", 5, "Int32")
defineOpt([Context], "ipv6", 42, "Bool")
defineOpt([Context], "blocky", 70, "Bool")

const writables = [Pair, Publisher, Request, Reply, Dealer, Router, Push, XPublisher, XSubscriber, Stream]
defineOpt(writables, "sendBufferSize", 11, "Int32")
defineOpt(writables, "sendHighWaterMark", 23, "Int32")
defineOpt(writables, "sendTimeout", 28, "Int32")
defineOpt(writables, "multicastHops", 25, "Int32")

const readables = [Pair, Subscriber, Request, Reply, Dealer, Router, Pull, XPublisher, XSubscriber, Stream]
defineOpt(readables, "receiveBufferSize", 12, "Int32")
defineOpt(readables, "receiveHighWaterMark", 24, "Int32")
defineOpt(readables, "receiveTimeout", 27, "Int32")

defineOpt([Socket], "affinity", 4, "Uint64")
defineOpt([Request, Reply, Router, Dealer], "routingId", 5, "String")
defineOpt([Socket], "rate", 8, "Int32")
defineOpt([Socket], "recoveryInterval", 9, "Int32")
defineOpt([Socket], "type", 16, "Int32", Acc.Read)
defineOpt([Socket], "linger", 17, "Int32")
defineOpt([Socket], "reconnectInterval", 18, "Int32")
defineOpt([Socket], "backlog", 19, "Int32")
defineOpt([Socket], "reconnectMaxInterval", 21, "Int32")
defineOpt([Socket], "maxMessageSize", 22, "Int64")
defineOpt([Socket], "lastEndpoint", 32, "String", Acc.Read)
defineOpt([Router], "mandatory", 33, "Bool")
defineOpt([Socket], "tcpKeepalive", 34, "Int32")
defineOpt([Socket], "tcpKeepaliveCount", 35, "Int32")
defineOpt([Socket], "tcpKeepaliveIdle", 36, "Int32")
defineOpt([Socket], "tcpKeepaliveInterval", 37, "Int32")
defineOpt([Socket], "tcpAcceptFilter", 38, "String")
defineOpt([Socket], "immediate", 39, "Bool")
defineOpt([Socket], "ipv6", 42, "Bool")
defineOpt([Socket], "securityMechanism", 43, "Int32", Acc.Read, [null, "plain", "curve", "gssapi"])
defineOpt([Socket], "plainServer", 44, "Bool")
defineOpt([Socket], "plainUsername", 45, "String")
defineOpt([Socket], "plainPassword", 46, "String")
if (capability.curve) {
  defineOpt([Socket], "curveServer", 47, "Bool")
  defineOpt([Socket], "curvePublicKey", 48, "String")
  defineOpt([Socket], "curveSecretKey", 49, "String")
  defineOpt([Socket], "curveServerKey", 50, "String")
}
defineOpt([Router, Dealer, Request], "probeRouter", 51, "Bool", Acc.Write)
defineOpt([Request], "correlate", 52, "Bool", Acc.Write)
defineOpt([Request], "relaxed", 53, "Bool", Acc.Write)
defineOpt([Pull, Push, Subscriber, Publisher, Dealer], "conflate", 54, "Bool", Acc.Write)
defineOpt([Socket], "zapDomain", 55, "String")
defineOpt([Router], "handover", 56, "Bool", Acc.Write)
defineOpt([Socket], "typeOfService", 57, "Uint32")
defineOpt([Socket], "handshakeInterval", 66, "Int32")
defineOpt([Socket], "socksProxy", 68, "String")
defineOpt([XPublisher, Publisher], "noDrop", 69, "Bool", Acc.Write)
defineOpt([XPublisher], "manual", 71, "Bool", Acc.Write)
defineOpt([XPublisher], "welcomeMessage", 72, "String", Acc.Write)
defineOpt([Stream], "notify", 73, "Bool", Acc.Write)
defineOpt([Publisher, Subscriber, XPublisher], "invertMatching", 74, "Bool")
defineOpt([Socket], "heartbeatInterval", 75, "Int32")
defineOpt([Socket], "heartbeatTimeToLive", 76, "Int32")
defineOpt([Socket], "heartbeatTimeout", 77, "Int32")
defineOpt([Socket], "connectTimeout", 79, "Int32")
defineOpt([Socket], "tcpMaxRetransmitTimeout", 80, "Int32")
defineOpt([Socket], "threadSafe", 81, "Bool", Acc.Read)
defineOpt([Socket], "multicastMaxTransportDataUnit", 84, "Int32")
defineOpt([Socket], "vmciBufferSize", 85, "Uint64")
defineOpt([Socket], "vmciBufferMinSize", 86, "Uint64")
defineOpt([Socket], "vmciBufferMaxSize", 87, "Uint64")
defineOpt([Socket], "vmciConnectTimeout", 88, "Int32")
defineOpt([Socket], "interface", 92, "String")
defineOpt([Socket], "zapEnforceDomain", 93, "Bool")
defineOpt([Socket], "loopbackFastPath", 94, "Bool")
