/**
 * A security mechanism is a state machine fed the peer's handshake commands. It answers with the
 * command frames to send and says when the handshake is complete. It does no I/O of its own.
 */
import type {Command} from "../wire/command.js"
import type {Metadata} from "../wire/metadata.js"
import type {MechanismName} from "../wire/greeting.js"

export interface Mechanism {
  readonly name: MechanismName
  /** The as-server byte we put in our greeting. */
  readonly asServer: boolean
  /** Command frames (headers included) to send as soon as the greeting exchange is done. */
  start(): Buffer[]
  /**
   * Feeds one handshake command; returns frames to send. Throws (or rejects with) ZmtpError on a
   * violation. A promise means the mechanism is waiting for something (a ZAP authenticator): the
   * engine holds every later frame until it settles.
   */
  onCommand(command: Command): Buffer[] | Promise<Buffer[]>
  /** True once both sides' final handshake command has been seen. */
  readonly complete: boolean
  /** The peer's metadata (keys lower-cased), available once complete. */
  readonly peerMetadata: Metadata
  /**
   * Mechanisms that protect traffic (CURVE) wrap each frame after the handshake: `encode` gets a
   * frame's flags (MORE 0x01, COMMAND 0x02 — CURVE's inner flag bits) and data and returns the
   * body of the outer frame, sent with flags 00; `decode` reverses it and throws ZmtpError on a
   * forged, replayed or malformed frame.
   */
  encode?(flags: number, data: Buffer): Buffer
  decode?(body: Buffer): {flags: number; data: Buffer}
  /** Set when the handshake failed because an authenticator refused (ZAP status 300/400/500). */
  readonly authStatus?: number
}

/** CURVE's inner flag bits (libzmq curve_mechanism_base: more | command). */
export const INNER_MORE = 0x01
export const INNER_COMMAND = 0x02

/** What every mechanism puts in its READY (or INITIATE) metadata. */
export type Properties = [string, Uint8Array][]

/**
 * What stands in for a NULL or PLAIN mechanism after its handshake: traffic goes in clear, and no
 * command reaches a mechanism any more, so an idle connection does not keep the handshake's state.
 */
export const TRAFFIC_IN_CLEAR: Mechanism = {
  name: "NULL",
  asServer: false,
  complete: true,
  peerMetadata: new Map(),
  start: () => [],
  onCommand: () => [],
}
