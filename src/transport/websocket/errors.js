export class WsError extends Error {
    code;
    closeCode;
    /** Where libzmq's monitor would put it (see ZmtpErrorKind). */
    kind;
    /** True when libzmq would stop reconnecting (a protocol error). */
    fatal;
    constructor(code, message, 
    /** The close status to send (null: the handshake failed, there is no WebSocket yet). */
    closeCode = 1002, options = {}) {
        super(message);
        this.code = code;
        this.closeCode = closeCode;
        this.name = "WsError";
        this.kind = options.kind ?? "protocol";
        this.fatal = options.fatal ?? true;
    }
}
