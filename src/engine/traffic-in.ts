/**
 * What arrives after the handshake, besides plain message frames (37/ZMTP, 26/CURVE):
 * - commands: PING is answered with PONG (and its TTL arms our check of the peer); SUBSCRIBE and
 *   CANCEL, and a DISH's JOIN and LEAVE, become the stack's subscription form (subscription.ts);
 *   PONG only proves liveness; zmtp's own X-ACK (acks.ts) acknowledges a durable subscriber's messages;
 *   ERROR and unknown commands are dropped, as libzmq does;
 * - under CURVE, every frame is a MESSAGE box holding one frame of a message (MORE inside the box)
 *   or a command: the Unboxer opens them and reassembles the messages.
 */
import type {Buffer} from "node:buffer"
import {encodePong, parseCommand, parsePing, type Command} from "../wire/command.js"
import {ACK_COMMAND} from "./acks.js"
import {INNER_COMMAND, INNER_MORE, type Mechanism} from "../mechanism/mechanism.js"
import type {Heartbeat} from "./heartbeat.js"
import type {Msg} from "./pipe.js"
import {subscription} from "./subscription.js"
import type {WireTrace} from "./trace.js"

export interface CommandSink {
  writeFrame(frame: Buffer): void
  readonly heartbeat: Heartbeat
  deliver(msg: Msg): void
  /** X-ACK's data from a durable subscriber (acks.ts); ignored where it was not negotiated. */
  acked(data: Buffer): void
}

export function trafficCommand(command: Command, to: CommandSink): void {
  switch (command.name) {
    case "PING": {
      const ping = parsePing(command.data)
      to.writeFrame(encodePong(ping.context))
      to.heartbeat.peerTtl(ping.ttlDeciseconds)
      break
    }
    case "SUBSCRIBE":
    case "CANCEL":
      to.deliver(subscription(command.data, command.name === "SUBSCRIBE"))
      break
    // RFC 48/RADIO-DISH: a DISH's JOIN and LEAVE are its subscriptions to exact groups
    // (radio_session_t::push_msg); the RADIO pattern reads them in the same one form.
    case "JOIN":
    case "LEAVE":
      to.deliver(subscription(command.data, command.name === "JOIN"))
      break
    case ACK_COMMAND:
      to.acked(command.data)
      break
    default:
      break
  }
}

export class Unboxer {
  /** Frames of the message being assembled (null between messages). */
  private parts: Buffer[] | null = null

  constructor(
    private readonly mechanism: Mechanism,
    private readonly trace: WireTrace | null,
  ) {}

  /** Opens one MESSAGE box: a command, a whole message, or null while a message is incomplete. */
  unbox(body: Buffer): Command | Buffer[] | null {
    const {flags, data} = this.mechanism.decode!(body)
    if (flags & INNER_COMMAND) {
      const command = parseCommand(data)
      this.trace?.command("in", command.name, data)
      return command
    }
    const parts = (this.parts ??= [])
    parts.push(data)
    if (flags & INNER_MORE) return null
    this.parts = null
    this.trace?.message("in", parts)
    return parts
  }
}
