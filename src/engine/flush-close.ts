/**
 * ZMQ_LINGER on one connection (a ZMTP engine or STREAM's raw one): wait until what was queued for
 * it has been written, end our side (FIN), then let the connection go. Over tcp that is as soon as
 * the kernel has everything, as libzmq does. Over ipc the connection waits for the peer to close
 * first, at most IPC_FIN_WAIT_MS: libzmq, when its reading is stopped at the receive HWM, takes the
 * hang-up that a closed unix-domain peer raises as an error and drops what the kernel still holds
 * for it (spec/zmtp.md §3.7; ARCHITECTURE.md §A.4).
 */
import type {Duplex} from "node:stream"
import {writeCannotEnd} from "./stalled-exit.js"

/** The longest a flushed ipc connection waits at close for its peer to close first. */
const IPC_FIN_WAIT_MS = 5000

export interface Flushable {
  readonly stream: Duplex
  readonly closed: boolean
  close(): void
}

/**
 * Calls `queued()` until it and the stream are empty, then `flushed()` (which stops taking the
 * peer's messages), ends the stream and closes `conn`, within `lingerMs` (-1 = no limit). Timers are
 * unreferenced: lingering holds the process only at exit (sockets/linger.ts), as in zeromq.js.
 */
export function closeAfterFlush(conn: Flushable, lingerMs: number, ipc: boolean, queued: () => boolean, flushed: () => void): void {
  const deadline = lingerMs > 0 ? Date.now() + lingerMs : Infinity
  const timer = lingerMs > 0 ? setTimeout(() => conn.close(), lingerMs).unref() : null
  const tryEnd = () => {
    if (conn.closed) {
      if (timer) clearTimeout(timer)
      return
    }
    if (queued() || conn.stream.writableLength > 0) {
      if (conn.stream.writableLength > 0 && writeCannotEnd(conn.stream)) {
        // Its reader is in this process and will never read again (stalled-exit.ts).
        conn.close()
        return
      }
      setTimeout(tryEnd, 5).unref()
      return
    }
    // Everything is written. What the peer still sends is read (so that its close is seen) and
    // dropped: nobody will receive it.
    flushed()
    conn.stream.resume()
    conn.stream.end()
    if (ipc) setTimeout(() => conn.close(), Math.max(0, Math.min(IPC_FIN_WAIT_MS, deadline - Date.now()))).unref()
    else conn.stream.once("finish", () => conn.close())
  }
  tryEnd()
}
