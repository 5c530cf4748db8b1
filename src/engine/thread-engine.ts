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
import {parseCommand} from "../wire/command.js"
import {FrameDecoder} from "../wire/frame.js"
import type {StagedFrames} from "./encoder.js"
import {toZmtpError, type Engine} from "./engine.js"
import type {Msg, PeerInfo, Pipe} from "./pipe.js"
import {subscription} from "./subscription.js"
import {RingFrames} from "./thread-frames.js"
import {Ctl, type RingReader, type RingWriter, sleepUnless, wakeIfWaiting} from "./thread-ring.js"
import {unwatch, Wake, watch, type Watched} from "./thread-watch.js"

/** Chunks taken from the ring per wake-up before yielding to the event loop. */
const TAKES = 4

export class ThreadEngine implements Engine, Watched {
  /** The pipe stages small messages as ZMTP frames: they go into the ring as they are. */
  readonly takesFrames = true
  readonly handshaking = false
  readonly unwritten = 0
  closed = false
  private pipe: Pipe | null = null
  /** Whole messages written to the ring (credit: this minus the peer's Consumed). */
  private written = 0
  /** Messages pushed to our pipe: Consumed is this minus what the pipe still holds. */
  private pushed = 0
  /** The Consumed count last given to the writer. */
  private credited = 0
  private readonly frames: RingFrames
  private readonly decoder = new FrameDecoder({
    onMessage: frames => this.deliver(frames as Msg),
    onCommand: body => {
      const {name, data} = parseCommand(body)
      this.deliver(subscription(data, name === "SUBSCRIBE"))
    },
  })
  /** What a sleeping reader waits for. */
  private readonly readable = () => this.inn.available() > 0 || Atomics.load(this.inn.ctl, Ctl.WriterClosed) !== 0
  /**
   * Each direction's wake-up (Atomics.waitAsync, or a setImmediate): one armed at a time; one
   * that was lost is run by thread-watch.ts.
   */
  private writeWake = new Wake(() => false, () => this.writeNow())
  private readWake = new Wake(this.readable, () => this.drain())
  /** A drain is queued as a microtask (the socket is reading its pipe low). */
  private drainQueued = false
  /**
   * The socket is closing: every message it queued is the peer's to read, past the peer's HWM and
   * whatever the linger (as inproc within a thread, inproc-engine.ts). They are taken from the pipe
   * into `backlog` and written as the reader makes room; the engine closes when they are written.
   */
  private flushing = false
  private backlog: (Msg | StagedFrames)[] = []
  /** close() came while flushing: only the writing goes on. */
  private closing = false
  /** Keeps the thread alive while messages taken from the pipe still go out. */
  private keepAlive: ReturnType<typeof setInterval> | null = null
  private peerGoneSeen = false
  /** The peer's Consumed count as last read. */
  private seenConsumed = 0
  private readonly drainSoon = () => {
    this.drainQueued = false
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
  ) {
    this.frames = new RingFrames(out)
    watch(this)
  }

  attach(pipe: Pipe, peer: PeerInfo): void {
    this.pipe = pipe
    pipe.attach(this, peer)
    if (this.closed) return
    pipe.onRead = () => this.consumed()
    // Not now: the session tells the socket of its new peer first (a ROUTER names it), and only
    // then may the messages already in the ring arrive.
    queueMicrotask(this.drainSoon)
  }

  // ---- writing ----------------------------------------------------------------------------

  /** How many more messages the peer's RCVHWM lets us write now (its count read afresh only when out). */
  private credit(): number {
    const hwm = this.peerRecvHwm
    if (this.flushing || hwm <= 0) return Infinity
    let left = hwm - (this.written - this.seenConsumed)
    if (left <= 0) {
      this.seenConsumed = Atomics.load(this.out.ctl, Ctl.Consumed)
      left = hwm - (this.written - this.seenConsumed)
    }
    return left
  }

  /**
   * The pipe has messages: they go into the ring at once. A message `send` has accepted is then in
   * memory the peer reads, whatever becomes of this thread next (worker.terminate() runs no more
   * of its JavaScript), as libzmq's send puts it in the shared pipe. Writing them at the tick's end
   * instead (as the ZMTP encoder does) was ~20% faster for 16 B messages, and lost the last ones.
   */
  kick(): void {
    this.writeNow()
  }

  private writeNow(): void {
    const pipe = this.pipe
    // Tried whenever the pipe kicks, armed or not: credit or room may have come without a wake.
    if (this.closed || (pipe === null && !this.closing)) return
    this.write()
    this.out.publish()
    // Messages taken from the pipe are this engine's to deliver: it keeps the thread up meanwhile.
    const holding = this.backlog.length > 0 || !this.frames.idle
    if (holding !== (this.keepAlive !== null)) this.hold(holding)
    if (holding || (pipe?.outLength ?? 0) > 0) this.sleepWriter()
    else if (this.closing) this.abort()
  }

  /** Waits for room or credit: wakes when the reader's position or count moves from what we saw. */
  private sleepWriter(): void {
    const ctl = this.out.ctl
    if (Atomics.load(ctl, Ctl.ReaderClosed) !== 0) return this.ended()
    const wake = this.writeWake
    if (wake.armed) return
    // What stopped the writing was read afresh when it did: wait for that to move. (Room when
    // something waits to be written, else credit.)
    const room = !this.frames.idle
    const read = this.out.seenRead
    const consumed = this.seenConsumed
    const ready = () =>
      (room ? Atomics.load(ctl, Ctl.Read) >>> 0 !== read : Atomics.load(ctl, Ctl.Consumed) !== consumed) || Atomics.load(ctl, Ctl.ReaderClosed) !== 0
    wake.ready = ready
    wake.arm()
    sleepUnless(ctl, Ctl.WriterWaiting, Ctl.WriterWake, ready, wake.fire)
  }

