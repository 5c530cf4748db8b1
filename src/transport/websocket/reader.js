/**
 * Reads a WebSocket byte stream (RFC 6455 §5) and hands up whole messages and control frames.
 * It checks what §5 requires of the peer and throws a WsError at the first violation, with the
 * status to close with (§7.4.1):
 *
 * - masking: a server refuses unmasked frames, a client masked ones (§5.1);
 * - RSV bits set (we never agree an extension) and unknown opcodes (§5.2);
 * - a 64-bit length with its most significant bit set (§5.2);
 * - control frames fragmented or longer than 125 bytes (§5.5);
 * - a continuation with no message begun, or a new message before the last one ended (§5.4);
 * - a message over `maxMessage` (1009), or over HARD_LIMIT when there is no limit, as soon as a
 *   header says so: nothing is ever allocated from a length a peer only declares;
 * - a close frame with a 1-byte body, a status §7.4 does not allow on the wire, or a reason that
 *   is not UTF-8 (§5.5.1, §7.4, §8.1).
 *
 * Not refused: a length in a longer form than needed (§5.2 says the minimal form MUST be used,
 * but nothing depends on it: libzmq's decoder, Node's `ws` and browsers' own readers vary; we
 * take the value), and a Text message whose payload is not UTF-8 (the opcode is handed up and
 * the caller decides: ZWS carries Binary only).
 *
 * Memory: payload bytes are kept as views of the chunks they arrived in and copied once, when the
 * message is complete, however many chunks and fragments it took. An unmasked message that lies
 * in one chunk is handed up as a view of that chunk, not copied: chunks come from the socket and
 * are not reused. A masked one is unmasked into a new Buffer: a chunk is only ever read.
 */
import { Buffer, constants as bufferConstants } from "node:buffer";
import { WsError } from "./errors.js";
import { Opcode } from "./frame.js";
import { maskInto, rotateKey } from "./mask.js";
/**
 * The largest message believed even with no limit set: one that fits a Buffer and whose length a
 * JS number holds exactly (2^53 - 1; in Node 20 a Buffer's 4 GiB is the smaller). A 64-bit length
 * beyond it (up to 2^63 - 1 is legal) is refused from the header alone, with 1009.
 */
export const HARD_LIMIT = Math.min(Number.MAX_SAFE_INTEGER, bufferConstants.MAX_LENGTH);
/** The longest header: 2 bytes, 8 of extended length, 4 of masking key. */
const HEADER_MAX = 14;
/** §5.5: "All control frames MUST have a payload length of 125 bytes or less". */
const CONTROL_MAX = 125;
// ignoreBOM: a reason that starts with U+FEFF keeps it (the bytes are the peer's, not a BOM).
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/**
 * §7.4.1/§7.4.2 and the IANA registry: the statuses a peer may put in a Close frame. 1004 is
 * reserved; 1005, 1006 and 1015 are only for reporting ("MUST NOT be set as a status code in a
 * Close control frame"); 1016-2999 are unassigned (a peer using one speaks something we do not
 * know); 3000-3999 are registered for libraries, 4000-4999 private use; anything else is not a
 * status at all.
 */
export function validCloseCode(code) {
    if (code >= 3000 && code <= 4999)
        return true;
    return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}
