/**
 * inproc:// between two threads: the pipe's messages go out through one ring (thread-ring.ts)
 * and come in through the other. It keeps inproc's rules (inproc-engine.ts): whole messages,
 * subscriptions in the stack's own form, no handshake, and one bound of SNDHWM + RCVHWM: the
 * sender's pipe holds up to its SNDHWM, and the ring plus the receiver's pipe up to the receiver's
 * RCVHWM, because a message leaves the sender's pipe only while fewer than RCVHWM messages are
 * written and not yet taken by the receiving socket (the Consumed word is the receiver's count).
 *
 * Ends: close() marks both rings closed and wakes the peer, which reads what is left in its ring
 * and then terminates its pipe, as a closed inproc peer's pipe ends. A peer thread that exits or
 * is terminated cannot say so; transport/thread-bus.ts learns it and calls peerGone().
 */
import {Buffer} from "node:buffer"
import type {Engine} from "./engine.js"
import type {Msg, PeerInfo, Pipe} from "./pipe.js"
import {CANCEL, Ctl, MORE, RingReader, RingWriter, sleepUnless, SUBSCRIBE, wakeIfWaiting} from "./thread-ring.js"

/** Frames read per wake-up before yielding to the event loop (the ring's room bounds it too). */
const READ_BATCH = 8192

export class ThreadEngine implements Engine {
  readonly takesFrames = false
  readonly handshaking = false
  readonly unwritten = 0
  closed = false
  private pipe: Pipe | null = null
  /** Whole messages written to the ring (credit: this minus the peer's Consumed). */
  private written = 0
  /** Messages pushed to our pipe: Consumed is this minus what the pipe still holds. */
  private pushed = 0
  private frames: Buffer[] = []
  /** The message being written, and its next frame. */
  private current: Msg | null = null
  private index = 0
  private writeWaiting = false
  private readWaiting = false
  /**
   * The socket is closing: every message it queued is the peer's to read, past the peer's HWM and
   * whatever the linger (as inproc within a thread, inproc-engine.ts). They are taken from the pipe
   * into `backlog` and written as the reader makes room; the engine closes when they are written.
   */
  private flushing = false
  private backlog: Msg[] = []
  /** close() came while flushing: only the writing goes on. */
  private closing = false
  /** Keeps the thread alive while messages taken from the pipe still go out. */
  private keepAlive: ReturnType<typeof setInterval> | null = null
  private peerGoneSeen = false
  private readonly wakeWriter = () => {
    this.writeWaiting = false
    this.kick()
  }
  private readonly wakeReader = () => {
    this.readWaiting = false
    this.drain()
  }

  constructor(
    private readonly out: RingWriter,
    private readonly inn: RingReader,
    /** The peer socket's RCVHWM when it connected (0: no limit). */
    private readonly peerRecvHwm: number,
    /** The peer's thread and those that started it (thread-bus.ts: the end of any ends the link). */
    readonly lineage: readonly number[],
    private readonly onClose: (engine: ThreadEngine) => void,
  ) {}

  attach(pipe: Pipe, peer: PeerInfo): void {
    this.pipe = pipe
    pipe.attach(this, peer)
    if (this.closed) return
    pipe.onRead = () => this.consumed()
    this.drain()
  }

  // ---- writing ----------------------------------------------------------------------------

  private mayWrite(): boolean {
    const hwm = this.peerRecvHwm
    return this.flushing || hwm <= 0 || this.written - Atomics.load(this.out.ctl, Ctl.Consumed) < hwm
  }

  kick(): void {
    const pipe = this.pipe
    if (this.closed || (pipe === null && !this.closing) || this.writeWaiting) return
    const out = this.out
    const ctl = out.ctl
    if (Atomics.load(ctl, Ctl.ReaderClosed) !== 0) return this.ended()
    // What the reader had freed and taken when we looked: if either moves, look again.
    const read = Atomics.load(ctl, Ctl.Read)
    const consumed = Atomics.load(ctl, Ctl.Consumed)
    this.write()
    out.publish()
    // Messages taken from the pipe are this engine's to deliver: it keeps the thread up meanwhile.
    const holding = this.current !== null || this.backlog.length > 0 || !out.idle
    this.hold(holding)
    if (holding || (pipe?.outLength ?? 0) > 0) {
      this.writeWaiting = true
      const ready = () => Atomics.load(ctl, Ctl.Read) !== read || Atomics.load(ctl, Ctl.Consumed) !== consumed || Atomics.load(ctl, Ctl.ReaderClosed) !== 0
      sleepUnless(ctl, Ctl.WriterWaiting, Ctl.WriterWake, ready, this.wakeWriter)
    } else if (this.closing) {
      this.abort()
    }
  }

  private hold(on: boolean): void {
    if (on && this.keepAlive === null) this.keepAlive = setInterval(() => {}, 1 << 30)
    else if (!on && this.keepAlive !== null) {
      clearInterval(this.keepAlive)
      this.keepAlive = null
    }
  }

