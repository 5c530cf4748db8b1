/**
 * One direction of an inproc connection between two threads: a single-producer single-consumer
 * ring of frames in a SharedArrayBuffer (both threads see the same memory; nothing is posted per
 * message). ARCHITECTURE.md, "inproc between threads", says why this and not MessagePorts.
 *
 * Layout: CONTROL_BYTES of Int32 control words, then DATA_BYTES of frames. A frame is an 8-byte
 * header (Int32 length, Int32 flags) and its body padded to 4 bytes, so headers are always
 * Int32-aligned (the two threads share one process, hence one byte order). The writer and the
 * reader each keep their own position in a plain field and publish it with one atomic store per
 * batch; a frame larger than the free space is written piece by piece as the reader frees room.
 *
 * Waking: a side that finds nothing to do sets its WAITING word and sleeps with Atomics.waitAsync
 * on its WAKE word; the other side, after publishing, bumps WAKE and notifies only when WAITING
 * was set. Atomics.waitAsync does not keep a Node event loop alive (pending socket operations do,
 * sockets/operations.ts), and its wake-up is an ordinary task of the sleeping thread.
 */
import {Buffer} from "node:buffer"

/** Frame flags (the header's second word). */
export const MORE = 1
/** The message is a subscription (engine/subscription.ts): SUBSCRIBE, or with CANCEL its end. */
export const SUBSCRIBE = 2
export const CANCEL = 4

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
/** Each direction's room. A frame larger than this still passes, in pieces. */
export const DATA_BYTES = 64 * 1024
const MASK = DATA_BYTES - 1
const HEADER = 8

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
  private readonly data: Uint8Array
  private readonly words: Int32Array
  private pos = 0
  /** A frame larger than the room left: what of its body is still to write. */
  private partial: {body: Buffer; done: number} | null = null

  constructor(readonly sab: SharedArrayBuffer) {
    this.ctl = new Int32Array(sab, 0, CONTROL_BYTES / 4)
    this.data = new Uint8Array(sab, CONTROL_BYTES, DATA_BYTES)
    this.words = new Int32Array(sab, CONTROL_BYTES, DATA_BYTES / 4)
  }

  private free(): number {
    return DATA_BYTES - ((this.pos - Atomics.load(this.ctl, Ctl.Read)) >>> 0)
  }

  /** True when a frame of `size` bytes can be written now (whole, or at least begun). */
  fits(size: number): boolean {
    if (this.partial !== null) return false
    const free = this.free()
    return free >= HEADER + ((size + 3) & ~3) || free >= HEADER + 4 * 1024
  }

  /** No frame is half written. */
  get idle(): boolean {
    return this.partial === null
  }

  /** Writes a frame (the caller checked fits()); a large one may be left partly written. */
  frame(body: Buffer, flags: number): void {
    const words = this.words
    const pos = this.pos
    words[(pos >>> 2) & (MASK >>> 2)] = body.length
    words[((pos + 4) >>> 2) & (MASK >>> 2)] = flags
    this.pos = (pos + HEADER) >>> 0
    const padded = (body.length + 3) & ~3
    if (this.free() >= padded) {
      this.copy(body, 0, body.length)
      this.pos = (this.pos + padded) >>> 0
      return
    }
    this.partial = {body, done: 0}
    this.continue()
  }

  /** Writes more of a large frame's body; true when nothing is left half written. */
  continue(): boolean {
    const p = this.partial
    if (p === null) return true
    const {body} = p
    const padded = (body.length + 3) & ~3
    const n = Math.min(this.free(), padded - p.done)
    this.copy(body, p.done, Math.max(0, Math.min(n, body.length - p.done)))
    p.done += n
    this.pos = (this.pos + n) >>> 0
    if (p.done < padded) return false
    this.partial = null
    return true
  }

  /** Copies body[from, from + n) to the ring at the write position, across its end if need be. */
  private copy(body: Buffer, from: number, n: number): void {
    const off = this.pos & MASK
    const first = Math.min(n, DATA_BYTES - off)
    copyIn(this.data, off, body, from, first)
    if (first < n) copyIn(this.data, 0, body, from + first, n - first)
  }

  /** Makes what was written visible to the reader, and wakes it if it sleeps. */
  publish(): void {
    Atomics.store(this.ctl, Ctl.Write, this.pos | 0)
    wakeIfWaiting(this.ctl, Ctl.ReaderWaiting, Ctl.ReaderWake)
  }
}

