/**
 * An engine carries one peer's messages between a pipe and whatever connects the two sockets
 * (libzmq's i_engine). Each kind of connection is one file implementing this interface:
 *
 * - zmtp-engine.ts: ZMTP 3.x over a duplex byte stream (tcp://, ipc://);
 * - raw-engine.ts: a STREAM socket's raw bytes (no greeting, no framing);
 * - inproc-engine.ts: two pipes of one thread joined directly (inproc://);
 * - thread-engine.ts: inproc:// between threads, through two shared rings;
 * - udp-engine.ts: one datagram per message (udp://).
 *
 * The session (sessions/) makes the engine, waits for `onHandshake`, attaches the pipe, and
 * hears `onClose`. After that the pipe drives it: `kick` when it has messages to send, `resume`
 * when its inbound queue has room again, `close` when the pipe is terminated.
 */
import { ZmtpError } from "../wire/errors.js";
/** What an engine does with an exception: a peer's violation as it is; a bug of ours visibly. */
export function toZmtpError(e) {
    if (e instanceof ZmtpError)
        return e;
    // A bug of ours, not the peer's: end only this connection, but make it visible.
    process.emitWarning(`zmtp: internal error while handling a connection: ${e?.stack ?? e}`);
    return new ZmtpError("ERR_ZMTP_UNSPECIFIED", `Internal error: ${e?.message ?? e}`, { fatal: false, kind: "other" });
}
