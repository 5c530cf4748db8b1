/**
 * zmtp extension "spill to disk" (README "zmtp extensions"; what libzmq's ZMQ_SWAP was until 3.x):
 * one peer's messages past its send HWM, in an append-only log on disk, read back in order as the
 * peer catches up. The pipe (pipe.ts) keeps its HWM's worth in memory and this holds the rest, so
 * memory stays flat however much is spilled.
 *
 * The log is a directory of segments, `0000000001.seg` and up, each a run of records:
 *
 *     record  = length:u32be crc:u32be payload      (crc: CRC-32 of payload)
 *     payload = frames:u32be (size:u32be bytes)*     (the message's frames in order)
 *
 * and a 16-byte `cursor` file, [segment:u32be][offset hi:u32be][offset lo:u32be][crc:u32be of the
 * first 12], naming the first record not yet taken into memory. Appends are buffered (64 KiB, or
 * until the end of the tick) and written with one write each; a segment is deleted once read, so
 * disk use is what is pending plus at most one segment.
 *
 * What a crash (kill -9) can leave, and how a restart reads it: a record cut short or a write torn
 * at the end of the last segment fails its length or CRC check and ends that segment; nothing
 * after it in that segment is trusted, and a recovered log is never appended to (new records go
 * to a new segment), so a torn tail can never sit in front of good records. The cursor is written
 * whole (16 bytes in one page) after each read from disk; records taken into memory before a crash
 * are not replayed (like everything else in memory, they are lost with the process). The page
 * cache is trusted: a power loss is not covered (no fsync).
 */
