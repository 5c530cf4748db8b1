/**
 * ZMTP frames into a thread ring (thread-ring.ts), for the writing side of an inproc link between
 * threads (thread-engine.ts). A pipe entry is either small messages its FrameStager has already
 * framed (copied in as they are) or a message, framed here: each part a 37/ZMTP frame header and
 * its body, a subscription a SUBSCRIBE or CANCEL command (as to a ZMTP 3.1 peer). What does not fit
 * waits as pending pieces and goes in as the reader frees room; the reader delivers only whole
 * messages, so a message split across waits is never seen in part.
 */
import { Buffer } from "node:buffer";
import { encodeCommand } from "../wire/command.js";
import { FLAG_MORE, frameHeaderSize, writeFrameHeader } from "../wire/frame.js";
import { StagedFrames } from "./encoder.js";
export class RingFrames {
    ring;
    /** Bytes still to write, in order, and how far into the first one we are. */
    pending = [];
    offset = 0;
    constructor(ring) {
        this.ring = ring;
    }
    /** Nothing waits to be written. */
    get idle() {
        return this.pending.length === 0;
    }
    /** Writes what is pending, as far as the room goes; true when all of it is written. */
    flush() {
        const pending = this.pending;
        while (pending.length > 0) {
            const bytes = pending[0];
            const left = bytes.length - this.offset;
            const room = this.ring.freshFree();
            if (room === 0)
                return false;
            const n = Math.min(room, left);
            this.ring.write(bytes, this.offset, n);
            if (n < left) {
                this.offset += n;
                return false;
            }
            pending.shift();
            this.offset = 0;
        }
        return true;
    }
    /** Writes (or, past the room, queues) a pipe entry; returns how many messages it holds. */
    put(entry) {
        if (entry instanceof StagedFrames) {
            this.bytes(entry.bytes, entry.start, entry.end - entry.start);
            return entry.count;
        }
        if (entry.subscribe !== undefined) {
            const frame = encodeCommand(entry.subscribe ? "SUBSCRIBE" : "CANCEL", entry[0] ?? Buffer.alloc(0));
            this.bytes(frame, 0, frame.length);
            return 1;
        }
        const last = entry.length - 1;
        for (let i = 0; i <= last; i++)
            this.frame(entry[i], i < last ? FLAG_MORE : 0);
        return 1;
    }
    frame(body, flags) {
        const size = body.length;
        const header = frameHeaderSize(size);
        if (this.pending.length === 0 && this.ring.free(header + size) >= header + size) {
            if (header === 2) {
                this.ring.byte(flags);
                this.ring.byte(size);
            }
            else {
                const h = Buffer.allocUnsafe(9);
                writeFrameHeader(h, 0, flags, size);
                this.ring.write(h, 0, 9);
            }
            this.ring.write(body, 0, size);
            return;
        }
        const h = Buffer.allocUnsafe(header);
        writeFrameHeader(h, 0, flags, size);
        this.bytes(h, 0, header);
        this.bytes(body, 0, size);
    }
    bytes(bytes, from, n) {
        if (this.pending.length === 0) {
            const room = this.ring.free(n);
            if (room >= n)
                return this.ring.write(bytes, from, n);
            this.ring.write(bytes, from, room);
            from += room;
            n -= room;
        }
        this.pending.push(from === 0 && n === bytes.length ? bytes : bytes.subarray(from, from + n));
    }
}
