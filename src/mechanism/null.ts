/**
 * The NULL mechanism (23/ZMTP and 37/ZMTP "The NULL Security Mechanism").
 *
 * 37/ZMTP describes a client/server exchange, 23/ZMTP a symmetric one. libzmq is symmetric: each
 * side sends READY as soon as the greeting is done, then waits for the peer's. We do the same.
 * A peer may answer ERROR instead (libzmq does so only when ZAP refuses it).
 */
import {parseError, encodeReady, parseReady, type Command} from "../wire/command.js"
import {ZmtpError} from "../wire/errors.js"
import type {Metadata} from "../wire/metadata.js"
import type {Mechanism, Properties} from "./mechanism.js"

export class NullMechanism implements Mechanism {
  readonly name = "NULL"
  // 37/ZMTP: with NULL the as-server field MUST be zero.
  readonly asServer = false
  complete = false
  peerMetadata: Metadata = new Map()

  constructor(private readonly properties: Properties) {}

  start(): Buffer[] {
    return [encodeReady(this.properties)]
  }

  onCommand(command: Command): Buffer[] {
    if (this.complete) {
      throw new ZmtpError("ERR_ZMTP_UNEXPECTED_COMMAND", `Unexpected ${command.name} command after READY`)
    }
    switch (command.name) {
      case "READY":
        this.peerMetadata = parseReady(command.data)
        this.complete = true
        return []
      case "ERROR": {
        const reason = parseError(command.data)
        throw new ZmtpError("ERR_ZMTP_PEER_ERROR", `Peer refused the handshake: ERROR ${JSON.stringify(reason)}`)
      }
      default:
        throw new ZmtpError("ERR_ZMTP_UNEXPECTED_COMMAND", `Unexpected ${JSON.stringify(command.name)} command during the NULL handshake`)
    }
  }
}
