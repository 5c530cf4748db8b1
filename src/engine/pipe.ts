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
import {Buffer} from "node:buffer"
import {Queue} from "./queue.js"

/**
 * A message: its frames in order. `subscribe` marks a SUB's (un)subscription, which an engine sends
 * as a SUBSCRIBE/CANCEL command to a ZMTP 3.1 peer and as a `01`/`00`-prefixed message to a 3.0 peer.
 */
export type Msg = Buffer[] & {subscribe?: boolean}

/**
 * Small messages already encoded as ZMTP frames (short headers, bodies copied in), queued as one
 * entry. Copying a small part into the bytes that will go on the wire is the private copy
 * zeromq.js makes of small parts anyway, so a PUSH or DEALER sending small messages to an engine
 * makes one copy per part instead of two, and queues no per-message objects at all.
 */
export class StagedFrames {
  /** Messages in [start, end). */
  count = 0
  constructor(
    readonly bytes: Buffer,
    readonly start: number,
    public end: number,
  ) {}

  /** The messages again, for a transport that cannot take frames as they are. */
  unpack(): Msg[] {
    const out: Msg[] = []
    let parts: Buffer[] = []
    for (let at = this.start; at < this.end; ) {
      const flags = this.bytes[at]!
      const size = this.bytes[at + 1]!
      parts.push(Buffer.from(this.bytes.subarray(at + 2, at + 2 + size)))
      at += 2 + size
      if ((flags & 1) === 0) {
        out.push(parts)
        parts = []
      }
    }
    return out
  }
}

/** Largest part staged as frames: zeromq.js copies parts up to this size anyway. */
export const STAGE_PART_MAX = 128

/**
 * Copies `part` into `target` at `at`. Tiny parts byte by byte: for them a loop beats Buffer#copy's
 * argument checks and view creation.
 */
export function copyInto(part: Buffer, target: Buffer, at: number): void {
  const n = part.length
  if (n <= 32) for (let j = 0; j < n; j++) target[at + j] = part[j]!
  else part.copy(target, at)
}

/** A private copy of a small part (allocUnsafe + copy measures ~40% cheaper than Buffer.from). */
export function copySmall(part: Buffer): Buffer {
  const copy = Buffer.allocUnsafe(part.length)
  copyInto(part, copy, 0)
  return copy
}
/** Bytes of one staging slab; stages are cut from it one after another. */
const SLAB_SIZE = 64 * 1024

export interface PipeTransport {
  /** The outbound queue has messages to send. */
  kick(): void
  /** True when the transport writes NULL/PLAIN ZMTP frames as queued (StagedFrames welcome). */
  readonly takesFrames?: boolean
  /**
   * The outbound queue has grown large within one tick: write what can be written now. A sender
   * that never yields (a PUB loop on resolved promises) would otherwise only reach the wire
   * after its HWM had filled and every further message had been dropped.
   */
  flushNow?(): void
  /**
   * Takes a message straight into the peer's inbound queue when nothing is queued ahead of it
   * and the peer has room (inproc); false leaves it to the outbound queue. Optional.
   */
  offer?(msg: Msg): boolean
  /**
   * The socket is closing: hand every queued message to the peer now, past its HWM (inproc, where
   * both sockets share one queue in libzmq). Optional.
   */
  deliverRest?(): void
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

/**
 * Within one tick, the transport writes without waiting for the tick's end when the pipe has just
 * filled up (a PUB that never yields would otherwise drop everything past its HWM before anything
 * reached the wire) or, without a HWM, every this many messages. Not sooner: each write becomes
 * its own TCP segment, and the receiver's kernel pays per segment. PUSH→PULL tcp 16 B, interleaved:
 * a write every 256 messages 2.92M msgs/s, every 1,024 3.10M, at the HWM (1,000) 3.58M.
 */
const FLUSH_EVERY = 4096

export class Pipe {
  /** Outbound messages, some of them packed together as StagedFrames. */
  private readonly out = new Queue<Msg | StagedFrames>()
  /** Messages waiting in `out` (a StagedFrames entry counts as its messages). */
  private outCount = 0
  /** The last entry of `out` while more small messages may be added to it. */
  private stage: StagedFrames | null = null
  /** Where the next stage is cut from. */
  private slab: Buffer | null = null
  private slabUsed = 0
  /** Messages unpacked from a StagedFrames for a transport that takes messages. */
  private unpacked: Msg[] | null = null
  readonly in = new Queue<Msg>()
  transport: PipeTransport | null = null
  peer: PeerInfo | null = null
  /** ROUTER's name for this peer. */
  routingId: Buffer | null = null
  terminated = false
  /** ZMQ_CONFLATE: each queue holds only the newest message, and never blocks. */
  conflate = false
  /**
   * In its socket's fair-queue ring (strategies/fq.ts). A pipe belongs to one socket and is
   * fair-queued by at most one FairQueue, so a flag replaces a Set lookup on every message.
   */
  fairQueued = false
  private readPaused = false

