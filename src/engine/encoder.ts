/**
 * The ZMTP encoder: the one place where outgoing frames are made (23/ZMTP and 37/ZMTP "Framing").
 *
 * - Small messages a socket sends to a connection in clear are framed as they are queued
 *   (FrameStager): the private copy zeromq.js makes of a small part anyway is the copy into the
 *   bytes that go on the wire, so a PUSH or DEALER sending small messages makes one copy per
 *   part, and queues no per-message objects at all.
 * - Everything else is framed when the engine pulls it from the pipe (writeQueued): small bodies
 *   gathered into one batch, large ones written as they are behind their own header, and several
 *   writes of one turn corked into one writev.
 * - After a CURVE handshake each frame goes inside a MESSAGE box (box()); a subscription becomes a
 *   SUBSCRIBE/CANCEL command for a 3.1 peer and a 01/00 message for a 3.0 peer (subscription.ts).
 */
import {Buffer} from "node:buffer"
import type {Duplex} from "node:stream"
import {encodeJoin, encodeLeave} from "../wire/group.js"
import {encodeCommand, parseCommand} from "../wire/command.js"
import {encodeFrame, FLAG_COMMAND, FLAG_MORE, FrameDecoder, frameBody, frameHeaderSize, writeFrameHeader} from "../wire/frame.js"
import {INNER_COMMAND, INNER_MORE, type Mechanism} from "../mechanism/mechanism.js"
import type {Msg, Pipe} from "./pipe.js"
import {messageFormBody} from "./subscription.js"
import type {WireTrace} from "./trace.js"
import {writePending} from "./stalled-exit.js"

/** Bytes of small frames gathered into one write; bigger bodies are written as they are. */
const BATCH_SIZE = 64 * 1024
const COPY_MAX = 8 * 1024
/** Stop pulling from the pipe while this much is already waiting in the stream. */
const WRITE_HIGH_WATER = 256 * 1024
/**
 * The same after a message whose body went out uncopied: one more large message in the stream
 * costs no memory (it is the sender's buffer either way) and keeps the socket busy while the
 * previous one drains. With 1 MiB messages: ~1,390 -> ~1,560 MB/s over tcp here.
 */
const LARGE_WRITE_HIGH_WATER = 2 * 1024 * 1024

/** Largest part staged as frames: zeromq.js copies parts up to this size anyway. */
export const STAGE_PART_MAX = 128
/** Bytes of one staging slab; stages are cut from it one after another. */
const SLAB_SIZE = 64 * 1024

/** Small messages already encoded as frames, queued in a pipe as one entry: messages in [start, end). */
export class StagedFrames {
  count = 0
  constructor(
    readonly bytes: Buffer,
    public start: number,
    public end: number,
  ) {}

  /**
   * Cuts off the first `n` messages (fewer than `count`) as a stage of their own, for a transport
   * that may take only so many now (inproc between threads, at the peer's RCVHWM). Staged parts
   * are small, so each frame has a short header: walk them to the n-th message's end.
   */
  takeFirst(n: number): StagedFrames {
    const bytes = this.bytes
    let at = this.start
    for (let messages = 0; messages < n; ) {
      const flags = bytes[at]!
      at += 2 + bytes[at + 1]!
      if ((flags & FLAG_MORE) === 0) messages++
    }
    const first = new StagedFrames(bytes, this.start, at)
    first.count = n
    this.start = at
    this.count -= n
    return first
  }

  /** The messages again, for a connection that cannot take frames as they are (it encrypts or traces). */
  unpack(): Msg[] {
    const out: Msg[] = []
    const decoder = new FrameDecoder({onMessage: frames => out.push(frames.map(f => Buffer.from(f))), onCommand: () => {}})
    decoder.push(this.bytes.subarray(this.start, this.end))
    return out
  }
}

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

/** Frames small messages into slabs for one pipe (see the top of this file). */
export class FrameStager {
  /** The last stage handed out, while more messages may be added to it. */
  private current: StagedFrames | null = null
  private slab: Buffer | null = null
  private slabUsed = 0

