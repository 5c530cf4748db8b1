/**
 * Durable subscribers (README "Durable subscribers"), the publisher's side of the session: when
 * the connection of a subscriber that acknowledges (engine/acks.ts: its READY named it by its
 * routing id) ends, its pipe is parked instead of terminated: it stays in the distributor with
 * its subscriptions, so what is published meanwhile keeps being queued for it (in memory up to
 * SNDHWM, then in its spill log when spillDirectory is set, else dropped per the HWM as usual).
 * A connection from the same routing id within durableGrace ms takes the pipe over, queue first;
 * when the grace ends the pipe is terminated as any other. 29/PUBSUB has a publisher drop a
 * subscriber's queue with its connection; this keeps it a while longer, nothing else changes.
 */
import type {PeerInfo, Pipe} from "../engine/pipe.js"
import type {SocketOptions} from "./sockopt.js"

/** The socket types with a durableGrace (their pipes are the ones parked). */
const PUBLISHERS: ReadonlySet<string> = new Set(["PUB", "XPUB", "RADIO"])

interface Parked {
  pipe: Pipe
  timer: NodeJS.Timeout
}

export class ParkedPipes {
  /** routing id (latin1) → the pipe waiting for that subscriber. */
  private readonly parked = new Map<string, Parked>()

  constructor(
    private readonly options: SocketOptions,
    private readonly typeName: string,
  ) {}

  /**
   * The connection of an accepted peer ended: returns true when its pipe is kept for it (the caller
   * then does not terminate it). Only a subscriber that negotiated acknowledgements has an id to
   * come back with: libzmq's SUB never sends its routing id (mechanism.cpp add_basic_properties
   * sends Identity for REQ, DEALER and ROUTER only).
   */
  park(pipe: Pipe, closing: boolean): boolean {
    const grace = this.options.durableGrace
    const id = pipe.peer?.durable?.ackId
    if (closing || grace <= 0 || !id || pipe.terminated || !PUBLISHERS.has(this.typeName)) return false
    const key = id.toString("latin1")
    // The same subscriber had two connections at once (libzmq's ROUTER without handover keeps
    // the first and gives the second a pipe of its own, so here both had one): the one that ended
    // last is kept, the other's queue is dropped.
    const earlier = this.parked.get(key)
    if (earlier !== undefined) {
      this.parked.delete(key)
      clearTimeout(earlier.timer)
      earlier.pipe.terminate()
    }
    const timer = setTimeout(() => {
      if (this.parked.get(key)?.pipe !== pipe) return
      this.parked.delete(key)
      pipe.terminate()
    }, grace)
    // A parked subscriber does not keep the process alive.
    timer.unref()
    this.parked.set(key, {pipe, timer})
    return true
  }

  /** A peer completed its handshake: the pipe parked for it, taken out of parking, or null. */
  unpark(peer: PeerInfo): Pipe | null {
    const id = peer.durable?.ackId
    if (!id || this.parked.size === 0) return null
    const key = id.toString("latin1")
    const entry = this.parked.get(key)
    if (entry === undefined) return null
    this.parked.delete(key)
    clearTimeout(entry.timer)
    return entry.pipe.terminated ? null : entry.pipe
  }

  /** The pipe was terminated (socket close, or its grace ended): forget it. */
  forget(pipe: Pipe): void {
    const id = pipe.peer?.durable?.ackId
    if (!id || this.parked.size === 0) return
    const key = id.toString("latin1")
    const entry = this.parked.get(key)
    if (entry?.pipe !== pipe) return
    this.parked.delete(key)
    clearTimeout(entry.timer)
  }
}
