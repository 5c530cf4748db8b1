/**
 * libzmq's draft socket types with zeromq.js's draft API (its src/draft.ts): SERVER, CLIENT,
 * RADIO, DISH, GATHER, SCATTER, DATAGRAM, and PEER and CHANNEL, which zeromq.js does not bind.
 * index.ts installs the option properties on them; draft.ts is the `zmtp/draft` module and
 * draft-extra.ts the `zmtp/draft-extra` one.
 *
 * What zeromq.js adds over the plain socket (socket.cc Send/Receive, outgoing_msg.cc): SERVER and
 * RADIO sends take an options object whose routingId / group is set on the message (missing: a
 * synchronous EINVAL), and SERVER and DISH receives give [message, {routingId}] / [message,
 * {group}]. A group is a C string in libzmq: it ends at its first NUL byte (wire/group.ts).
 */
import {Buffer} from "node:buffer"
import {errnoError} from "./errors.js"
import {Socket, usablePattern} from "./sockets/socket.js"
import type {MessageLike} from "./sockets/message.js"
import type {ReadableOptions, WritableOptions} from "./sockets/socket-properties.js"
import type {PeerPattern} from "./sockets/types/peer.js"
import {SocketTypeId} from "./wire/socket-type.js"
import {GROUP_MAX_LENGTH, groupName} from "./wire/group.js"

type SocketOptions = Record<string, unknown>
type Message = Buffer

/**
 * The plain socket less the send/receive shapes the draft types change. At run time it is the
 * Socket class itself (so `instanceof Socket` holds); only the declared types differ.
 */
type DraftBase = Omit<Socket, "send" | "receive" | typeof Symbol.asyncIterator>
const DraftSocket = Socket as unknown as abstract new (type: number, options?: SocketOptions) => DraftBase
const plainSend = Socket.prototype.send as (this: Socket, message: MessageLike | MessageLike[]) => Promise<void>

export interface ServerRoutingOptions {
  routingId: number
}
export interface RadioGroupOptions {
  group: Buffer | string
}
export interface DishGroupOptions {
  group: Buffer
}

/** zeromq.js's argument checks for a send that takes options (socket.cc Send). */
function checkSendArguments(socket: DraftBase, message: unknown, options: unknown): void {
  if (message === undefined) throw new TypeError("Message must be present")
  if (typeof options !== "object" || options === null) throw new TypeError("Options must be an object")
  if (socket.closed) throw errnoError("EBADF")
}

/** A message's parts as an array (the routing id or group goes in front, for the pattern). */
function parts(message: MessageLike | MessageLike[]): MessageLike[] {
  return Array.isArray(message) ? message : [message]
}

/** The group libzmq makes of a string or Buffer (a C string: it ends at a NUL); undefined is EINVAL. */
function toGroup(value: unknown): Buffer {
  if (value === undefined) throw errnoError("EINVAL")
  return groupName(Buffer.isBuffer(value) ? value : String(value))
}

/** zmq_msg_set_group(msg, const char *): strnlen cuts a longer group to 255 bytes (msg.cpp). */
function sendGroup(value: unknown): Buffer {
  const group = toGroup(value)
  return group.length > GROUP_MAX_LENGTH ? group.subarray(0, GROUP_MAX_LENGTH) : group
}

/** zmq_msg_set_routing_id: a uint32 other than 0, or a synchronous EINVAL. */
function toRoutingId(value: unknown): Buffer {
  if (value === undefined) throw errnoError("EINVAL")
  const id = Number(value) >>> 0
  if (id === 0) throw errnoError("EINVAL")
  const frame = Buffer.allocUnsafe(4)
  frame.writeUInt32BE(id, 0)
  return frame
}

/**
 * A socket that names its peers by routing id: SERVER, and PEER built on it. The pattern hands
 * receives up in zeromq.js's form already (types/server.ts), so only send is its own.
 */
abstract class RoutedSocket extends DraftSocket {
  declare receive: () => Promise<[Message, ServerRoutingOptions]>
  declare [Symbol.asyncIterator]: () => AsyncIterator<[Message, ServerRoutingOptions]>

  send(message: MessageLike, options: ServerRoutingOptions): Promise<void> {
    checkSendArguments(this, message, options)
    const id = toRoutingId(options.routingId)
    return plainSend.call(this as unknown as Socket, [id, ...parts(message)])
  }
}

// Where a type only narrows the plain socket's send/receive, `declare` changes the types and
// leaves the plain methods (and the iterator's fast path) in place.

/** SERVER: replies to CLIENTs by routing id. */
export class Server extends RoutedSocket {
  constructor(options?: SocketOptions) {
    super(SocketTypeId.SERVER, options)
  }
}

