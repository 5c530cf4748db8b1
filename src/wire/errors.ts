/**
 * Typed protocol errors. Every way a peer can break ZMTP ends in one of these, thrown by the pure
 * codec and caught by the engine, which closes only that one connection.
 *
 * The first group of codes is exactly zeromq.js's `ProtoError` set (libzmq's
 * ZMQ_PROTOCOL_ERROR_ZMTP_* monitor values). The second group names failures that libzmq reports as
 * a plain errno (EMSGSIZE, EPROTO, ETIMEDOUT...) rather than a protocol code; we give them codes of
 * the same shape so a user can tell them apart.
 */
/** zeromq.js's ProtoError codes for ZMTP (libzmq ZMQ_PROTOCOL_ERROR_ZMTP_*). */
export type ZmtpProtocolErrorCode =
  | "ERR_ZMTP_UNSPECIFIED"
  | "ERR_ZMTP_UNEXPECTED_COMMAND"
  | "ERR_ZMTP_INVALID_SEQUENCE"
  | "ERR_ZMTP_KEY_EXCHANGE"
  | "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED"
  | "ERR_ZMTP_MALFORMED_COMMAND_MESSAGE"
  | "ERR_ZMTP_MALFORMED_COMMAND_HELLO"
  | "ERR_ZMTP_MALFORMED_COMMAND_INITIATE"
  | "ERR_ZMTP_MALFORMED_COMMAND_ERROR"
  | "ERR_ZMTP_MALFORMED_COMMAND_READY"
  | "ERR_ZMTP_MALFORMED_COMMAND_WELCOME"
  | "ERR_ZMTP_INVALID_METADATA"
  | "ERR_ZMTP_CRYPTOGRAPHIC"
  | "ERR_ZMTP_MECHANISM_MISMATCH"

export type ZmtpErrorCode =
  | ZmtpProtocolErrorCode
  // zmtp's own codes for what libzmq reports as an errno
  | "ERR_ZMTP_UNSUPPORTED_VERSION"
  | "ERR_ZMTP_BAD_SIGNATURE"
  | "ERR_ZMTP_MESSAGE_TOO_LARGE"
  | "ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE"
  | "ERR_ZMTP_HANDSHAKE_TIMEOUT"
  | "ERR_ZMTP_HEARTBEAT_TIMEOUT"
  | "ERR_ZMTP_PEER_ERROR"

/** libzmq's numeric ZMQ_PROTOCOL_ERROR_* values, as the monitor reports them. */
export const protocolErrorValues: Partial<Record<ZmtpErrorCode, number>> = {
  ERR_ZMTP_UNSPECIFIED: 0x10000000,
  ERR_ZMTP_UNEXPECTED_COMMAND: 0x10000001,
  ERR_ZMTP_INVALID_SEQUENCE: 0x10000002,
  ERR_ZMTP_KEY_EXCHANGE: 0x10000003,
  ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED: 0x10000011,
  ERR_ZMTP_MALFORMED_COMMAND_MESSAGE: 0x10000012,
  ERR_ZMTP_MALFORMED_COMMAND_HELLO: 0x10000013,
  ERR_ZMTP_MALFORMED_COMMAND_INITIATE: 0x10000014,
  ERR_ZMTP_MALFORMED_COMMAND_ERROR: 0x10000015,
  ERR_ZMTP_MALFORMED_COMMAND_READY: 0x10000016,
  ERR_ZMTP_MALFORMED_COMMAND_WELCOME: 0x10000017,
  ERR_ZMTP_INVALID_METADATA: 0x10000018,
  ERR_ZMTP_CRYPTOGRAPHIC: 0x11000001,
  ERR_ZMTP_MECHANISM_MISMATCH: 0x11000002,
}

/**
 * Where libzmq would put the failure in its monitor stream:
 * - "protocol": HANDSHAKE_FAILED_PROTOCOL (zeromq.js `handshake:error:protocol`)
 * - "other": HANDSHAKE_FAILED_NO_DETAIL (`handshake:error:other`)
 * - "silent": no handshake event, only a disconnect (libzmq's socket-type mismatch)
 */
export type ZmtpErrorKind = "protocol" | "other" | "silent"

export class ZmtpError extends Error {
  readonly code: ZmtpErrorCode
  /** true when libzmq would treat this as a protocol error and stop reconnecting. */
  readonly fatal: boolean
  readonly kind: ZmtpErrorKind

  constructor(code: ZmtpErrorCode, message: string, options: {fatal?: boolean; kind?: ZmtpErrorKind} = {}) {
    super(message)
    this.name = "ZmtpError"
    this.code = code
    this.fatal = options.fatal ?? true
    this.kind = options.kind ?? (protocolErrorValues[code] !== undefined ? "protocol" : "other")
  }
}

export function isZmtpError(e: unknown): e is ZmtpError {
  return e instanceof ZmtpError
}
