/**
 * ZMTP 3.x framing (23/ZMTP and 37/ZMTP "Framing"):
 *
 *   frame = flags size body
 *   flags = bit 0 MORE, bit 1 LONG (8-byte size), bit 2 COMMAND; bits 3..7 reserved
 *   size  = 1 byte when LONG is clear, else a uint64 in network byte order
 *
 * The decoder is a streaming state machine that accepts bytes in any chunking. It checks each
 * frame's declared size against maxMessageSize before it allocates anything for the body (libzmq
 * checks ZMQ_MAXMSGSIZE per frame, not per message). Like libzmq's v2_decoder it ignores the reserved
 * bits and MORE on a command; a size of 2^63 or more is refused (EMSGSIZE in libzmq).
 */
import { Buffer, constants as bufferConstants } from "node:buffer";
import { ZmtpError } from "./errors.js";
import { bufferView } from "./view.js";
export const FLAG_MORE = 0x01;
export const FLAG_LONG = 0x02;
export const FLAG_COMMAND = 0x04;
/** A body of at most this many bytes is sent with a 1-byte size (libzmq: LONG iff size > 255). */
export const SHORT_MAX = 255;
/** Bodies larger than this that span several chunks are gathered as a chunk list, not preallocated,
 * so a peer that only *declares* a huge frame makes us allocate nothing beyond what it really sent. */
