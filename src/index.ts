/**
 * zmtp: ZeroMQ in pure TypeScript, with the zeromq.js v6 API. This module mirrors zeromq.js's
 * lib/index.js: the concrete socket classes and the option properties, each defined over the raw
 * `get/set{Type}Option(id)` accessors with libzmq's numeric option ids (sockets/option-ids.ts).
 */
import {EventEmitter} from "node:events"
import {generateKeyPairSync} from "node:crypto"
import {Context as ContextClass, context} from "./context.js"
import * as draft from "./draft-sockets.js"
import {nativeConstructor} from "./native-class.js"
import {Observer as ObserverClass} from "./observer.js"
import {Proxy as ProxyClass} from "./proxy.js"
import {ContextOptionId, OptionId} from "./sockets/option-ids.js"
import {receiveNow, Socket as SocketClass, type MessageLike} from "./sockets/socket.js"
import type {ReadableOptions, WritableOptions} from "./sockets/socket-properties.js"
import {checkBoolean, checkBudget, checkDirectory, checkGrace, defineExtension} from "./sockets/extensions.js"
import {SocketTypeId} from "./wire/socket-type.js"
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
export type {Event, EventOfType, EventType} from "./events.js"

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
  draft: true,
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
    super(SocketTypeId.PAIR, options)
  }
}

/** PUB: fan-out to subscribers; never blocks (drops for a subscriber at its HWM). */
export class Publisher extends Socket {
  constructor(options?: SocketOptions) {
    super(SocketTypeId.PUB, options)
  }
}

/** SUB: receives what it subscribed to (prefix match on the first frame). */
export class Subscriber extends Socket {
  constructor(options?: SocketOptions) {
    super(SocketTypeId.SUB, options)
  }

  /** Subscribes to each prefix; with no argument, to everything. */
  subscribe(...prefixes: Array<Buffer | string>): void {
    if (prefixes.length === 0) raw(this).setStringOption(OptionId.SUBSCRIBE, null)
    else for (const prefix of prefixes) raw(this).setStringOption(OptionId.SUBSCRIBE, prefix)
  }

  /** Removes each prefix; with no argument, the subscribe-all filter. */
  unsubscribe(...prefixes: Array<Buffer | string>): void {
    if (prefixes.length === 0) raw(this).setStringOption(OptionId.UNSUBSCRIBE, null)
    else for (const prefix of prefixes) raw(this).setStringOption(OptionId.UNSUBSCRIBE, prefix)
  }
}

/** REQ: strict send/receive alternation with an envelope. */
export class Request extends Socket {
  constructor(options?: SocketOptions) {
    super(SocketTypeId.REQ, options)
  }
}

/** REP: receives requests, sends each reply back to its requester. */
export class Reply extends Socket {
  constructor(options?: SocketOptions) {
    super(SocketTypeId.REP, options)
  }
}

/** DEALER: load-balanced sends, fair-queued receives. */
export class Dealer extends Socket {
  constructor(options?: SocketOptions) {
    super(SocketTypeId.DEALER, options)
  }
}

export interface RouterConnectOptions {
  routingId?: string
}

/** ROUTER: routes by the first frame (the peer's routing id). */
export class Router extends Socket {
  constructor(options?: SocketOptions) {
    super(SocketTypeId.ROUTER, options)
  }

  override connect(address: string, options: RouterConnectOptions = {}): void {
    if (options.routingId) raw(this).setStringOption(OptionId.CONNECT_ROUTING_ID, options.routingId)
    super.connect(address)
  }
}

/** PULL: fair-queued receives from pushers. */
export class Pull extends Socket {
  constructor(options?: SocketOptions) {
    super(SocketTypeId.PULL, options)
  }
}

/** PUSH: load-balanced sends to pullers; blocks at HWM or with no peer. */
export class Push extends Socket {
  constructor(options?: SocketOptions) {
    super(SocketTypeId.PUSH, options)
  }
}