  /**
   * Writes frames while the ring has room and messages while the peer has credit. A message may
   * be left part written (`current`): the reader delivers only whole messages, so it waits.
   */
  private write(): void {
    const out = this.out
    for (;;) {
      if (!out.continue()) return
      let msg = this.current
      if (msg === null) {
        if (!this.mayWrite()) return
        msg = this.current = (this.backlog.length > 0 ? this.backlog.shift() : this.pipe?.pull()) ?? null
        if (msg === null) return
        this.index = 0
        this.written++
      }
      const last = msg.length - 1
      const kind = msg.subscribe === undefined ? 0 : msg.subscribe ? SUBSCRIBE : SUBSCRIBE | CANCEL
      while (this.index <= last) {
        const i = this.index
        if (!out.fits(msg[i]!.length)) return
        out.frame(msg[i]!, (i < last ? MORE : 0) | kind)
        this.index = i + 1
        if (!out.idle) break
      }
      if (this.index > last) this.current = null
    }
  }

  flushNow(): void {
    this.kick()
  }

  offer(): boolean {
    return false
  }

  /** The socket is closing: what it queued is the peer's to read (see `flushing`). */
  deliverRest(): void {
    const pipe = this.pipe
    if (this.closed || pipe === null) return
    this.flushing = true
    for (let msg = pipe.pull(); msg !== undefined; msg = pipe.pull()) this.backlog.push(msg)
    this.kick()
  }

  /** Inproc ignores the linger: what was sent is delivered (deliverRest), then the link ends. */
  closeAfterFlush(): void {
    this.deliverRest()
    this.close()
  }

  // ---- reading ----------------------------------------------------------------------------

  private drain(): void {
    const pipe = this.pipe
    if (this.closed || pipe === null || this.readWaiting) return
    const inn = this.inn
    inn.read(this.onFrame, READ_BATCH)
    inn.release()
    if (inn.available() > 0) {
      setImmediate(this.wakeReader)
      this.readWaiting = true
      return
    }
    if (Atomics.load(inn.ctl, Ctl.WriterClosed) !== 0 || this.peerGoneSeen) return this.ended()
    this.readWaiting = true
    sleepUnless(inn.ctl, Ctl.ReaderWaiting, Ctl.ReaderWake, () => inn.available() > 0 || Atomics.load(inn.ctl, Ctl.WriterClosed) !== 0, this.wakeReader)
  }

  private readonly onFrame = (body: Buffer, flags: number): void => {
    const frames = this.frames
    frames.push(body)
    if ((flags & MORE) !== 0) return
    this.frames = []
    const msg = frames as Msg
    if ((flags & SUBSCRIBE) !== 0) msg.subscribe = (flags & CANCEL) === 0
    this.pushed++
    this.pipe!.push(msg)
  }

  /** The receiving socket took a message: credit for the writer. */
  private consumed(): void {
    const ctl = this.inn.ctl
    Atomics.store(ctl, Ctl.Consumed, this.pushed - this.pipe!.in.length)
    wakeIfWaiting(ctl, Ctl.WriterWaiting, Ctl.WriterWake)
  }

  resume(): void {}

  // ---- ending -----------------------------------------------------------------------------

  /** The peer's thread is gone: read what it wrote, then end as if it had closed. */
  peerGone(): void {
    if (this.closed) return
    this.peerGoneSeen = true
    if (this.closing) return this.abort()
    // Its ring will not wake us: read what it holds now.
    this.readWaiting = false
    this.drain()
  }

  /** The peer closed its end: our pipe ends as a closed connection's would. */
  private ended(): void {
    const pipe = this.pipe
    this.abort()
    pipe?.terminate()
  }

  close(): void {
    if (this.closed || this.closing) return
    const inn = this.inn
    if (this.pipe !== null) this.pipe.onRead = null
    this.pipe = null
    if (this.flushing && (this.current !== null || this.backlog.length > 0 || !this.out.idle)) {
      // Still writing what the closing socket sent: stop reading now, end when written.
      this.closing = true
      Atomics.store(inn.ctl, Ctl.ReaderClosed, 1)
      Atomics.store(inn.ctl, Ctl.WriterWaiting, 1)
      wakeIfWaiting(inn.ctl, Ctl.WriterWaiting, Ctl.WriterWake)
      return
    }
    this.abort()
  }

  /** Ends the link now, whatever is left to write (the thread is ending, or all is written). */
  abort(): void {
    if (this.closed) return
    this.closed = true
    this.closing = false
    this.backlog = []
    this.hold(false)
    if (this.pipe !== null) this.pipe.onRead = null
    this.pipe = null
    const {out, inn} = this
    Atomics.store(out.ctl, Ctl.WriterClosed, 1)
    Atomics.store(inn.ctl, Ctl.ReaderClosed, 1)
    // Wake the peer whichever way it sleeps: its reader on our writes, its writer on our reads.
    Atomics.store(out.ctl, Ctl.ReaderWaiting, 1)
    wakeIfWaiting(out.ctl, Ctl.ReaderWaiting, Ctl.ReaderWake)
    Atomics.store(inn.ctl, Ctl.WriterWaiting, 1)
    wakeIfWaiting(inn.ctl, Ctl.WriterWaiting, Ctl.WriterWake)
    this.onClose(this)
  }
}
