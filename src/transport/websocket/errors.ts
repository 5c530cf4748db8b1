/**
 * What can go wrong on a WebSocket connection (RFC 6455), each with the status its Close frame
 * carries (§7.4.1): 1002 protocol error, 1003 data we cannot accept, 1007 bad UTF-8 in a close
 * reason, 1009 a message over the limit. Thrown by the pure codec (reader.ts, handshake.ts); the
 * stream that owns the connection closes it with that status, and only it.
 *
 * Codes the codec throws (callers add their own, e.g. for a Text message ZWS cannot carry):
 *
 *   ERR_WS_UNMASKED_FRAME, ERR_WS_MASKED_FRAME    §5.1, masking the wrong way for our side
 *   ERR_WS_RESERVED_BITS, ERR_WS_BAD_OPCODE       §5.2, no extension agreed; opcodes 3-7, 11-15
 *   ERR_WS_BAD_LENGTH                             §5.2, a 64-bit length with its top bit set
 *   ERR_WS_FRAGMENTED_CONTROL, ERR_WS_CONTROL_TOO_LONG   §5.5
 *   ERR_WS_BAD_CONTINUATION                       §5.4, fragments out of order
 *   ERR_WS_TOO_LARGE (1009)                       a message over maxMessage (or over HARD_LIMIT)
 *   ERR_WS_BAD_CLOSE_CODE, ERR_WS_BAD_UTF8 (1007) §5.5.1, §7.4: a Close frame's body
 *   ERR_WS_HANDSHAKE (closeCode null)             §4: the opening handshake, before any frame
 *
 * Not a ZmtpError subclass: ZmtpError's `code` is the closed ZmtpErrorCode union (zeromq.js's
 * ProtoError names and a few of ours), and a WebSocket code is none of them; a subclass cannot
 * widen it. WsError carries the same `kind` and `fatal` instead, so whoever reports it as a ZMTP
 * failure can copy them. By default both say what libzmq 4.3.5 does: any WebSocket violation or
 * bad handshake is a protocol_error (ws_engine.cpp, ws_decoder.cpp), reported as
 * ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED (0x30000000) during the handshake, and the session then stops
 * (session_base.cpp engine_error: no reconnect). A timeout or a dropped connection is not a
 * violation: its thrower passes {fatal: false, kind: "other"}.
 */
import type {ZmtpErrorKind} from "../../wire/errors.js"

export class WsError extends Error {
  /** Where libzmq's monitor would put it (see ZmtpErrorKind). */
  readonly kind: ZmtpErrorKind
  /** True when libzmq would stop reconnecting (a protocol error). */
  readonly fatal: boolean

  constructor(
    readonly code: string,
    message: string,
    /** The close status to send (null: the handshake failed, there is no WebSocket yet). */
    readonly closeCode: number | null = 1002,
    options: {fatal?: boolean; kind?: ZmtpErrorKind} = {},
  ) {
    super(message)
    this.name = "WsError"
    this.kind = options.kind ?? "protocol"
    this.fatal = options.fatal ?? true
  }
}