/** A frame as read: its body and flags. */
export interface Frame {
  body: Buffer
  flags: number
}

export class RingReader {
  readonly ctl: Int32Array
  private readonly data: Uint8Array
  private readonly words: Int32Array
  private pos = 0
  private partial: {body: Buffer; flags: number; done: number} | null = null

  constructor(readonly sab: SharedArrayBuffer) {
    this.ctl = new Int32Array(sab, 0, CONTROL_BYTES / 4)
    this.data = new Uint8Array(sab, CONTROL_BYTES, DATA_BYTES)
    this.words = new Int32Array(sab, CONTROL_BYTES, DATA_BYTES / 4)
  }

  /** Bytes published and not yet read. */
  available(): number {
    return (Atomics.load(this.ctl, Ctl.Write) - this.pos) >>> 0
  }

  /**
   * Reads the frames published so far, up to `limit` of them, handing each whole one to `each`.
   * Returns how many whole frames it read. Frees the room it read (publish via `release`).
   */
  read(each: (body: Buffer, flags: number) => void, limit: number): number {
    const end = Atomics.load(this.ctl, Ctl.Write) >>> 0
    const {data, words} = this
    let pos = this.pos
    let count = 0
    while (count < limit && pos !== end) {
      let p = this.partial
      if (p === null) {
        const length = words[(pos >>> 2) & (MASK >>> 2)]!
        const flags = words[((pos + 4) >>> 2) & (MASK >>> 2)]!
        pos = (pos + HEADER) >>> 0
        const off = pos & MASK
        const padded = (length + 3) & ~3
        // The common case: a small frame wholly in the ring and not across its end.
        if (off + length <= DATA_BYTES && ((end - pos) >>> 0) >= padded) {
          each(copyOut(data, off, length), flags)
          pos = (pos + padded) >>> 0
          count++
          continue
        }
        p = this.partial = {body: Buffer.allocUnsafe(length), flags, done: 0}
      }
      const {body} = p
      const padded = (body.length + 3) & ~3
      const n = Math.min((end - pos) >>> 0, padded - p.done)
      let off = pos & MASK
      let left = n
      let dst = p.done
      while (left > 0) {
        const run = Math.min(left, DATA_BYTES - off)
        const real = Math.max(0, Math.min(run, body.length - dst))
        if (real > 0) body.set(data.subarray(off, off + real), dst)
        dst += run
        left -= run
        off = (off + run) & MASK
      }
      p.done += n
      pos = (pos + n) >>> 0
      if (p.done < padded) break
      this.partial = null
      each(body, p.flags)
      count++
    }
    this.pos = pos
    return count
  }

  /** Publishes the room read so far, and wakes a writer waiting for it. */
  release(): void {
    Atomics.store(this.ctl, Ctl.Read, this.pos | 0)
    wakeIfWaiting(this.ctl, Ctl.WriterWaiting, Ctl.WriterWake)
  }

  /** A frame is half read (its writer must finish it). */
  get midFrame(): boolean {
    return this.partial !== null
  }
}

/** Small copies by hand: for a few bytes, cheaper than making a view for TypedArray.set. */
function copyIn(data: Uint8Array, off: number, body: Buffer, from: number, n: number): void {
  if (n <= 32) for (let i = 0; i < n; i++) data[off + i] = body[from + i]!
  else data.set(from === 0 && n === body.length ? body : body.subarray(from, from + n), off)
}

function copyOut(data: Uint8Array, off: number, n: number): Buffer {
  const body = Buffer.allocUnsafe(n)
  if (n <= 32) for (let i = 0; i < n; i++) body[i] = data[off + i]!
  else body.set(data.subarray(off, off + n))
  return body
}