  /**
   * Frames a message of parts of at most STAGE_PART_MAX bytes (one Buffer or their array), copying
   * them. Returns a new StagedFrames for the caller to queue, or null when it went into the stage
   * queued last.
   */
  stage(message: Buffer | readonly Buffer[]): StagedFrames | null {
    const single = Buffer.isBuffer(message)
    const count = single ? 1 : message.length
    let size = 0
    if (single) size = 2 + message.length
    else for (let i = 0; i < count; i++) size += 2 + message[i]!.length
    let stage = this.current
    let fresh: StagedFrames | null = null
    if (stage === null || stage.end + size > stage.bytes.length) {
      let slab = this.slab
      if (slab === null || this.slabUsed + size > slab.length) {
        slab = this.slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, size))
        this.slabUsed = 0
      }
      stage = fresh = this.current = new StagedFrames(slab, this.slabUsed, this.slabUsed)
    }
    const bytes = stage.bytes
    let at = stage.end
    const last = count - 1
    for (let i = 0; i <= last; i++) {
      const part = single ? message : message[i]!
      at = writeFrameHeader(bytes, at, i < last ? FLAG_MORE : 0, part.length)
      copyInto(part, bytes, at)
      at += part.length
    }
    stage.end = at
    this.slabUsed = at
    stage.count++
    return fresh
  }

  /** Something else was queued after the current stage (or it was taken): start a new one next time. */
  cut(): void {
    this.current = null
  }

  /** The entry left the queue. */
  taken(entry: StagedFrames): void {
    if (entry === this.current) this.current = null
  }
}

/** Bytes that frames i..end of a message take on the wire (headers included). */
function restSize(msg: Buffer[], from: number): number {
  let n = 0
  for (let i = from; i < msg.length; i++) n += frameHeaderSize(msg[i]!.length) + msg[i]!.length
  return n
}

/** Writes one connection's frames: its commands at once, its pipe's messages when kicked. */
export class ZmtpEncoder {
  /** After a CURVE handshake: the mechanism that boxes every frame. */
  private boxer: Mechanism | null = null
  /** 37/ZMTP subscriptions as commands; a 3.0 peer gets them as messages. */
  private peerIs31 = true
  /** We are a DISH: subscriptions are groups, written as JOIN/LEAVE whatever the peer's version. */
  private groups = false
  /** The pipe whose messages go out, once traffic has begun. */
  pipe: Pipe | null = null
  /** In traffic: the pipe's messages may go out (no traffic before the peer's READY). */
  private open = false
  /** In traffic, in clear and untraced: staged frames go out as they are (the engine's takesFrames). */
  takesFrames = false
  private flushScheduled = false
  private waitingDrain = false

  constructor(
    private readonly stream: Duplex,
    private readonly trace: WireTrace | null,
  ) {}

  private static readonly flushLater = (encoder: ZmtpEncoder): void => encoder.flush()

  /** The handshake is over: box frames if the mechanism protects traffic. */
  startTraffic(mechanism: Mechanism, peerIs31: boolean, groups: boolean): void {
    this.boxer = mechanism.encode ? mechanism : null
    this.peerIs31 = peerIs31
    this.groups = groups
    this.open = true
    this.takesFrames = this.trace === null && mechanism.encode === undefined
  }

  /** The connection is over: nothing more goes out. */
  stop(): void {
    this.open = false
    this.takesFrames = false
  }

  /** The pipe has messages to send. */
  kick(): void {
    if (!this.open || this.flushScheduled || this.waitingDrain) return
    this.flushScheduled = true
    // The first message of a tick goes out at once (a request, a reply: libzmq's I/O thread
    // writes as soon as the pipe wakes it); whatever follows in the same tick is coalesced into
    // one write at the tick's end. Round trip with REQ and REP on two CPUs, interleaved: 85-91 ->
    // 82-85 µs; on one CPU unchanged within noise (26.6-28.0 µs); PUSH 16 B unchanged.
    process.nextTick(ZmtpEncoder.flushLater, this)
    if (this.stream.writableLength === 0) this.writeQueued()
  }

  /** Writes now what the stream will take (Engine.flushNow). */
  flushNow(): void {
    // Not flush(): the tick's flush stays scheduled, so the next kick() of this tick writes nothing.
    if (this.open && !this.waitingDrain) this.writeQueued()
  }

  onDrain(): void {
    if (!this.waitingDrain) return
    this.waitingDrain = false
    this.kick()
  }

  private flush(): void {
    this.flushScheduled = false
    this.writeQueued()
  }

  /** Writes what the pipe holds, up to the stream's high-water mark; the rest once it drains. */
  private writeQueued(): void {
    const pipe = this.pipe
    if (!this.open || !pipe) return
    this.writeFrom(pipe)
    // A durable subscriber with too much unacknowledged: its acks kick us again (acks.ts).
    if (pipe.outLength > 0 && pipe.inFlight?.full !== true) {
      this.waitingDrain = true
      if (this.stream.writableLength === 0 && !this.flushScheduled) {
        this.waitingDrain = false
        this.flushScheduled = true
        process.nextTick(ZmtpEncoder.flushLater, this)
      } else {
        writePending(this.stream) // stalled-exit.ts: a reader of this process may never read it
      }
    }
  }

  /** 26/CURVE MESSAGE: a frame's flags and body, boxed, as one outer frame. */
  private box(flags: number, body: Buffer): Buffer {
    return encodeFrame(this.boxer!.encode!(flags, body))
  }