const PREALLOCATE_MAX = 1 << 20;
export class FrameDecoder {
    handler;
    state = 0 /* State.Flags */;
    flags = 0;
    size = 0;
    /** A long size split across chunks; allocated the first time one is. */
    sizeBytes = null;
    sizeFilled = 0;
    /** Body being filled across chunks: either one preallocated buffer or a list of chunk slices. */
    body = null;
    bodyParts = null;
    bodyFilled = 0;
    /** Frames of the message being assembled (those that had MORE). */
    parts = [];
    maxFrameSize;
    /** @param maxMessageSize per-frame limit in bytes; -1 (or any negative) means none. */
    constructor(handler, maxMessageSize = -1) {
        this.handler = handler;
        this.maxFrameSize = maxMessageSize >= 0 ? Math.min(maxMessageSize, bufferConstants.MAX_LENGTH) : bufferConstants.MAX_LENGTH;
    }
    /** True when a multipart message is half received (its frames are dropped on close). */
    get inMessage() {
        return this.parts.length > 0 || this.state !== 0 /* State.Flags */;
    }
    /** Feeds bytes. Throws ZmtpError on a protocol violation; the decoder must not be used after. */
    push(chunk) {
        let pos = 0;
        const len = chunk.length;
        // Bodies inside the chunk become views of its memory (see view.ts): read its place once.
        const memory = chunk.buffer;
        const base = chunk.byteOffset;
        while (pos < len) {
            switch (this.state) {
                case 0 /* State.Flags */: {
                    // Fast paths: a whole frame inside this chunk needs no state at all, and its body is a
                    // view of the chunk (no copy).
                    const flags = chunk[pos];
                    if ((flags & FLAG_LONG) === 0) {
                        if (pos + 1 < len) {
                            const size = chunk[pos + 1];
                            if (pos + 2 + size <= len) {
                                this.checkSize(size);
                                this.frame(flags, bufferView(memory, base + pos + 2, size));
                                pos += 2 + size;
                                continue;
                            }
                        }
                    }
                    else if (pos + 9 <= len) {
                        const hi = chunk.readUInt32BE(pos + 1);
                        if (hi >= 0x80000000)
                            throw new ZmtpError("ERR_ZMTP_MESSAGE_TOO_LARGE", "Frame size of 2^63 bytes or more");
                        const size = hi * 0x100000000 + chunk.readUInt32BE(pos + 5);
                        if (pos + 9 + size <= len) {
                            this.checkSize(size);
                            this.frame(flags, bufferView(memory, base + pos + 9, size));
                            pos += 9 + size;
                            continue;
                        }
                        // The body goes on in later chunks.
                        this.flags = flags;
                        pos += 9;
                        this.beginBody(size);
                        break;
                    }
                    this.flags = flags;
                    this.state = flags & FLAG_LONG ? 2 /* State.LongSize */ : 1 /* State.ShortSize */;
                    this.sizeFilled = 0;
                    pos++;
                    break;
                }
                case 1 /* State.ShortSize */:
                    this.beginBody(chunk[pos++]);
                    break;
                case 2 /* State.LongSize */: {
                    const take = Math.min(8 - this.sizeFilled, len - pos);
                    const sizeBytes = (this.sizeBytes ??= Buffer.allocUnsafe(8));
                    chunk.copy(sizeBytes, this.sizeFilled, pos, pos + take);
                    this.sizeFilled += take;
                    pos += take;
                    if (this.sizeFilled === 8) {
                        const hi = sizeBytes.readUInt32BE(0);
                        const lo = sizeBytes.readUInt32BE(4);
                        if (hi >= 0x80000000) {
                            throw new ZmtpError("ERR_ZMTP_MESSAGE_TOO_LARGE", "Frame size of 2^63 bytes or more");
                        }
                        // hi * 2^32 + lo is exact up to 2^53; anything above is refused by checkSize anyway.
                        this.beginBody(hi * 0x100000000 + lo);
                    }
                    break;
                }
                case 3 /* State.Body */: {
                    const need = this.size - this.bodyFilled;
                    const take = Math.min(need, len - pos);
                    if (this.body) {
                        chunk.copy(this.body, this.bodyFilled, pos, pos + take);
                    }
                    else {
                        this.bodyParts.push(chunk.subarray(pos, pos + take));
                    }
                    this.bodyFilled += take;
                    pos += take;
                    if (this.bodyFilled === this.size)
                        this.endBody();
                    break;
                }
            }
        }
    }
    /**
     * The unfilled rest of the body being received, when it is preallocated and the body is at least
     * `min` bytes: a transport may read straight into it (then it calls bodyFilledDirectly), as
     * libzmq's decoder hands its socket the message's own memory. Null otherwise. The size that
     * counts is the whole body's, not the rest's: a large body's last bytes are read on their own
     * too, or the read that took them would run on into the next message's body and copy it.
     */
    bodyTarget(min) {
        if (this.state !== 3 /* State.Body */ || this.body === null || this.size < min)
            return null;
        return this.body.subarray(this.bodyFilled);
    }
    /** `n` bytes were written into bodyTarget()'s memory. */
    bodyFilledDirectly(n) {
        this.bodyFilled += n;
        if (this.bodyFilled === this.size)
            this.endBody();
    }
    checkSize(size) {
        if (size > this.maxFrameSize) {
            throw new ZmtpError("ERR_ZMTP_MESSAGE_TOO_LARGE", `Frame of ${size} bytes exceeds maxMessageSize (${this.maxFrameSize})`);
        }
    }
    beginBody(size) {
        this.checkSize(size);
        this.size = size;
        this.bodyFilled = 0;
        if (size === 0) {
            this.state = 0 /* State.Flags */;
            this.frame(this.flags, Buffer.alloc(0));
            return;
        }
        this.state = 3 /* State.Body */;
        if (size <= PREALLOCATE_MAX) {
            this.body = Buffer.allocUnsafe(size);
        }
        else {
            this.bodyParts = [];
        }
    }
    endBody() {
        const body = this.body ?? Buffer.concat(this.bodyParts, this.size);
        this.body = null;
        this.bodyParts = null;
        this.state = 0 /* State.Flags */;
        this.frame(this.flags, body);
    }
    frame(flags, body) {
        if (flags & FLAG_COMMAND) {
            this.handler.onCommand(body);
            return;
        }
        if (flags & FLAG_MORE) {
            this.parts.push(body);
            return;
        }
        if (this.parts.length === 0) {
            this.handler.onMessage([body]);
        }
        else {
            const parts = this.parts;
            parts.push(body);
            this.parts = [];
            this.handler.onMessage(parts);
        }
    }
}
/** Size of the header libzmq would write for a body of `size` bytes: 2 (short) or 9 (long). */
export function frameHeaderSize(size) {
    return size > SHORT_MAX ? 9 : 2;
}
/** Writes a minimal frame header at `offset` and returns the offset after it. */
export function writeFrameHeader(target, offset, flags, size) {
    if (size > SHORT_MAX) {
        target[offset] = flags | FLAG_LONG;
        target.writeUInt32BE(Math.floor(size / 0x100000000), offset + 1);
        target.writeUInt32BE(size >>> 0, offset + 5);
        return offset + 9;
    }
    target[offset] = flags;
    target[offset + 1] = size;
    return offset + 2;
}
/** Encodes one frame (header and body) into a new buffer. */
export function encodeFrame(body, flags = 0) {
    const out = Buffer.allocUnsafe(frameHeaderSize(body.length) + body.length);
    const at = writeFrameHeader(out, 0, flags & (FLAG_MORE | FLAG_COMMAND), body.length);
    out.set(body, at);
    return out;
}
/** Encodes a whole message into one buffer: MORE on every frame but the last. */
export function encodeMessage(frames) {
    let total = 0;
    for (const f of frames)
        total += frameHeaderSize(f.length) + f.length;
    const out = Buffer.allocUnsafe(total);
    let at = 0;
    const last = frames.length - 1;
    for (let i = 0; i <= last; i++) {
        const f = frames[i];
        at = writeFrameHeader(out, at, i < last ? FLAG_MORE : 0, f.length);
        out.set(f, at);
        at += f.length;
    }
    return out;
}
/** The body of one whole frame (header included) that we encoded ourselves. */
export function frameBody(frame) {
    return frame.subarray(frame[0] & FLAG_LONG ? 9 : 2);
}