import { Buffer } from "node:buffer";
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "./crc32.js";
/** A segment is closed for appends past this size (one large record may overshoot it). */
const SEGMENT_SIZE = 64 * 1024 * 1024;
/** Appends gather here before one write. */
const WRITE_BUFFER = 64 * 1024;
/** Bytes read from disk at a time when refilling the pipe. */
const READ_CHUNK = 256 * 1024;
const RECORD_HEADER = 8;
const CURSOR_SIZE = 16;
const segmentName = (n) => `${String(n).padStart(10, "0")}.seg`;
export class SpillError extends Error {
    code = "ESPILL";
}
export class Spill {
    dir;
    budget;
    segmentSize;
    segments = [];
    /** The segment being written to, or null (a new one starts at the next append). */
    writeSeg = null;
    writeFd = -1;
    readFd = -1;
    /** Offset of the next record to read in segments[0]. */
    readPos = 0;
    buffer = null;
    buffered = 0;
    flushScheduled = false;
    cursorFd = -1;
    nextSegment = 1;
    closed = false;
    /** Bytes on disk plus buffered, for the budget. */
    bytes = 0;
    /** The disk refused a write: no more appends (see flush()). */
    failure = null;
    /**
     * Opens (creating it if need be) the log in `dir`. A log left by an earlier run is kept to be
     * delivered first when `recover`, else removed.
     */
    constructor(dir, budget, recover, 
    /** Tests make it small to see segments come and go. */
    segmentSize = SEGMENT_SIZE) {
        this.dir = dir;
        this.budget = budget;
        this.segmentSize = segmentSize;
        if (existsSync(dir) && !recover)
            rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        if (recover)
            this.recover();
    }
    /** Nothing waits on disk (or in the write buffer). */
    get empty() {
        if (this.buffered > 0)
            return false;
        if (this.segments.length === 0)
            return true;
        return this.segments.length === 1 && this.readPos >= this.segments[0].size;
    }
    /** Below the budget: the next message is accepted (it may overshoot the budget by itself). */
    get hasRoom() {
        return !this.closed && this.failure === null && this.bytes < this.budget;
    }
    /** Bytes the log holds (on disk and buffered). */
    get size() {
        return this.bytes;
    }
    /** Appends a message; its parts are copied, so the caller may reuse them. */
    append(parts) {
        if (this.closed)
            throw new SpillError("the spill is closed");
        const single = Buffer.isBuffer(parts);
        const count = single ? 1 : parts.length;
        let payload = 4;
        if (single)
            payload += 4 + parts.length;
        else
            for (let i = 0; i < count; i++)
                payload += 4 + parts[i].length;
        const size = RECORD_HEADER + payload;
        if (this.buffer === null)
            this.buffer = Buffer.allocUnsafe(WRITE_BUFFER);
        if (this.buffered + size > this.buffer.length)
            this.flush();
        if (this.buffered + size > this.buffer.length) {
            // One record larger than the buffer, or a disk that refused the flush: a buffer that fits.
            const bigger = Buffer.allocUnsafe(this.buffered + size);
            this.buffer.copy(bigger, 0, 0, this.buffered);
            this.buffer = bigger;
        }
        const target = this.buffer;
        const start = this.buffered;
        let at = start + RECORD_HEADER;
        target.writeUInt32BE(count, at);
        at += 4;
        for (let i = 0; i < count; i++) {
            const part = single ? parts : parts[i];
            target.writeUInt32BE(part.length, at);
            part.copy(target, at + 4);
            at += 4 + part.length;
        }
        target.writeUInt32BE(payload, start);
        target.writeUInt32BE(crc32(target.subarray(start + RECORD_HEADER, at)), start + 4);
        this.bytes += size;
        this.buffered = at;
        if (target.length > WRITE_BUFFER) {
            this.flush(); // a large record goes out at once, and its buffer with it
            return;
        }
        if (!this.flushScheduled) {
            // The end of the tick writes what gathered, so a crash loses at most one tick of appends.
            this.flushScheduled = true;
            setImmediate(() => {
                this.flushScheduled = false;
                if (!this.closed)
                    this.flush();
            });
        }
    }
    /**
     * Writes the buffered appends to the current segment. A disk that refuses (ENOSPC, EIO, EMFILE)
     * sets `failure`: nothing more is appended (the socket's HWM action applies again), and what is
     * buffered stays in memory, where read() takes it from once the disk's records are done.
     */
    flush() {
        if (this.buffered === 0 || this.buffer === null || this.failure !== null)
            return;
        try {
            this.writeOut(this.buffer.subarray(0, this.buffered));
        }
        catch (e) {
            this.failure = e;
            return;
        }
        this.buffered = 0;
        // The buffer is reused at once (writeSync has copied it into the page cache); one grown for
        // a large record is let go.
        if (this.buffer.length > WRITE_BUFFER)
            this.buffer = null;
    }
    writeOut(bytes) {
        let seg = this.writeSeg;
        if (seg === null || seg.size >= this.segmentSize) {
            if (this.writeFd >= 0 && (this.segments[0] !== seg || this.readFd !== this.writeFd))
                closeSync(this.writeFd);
            this.writeFd = -1;
            const n = this.nextSegment++;
            seg = { n, path: join(this.dir, segmentName(n)), size: 0 };
            this.writeFd = openSync(seg.path, "w+");
            this.segments.push(seg);
            this.writeSeg = seg;
        }
        try {
            for (let off = 0; off < bytes.length;)
                off += writeSync(this.writeFd, bytes, off, bytes.length - off, seg.size + off);
        }
        catch (e) {
            // What part of it went to disk is cut off again, so no later start reads it twice.
            try {
                ftruncateSync(this.writeFd, seg.size);
            }
            catch {
                // The records there are checked on reading anyway.
            }
            throw e;
        }
        seg.size += bytes.length;
    }
    /**
     * Takes up to `most` messages off the log, oldest first, handing each to `take`; returns how
     * many. Reads whole records only: a record that fails its checks ends its segment.
     */
    read(most, take) {
        let taken = 0;
        while (taken < most && !this.closed) {
            this.flush();
            const seg = this.segments[0];
            if (seg === undefined || (this.readPos >= seg.size && seg === this.writeSeg)) {
                // The disk's records are done; after a failed write the rest is in memory.
                if (this.failure !== null && this.buffered > 0)
                    taken += this.readBuffered(most - taken, take);
                break;
            }
            if (this.readPos >= seg.size) {
                this.dropSegment();
                continue;
            }
            let chunk;
            let got;
            try {
                if (this.readFd < 0)
                    this.readFd = seg === this.writeSeg ? this.writeFd : openSync(seg.path, "r");
                const want = Math.min(seg.size - this.readPos, READ_CHUNK);
                chunk = Buffer.allocUnsafe(want);
                got = readSync(this.readFd, chunk, 0, want, this.readPos);
            }
            catch {
                this.badRecord(seg); // unreadable (EIO...): what is left of this segment is lost, not the process
                continue;
            }
            let at = 0;
            while (taken < most && at + RECORD_HEADER <= got) {
                const length = chunk.readUInt32BE(at);
                const end = at + RECORD_HEADER + length;
                if (this.readPos + end - at > seg.size || length < 4) {
                    this.badRecord(seg);
                    at = got = 0;
                    break;
                }
                if (end > got) {
                    if (at > 0)
                        break; // the rest of the chunk goes with the next read
                    // One record larger than a chunk: read it whole.
                    chunk = Buffer.allocUnsafe(RECORD_HEADER + length);
                    try {
                        got = readSync(this.readFd, chunk, 0, chunk.length, this.readPos);
                    }
                    catch {
                        got = 0;
                    }
                    if (got < chunk.length) {
                        this.badRecord(seg);
                        at = got = 0;
                        break;
                    }
                    continue;
                }
                const msg = this.decode(chunk, at + RECORD_HEADER, end, chunk.readUInt32BE(at + 4));
                if (msg === null) {
                    this.badRecord(seg);
                    at = got = 0;
                    break;
                }
                take(msg);
                taken++;
                this.bytes -= end - at;
                at = end;
            }
            this.readPos += at;
            if (at === 0 && got !== 0)
                break;
        }
        // All read: start afresh, so a drained log takes no disk.
        if (this.failure !== null)
            return this.cursorAfter(taken);
        const head = this.segments[0];
        if (head !== undefined && head === this.writeSeg && this.buffered === 0 && this.readPos >= head.size)
            this.dropSegment();
        return this.cursorAfter(taken);
    }
    cursorAfter(taken) {
        if (taken > 0)
            this.writeCursor();
        return taken;
    }
    /** After a failed write: up to `most` of the records still in the write buffer (copied out). */
    readBuffered(most, take) {
        const buffer = this.buffer;
        let at = 0;
        let taken = 0;
        while (taken < most && at < this.buffered) {
            const end = at + RECORD_HEADER + buffer.readUInt32BE(at);
            const msg = this.decode(buffer, at + RECORD_HEADER, end, buffer.readUInt32BE(at + 4));
            // The buffer is reused: the message gets its own copies.
            if (msg !== null) {
                take(msg.map(f => Buffer.from(f)));
                taken++;
            }
            at = end;
        }
        buffer.copy(buffer, 0, at, this.buffered);
        this.buffered -= at;
        this.bytes -= at;
        return taken;
    }
    /** The frames of one record, or null when its CRC or frame sizes do not check out. */
    decode(chunk, start, end, crc) {
        const payload = chunk.subarray(start, end);
        if (crc32(payload) !== crc)
            return null;
        const count = payload.readUInt32BE(0);
        const msg = [];
        let at = 4;
        for (let i = 0; i < count; i++) {
            if (at + 4 > payload.length)
                return null;
            const size = payload.readUInt32BE(at);
            if (at + 4 + size > payload.length)
                return null;
            // A view of this read's chunk: it is never reused, so the message owns it.
            msg.push(payload.subarray(at + 4, at + 4 + size));
            at += 4 + size;
        }
        return at === payload.length && count > 0 ? msg : null;
    }
    /** The rest of a segment cannot be trusted (a crash tore it): skip to the next one. */
    badRecord(seg) {
        this.bytes -= seg.size - this.readPos;
        this.readPos = seg.size;
    }
    dropSegment() {
        const seg = this.segments.shift();
        if (this.readFd >= 0 && this.readFd !== this.writeFd)
            closeSync(this.readFd);
        if (seg === this.writeSeg) {
            closeSync(this.writeFd);
            this.writeFd = -1;
            this.writeSeg = null;
        }
        this.readFd = -1;
        this.bytes -= Math.max(0, seg.size - this.readPos);
        this.readPos = 0;
        try {
            unlinkSync(seg.path);
        }
        catch {
            // Already gone, or the directory was taken away: nothing to give back.
        }
    }
    writeCursor() {
        const seg = this.segments[0];
        const b = Buffer.alloc(CURSOR_SIZE);
        b.writeUInt32BE(seg?.n ?? this.nextSegment, 0);
        b.writeUInt32BE(Math.floor(this.readPos / 2 ** 32), 4);
        b.writeUInt32BE(this.readPos % 2 ** 32, 8);
        b.writeUInt32BE(crc32(b.subarray(0, 12)), 12);
        try {
            if (this.cursorFd < 0)
                this.cursorFd = openSync(join(this.dir, "cursor"), "w");
            writeSync(this.cursorFd, b, 0, CURSOR_SIZE, 0);
        }
        catch {
            // Without it, a restart delivers from the last cursor that was written: some twice.
        }
    }
    /** Picks up the segments and the cursor an earlier run left. */
    recover() {
        const names = readdirSync(this.dir)
            .filter(f => /^\d{10}\.seg$/.test(f))
            .sort();
        let cursorSeg = 0;
        let cursorPos = 0;
        try {
            const fd = openSync(join(this.dir, "cursor"), "r");
            const b = Buffer.alloc(CURSOR_SIZE);
            const got = readSync(fd, b, 0, CURSOR_SIZE, 0);
            closeSync(fd);
            if (got === CURSOR_SIZE && crc32(b.subarray(0, 12)) === b.readUInt32BE(12)) {
                cursorSeg = b.readUInt32BE(0);
                cursorPos = b.readUInt32BE(4) * 2 ** 32 + b.readUInt32BE(8);
            }
        }
        catch {
            // No cursor: nothing was read from this log yet.
        }
        for (const name of names) {
            const n = Number(name.slice(0, 10));
            const path = join(this.dir, name);
            if (n < cursorSeg) {
                unlinkSync(path); // read before the crash, not yet deleted
                continue;
            }
            const fd = openSync(path, "r");
            const size = fstatSync(fd).size;
            closeSync(fd);
            this.segments.push({ n, path, size });
            this.bytes += size;
            this.nextSegment = n + 1;
        }
        if (this.segments[0]?.n === cursorSeg) {
            this.readPos = Math.min(cursorPos, this.segments[0].size);
            this.bytes -= this.readPos;
        }
    }
    /** Closes the files; `discard` removes the log, else it stays for a later run to recover. */
    close(discard) {
        if (this.closed)
            return;
        if (!discard)
            this.flush();
        this.closed = true;
        for (const fd of new Set([this.readFd, this.writeFd, this.cursorFd]))
            if (fd >= 0)
                closeSync(fd);
        this.readFd = this.writeFd = this.cursorFd = -1;
        if (discard)
            rmSync(this.dir, { recursive: true, force: true });
        this.buffer = null;
        this.buffered = 0;
    }
}
