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
  /** Feeds one handshake command; returns frames to send. Throws ZmtpError on a violation. */
  onCommand(command: Command): Buffer[]
  /** True once both sides' final handshake command has been seen. */
  readonly complete: boolean
  /** The peer's metadata (keys lower-cased), available once complete. */
  readonly peerMetadata: Metadata
}

/** What every mechanism puts in its READY (or INITIATE) metadata. */
export type Properties = [string, Uint8Array][]