/** XPUB: a PUB that also receives (un)subscriptions as 01/00-prefixed messages. */
export class XPublisher extends Socket {
  constructor(options?: SocketOptions) {
    super(SocketTypeId.XPUB, options)
  }

  /** ZMQ_XPUB_VERBOSE / ZMQ_XPUB_VERBOSER as one property: null, "allSubs" or "allSubsUnsubs". */
  set verbosity(value: null | "allSubs" | "allSubsUnsubs") {
    switch (value) {
      case null:
        raw(this).setBoolOption(OptionId.XPUB_VERBOSE, false)
        break
      case "allSubs":
        raw(this).setBoolOption(OptionId.XPUB_VERBOSE, true)
        break
      case "allSubsUnsubs":
        raw(this).setBoolOption(OptionId.XPUB_VERBOSER, true)
        break
    }
  }
}

/** XSUB: a SUB whose subscriptions are messages the application sends. */
export class XSubscriber extends Socket {
  constructor(options?: SocketOptions) {
    super(SocketTypeId.XSUB, options)
  }
}

export interface StreamConnectOptions {
  routingId?: string
}

/** STREAM: raw TCP peers, [routing id, data] both ways. */
export class Stream extends Socket {
  constructor(options?: SocketOptions) {
    super(SocketTypeId.STREAM, options)
  }

  override connect(address: string, options: StreamConnectOptions = {}): void {
    if (options.routingId) raw(this).setStringOption(OptionId.CONNECT_ROUTING_ID, options.routingId)
    super.connect(address)
  }
}

// ---- option property types (declaration merging; the accessors are installed below) ---------

export interface Pair extends WritableOptions, ReadableOptions {}
export interface Publisher extends WritableOptions {
  /** zmtp extension: a full peer loses its oldest queued message, not the new one. */
  dropOldest: boolean
  /** zmtp extension: ms a subscriber that sent a routing id keeps its queue after it disconnects (0: off). */
  durableGrace: number
  noDrop: boolean
  conflate: boolean
  invertMatching: boolean
}
export interface Subscriber extends ReadableOptions {
  /** ZMQ_ROUTING_ID: a zmtp publisher with durableGrace keeps this subscriber's queue across reconnects. */
  routingId: string | null
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
  /** zmtp extension: a full peer loses its oldest queued message, not the new one. */
  dropOldest: boolean
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
  /** zmtp extension: a full peer loses its oldest queued message, not the new one. */
  dropOldest: boolean
  /** zmtp extension: ms a subscriber that sent a routing id keeps its queue after it disconnects (0: off). */
  durableGrace: number
  noDrop: boolean
  manual: boolean
  welcomeMessage: string | null
  invertMatching: boolean
}
export interface XSubscriber extends WritableOptions, ReadableOptions {
  /** ZMQ_ROUTING_ID: a zmtp publisher with durableGrace keeps this subscriber's queue across reconnects. */
  routingId: string | null
}
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

defineOpt([Context], "ioThreads", ContextOptionId.IO_THREADS, "Int32")
defineOpt([Context], "maxSockets", ContextOptionId.MAX_SOCKETS, "Int32")
defineOpt([Context], "maxSocketsLimit", ContextOptionId.SOCKET_LIMIT, "Int32", Acc.Read)
defineOpt([Context], "threadPriority", ContextOptionId.THREAD_PRIORITY, "Int32", Acc.Write)
defineOpt([Context], "threadSchedulingPolicy", ContextOptionId.THREAD_SCHED_POLICY, "Int32", Acc.Write)
defineOpt([Context], "maxMessageSize", ContextOptionId.MAX_MSGSZ, "Int32")
defineOpt([Context], "ipv6", ContextOptionId.IPV6, "Bool")
defineOpt([Context], "blocky", ContextOptionId.BLOCKY, "Bool")

