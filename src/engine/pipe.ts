/**
 * A pipe joins a socket to one peer: an outbound queue (socket → peer) bounded by the send
 * high-water mark and an inbound queue (peer → socket) bounded by the receive high-water mark.
 * Both count whole messages, never frames, so a multipart message is never split by a HWM
 * (libzmq pipe.cpp: only the last frame counts).
 *
 * Whatever carries the bytes (a ZMTP engine over tcp/ipc, or the inproc shuttle) is the pipe's
 * transport: it pulls outbound messages when kicked, pushes inbound ones, and stops reading when
 * the inbound queue is full so the kernel pushes back on the sender. A receiver never drops.
 */
import {Queue} from "./queue.js"

/**
 * A message: its frames in order. `subscribe` marks a SUB's (un)subscription, which an engine sends
 * as a SUBSCRIBE/CANCEL command to a ZMTP 3.1 peer and as a `01`/`00`-prefixed message to a 3.0 peer.
 */
export type Msg = Buffer[] & {subscribe?: boolean}

export interface PipeTransport {
  /** The outbound queue has messages to send. */
  kick(): void
  /**
   * The outbound queue has grown large within one tick: write what can be written now. A sender
   * that never yields (a PUB loop on resolved promises) would otherwise only reach the wire
   * after its HWM had filled and every further message had been dropped.
   */
  flushNow?(): void
  /** The inbound queue has room again. */
  resume(): void
  /** Drop the connection (the pipe is being terminated). */
  close(): void
}

export interface PipeOwner {
  /** The inbound queue went from empty to non-empty. */
  pipeReadable(pipe: Pipe): void
  /** The outbound queue has room again after being full. */
  pipeWritable(pipe: Pipe): void
  /** The pipe is gone for good: remove it from routing tables. */
  pipeTerminated(pipe: Pipe): void
}

/** What the peer told us in its handshake. */
export interface PeerInfo {
  socketType: string
  /** The Identity property (or inproc routing id); empty when none was sent. */
  identity: Buffer
  /** ZMTP minor version from its greeting (inproc: 1). */
  minor: number
  /** "tcp://1.2.3.4:5", "ipc://path", "inproc://name". */
  address: string
}

/** Messages queued in one tick after which the transport writes without waiting for the tick's end. */
const FLUSH_EVERY = 256

export class Pipe {
  readonly out = new Queue<Msg>()
  readonly in = new Queue<Msg>()
  transport: PipeTransport | null = null
  peer: PeerInfo | null = null
  /** ROUTER's name for this peer. */
  routingId: Buffer | null = null
  terminated = false
  /** ZMQ_CONFLATE: each queue holds only the newest message, and never blocks. */
  conflate = false
  private readPaused = false

  constructor(
    readonly owner: PipeOwner,
    public sendHwm: number,
    public recvHwm: number,
    /** The endpoint this pipe came from (connect()ed endpoints keep their pipe across reconnects). */
    readonly endpoint: string,
  ) {}

  // ---- socket side ------------------------------------------------------------------------

  /** True when a message would be accepted now. */
  get writable(): boolean {
    return !this.terminated && (this.sendHwm <= 0 || this.out.length < this.sendHwm)
  }

  /** Queues a message; returns false (and queues nothing) when the pipe is full or terminated. */
  write(msg: Msg): boolean {
    if (this.conflate && !this.terminated) {
      this.out.clear()
      this.out.push(msg)
      this.transport?.kick()
      return true
    }
    if (!this.writable) return false
    this.out.push(msg)
    const queued = this.out.length
    if (queued === 1) this.transport?.kick()
    else if ((queued & (FLUSH_EVERY - 1)) === 0) this.transport?.flushNow?.()
    return true
  }

  /** Queues a message even past the HWM (used for subscriptions and welcome messages). */
  forceWrite(msg: Msg): void {
    if (this.terminated) return
    this.out.push(msg)
    if (this.out.length === 1) this.transport?.kick()
  }

  get readable(): boolean {
    return this.in.length > 0
  }

  read(): Msg | undefined {
    const msg = this.in.shift()
    if (msg && this.readPaused && (this.recvHwm <= 0 || this.in.length < this.recvHwm)) {
      this.readPaused = false
      this.transport?.resume()
    }
    return msg
  }

  // ---- transport side ---------------------------------------------------------------------

  /** Takes the next outbound message for the wire. */
  pull(): Msg | undefined {
    const msg = this.out.shift()
    // Full → not full: a blocked sender may go on (whether or not it tried a write first).
    if (msg && this.sendHwm > 0 && this.out.length === this.sendHwm - 1 && !this.terminated) {
      this.owner.pipeWritable(this)
    }
    return msg
  }

  /** Delivers an inbound message; returns false when the transport should stop reading. */
  push(msg: Msg): boolean {
    if (this.conflate) {
      const wasEmpty = this.in.length === 0
      this.in.clear()
      this.in.push(msg)
      if (wasEmpty) this.owner.pipeReadable(this)
      return true
    }
    this.in.push(msg)
    if (this.in.length === 1) this.owner.pipeReadable(this)
    if (this.recvHwm > 0 && this.in.length >= this.recvHwm) {
      this.readPaused = true
      return false
    }
    return true
  }

  get inboundFull(): boolean {
    return this.readPaused
  }

  attach(transport: PipeTransport, peer: PeerInfo): void {
    if (this.terminated) {
      transport.close()
      return
    }
    this.transport = transport
    this.peer = peer
    this.readPaused = false
    if (this.out.length > 0) transport.kick()
  }

  /** The transport went away. A connect-side pipe survives this and waits for the next one. */
  detach(transport: PipeTransport): void {
    if (this.transport === transport) this.transport = null
  }

  /** Removes the pipe for good: its unsent messages are discarded (bind-side semantics). */
  terminate(): void {
    if (this.terminated) return
    this.terminated = true
    const transport = this.transport
    this.transport = null
    this.out.clear()
    transport?.close()
    this.owner.pipeTerminated(this)
  }
}