/** CLIENT: a single-part DEALER talking to a SERVER. */
export class Client extends DraftSocket {
  declare send: (message: MessageLike) => Promise<void>
  declare receive: () => Promise<[Message]>
  declare [Symbol.asyncIterator]: () => AsyncIterator<[Message]>

  constructor(options?: SocketOptions) {
    super(SocketTypeId.CLIENT, options)
  }
}

/** RADIO: publishes each message to a group. */
export class Radio extends DraftSocket {
  constructor(options?: SocketOptions) {
    super(SocketTypeId.RADIO, options)
  }
  send(message: MessageLike, options: RadioGroupOptions): Promise<void> {
    checkSendArguments(this, message, options)
    const group = sendGroup(options.group)
    return plainSend.call(this as unknown as Socket, [group, ...parts(message)])
  }
}

/** DISH: receives the messages of the groups it joined. */
export class Dish extends DraftSocket {
  declare receive: () => Promise<[Message, DishGroupOptions]>
  declare [Symbol.asyncIterator]: () => AsyncIterator<[Message, DishGroupOptions]>

  constructor(options?: SocketOptions) {
    super(SocketTypeId.DISH, options)
  }
  // join() and leave() are the plain socket's (zmq_join / zmq_leave; types/dish.ts).
}

/** GATHER: a single-part PULL fed by SCATTERs. */
export class Gather extends DraftSocket {
  declare receive: () => Promise<[Message]>
  declare [Symbol.asyncIterator]: () => AsyncIterator<[Message]>

  constructor(options?: SocketOptions) {
    super(SocketTypeId.GATHER, options)
  }
}

/** SCATTER: a single-part PUSH to GATHERs. */
export class Scatter extends DraftSocket {
  declare send: (message: MessageLike) => Promise<void>

  constructor(options?: SocketOptions) {
    super(SocketTypeId.SCATTER, options)
  }
}

/** DATAGRAM (ZMQ_DGRAM): raw UDP; each message is [address "ip:port", body] both ways. */
export class Datagram extends DraftSocket {
  declare send: (message: [MessageLike, MessageLike]) => Promise<void>
  declare receive: () => Promise<[Message, Message]>
  declare [Symbol.asyncIterator]: () => AsyncIterator<[Message, Message]>

  constructor(options?: SocketOptions) {
    super(SocketTypeId.DGRAM, options)
  }
}

/**
 * PEER (zmtp extra; libzmq's ZMQ_PEER): a SERVER that can also connect out. connect() returns the
 * routing id the new peer has, so the side that dials can speak first.
 */
export class Peer extends RoutedSocket {
  declare connect: (address: string) => number

  constructor(options?: SocketOptions) {
    super(SocketTypeId.PEER, options)
  }
}
// A method on the prototype, as every socket method is (the declared type above describes it).
Peer.prototype.connect = function connect(this: Peer, address: string): number {
  const pattern = usablePattern(this as unknown as Socket) as PeerPattern
  // zmq_connect_peer: with ZMQ_IMMEDIATE there is no pipe, hence no routing id, until a
  // connection exists, so libzmq refuses it.
  if ((this as unknown as {immediate: boolean}).immediate) throw errnoError("EFAULT")
  Socket.prototype.connect.call(this as unknown as Socket, address)
  return pattern.lastId
}

/** CHANNEL (zmtp extra; libzmq's ZMQ_CHANNEL): the thread-safe PAIR, single-part messages. */
export class Channel extends DraftSocket {
  declare send: (message: MessageLike) => Promise<void>
  declare receive: () => Promise<[Message]>
  declare [Symbol.asyncIterator]: () => AsyncIterator<[Message]>

  constructor(options?: SocketOptions) {
    super(SocketTypeId.CHANNEL, options)
  }
}

// The option properties index.ts installs on each (zeromq.js's writables/readables/conflatables).
export interface Server extends WritableOptions, ReadableOptions {}
export interface Client extends WritableOptions, ReadableOptions {}
export interface Radio extends WritableOptions {
  /** zmtp extension: a full peer loses its oldest queued message, not the new one. */
  dropOldest: boolean
  /** zmtp extension: ms a dish that sent a routing id keeps its queue after it disconnects (0: off). */
  durableGrace: number
}
export interface Dish extends ReadableOptions {
  /** ZMQ_ROUTING_ID: a zmtp radio with durableGrace keeps this dish's queue across reconnects. */
  routingId: string | null
}
export interface Gather extends ReadableOptions {
  conflate: boolean
}
export interface Scatter extends WritableOptions {
  conflate: boolean
}
export interface Datagram extends WritableOptions, ReadableOptions {}
export interface Peer extends WritableOptions, ReadableOptions {}
export interface Channel extends WritableOptions, ReadableOptions {}
