/**
 * CURVE's building blocks (26/CURVE, libzmq curve_mechanism_base): command sizes and nonce
 * prefixes, long and short nonces, boxes sealed and opened, the 64-bit nonce counter, and the
 * MESSAGE codec that boxes every frame after the handshake. curve.ts runs the handshake with them.
 */
import { Buffer } from "node:buffer";
import { ZmtpError } from "../wire/errors.js";
import { PreparedKey, secretboxOpenTo, secretboxOpenToFresh, secretboxSealByteAndData, secretboxSealInPlace, TAG_BYTES } from "./crypto/nacl.js";
import { INNER_COMMAND, INNER_MORE } from "./mechanism.js";
/** Whole command bodies (name-length byte included), as libzmq checks them. */
export const HELLO_SIZE = 200;
export const WELCOME_SIZE = 168;
export const INITIATE_MIN_SIZE = 257;
export const READY_MIN_SIZE = 30;
export const MESSAGE_MIN_SIZE = 33;
export const HELLO_PADDING = 72;
export const COOKIE_SIZE = 96;
export const VOUCH_BOX_SIZE = TAG_BYTES + 64;
const prefix = (s) => Buffer.from(s, "latin1");
export const HELLO_PREFIX = prefix("CurveZMQHELLO---");
export const WELCOME_PREFIX = prefix("WELCOME-");
export const COOKIE_PREFIX = prefix("COOKIE--");
export const INITIATE_PREFIX = prefix("CurveZMQINITIATE");
export const VOUCH_PREFIX = prefix("VOUCH---");
export const READY_PREFIX = prefix("CurveZMQREADY---");
export const MESSAGE_C_PREFIX = prefix("CurveZMQMESSAGEC");
export const MESSAGE_S_PREFIX = prefix("CurveZMQMESSAGES");
export const MESSAGE_NAME = prefix("\x07MESSAGE");
export function longNonce(p, random16) {
    return Buffer.concat([p, random16]);
}
export function shortNonce(p, short) {
    return Buffer.concat([p, short]);
}
export function seal(plaintext, nonce, key) {
    const out = Buffer.allocUnsafe(TAG_BYTES + plaintext.length);
    out.set(plaintext, TAG_BYTES);
    secretboxSealInPlace(out, 0, plaintext.length, nonce, key);
    return out;
}
/** Opens `sealed` or throws `code` (ERR_ZMTP_CRYPTOGRAPHIC unless said otherwise). */
export function open(sealed, nonce, key, what, code = "ERR_ZMTP_CRYPTOGRAPHIC") {
    const out = Buffer.allocUnsafe(Math.max(0, sealed.length - TAG_BYTES));
    if (sealed.length < TAG_BYTES || !secretboxOpenTo(sealed, 0, out.length, nonce, key, out, 0)) {
        throw new ZmtpError(code, `CURVE ${what} box does not open (forged, or encrypted for someone else)`);
    }
    return out;
}
export function prepared(k) {
    const p = new PreparedKey(k);
    k.fill(0);
    return p;
}
export function readU32(b, at) {
    return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}
/**
 * A 64-bit short nonce as two 32-bit halves (a Number would lose precision above 2^53, and a
 * peer chooses what it sends).
 */
export class Counter {
    hi = 0;
    lo = 0;
    constructor(start = 0) {
        this.lo = start;
    }
    write(out, at) {
        const hi = this.hi;
        const lo = this.lo;
        out[at] = hi >>> 24;
        out[at + 1] = hi >>> 16;
        out[at + 2] = hi >>> 8;
        out[at + 3] = hi;
        out[at + 4] = lo >>> 24;
        out[at + 5] = lo >>> 16;
        out[at + 6] = lo >>> 8;
        out[at + 7] = lo;
    }
    bytes() {
        const b = Buffer.allocUnsafe(8);
        this.write(b, 0);
        return b;
    }
    next() {
        this.lo = (this.lo + 1) >>> 0;
        if (this.lo === 0)
            this.hi = (this.hi + 1) >>> 0;
    }
    /** Takes the first nonce received (HELLO, READY) as it is: any value is acceptable. */
    set(bytes, at) {
        this.hi = readU32(bytes, at);
        this.lo = readU32(bytes, at + 4);
    }
    /** Throws ERR_ZMTP_INVALID_SEQUENCE unless `bytes[at..at+8]` is above the last nonce received. */
    check(bytes, at, what) {
        const hi = readU32(bytes, at);
        const lo = readU32(bytes, at + 4);
        if (hi < this.hi || (hi === this.hi && lo <= this.lo)) {
            throw new ZmtpError("ERR_ZMTP_INVALID_SEQUENCE", `CURVE ${what} short nonce ${hi * 2 ** 32 + lo} is not above the last one received (${this.hi * 2 ** 32 + this.lo}): replayed or reordered`);
        }
    }
}
/**
 * Traffic after the handshake: MESSAGE boxes under the C'/S' key, our short nonces counting on
 * from the handshake's, the peer's strictly increasing.
 */
export class MessageCodec {
    key;
    ours;
    theirs;
    sendNonce = Buffer.allocUnsafe(24);
    recvNonce = Buffer.allocUnsafe(24);
    constructor(key, sendPrefix, recvPrefix, ours, theirs) {
        this.key = key;
        this.ours = ours;
        this.theirs = theirs;
        sendPrefix.copy(this.sendNonce, 0);
        recvPrefix.copy(this.recvNonce, 0);
    }
    encode(flags, data) {
        const length = 1 + data.length;
        const body = Buffer.allocUnsafe(16 + TAG_BYTES + length);
        MESSAGE_NAME.copy(body, 0);
        this.ours.write(body, 8);
        this.ours.next();
        body.copy(this.sendNonce, 16, 8, 16);
        // Flags and frame go into the box without a stop in `body` (see secretboxSealByteAndData).
        secretboxSealByteAndData(flags & (INNER_MORE | INNER_COMMAND), data, body, 16, this.sendNonce, this.key);
        return body;
    }
    decode(body) {
        if (body.length < 8 || !body.subarray(0, 8).equals(MESSAGE_NAME)) {
            throw new ZmtpError("ERR_ZMTP_UNEXPECTED_COMMAND", "CURVE traffic frame that is not a MESSAGE command");
        }
        if (body.length < MESSAGE_MIN_SIZE) {
            throw new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND_MESSAGE", `CURVE MESSAGE of ${body.length} bytes (at least ${MESSAGE_MIN_SIZE})`);
        }
        // Check the order first (cheap), but only advance once the box proved authentic.
        this.theirs.check(body, 8, "MESSAGE");
        body.copy(this.recvNonce, 16, 8, 16);
        const length = body.length - 32;
        const plain = Buffer.allocUnsafe(length);
        // `plain` is ours and dropped on failure: a long box opens in one pass.
        if (!secretboxOpenToFresh(body, 16, length, this.recvNonce, this.key, plain)) {
            throw new ZmtpError("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE MESSAGE box does not open (forged or corrupted)");
        }
        this.theirs.set(body, 8);
        return { flags: plain[0] & (INNER_MORE | INNER_COMMAND), data: plain.subarray(1) };
    }
}
