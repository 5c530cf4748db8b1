/**
 * What can go wrong on a WebSocket connection (RFC 6455), each with the status code the close
 * frame carries (§7.4.1): 1002 protocol error, 1003 data we cannot accept, 1007 bad UTF-8 in a
 * close reason, 1009 a message over the limit. Thrown by the pure codec (reader.ts, handshake.ts);
 * the stream that owns the connection closes it with that code, and only it.
 */
export class WsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The close status to send (null: the handshake failed, there is no WebSocket yet). */
    readonly closeCode: number | null = 1002,
  ) {
    super(message)
    this.name = "WsError"
  }
}
