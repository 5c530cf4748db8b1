/**
 * inproc://: two sockets of one process joined by a pair of pipes, no kernel socket and no ZMTP.
 * Each direction is an engine that moves whole messages from one pipe's outbound queue to the
 * other pipe's inbound queue while the receiver has room, so the effective buffer is the sender's
 * SNDHWM plus the receiver's RCVHWM, as in libzmq. Subscriptions travel in the stack's own form.
 */
import type {Engine} from "./engine.js"
import type {Msg, PeerInfo, Pipe} from "./pipe.js"

class InprocEngine implements Engine {
  reverse!: InprocEngine
  closed = false
  readonly takesFrames = false
  readonly handshaking = false
  readonly unwritten = 0

  constructor(
    private readonly from: Pipe,
    private readonly to: Pipe,
  ) {}

  attach(pipe: Pipe, peer: PeerInfo): void {
    pipe.attach(this, peer)
  }

  kick(): void {
    const {from, to} = this
    while (!this.closed && !to.terminated && !to.inboundFull) {
      const msg = from.pull()
      if (!msg) break
      to.push(msg)
    }
  }

  flushNow(): void {}

  /**
   * The sending socket is closing: everything it queued moves to the peer, past the peer's
   * receive HWM. libzmq's inproc pipe is one queue bounded by SNDHWM + RCVHWM, shared by both
   * sockets, so whatever was written is the peer's to read whatever the linger.
   */
  deliverRest(): void {
    const to = this.to
    if (this.closed || to.terminated) return
    for (let msg = this.from.pull(); msg; msg = this.from.pull()) to.push(msg)
  }

  offer(msg: Msg): boolean {
    const to = this.to
    if (this.closed || to.terminated || to.inboundFull) return false
    to.push(msg)
    return true
  }

  resume(): void {
    this.reverse.kick()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.reverse.closed = true
    // The peer sees its pipe end: libzmq terminates both halves of an inproc pipe pair.
    this.to.terminate()
  }

  /** Nothing sits between the two queues: deliver the rest and end. */
  closeAfterFlush(): void {
    this.deliverRest()
    this.close()
  }
}

/** Joins pipe `a` (owned by one socket) and `b` (owned by the other): the engines a→b and b→a. */
export function linkInproc(a: Pipe, b: Pipe): {ab: Engine; ba: Engine} {
  const ab = new InprocEngine(a, b)
  const ba = new InprocEngine(b, a)
  ab.reverse = ba
  ba.reverse = ab
  return {ab, ba}
}