  private hold(on: boolean): void {
    if (on && this.keepAlive === null) this.keepAlive = setInterval(() => {}, 1 << 30)
    else if (!on && this.keepAlive !== null) {
      clearInterval(this.keepAlive)
      this.keepAlive = null
    }
  }

  /**
   * Writes messages while the peer has credit and the ring has room. What does not fit waits in
   * `frames`, and nothing more is taken until it is written.
   */
  private write(): void {
    const frames = this.frames
    for (;;) {
      if (!frames.flush()) return
      const credit = this.credit()
      if (credit <= 0) return
      const entry = this.backlog.length > 0 ? this.backlog.shift() : this.pipe?.pullFrames(true, credit)
      if (entry === undefined) return
      this.written += frames.put(entry)
    }
  }

  /** The pipe filled up within the tick: write now (engine.ts flushNow). */
  flushNow(): void {
    this.writeNow()
  }

  offer(): boolean {
    return false
  }

  /** The socket is closing: what it queued is the peer's to read (see `flushing`). */
  deliverRest(): void {
    const pipe = this.pipe
    if (this.closed || pipe === null) return
    this.flushing = true
    for (let entry = pipe.pullFrames(true); entry !== undefined; entry = pipe.pullFrames(true)) this.backlog.push(entry)
    this.writeNow()
  }

  /** Inproc ignores the linger: what was sent is delivered (deliverRest), then the link ends. */
  closeAfterFlush(): void {
    this.deliverRest()
    this.close()
  }

  // ---- reading ----------------------------------------------------------------------------

  /** Reads what the ring holds into the pipe; then sleeps until more comes (or yields if more is there). */
  private drain(): void {
    const pipe = this.pipe
    if (this.closed || pipe === null) return
    const inn = this.inn
    try {
      for (let i = 0, chunk = inn.take(); chunk !== null; chunk = ++i < TAKES ? inn.take() : null) {
        inn.release()
        this.decoder.push(chunk)
      }
    } catch (e) {
      // Our own writer's frames: a failure is a bug of ours. It ends this link only, visibly.
      toZmtpError(e)
      return this.ended()
    }
    const wake = this.readWake
    if (wake.armed) return
    if (inn.available() > 0) {
      wake.arm()
      setImmediate(wake.fire)
      return
    }
    if (Atomics.load(inn.ctl, Ctl.WriterClosed) !== 0 || this.peerGoneSeen) return this.ended()
    wake.arm()
    sleepUnless(inn.ctl, Ctl.ReaderWaiting, Ctl.ReaderWake, this.readable, wake.fire)
  }

  private deliver(msg: Msg): void {
    this.pushed++
    this.pipe!.push(msg)
  }

  /**
   * The receiving socket took a message: credit for the writer, given back in batches of half the
   * receive HWM (libzmq's pipe sends activate_write every LWM messages read, LWM being about half
   * the HWM), or when the pipe is empty; one message at a time would wake the writer per message.
   */
  private consumed(): void {
    const pipe = this.pipe!
    const held = pipe.in.length
    const half = (pipe.recvHwm + 1) >> 1
    // Reading the pipe low: refill it from the ring in this turn (a wake-up waits for the next).
    if (held <= half && !this.drainQueued && this.inn.available() > 0) {
      this.drainQueued = true
      queueMicrotask(this.drainSoon)
    }
    const consumed = this.pushed - held
    if (held > 0 && consumed - this.credited < half) return
    this.credited = consumed
    const ctl = this.inn.ctl
    Atomics.store(ctl, Ctl.Consumed, consumed)
    wakeIfWaiting(ctl, Ctl.WriterWaiting, Ctl.WriterWake)
  }

  resume(): void {}

  /** thread-watch.ts: runs a wake-up that should have come and has not. */
  recheck(): void {
    if (this.readWake.lost()) {
      this.readWake = this.readWake.retire()
      this.drain()
    }
    if (this.writeWake.lost()) {
      this.writeWake = this.writeWake.retire()
      this.writeNow()
    }
  }

  // ---- ending -----------------------------------------------------------------------------

  /** The peer's thread is gone: read what it wrote, then end as if it had closed. */
  peerGone(): void {
    if (this.closed) return
    this.peerGoneSeen = true
    if (this.closing) return this.abort()
    // Its ring will not wake us: read what it holds now.
    this.readWake = this.readWake.retire()
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
    if (this.flushing && (this.backlog.length > 0 || !this.frames.idle)) {
      // Still writing what the closing socket sent: stop reading now, end when written.
      this.closing = true
      Atomics.store(inn.ctl, Ctl.ReaderClosed, 1)
      Atomics.store(inn.ctl, Ctl.WriterWaiting, 1)
      wakeIfWaiting(inn.ctl, Ctl.WriterWaiting, Ctl.WriterWake)
      return
    }
    this.abort()
  }

  /**
   * The thread is ending (process "exit": only synchronous code runs now): what the pipe still
   * holds goes into the ring, past the peer's HWM, as far as the ring's room goes; then the end.
   */
  exit(): void {
    if (this.closed) return
    const pipe = this.pipe
    this.flushing = true
    if (pipe !== null) for (let entry = pipe.pullFrames(true); entry !== undefined; entry = pipe.pullFrames(true)) this.backlog.push(entry)
    this.write()
    this.out.publish()
    this.abort()
  }

  /** Ends the link now, whatever is left to write (the thread is ending, or all is written). */
  abort(): void {
    if (this.closed) return
    this.closed = true
    this.closing = false
    this.readWake.armed = this.writeWake.armed = false
    unwatch(this)
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
