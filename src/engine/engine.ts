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
import {ZmtpError} from "../wire/errors.js"
import type {Msg, PeerInfo, Pipe} from "./pipe.js"

export interface Engine {
  /**
   * True when this engine writes NULL/PLAIN ZMTP frames as queued: the pipe may stage small
   * messages as frames (encoder.ts FrameStager). False while handshaking and for other kinds.
   */
  readonly takesFrames: boolean
  /** The connection is over (closed either way). */
  readonly closed: boolean
  /** Still in its handshake: no pipe attached, nothing queued to linger over. */
  readonly handshaking: boolean
  /** Bytes accepted for writing that the operating system has not taken yet (linger waits). */
  readonly unwritten: number

  /** The handshake is over: carry this pipe's messages (calls pipe.attach). */
  attach(pipe: Pipe, peer: PeerInfo): void
  /** The pipe's outbound queue has messages. */
  kick(): void
  /**
   * The outbound queue has grown large within one tick: write what can be written now. A sender
   * that never yields (a PUB loop on resolved promises) would otherwise only reach the wire after
   * its HWM had filled and every further message had been dropped.
   */
  flushNow(): void
  /**
   * Takes a message straight into the peer's inbound queue when nothing is queued ahead of it and
   * the peer has room (inproc); false leaves it to the outbound queue.
   */
  offer(msg: Msg): boolean
  /** The socket is closing: hand every queued message to the peer now (inproc; else nothing). */
  deliverRest(): void
  /** The pipe's inbound queue has room again. */
  resume(): void
  /** Ends the connection now (the pipe is terminated, or the socket closed with linger 0). */
  close(): void
  /** ZMQ_LINGER at close: write what is queued, then end, within `lingerMs` (-1: no limit). */
  closeAfterFlush(lingerMs: number): void
}

export interface EngineHandler {
  /** The handshake is complete; the handler attaches a pipe (or closes the engine). */
  onHandshake(engine: Engine, peer: PeerInfo): void
  /** The connection ended. `error` is set when it ended because of a failure. */
  onClose(engine: Engine, error: ZmtpError | null, duringHandshake: boolean): void
}

/** What an engine does with an exception: a peer's violation as it is; a bug of ours visibly. */
export function toZmtpError(e: unknown): ZmtpError {
  if (e instanceof ZmtpError) return e
  // A bug of ours, not the peer's: end only this connection, but make it visible.
  process.emitWarning(`zmtp: internal error while handling a connection: ${(e as Error)?.stack ?? e}`)
  return new ZmtpError("ERR_ZMTP_UNSPECIFIED", `Internal error: ${(e as Error)?.message ?? e}`, {fatal: false, kind: "other"})
}
