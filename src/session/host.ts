/**
 * The session layer sits between a socket and its connections (libzmq's session_base): for each
 * connect()ed endpoint and each accepted peer it owns the pipe, starts the engine with the right
 * security mechanism, runs ZAP, reconnects, joins inproc, and lingers at close. The socket keeps
 * the public API, the options, the routing pattern and the blocking operations; this is what a
 * session needs from it.
 */
import type {Buffer} from "node:buffer"
import type {Context} from "../context.js"
import type {PeerInfo, Pipe} from "../engine/pipe.js"
import type {SocketOptions} from "../sockets/sockopt.js"
import type {SocketEvent} from "../transport/stream.js"
import type {SocketTypeName} from "../wire/socket-type.js"
import type {Linger} from "./linger.js"

export interface SessionHost {
  readonly typeName: SocketTypeName
  readonly options: SocketOptions
  readonly context: Context
  /** close() has been called: sessions only finish delivering (linger). */
  readonly closed: boolean
  readonly linger: Linger
  /**
   * A new pipe, known to the socket's pattern. `attached`: a connection is there already.
   * `connecting`: a connect()ed endpoint's pipe (the same peer across reconnects and restarts).
   */
  newPipe(endpoint: string, routingId: Buffer | null, attached: boolean, connecting?: boolean): Pipe
  /**
   * Durable subscribers (sockets/durable.ts): an accepted peer's connection ended; true when its
   * pipe is parked for it rather than to be terminated.
   */
  park(pipe: Pipe): boolean
  /** The pipe parked for this peer (it takes it over), or null. */
  unpark(peer: PeerInfo): Pipe | null
  /** A handshake completed on the pipe: false when the pattern refuses the peer. */
  connected(pipe: Pipe): boolean
  /** A monitor event (socket.events). */
  emit(event: SocketEvent): void
  /** Something changed that may let a pending send or receive complete. */
  wake(): void
}
