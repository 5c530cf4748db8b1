/** The longest a flushed ipc connection waits at close for its peer to close first. */
const IPC_FIN_WAIT_MS = 5000;
/**
 * Calls `queued()` until it and the stream are empty, then `flushed()` (which stops taking the
 * peer's messages), ends the stream and closes `conn`, within `lingerMs` (-1 = no limit). Timers are
 * unreferenced: lingering holds the process only at exit (sockets/linger.ts), as in zeromq.js.
 */
export function closeAfterFlush(conn, lingerMs, ipc, queued, flushed) {
    const deadline = lingerMs > 0 ? Date.now() + lingerMs : Infinity;
    const timer = lingerMs > 0 ? setTimeout(() => conn.close(), lingerMs).unref() : null;
    const tryEnd = () => {
        if (conn.closed) {
            if (timer)
                clearTimeout(timer);
            return;
        }
        if (queued() || conn.stream.writableLength > 0) {
            setTimeout(tryEnd, 5).unref();
            return;
        }
        // Everything is written. What the peer still sends is read (so that its close is seen) and
        // dropped: nobody will receive it.
        flushed();
        conn.stream.resume();
        conn.stream.end();
        if (ipc)
            setTimeout(() => conn.close(), Math.max(0, Math.min(IPC_FIN_WAIT_MS, deadline - Date.now()))).unref();
        else
            conn.stream.once("finish", () => conn.close());
    };
    tryEnd();
}
