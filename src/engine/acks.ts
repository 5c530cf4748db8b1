/**
 * Durable subscribers (README "Durable subscribers"): zmtp's own acknowledgements, only between
 * zmtp peers that both advertised them in their READY metadata. 37/ZMTP "Connection Metadata"
 * lets a peer send properties of its own; libzmq stores the ones it does not know and acts on
 * none, and it never sends these, so a libzmq peer on either side leaves the feature off.
 *
 * - A publisher (PUB, XPUB, RADIO) with durableGrace > 0 sends `X-Zmtp-Durable`: 8 random bytes
 *   naming this connection.
 * - A subscriber (SUB, XSUB, DISH) with a routing id sends `X-Zmtp-Ack`: its routing id, the key
 *   the publisher parks its queue under. After a connection that acknowledged, its next one also
 *   sends `X-Zmtp-Resume`: that connection's 8-byte name and, 8 bytes big-endian, how many
 *   messages the subscriber received on it (so the publisher does not send those again).
 * - On a connection where both were sent, the subscriber sends the command `X-ACK` (body: 8 bytes
 *   big-endian, how many data messages of this connection its application has taken) each time its
 *   application takes one, written at once; the publisher keeps the messages its transport took
 *   until they are acknowledged, and puts the rest back at the front of the queue when the
 *   connection ends.
 */
import {Buffer} from "node:buffer"
import {randomBytes} from "node:crypto"
import {encodeCommand} from "../wire/command.js"
import {ZmtpError} from "../wire/errors.js"
import type {Metadata} from "../wire/metadata.js"
import type {Engine} from "./engine.js"
import type {Msg} from "./pipe.js"
import {Queue} from "./queue.js"

export const DURABLE_PROPERTY = "X-Zmtp-Durable"
export const ACK_PROPERTY = "X-Zmtp-Ack"
export const RESUME_PROPERTY = "X-Zmtp-Resume"
export const ACK_COMMAND = "X-ACK"
const TOKEN_SIZE = 8

/** The publisher's name for one connection. */
export function newToken(): Buffer {
  return randomBytes(TOKEN_SIZE)
}

/** What a subscriber reports about its last acknowledged connection (X-Zmtp-Resume). */
export interface Resume {
  token: Buffer
  received: number
}

export function encodeResume(resume: Resume): Buffer {
  const out = Buffer.allocUnsafe(TOKEN_SIZE + 8)
  resume.token.copy(out, 0)
  out.writeBigUInt64BE(BigInt(resume.received), TOKEN_SIZE)
  return out
}

/** What the peer's READY says about durability (metadata names are lower-cased when parsed). */
export interface DurablePeer {
  /** The peer is a durable publisher: its connection token. */
  token: Buffer | null
  /** The peer is an acknowledging subscriber: its routing id. */
  ackId: Buffer | null
  resume: Resume | null
}

export function durablePeer(meta: Metadata): DurablePeer {
  const token = meta.get(DURABLE_PROPERTY.toLowerCase())
  const ackId = meta.get(ACK_PROPERTY.toLowerCase())
  const resume = meta.get(RESUME_PROPERTY.toLowerCase())
  return {
    token: token !== undefined && token.length === TOKEN_SIZE ? token : null,
    ackId: ackId !== undefined && ackId.length > 0 ? ackId : null,
    resume:
      resume !== undefined && resume.length === TOKEN_SIZE + 8
        ? {token: resume.subarray(0, TOKEN_SIZE), received: Number(resume.readBigUInt64BE(TOKEN_SIZE))}
        : null,
  }
}

export function encodeAck(count: number): Buffer {
  const body = Buffer.allocUnsafe(8)
  body.writeBigUInt64BE(BigInt(count))
  return encodeCommand(ACK_COMMAND, body)
}

export function parseAck(data: Buffer): number {
  if (data.length !== 8) throw new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "X-ACK without its 8-byte count")
  return Number(data.readBigUInt64BE(0))
}

/**
 * The most unacknowledged bytes (message bodies) a publisher keeps per connection; past it the
 * transport takes nothing more from the pipe until acknowledgements come, so the queue fills to
 * SNDHWM as for any slow subscriber.
 */
export const IN_FLIGHT_BYTES_MAX = 64 * 1024 * 1024

/**
 * Publisher side, one connection: the messages its transport took and the peer has not yet
 * acknowledged, oldest first (the same Buffers the queue held: nothing is copied). A zmtp
 * subscriber acknowledges as its application takes messages, and stops reading at its RCVHWM, so
 * what is unacknowledged is its receive queue plus the kernel's buffers plus the stream's (the
 * transport takes messages only while the stream holds less than its high-water mark). A peer that
 * reads and never acknowledges is held to IN_FLIGHT_BYTES_MAX.
 */
export class InFlight {
  readonly msgs = new Queue<Msg>()
  /** Messages taken on this connection. */
  sent = 0
  /** Messages acknowledged. */
  acked = 0
  /** Bytes of the bodies in `msgs`. */
  private bytes = 0

  constructor(
    readonly transport: Engine,
    readonly token: Buffer,
  ) {}

  taken(msg: Msg): void {
    this.msgs.push(msg)
    this.sent++
    for (let i = 0; i < msg.length; i++) this.bytes += msg[i]!.length
  }

  /** The transport takes nothing more until acknowledgements come. */
  get full(): boolean {
    return this.bytes >= IN_FLIGHT_BYTES_MAX
  }

  /** A cumulative acknowledgement; throws for a count this connection never reached. */
  ack(count: number): void {
    if (count < this.acked || count > this.sent) {
      throw new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", `X-ACK ${count} outside ${this.acked}..${this.sent}`)
    }
    const wasFull = this.full
    while (this.acked < count) {
      const msg = this.msgs.shift()!
      for (let i = 0; i < msg.length; i++) this.bytes -= msg[i]!.length
      this.acked++
    }
    if (wasFull && !this.full) this.transport.kick()
  }
}

/**
 * Publisher side, after a connection ended: the messages put back at the front of the queue
 * were that connection's numbers `first`, `first + 1`, … (`left` of them still queued), so a
 * subscriber that resumes having received up to N gets only those after N.
 */
export interface Requeued {
  token: Buffer
  first: number
  left: number
}

/** Subscriber side, one connection: acknowledges each message of it the application takes. */
export class AckOut {
  /** This connection's messages still in the pipe's inbound queue (always its last ones). */
  pending = 0
  /** Messages of this connection handed to the application (or filtered out by it). */
  consumed = 0
  /** Messages received on this connection. */
  received = 0

  constructor(
    readonly transport: Engine,
    /** The publisher's name for this connection (its X-Zmtp-Durable). */
    readonly token: Buffer,
    private readonly writeFrame: (frame: Buffer) => void,
  ) {}

  /** The application took one of this connection's messages: say so now, before it acts on it. */
  consume(): void {
    this.pending--
    this.writeFrame(encodeAck(++this.consumed))
  }
}
