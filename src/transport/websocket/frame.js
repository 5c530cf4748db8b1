/**
 * WebSocket frames (RFC 6455 §5.2):
 *
 *   byte 0: FIN (0x80), RSV1-3 (0x70), opcode (0x0f)
 *   byte 1: MASK (0x80), payload length 0-125, or 126 + 2 bytes, or 127 + 8 bytes
 *   then a 4-byte masking key when MASK is set, then the payload, XORed with the key when masked.
 *
 * §5.2: "the minimal number of bytes MUST be used to encode the length", so the form follows from
 * the length alone (libzmq's ws_encoder.cpp chooses the same way). A client masks every frame it
 * sends, a server none (§5.1). Masking here always writes into the new frame: the caller's bytes
 * are never touched (libzmq's client masks a message in place when it is not shared; a zmtp
 * caller may still hold, or be sending elsewhere, the very Buffer it passed).
 */
import { Buffer } from "node:buffer";
import { maskInto, packKey, rotateKey } from "./mask.js";
export const Opcode = { Continuation: 0, Text: 1, Binary: 2, Close: 8, Ping: 9, Pong: 10 };
/** Header size for a payload of `length` bytes, with or without a masking key. */
function headerSize(length, masked) {
    return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}
function check(opcode, length, mask) {
    // Our own mistakes, not a peer's: a bad frame must never reach the wire.
    if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15)
        throw new RangeError(`WebSocket opcode ${opcode} is not 0-15`);
    if (!Number.isSafeInteger(length) || length < 0)
        throw new RangeError(`WebSocket payload length ${length}`);
    if (mask !== null && mask.length !== 4)
        throw new RangeError(`A WebSocket masking key is 4 bytes, not ${mask.length}`);
}
function writeHeader(out, opcode, length, mask, fin) {
    out[0] = (fin ? 0x80 : 0) | opcode;
    const maskBit = mask ? 0x80 : 0;
    let at;
    if (length < 126) {
        out[1] = maskBit | length;
        at = 2;
    }
    else if (length < 0x10000) {
        out[1] = maskBit | 126;
        out.writeUInt16BE(length, 2);
        at = 4;
    }
    else {
        // §5.2: 64 bits, most significant bit 0 (a safe integer is below 2^53, so it is).
        out[1] = maskBit | 127;
        out.writeUInt32BE(Math.floor(length / 0x100000000), 2);
        out.writeUInt32BE(length >>> 0, 6);
        at = 10;
    }
    if (mask) {
        out.set(mask, at);
        at += 4;
    }
    return at;
}
/**
 * A frame header alone, for a payload of `length` bytes sent right after it as it is: the
 * server's fast path (no mask, so no copy of the body). With a mask, the caller must mask the
 * payload itself (maskInto in mask.ts).
 */
export function encodeFrameHeader(opcode, length, mask, fin = true) {
    check(opcode, length, mask);
    const out = Buffer.allocUnsafe(headerSize(length, mask !== null));
    writeHeader(out, opcode, length, mask, fin);
    return out;
}
/**
 * One whole frame in one new Buffer. A payload given in pieces is joined (so a flags byte and a
 * body need no concatenation first), and masked on the way when a mask is given.
 */
export function encodeFrame(opcode, payload, mask, fin = true) {
    const parts = payload instanceof Uint8Array ? [payload] : payload;
    let length = 0;
    for (const p of parts)
        length += p.length;
    check(opcode, length, mask);
    const out = Buffer.allocUnsafe(headerSize(length, mask !== null) + length);
    let at = writeHeader(out, opcode, length, mask, fin);
    const key = mask ? packKey(mask) : 0;
    let offset = 0;
    for (const p of parts) {
        if (mask)
            maskInto(out, at, p, rotateKey(key, offset));
        else
            out.set(p, at);
        at += p.length;
        offset += p.length;
    }
    return out;
}
/**
 * A fresh masking key. §5.3: "unpredictable ... derived from a strong source of entropy", so that
 * a page's script cannot choose the bytes an intermediary sees. Web Crypto is in Node 20 and in
 * every browser.
 */
export function randomMask() {
    return globalThis.crypto.getRandomValues(new Uint8Array(4));
}
