/**
 * One direction of an inproc connection between two threads: a single-producer single-consumer
 * byte ring in a SharedArrayBuffer (both threads see the same memory; nothing is posted per
 * message). What flows in it is ZMTP frames (37/ZMTP "Framing"), so the writer copies the frames
 * its pipe has already staged (encoder.ts FrameStager) in one go, and the reader takes everything
 * published in one copy and cuts it with the ordinary frame decoder. ARCHITECTURE.md, "inproc
 * between threads", says why this and not MessagePorts.
 *
 * Layout: CONTROL_BYTES of Int32 control words, then DATA_BYTES of bytes. The writer and the
 * reader each keep their own position in a plain field and publish it with one atomic store per
 * batch (positions count bytes since the start, wrapping at 2^32).
 *
 * Waking: a side that finds nothing to do sets its WAITING word and sleeps with Atomics.waitAsync
 * on its WAKE word; the other side, after publishing, bumps WAKE and notifies only when WAITING
 * was set. Atomics.waitAsync does not keep a Node event loop alive (pending socket operations do,
 * sockets/operations.ts), and its wake-up is an ordinary task of the sleeping thread.
 */
import {Buffer} from "node:buffer"

/** Control words (Int32 indexes). */
export const enum Ctl {
  /** Bytes written so far (wraps at 2^32), published by the writer. */
  Write = 0,
  /** Bytes read so far, published by the reader. */
  Read = 1,
  ReaderWaiting = 2,
  ReaderWake = 3,
  WriterWaiting = 4,
  WriterWake = 5,
  /** The writer's end is closed: nothing more will come after what is in the ring. */
  WriterClosed = 6,
  /** The reader's end is closed: nothing written from now on will be read. */
  ReaderClosed = 7,
  /** Whole messages the receiving socket has taken from its pipe (credit for the writer's HWM). */
  Consumed = 8,
}

const CONTROL_BYTES = 64
/** Each direction's room. A message larger than this still passes, in pieces. */
export const DATA_BYTES = 128 * 1024
const MASK = DATA_BYTES - 1
const TAKE_MAX = 64 * 1024

/** A fresh ring's memory (made by the connecting thread, handed to the bound one). */
export function newRing(): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_BYTES + DATA_BYTES)
}

/** ES2024's Atomics.waitAsync (Node ≥ 16; TypeScript's lib here predates it). */
type WaitAsync = (array: Int32Array, index: number, value: number) => {async: false; value: string} | {async: true; value: Promise<string>}
export const waitAsync: WaitAsync | undefined = (Atomics as unknown as {waitAsync?: WaitAsync}).waitAsync

/** Wakes the other side if it sleeps on `wake` (its `waiting` flag set). */
export function wakeIfWaiting(ctl: Int32Array, waiting: Ctl, wake: Ctl): void {
  if (Atomics.load(ctl, waiting) !== 0 && Atomics.exchange(ctl, waiting, 0) !== 0) {
    Atomics.add(ctl, wake, 1)
    Atomics.notify(ctl, wake)
  }
}

/** Sleeps until the other side wakes this one (`onWake` runs as a task), unless `ready` already holds. */
export function sleepUnless(ctl: Int32Array, waiting: Ctl, wake: Ctl, ready: () => boolean, onWake: () => void): void {
  Atomics.store(ctl, waiting, 1)
  const seen = Atomics.load(ctl, wake)
  if (ready()) {
    Atomics.store(ctl, waiting, 0)
    // Never loop synchronously: the other thread may be filling as fast as this one drains.
    setImmediate(onWake)
    return
  }
  const result = waitAsync!(ctl, wake, seen)
  if (result.async) void result.value.then(onWake)
  else setImmediate(onWake)
}

export class RingWriter {
  readonly ctl: Int32Array
  private readonly data: Buffer
  private pos = 0
  /** The reader's position as last read (free room is at least what this leaves). */
  private read = 0

  constructor(readonly sab: SharedArrayBuffer) {
    this.ctl = new Int32Array(sab, 0, CONTROL_BYTES / 4)
    this.data = Buffer.from(sab, CONTROL_BYTES, DATA_BYTES)
  }

  /** Room to write now: the reader's position is asked afresh only when the last known leaves less than `want`. */
  free(want: number): number {
    const free = DATA_BYTES - ((this.pos - this.read) >>> 0)
    return free >= want ? free : this.freshFree()
  }

  /** The reader's position as last read. */
  get seenRead(): number {
    return this.read
  }

  /** Room to write now, having asked the reader's position afresh. */
  freshFree(): number {
    this.read = Atomics.load(this.ctl, Ctl.Read) >>> 0
    return DATA_BYTES - ((this.pos - this.read) >>> 0)
  }

  /** Copies bytes[from, from + n) in (the caller checked the room), across the ring's end if need be. */
  write(bytes: Uint8Array, from: number, n: number): void {
    const off = this.pos & MASK
    const first = Math.min(n, DATA_BYTES - off)
    copy(bytes, from, this.data, off, first)
    if (first < n) copy(bytes, from + first, this.data, 0, n - first)
    this.pos = (this.pos + n) >>> 0
  }

  /** Writes one byte (a frame header's). */
  byte(value: number): void {
    this.data[this.pos & MASK] = value
    this.pos = (this.pos + 1) >>> 0
  }

  /** Makes what was written visible to the reader, and wakes it if it sleeps. */
  publish(): void {
    Atomics.store(this.ctl, Ctl.Write, this.pos | 0)
    wakeIfWaiting(this.ctl, Ctl.ReaderWaiting, Ctl.ReaderWake)
  }
}

export class RingReader {
  readonly ctl: Int32Array
  private readonly data: Buffer
  private pos = 0

  constructor(readonly sab: SharedArrayBuffer) {
    this.ctl = new Int32Array(sab, 0, CONTROL_BYTES / 4)
    this.data = Buffer.from(sab, CONTROL_BYTES, DATA_BYTES)
  }

  /** Bytes published and not yet read. */
  available(): number {
    return (Atomics.load(this.ctl, Ctl.Write) - this.pos) >>> 0
  }

  /**
   * What was published so far (up to TAKE_MAX bytes), copied out: the ring's room is free again
   * once released. Null when there is nothing.
   */
  take(): Buffer | null {
    // At most TAKE_MAX at a time: a larger fresh Buffer is mapped memory of its own, whose page
    // faults cost more than the copy (glibc maps allocations of 128 KiB and more).
    const n = Math.min(this.available(), TAKE_MAX)
    if (n === 0) return null
    const out = Buffer.allocUnsafe(n)
    const off = this.pos & MASK
    const first = Math.min(n, DATA_BYTES - off)
    copy(this.data, off, out, 0, first)
    if (first < n) copy(this.data, 0, out, first, n - first)
    this.pos = (this.pos + n) >>> 0
    return out
  }

  /** Publishes the room read so far, and wakes a writer waiting for it. */
  release(): void {
    Atomics.store(this.ctl, Ctl.Read, this.pos | 0)
    wakeIfWaiting(this.ctl, Ctl.WriterWaiting, Ctl.WriterWake)
  }
}

/** Small copies by hand: for a few bytes, cheaper than TypedArray.set's view and checks. */
function copy(from: Uint8Array, at: number, to: Uint8Array, offset: number, n: number): void {
  if (n <= 32) for (let i = 0; i < n; i++) to[offset + i] = from[at + i]!
  else to.set(at === 0 && n === from.length ? from : from.subarray(at, at + n), offset)
}