// zeromq.js lists its draft classes here too (draft.Server...); PEER and CHANNEL are zmtp's extras.
const writables = [Pair, Publisher, Request, Reply, Dealer, Router, Push, XPublisher, XSubscriber, Stream, draft.Server, draft.Client, draft.Radio, draft.Scatter, draft.Datagram, draft.Peer, draft.Channel]
defineOpt(writables, "sendBufferSize", OptionId.SNDBUF, "Int32")
defineOpt(writables, "sendHighWaterMark", OptionId.SNDHWM, "Int32")
defineOpt(writables, "sendTimeout", OptionId.SNDTIMEO, "Int32")
defineOpt(writables, "multicastHops", OptionId.MULTICAST_HOPS, "Int32")

const readables = [Pair, Subscriber, Request, Reply, Dealer, Router, Pull, XPublisher, XSubscriber, Stream, draft.Server, draft.Client, draft.Dish, draft.Gather, draft.Datagram, draft.Peer, draft.Channel]
defineOpt(readables, "receiveBufferSize", OptionId.RCVBUF, "Int32")
defineOpt(readables, "receiveHighWaterMark", OptionId.RCVHWM, "Int32")
defineOpt(readables, "receiveTimeout", OptionId.RCVTIMEO, "Int32")

defineOpt([Socket], "affinity", OptionId.AFFINITY, "Uint64")
defineOpt([Request, Reply, Router, Dealer], "routingId", OptionId.ROUTING_ID, "String")
// Not in zeromq.js's table, but a real libzmq option on every type: it names a durable subscriber
// (README "Durable subscribers").
defineOpt([Subscriber, XSubscriber, draft.Dish], "routingId", OptionId.ROUTING_ID, "String")
defineOpt([Socket], "rate", OptionId.RATE, "Int32")
defineOpt([Socket], "recoveryInterval", OptionId.RECOVERY_IVL, "Int32")
defineOpt([Socket], "type", OptionId.TYPE, "Int32", Acc.Read)
defineOpt([Socket], "linger", OptionId.LINGER, "Int32")
defineOpt([Socket], "reconnectInterval", OptionId.RECONNECT_IVL, "Int32")
defineOpt([Socket], "backlog", OptionId.BACKLOG, "Int32")
defineOpt([Socket], "reconnectMaxInterval", OptionId.RECONNECT_IVL_MAX, "Int32")
defineOpt([Socket], "maxMessageSize", OptionId.MAXMSGSIZE, "Int64")
defineOpt([Socket], "lastEndpoint", OptionId.LAST_ENDPOINT, "String", Acc.Read)
defineOpt([Router], "mandatory", OptionId.ROUTER_MANDATORY, "Bool")
defineOpt([Socket], "tcpKeepalive", OptionId.TCP_KEEPALIVE, "Int32")
defineOpt([Socket], "tcpKeepaliveCount", OptionId.TCP_KEEPALIVE_CNT, "Int32")
defineOpt([Socket], "tcpKeepaliveIdle", OptionId.TCP_KEEPALIVE_IDLE, "Int32")
defineOpt([Socket], "tcpKeepaliveInterval", OptionId.TCP_KEEPALIVE_INTVL, "Int32")
defineOpt([Socket], "tcpAcceptFilter", OptionId.TCP_ACCEPT_FILTER, "String")
defineOpt([Socket], "immediate", OptionId.IMMEDIATE, "Bool")
defineOpt([Socket], "ipv6", OptionId.IPV6, "Bool")
defineOpt([Socket], "securityMechanism", OptionId.MECHANISM, "Int32", Acc.Read, [null, "plain", "curve", "gssapi"])
defineOpt([Socket], "plainServer", OptionId.PLAIN_SERVER, "Bool")
defineOpt([Socket], "plainUsername", OptionId.PLAIN_USERNAME, "String")
defineOpt([Socket], "plainPassword", OptionId.PLAIN_PASSWORD, "String")
if (capability.curve) {
  defineOpt([Socket], "curveServer", OptionId.CURVE_SERVER, "Bool")
  defineOpt([Socket], "curvePublicKey", OptionId.CURVE_PUBLICKEY, "String")
  defineOpt([Socket], "curveSecretKey", OptionId.CURVE_SECRETKEY, "String")
  defineOpt([Socket], "curveServerKey", OptionId.CURVE_SERVERKEY, "String")
}
defineOpt([Router, Dealer, Request], "probeRouter", OptionId.PROBE_ROUTER, "Bool", Acc.Write)
defineOpt([Request], "correlate", OptionId.REQ_CORRELATE, "Bool", Acc.Write)
defineOpt([Request], "relaxed", OptionId.REQ_RELAXED, "Bool", Acc.Write)
defineOpt([Pull, Push, Subscriber, Publisher, Dealer, draft.Scatter, draft.Gather], "conflate", OptionId.CONFLATE, "Bool", Acc.Write)
defineOpt([Socket], "zapDomain", OptionId.ZAP_DOMAIN, "String")
defineOpt([Router], "handover", OptionId.ROUTER_HANDOVER, "Bool", Acc.Write)
defineOpt([Socket], "typeOfService", OptionId.TOS, "Uint32")
defineOpt([Socket], "handshakeInterval", OptionId.HANDSHAKE_IVL, "Int32")
defineOpt([Socket], "socksProxy", OptionId.SOCKS_PROXY, "String")
defineOpt([XPublisher, Publisher], "noDrop", OptionId.XPUB_NODROP, "Bool", Acc.Write)
defineOpt([XPublisher], "manual", OptionId.XPUB_MANUAL, "Bool", Acc.Write)
defineOpt([XPublisher], "welcomeMessage", OptionId.XPUB_WELCOME_MSG, "String", Acc.Write)
defineOpt([Stream], "notify", OptionId.STREAM_NOTIFY, "Bool", Acc.Write)
defineOpt([Publisher, Subscriber, XPublisher], "invertMatching", OptionId.INVERT_MATCHING, "Bool")
defineOpt([Socket], "heartbeatInterval", OptionId.HEARTBEAT_IVL, "Int32")
defineOpt([Socket], "heartbeatTimeToLive", OptionId.HEARTBEAT_TTL, "Int32")
defineOpt([Socket], "heartbeatTimeout", OptionId.HEARTBEAT_TIMEOUT, "Int32")
defineOpt([Socket], "connectTimeout", OptionId.CONNECT_TIMEOUT, "Int32")
defineOpt([Socket], "tcpMaxRetransmitTimeout", OptionId.TCP_MAXRT, "Int32")
defineOpt([Socket], "threadSafe", OptionId.THREAD_SAFE, "Bool", Acc.Read)
defineOpt([Socket], "multicastMaxTransportDataUnit", OptionId.MULTICAST_MAXTPDU, "Int32")
defineOpt([Socket], "vmciBufferSize", OptionId.VMCI_BUFFER_SIZE, "Uint64")
defineOpt([Socket], "vmciBufferMinSize", OptionId.VMCI_BUFFER_MIN_SIZE, "Uint64")
defineOpt([Socket], "vmciBufferMaxSize", OptionId.VMCI_BUFFER_MAX_SIZE, "Uint64")
defineOpt([Socket], "vmciConnectTimeout", OptionId.VMCI_CONNECT_TIMEOUT, "Int32")
defineOpt([Socket], "interface", OptionId.BINDTODEVICE, "String")

// zmtp extensions (README "zmtp extensions"): properties with no libzmq option id.
defineExtension([Publisher, XPublisher, Router, draft.Radio], "dropOldest", checkBoolean)
defineExtension(writables, "spillDirectory", checkDirectory)
defineExtension(writables, "spillBudget", checkBudget)
defineExtension(writables, "spillRecover", checkBoolean)
defineExtension([Publisher, XPublisher, draft.Radio], "durableGrace", checkGrace)
defineOpt([Socket], "zapEnforceDomain", OptionId.ZAP_ENFORCE_DOMAIN, "Bool")
defineOpt([Socket], "loopbackFastPath", OptionId.LOOPBACK_FASTPATH, "Bool")
