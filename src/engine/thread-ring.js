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
import { Buffer } from "node:buffer";
const CONTROL_BYTES = 64;
/** Each direction's room. A message larger than this still passes, in pieces. */
export const DATA_BYTES = 128 * 1024;
const MASK = DATA_BYTES - 1;
const TAKE_MAX = 64 * 1024;
/** A fresh ring's memory (made by the connecting thread, handed to the bound one). */
export function newRing() {
    return new SharedArrayBuffer(CONTROL_BYTES + DATA_BYTES);
}
export const waitAsync = Atomics.waitAsync;
/** Wakes the other side if it sleeps on `wake` (its `waiting` flag set). */
export function wakeIfWaiting(ctl, waiting, wake) {
    if (Atomics.load(ctl, waiting) !== 0 && Atomics.exchange(ctl, waiting, 0) !== 0) {
        Atomics.add(ctl, wake, 1);
        Atomics.notify(ctl, wake);
    }
}
/** Sleeps until the other side wakes this one (`onWake` runs as a task), unless `ready` already holds. */
export function sleepUnless(ctl, waiting, wake, ready, onWake) {
    Atomics.store(ctl, waiting, 1);
    const seen = Atomics.load(ctl, wake);
    if (ready()) {
        Atomics.store(ctl, waiting, 0);
        // Never loop synchronously: the other thread may be filling as fast as this one drains.
        setImmediate(onWake);
        return;
    }
    const result = waitAsync(ctl, wake, seen);
    if (result.async)
        void result.value.then(onWake);
    else
        setImmediate(onWake);
}
export class RingWriter {
    sab;
    ctl;
    data;
    pos = 0;
    /** The reader's position as last read (free room is at least what this leaves). */
    read = 0;
    constructor(sab) {
        this.sab = sab;
        this.ctl = new Int32Array(sab, 0, CONTROL_BYTES / 4);
        this.data = Buffer.from(sab, CONTROL_BYTES, DATA_BYTES);
    }
    /** Room to write now: the reader's position is asked afresh only when the last known leaves less than `want`. */
    free(want) {
        const free = DATA_BYTES - ((this.pos - this.read) >>> 0);
        return free >= want ? free : this.freshFree();
    }
    /** The reader's position as last read. */
    get seenRead() {
        return this.read;
    }
    /** Room to write now, having asked the reader's position afresh. */
    freshFree() {
        this.read = Atomics.load(this.ctl, 1 /* Ctl.Read */) >>> 0;
        return DATA_BYTES - ((this.pos - this.read) >>> 0);
    }
    /** Copies bytes[from, from + n) in (the caller checked the room), across the ring's end if need be. */
    write(bytes, from, n) {
        const off = this.pos & MASK;
        const first = Math.min(n, DATA_BYTES - off);
        copy(bytes, from, this.data, off, first);
        if (first < n)
            copy(bytes, from + first, this.data, 0, n - first);
        this.pos = (this.pos + n) >>> 0;
    }
    /** Writes one byte (a frame header's). */
    byte(value) {
        this.data[this.pos & MASK] = value;
        this.pos = (this.pos + 1) >>> 0;
    }
    /** Makes what was written visible to the reader, and wakes it if it sleeps. */
    publish() {
        Atomics.store(this.ctl, 0 /* Ctl.Write */, this.pos | 0);
        wakeIfWaiting(this.ctl, 2 /* Ctl.ReaderWaiting */, 3 /* Ctl.ReaderWake */);
    }
}
export class RingReader {
    sab;
    ctl;
    data;
    pos = 0;
    constructor(sab) {
        this.sab = sab;
        this.ctl = new Int32Array(sab, 0, CONTROL_BYTES / 4);
        this.data = Buffer.from(sab, CONTROL_BYTES, DATA_BYTES);
    }
    /** Bytes published and not yet read. */
    available() {
        return (Atomics.load(this.ctl, 0 /* Ctl.Write */) - this.pos) >>> 0;
    }
    /**
     * What was published so far (up to TAKE_MAX bytes), copied out: the ring's room is free again
     * once released. Null when there is nothing.
     */
    take() {
        // At most TAKE_MAX at a time: a larger fresh Buffer is mapped memory of its own, whose page
        // faults cost more than the copy (glibc maps allocations of 128 KiB and more).
        const n = Math.min(this.available(), TAKE_MAX);
        if (n === 0)
            return null;
        const out = Buffer.allocUnsafe(n);
        const off = this.pos & MASK;
        const first = Math.min(n, DATA_BYTES - off);
        copy(this.data, off, out, 0, first);
        if (first < n)
            copy(this.data, 0, out, first, n - first);
        this.pos = (this.pos + n) >>> 0;
        return out;
    }
    /** Publishes the room read so far, and wakes a writer waiting for it. */
    release() {
        Atomics.store(this.ctl, 1 /* Ctl.Read */, this.pos | 0);
        wakeIfWaiting(this.ctl, 4 /* Ctl.WriterWaiting */, 5 /* Ctl.WriterWake */);
    }
}
/** Small copies by hand: for a few bytes, cheaper than TypedArray.set's view and checks. */
function copy(from, at, to, offset, n) {
    if (n <= 32)
        for (let i = 0; i < n; i++)
            to[offset + i] = from[at + i];
    else
        to.set(at === 0 && n === from.length ? from : from.subarray(at, at + n), offset);
}