  constructor(
    readonly owner: PipeOwner,
    public sendHwm: number,
    public recvHwm: number,
    /** The endpoint this pipe came from (connect()ed endpoints keep their pipe across reconnects). */
    readonly endpoint: string,
  ) {}

  // ---- socket side ------------------------------------------------------------------------

  /** Messages queued for the peer and not yet taken by the transport. */
  get outLength(): number {
    return this.outCount
  }

  /** True when a message would be accepted now. */
  get writable(): boolean {
    return !this.terminated && (this.sendHwm <= 0 || this.outCount < this.sendHwm)
  }

  /** True when small messages may be written as frames (writeSmall). */
  get takesFrames(): boolean {
    return !this.conflate && this.transport?.takesFrames === true
  }

  /** Queues a message; returns false (and queues nothing) when the pipe is full or terminated. */
  write(msg: Msg): boolean {
    if (this.conflate && !this.terminated) {
      this.clearOut()
      this.out.push(msg)
      this.outCount = 1
      this.transport?.kick()
      return true
    }
    if (!this.writable) return false
    // Nothing queued ahead: an inproc peer with room takes it at once (what kick() would do).
    if (this.outCount === 0 && this.transport?.offer?.(msg) === true) return true
    this.out.push(msg)
    this.stage = null
    this.queued()
    return true
  }

  /**
   * Queues a message of parts of at most STAGE_PART_MAX bytes (one Buffer or their array) as ZMTP
   * frames, copying the parts (the caller may reuse them at once). Only when `writable` and
   * `takesFrames`.
   */
  writeSmall(message: Buffer | readonly Buffer[]): void {
    const single = Buffer.isBuffer(message)
    const count = single ? 1 : message.length
    let size = 0
    if (single) size = 2 + message.length
    else for (let i = 0; i < count; i++) size += 2 + message[i]!.length
    let stage = this.stage
    if (stage === null || stage.end + size > stage.bytes.length) {
      let slab = this.slab
      if (slab === null || this.slabUsed + size > slab.length) {
        slab = this.slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, size))
        this.slabUsed = 0
      }
      stage = this.stage = new StagedFrames(slab, this.slabUsed, this.slabUsed)
      this.out.push(stage)
    }
    const bytes = stage.bytes
    let at = stage.end
    const last = count - 1
    for (let i = 0; i <= last; i++) {
      const part = single ? message : message[i]!
      const n = part.length
      bytes[at] = i < last ? 1 : 0 // MORE
      bytes[at + 1] = n
      at += 2
      copyInto(part, bytes, at)
      at += n
    }
    stage.end = at
    this.slabUsed = at
    stage.count++
    this.queued()
  }

  private queued(): void {
    const queued = ++this.outCount
    if (queued === 1) this.transport?.kick()
    else if (queued === this.sendHwm || (queued & (FLUSH_EVERY - 1)) === 0) this.transport?.flushNow?.()
  }

  /** Queues a message even past the HWM (used for subscriptions and welcome messages). */
  forceWrite(msg: Msg): void {
    if (this.terminated) return
    this.out.push(msg)
    this.stage = null
    if (++this.outCount === 1) this.transport?.kick()
  }

  private clearOut(): void {
    this.out.clear()
    this.outCount = 0
    this.stage = null
    this.unpacked = null
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

  /**
   * Takes the next outbound entry: a message, or (when the transport takes frames now) small
   * messages already framed.
   */
  pullFrames(takesFrames: boolean): Msg | StagedFrames | undefined {
    if (!takesFrames || this.unpacked !== null) return this.pull()
    const entry = this.out.shift()
    if (entry === undefined) return undefined
    if (entry === this.stage) this.stage = null
    this.taken(entry instanceof StagedFrames ? entry.count : 1)
    return entry
  }

  /** Takes the next outbound message for the wire. */
  pull(): Msg | undefined {
    if (this.unpacked !== null) {
      const msg = this.unpacked.shift()!
      if (this.unpacked.length === 0) this.unpacked = null
      this.taken(1)
      return msg
    }
    const entry = this.out.peek()
    if (entry === undefined) return undefined
    if (entry instanceof StagedFrames) {
      // Framed for an engine that has gone; this transport wants messages.
      this.out.shift()
      if (entry === this.stage) this.stage = null
      this.unpacked = entry.unpack()
      return this.pull()
    }
    this.out.shift()
    this.taken(1)
    return entry
  }

  private taken(n: number): void {
    const before = this.outCount
    this.outCount = before - n
    // Full → not full: a blocked sender may go on (whether or not it tried a write first).
    if (this.sendHwm > 0 && before >= this.sendHwm && this.outCount < this.sendHwm && !this.terminated) {
      this.owner.pipeWritable(this)
    }
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
    if (this.outCount > 0) transport.kick()
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
    this.clearOut()
    transport?.close()
    this.owner.pipeTerminated(this)
  }
}
