/**
 * inproc://: two sockets in one process joined by a pair of pipes, no kernel socket and no ZMTP.
 * Each direction is a link that moves whole messages from one pipe's outbound queue to the other
 * pipe's inbound queue while the receiver has room, so the effective buffer is the sender's
 * SNDHWM plus the receiver's RCVHWM, as in libzmq.
 */
import {Buffer} from "node:buffer"
import type {Msg, Pipe, PipeTransport} from "../engine/pipe.js"

/** A subscription travels as the 01/00 message an XPUB understands. */
function asDelivered(msg: Msg): Msg {
  if (msg.subscribe === undefined) return msg
  const topic = msg[0] ?? Buffer.alloc(0)
  const sub = Buffer.allocUnsafe(topic.length + 1)
  sub[0] = msg.subscribe ? 1 : 0
  topic.copy(sub, 1)
  return [sub]
}

class InprocLink implements PipeTransport {
  reverse!: InprocLink
  private closed = false

  constructor(
    private readonly from: Pipe,
    private readonly to: Pipe,
  ) {}

  kick(): void {
    const {from, to} = this
    while (!this.closed && !to.terminated && !to.inboundFull) {
      const msg = from.pull()
      if (!msg) break
      to.push(asDelivered(msg))
    }
  }

  /**
   * The sending socket is closing: everything it queued moves to the peer, past the peer's
   * receive HWM. libzmq's inproc pipe is one queue bounded by SNDHWM + RCVHWM, shared by both
   * sockets, so whatever was written is the peer's to read whatever the linger.
   */
  deliverRest(): void {
    const to = this.to
    if (this.closed || to.terminated) return
    for (let msg = this.from.pull(); msg; msg = this.from.pull()) to.push(asDelivered(msg))
  }

  offer(msg: Msg): boolean {
    const to = this.to
    if (this.closed || to.terminated || to.inboundFull || msg.subscribe !== undefined) return false
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
}

/** Joins pipe `a` (owned by one socket) and `b` (owned by the other). */
export function linkInproc(a: Pipe, b: Pipe): {ab: PipeTransport; ba: PipeTransport} {
  const ab = new InprocLink(a, b)
  const ba = new InprocLink(b, a)
  ab.reverse = ba
  ba.reverse = ab
  return {ab, ba}
}

/** A socket that has bound an inproc name. */
export interface InprocBinder {
  /** Called with the connecting side's details; returns false if the bound socket is closed. */
  acceptInproc(connecter: InprocConnecter): boolean
}

/** A socket that wants to connect to an inproc name (possibly before it is bound). */
export interface InprocConnecter {
  readonly name: string
  /** The bound side is there: make the pipes. */
  completeInproc(binder: InprocBinder): void
}

/** Per-context table of inproc names; connects made before the bind wait here (libzmq ≥ 4.0). */
export class InprocRegistry {
  private readonly binds = new Map<string, InprocBinder>()
  private readonly waiting = new Map<string, Set<InprocConnecter>>()

  bind(name: string, binder: InprocBinder): boolean {
    if (this.binds.has(name)) return false
    this.binds.set(name, binder)
    const pending = this.waiting.get(name)
    if (pending) {
      this.waiting.delete(name)
      for (const c of pending) c.completeInproc(binder)
    }
    return true
  }

  unbind(name: string, binder: InprocBinder): boolean {
    if (this.binds.get(name) !== binder) return false
    this.binds.delete(name)
    return true
  }

  isBound(name: string): boolean {
    return this.binds.has(name)
  }

  connect(connecter: InprocConnecter): void {
    const binder = this.binds.get(connecter.name)
    if (binder) {
      connecter.completeInproc(binder)
      return
    }
    let set = this.waiting.get(connecter.name)
    if (!set) this.waiting.set(connecter.name, (set = new Set()))
    set.add(connecter)
  }

  cancel(connecter: InprocConnecter): void {
    this.waiting.get(connecter.name)?.delete(connecter)
  }
}