  /** Writes one whole frame we built (a command, or a handshake frame); boxed after a CURVE handshake. */
  writeFrame(frame: Buffer): void {
    if (this.trace) this.traceFrame(frame)
    if (this.boxer) this.stream.write(this.box(frame[0]! & FLAG_COMMAND ? INNER_COMMAND : 0, frameBody(frame)))
    else this.stream.write(frame)
  }

  /** Traces one complete single frame we encoded ourselves (a command or a one-frame message). */
  private traceFrame(frame: Buffer): void {
    const body = frameBody(frame)
    if (frame[0]! & FLAG_COMMAND) this.trace!.command("out", parseCommand(body).name, body)
    else this.trace!.message("out", [body])
  }

  /**
   * 37/ZMTP: a SUBSCRIBE/CANCEL command for a 3.1 peer, a 01/00-prefixed message for a 3.0 peer.
   * RFC 48/RADIO-DISH: a DISH's JOIN/LEAVE command (dish_session_t::pull_msg).
   */
  private subscriptionFrame(msg: Msg): Buffer {
    const topic = msg[0] ?? Buffer.alloc(0)
    if (this.groups) return msg.subscribe ? encodeJoin(topic) : encodeLeave(topic)
    if (this.peerIs31) return encodeCommand(msg.subscribe ? "SUBSCRIBE" : "CANCEL", topic)
    return encodeFrame(messageFormBody(msg))
  }

  /**
   * Frames what the pipe holds until the stream holds its high-water mark. Staged frames go out as
   * they are when takesFrames; otherwise the pipe hands them back as messages.
   */
  private writeFrom(pipe: Pipe): void {
    const takesFrames = this.takesFrames
    const stream = this.stream
    let batch: Buffer | null = null
    let used = 0
    let queued = stream.writableLength
    // One write (a request, a reply) goes out as it is; cork only once a second one follows, so
    // that they leave in one writev. Cork and uncork are a good part of a reply's path.
    let corked = false
    let first: Buffer | null = null
    const emit = (buf: Buffer) => {
      if (!corked) {
        if (first === null) {
          first = buf
          return
        }
        stream.cork()
        corked = true
        stream.write(first)
        first = null
      }
      stream.write(buf)
    }
    const flushBatch = () => {
      if (batch && used > 0) emit(batch.subarray(0, used))
      batch = null
      used = 0
    }
    let limit = WRITE_HIGH_WATER
    while (queued < limit) {
      if (pipe.inFlight !== null && pipe.inFlight.full) break
      const msg = pipe.pullFrames(takesFrames)
      if (msg === undefined) break
      if (msg instanceof StagedFrames) {
        flushBatch()
        emit(msg.bytes.subarray(msg.start, msg.end))
        queued += msg.end - msg.start
        continue
      }
      if (msg.subscribe !== undefined) {
        flushBatch()
        const frame = this.subscriptionFrame(msg)
        // Traced as what really goes out: a command to a 3.1 peer, a 01/00 message to a 3.0 one.
        if (this.trace) this.traceFrame(frame)
        const out = this.boxer ? this.box(frame[0]! & FLAG_COMMAND ? INNER_COMMAND : 0, frameBody(frame)) : frame
        emit(out)
        queued += out.length
        continue
      }
      if (this.trace) this.trace.message("out", msg)
      const last = msg.length - 1
      if (this.boxer) {
        // CURVE: each frame becomes its own MESSAGE box; MORE travels inside the box.
        flushBatch()
        for (let i = 0; i <= last; i++) {
          const frame = this.box(i < last ? INNER_MORE : 0, msg[i]!)
          queued += frame.length
          emit(frame)
        }
        continue
      }
      for (let i = 0; i <= last; i++) {
        const body = msg[i]!
        const flags = i < last ? FLAG_MORE : 0
        const headerSize = frameHeaderSize(body.length)
        queued += headerSize + body.length
        if (body.length <= COPY_MAX) {
          if (!batch || used + headerSize + body.length > batch.length) {
            flushBatch()
            // The last message queued (a request, a reply): a batch its size, from Node's pool,
            // rather than 64 KiB of fresh memory per round trip.
            batch = Buffer.allocUnsafe(pipe.outLength === 0 ? Math.min(BATCH_SIZE, Math.max(headerSize + body.length, restSize(msg, i))) : BATCH_SIZE)
          }
          used = writeFrameHeader(batch, used, flags, body.length)
          copyInto(body, batch, used)
          used += body.length
        } else {
          // Large bodies go out as they are, behind their own header: no copy.
          flushBatch()
          const header = Buffer.allocUnsafe(headerSize)
          writeFrameHeader(header, 0, flags, body.length)
          emit(header)
          emit(body)
          limit = LARGE_WRITE_HIGH_WATER
        }
      }
    }
    flushBatch()
    if (first !== null) stream.write(first)
    if (corked) stream.uncork()
  }
}
