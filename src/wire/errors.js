/** libzmq's numeric ZMQ_PROTOCOL_ERROR_* values, as the monitor reports them. */
export const protocolErrorValues = {
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
};
export class ZmtpError extends Error {
    code;
    /** true when libzmq would treat this as a protocol error and stop reconnecting. */
    fatal;
    kind;
    constructor(code, message, options = {}) {
        super(message);
        this.name = "ZmtpError";
        this.code = code;
        this.fatal = options.fatal ?? true;
        this.kind = options.kind ?? (protocolErrorValues[code] !== undefined ? "protocol" : "other");
    }
}
export function isZmtpError(e) {
    return e instanceof ZmtpError;
}