export class WsReader {
    options;
    handler;
    /** A header that a chunk ended inside of (never more than HEADER_MAX bytes, owned by us). */
    head = Buffer.allocUnsafe(HEADER_MAX);
    headLength = 0;
    /** The frame being read: -1 between frames, else the payload bytes still to come. */
    remaining = -1;
    opcode = 0;
    fin = false;
    /** Its masking key (mask.ts's form), and how many payload bytes have come. */
    key = 0;
    masked = false;
    offset = 0;
    /** A control frame's payload (at most 125 bytes, so allocating it from the header is safe). */
    control = null;
    /** The data message being assembled: opcode (0: none), pieces, their keys and total length. */
    messageOpcode = 0;
    parts = [];
    keys = [];
    messageLength = 0;
    limit;
    /** A violation was thrown, or the peer's Close was read: nothing more is read. */
    done = false;
    constructor(options, handler) {
        this.options = options;
        this.handler = handler;
        this.limit = options.maxMessage >= 0 ? Math.min(options.maxMessage, HARD_LIMIT) : HARD_LIMIT;
    }
    /**
     * Feeds bytes as they came from the connection, in any cuts. Calls the handler for each whole
     * message and control frame; throws a WsError at a violation, after which the reader ignores
     * everything (the connection is to be closed with the error's closeCode). An exception from
     * the handler passes through the same way.
     */
    push(chunk) {
        if (this.done)
            return;
        try {
            this.read(chunk);
        }
        catch (e) {
            this.done = true;
            throw e;
        }
    }
    read(chunk) {
        let at = 0;
        const end = chunk.length;
        if (this.headLength > 0) {
            // Complete the header from this chunk's first bytes only: never copy a whole chunk.
            const before = this.headLength;
            const take = Math.min(HEADER_MAX - before, end);
            chunk.copy(this.head, before, 0, take);
            const size = this.header(this.head, 0, before + take);
            if (size === 0) {
                this.headLength = before + take;
                return;
            }
            this.headLength = 0;
            at = size - before;
            if (this.remaining === 0)
                this.frameDone();
        }
        while (at < end && !this.done) {
            if (this.remaining < 0) {
                const size = this.header(chunk, at, end);
                if (size === 0) {
                    this.headLength = chunk.copy(this.head, 0, at, end);
                    return;
                }
                at += size;
                if (this.remaining === 0)
                    this.frameDone();
                continue;
            }
            const take = Math.min(this.remaining, end - at);
            this.payload(chunk, at, take);
            at += take;
            this.remaining -= take;
            if (this.remaining === 0)
                this.frameDone();
        }
    }
    /**
     * Reads and checks the header at `at` (data up to `end`); returns its size, or 0 when it is not
     * all there. The first two bytes are checked as soon as they are in; state changes only once
     * the whole header is.
     */
    header(b, at, end) {
        if (end - at < 2)
            return 0;
        const b0 = b[at];
        const b1 = b[at + 1];
        const fin = (b0 & 0x80) !== 0;
        const opcode = b0 & 0x0f;
        const masked = (b1 & 0x80) !== 0;
        const control = opcode >= 8;
        // §5.2: "MUST be 0 unless an extension is negotiated that defines meanings for non-zero values".
        if (b0 & 0x70)
            throw new WsError("ERR_WS_RESERVED_BITS", `A frame with RSV bits set (0x${(b0 & 0x70).toString(16)}) and no extension agreed (RFC 6455 §5.2)`);
        if (opcode !== Opcode.Continuation && opcode !== Opcode.Text && opcode !== Opcode.Binary && opcode !== Opcode.Close && opcode !== Opcode.Ping && opcode !== Opcode.Pong) {
            throw new WsError("ERR_WS_BAD_OPCODE", `Unknown opcode ${opcode} (RFC 6455 §5.2)`);
        }
        // §5.1: a server MUST close on an unmasked frame, a client on a masked one.
        if (masked !== this.options.expectMasked) {
            throw this.options.expectMasked
                ? new WsError("ERR_WS_UNMASKED_FRAME", "A client sent an unmasked frame (RFC 6455 §5.1)")
                : new WsError("ERR_WS_MASKED_FRAME", "A server sent a masked frame (RFC 6455 §5.1)");
        }
        if (control) {
            if (!fin)
                throw new WsError("ERR_WS_FRAGMENTED_CONTROL", "A fragmented control frame (RFC 6455 §5.5)");
        }
        else if (opcode === Opcode.Continuation) {
            if (this.messageOpcode === 0)
                throw new WsError("ERR_WS_BAD_CONTINUATION", "A continuation frame with no message begun (RFC 6455 §5.4)");
        }
        else if (this.messageOpcode !== 0) {
            throw new WsError("ERR_WS_BAD_CONTINUATION", "A new message before the last one's final fragment (RFC 6455 §5.4)");
        }
        let length = b1 & 0x7f;
        const lengthSize = length === 126 ? 2 : length === 127 ? 8 : 0;
        const size = 2 + lengthSize + (masked ? 4 : 0);
        if (end - at < size)
            return 0;
        if (length === 126) {
            length = b.readUInt16BE(at + 2);
        }
        else if (length === 127) {
            const high = b.readUInt32BE(at + 2);
            // §5.2: "the most significant bit MUST be 0".
            if (high & 0x80000000)
                throw new WsError("ERR_WS_BAD_LENGTH", "A 64-bit payload length with its most significant bit set (RFC 6455 §5.2)");
            // Past 2^53 this is not exact, but it is then far over HARD_LIMIT, which is all we ask.
            length = high * 0x100000000 + b.readUInt32BE(at + 6);
        }
        if (control) {
            if (length > CONTROL_MAX)
                throw new WsError("ERR_WS_CONTROL_TOO_LONG", `A control frame of ${length} bytes; at most ${CONTROL_MAX} (RFC 6455 §5.5)`);
        }
        else if (this.messageLength + length > this.limit) {
            // §7.4.1: 1009, "a message that is too big for it to process".
            const limit = this.limit === this.options.maxMessage ? `the limit of ${this.limit} bytes` : `the most this reader takes (${this.limit} bytes)`;
            throw new WsError("ERR_WS_TOO_LARGE", `A message of at least ${this.messageLength + length} bytes, over ${limit}`, 1009);
        }
        this.opcode = opcode;
        this.fin = fin;
        this.masked = masked;
        this.key = masked ? b.readUInt32BE(at + size - 4) : 0;
        this.offset = 0;
        this.remaining = length;
        if (control)
            this.control = Buffer.allocUnsafe(length);
        else if (opcode !== Opcode.Continuation)
            this.messageOpcode = opcode;
        return size;
    }
    /** `length` payload bytes of the current frame, at `at` in `chunk`. */
    payload(chunk, at, length) {
        const piece = chunk.subarray(at, at + length);
        const key = this.masked ? rotateKey(this.key, this.offset) : 0;
        if (this.control !== null) {
            if (this.masked)
                maskInto(this.control, this.offset, piece, key);
            else
                this.control.set(piece, this.offset);
        }
        else {
            this.parts.push(piece);
            this.keys.push(key);
            this.messageLength += length;
        }
        this.offset += length;
    }
    /** The current frame's payload is all in. */
    frameDone() {
        this.remaining = -1;
        const control = this.control;
        if (control !== null) {
            this.control = null;
            if (this.opcode === Opcode.Ping)
                this.handler.ping(control);
            else if (this.opcode === Opcode.Pong)
                this.handler.pong(control);
            else
                this.closeFrame(control);
            return;
        }
        if (!this.fin)
            return;
        const opcode = this.messageOpcode;
        const data = this.joined();
        this.messageOpcode = 0;
        this.parts.length = 0;
        this.keys.length = 0;
        this.messageLength = 0;
        this.handler.message(opcode, data);
    }
    /** The message's pieces as one Buffer, unmasked: copied once (or not at all, see above). */
    joined() {
        const parts = this.parts;
        const keys = this.keys;
        if (parts.length === 0)
            return Buffer.alloc(0);
        if (!this.options.expectMasked)
            return parts.length === 1 ? parts[0] : Buffer.concat(parts, this.messageLength);
        const out = Buffer.allocUnsafe(this.messageLength);
        let at = 0;
        for (let i = 0; i < parts.length; i++) {
            maskInto(out, at, parts[i], keys[i]);
            at += parts[i].length;
        }
        return out;
    }
    /** §5.5.1: an optional 2-byte status, then an optional UTF-8 reason. */
    closeFrame(body) {
        this.done = true;
        if (body.length === 0) {
            this.handler.close(null, "");
            return;
        }
        if (body.length === 1)
            throw new WsError("ERR_WS_BAD_CLOSE_CODE", "A close frame with a 1-byte body: a status is 2 bytes (RFC 6455 §5.5.1)");
        const code = body.readUInt16BE(0);
        if (!validCloseCode(code))
            throw new WsError("ERR_WS_BAD_CLOSE_CODE", `Close status ${code} may not be sent (RFC 6455 §7.4)`);
        let reason;
        try {
            reason = utf8.decode(body.subarray(2));
        }
        catch {
            // §8.1 fails the connection on invalid UTF-8; §7.4.1 gives 1007 for data inconsistent with its type.
            throw new WsError("ERR_WS_BAD_UTF8", "A close reason that is not UTF-8 (RFC 6455 §5.5.1, §8.1)", 1007);
        }
        this.handler.close(code, reason);
    }
}
