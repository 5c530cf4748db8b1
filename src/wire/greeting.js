/**
 * The 64-byte ZMTP greeting (23/ZMTP and 37/ZMTP "Formal Grammar"):
 *
 *   offset  0      signature  FF
 *   offset  1..8   padding    (not significant; we send zeros)
 *   offset  9      signature  7F   (bit 0 set: "a versioned ZMTP follows")
 *   offset 10      major      03
 *   offset 11      minor      01   (00 from a 3.0 peer)
 *   offset 12..31  mechanism  ASCII, NUL-padded to 20 bytes
 *   offset 32      as-server  00 | 01
 *   offset 33..63  filler     zeros
 */
import { Buffer } from "node:buffer";
import { ZmtpError } from "./errors.js";
export const GREETING_SIZE = 64;
export const MECHANISM_SIZE = 20;
export const ZMTP_MAJOR = 3;
export const ZMTP_MINOR = 1;
const MECHANISM_CHARS = /^[A-Z0-9_.+-]{1,20}$/;
export function encodeGreeting(mechanism, asServer, minor = ZMTP_MINOR) {
    if (!MECHANISM_CHARS.test(mechanism)) {
        throw new TypeError(`Invalid ZMTP mechanism name: ${JSON.stringify(mechanism)}`);
    }
    const out = Buffer.alloc(GREETING_SIZE);
    out[0] = 0xff;
    // Padding stays zero: we do not play the ZMTP 1.0 "identity length" trick libzmq plays here.
    out[9] = 0x7f;
    out[10] = ZMTP_MAJOR;
    out[11] = minor;
    out.write(mechanism, 12, "latin1");
    out[32] = asServer ? 1 : 0;
    return out;
}
/**
 * Looks at however many greeting bytes have arrived so far and refuses an older or non-ZMTP peer as
 * early as libzmq's own decision tree can tell (37/ZMTP "Backwards Interoperability"):
 * - byte 0 not FF: ZMTP 1.0 (unversioned), or not ZMTP at all;
 * - byte 9 with bit 0 clear: ZMTP 1.0 with a long identity;
 * - major below 3: ZMTP 1.0 revision 0, or ZMTP 2.0 (15/ZMTP).
 * Returns silently when nothing is wrong yet.
 */
export function checkGreetingPrefix(bytes, length) {
    if (length >= 1 && bytes[0] !== 0xff) {
        throw new ZmtpError("ERR_ZMTP_BAD_SIGNATURE", "Peer did not send a ZMTP signature (ZMTP 1.0 peer, or not ZMTP)");
    }
    if (length >= 10 && (bytes[9] & 0x01) === 0) {
        throw new ZmtpError("ERR_ZMTP_UNSUPPORTED_VERSION", "Peer speaks ZMTP 1.0, which is not supported (ZMTP 3.0 or later is required)");
    }
    if (length >= 11 && bytes[10] < ZMTP_MAJOR) {
        const version = bytes[10] === 1 ? "ZMTP 2.0" : "ZMTP 1.0";
        throw new ZmtpError("ERR_ZMTP_UNSUPPORTED_VERSION", `Peer speaks ${version}, which is not supported (ZMTP 3.0 or later is required)`);
    }
}
/** Parses a complete 64-byte greeting. Throws ZmtpError for anything that is not ZMTP 3.x. */
export function parseGreeting(bytes) {
    if (bytes.length < GREETING_SIZE) {
        throw new ZmtpError("ERR_ZMTP_UNSPECIFIED", `Greeting is ${bytes.length} bytes; 64 are required`);
    }
    checkGreetingPrefix(bytes, GREETING_SIZE);
    let end = 12;
    while (end < 12 + MECHANISM_SIZE && bytes[end] !== 0)
        end++;
    const mechanism = Buffer.from(bytes.buffer, bytes.byteOffset + 12, end - 12).toString("latin1");
    return {
        major: bytes[10],
        minor: bytes[11],
        mechanism,
        asServer: bytes[32] === 1,
    };
}
/**
 * 37/ZMTP: the mechanism must match exactly (all 20 bytes). libzmq compares with memcmp; a peer
 * with a different mechanism is refused with MECHANISM_MISMATCH and no ERROR command.
 */
export function checkMechanism(local, peerGreeting) {
    const expected = Buffer.alloc(MECHANISM_SIZE);
    expected.write(local, 0, "latin1");
    const got = Buffer.from(peerGreeting.buffer, peerGreeting.byteOffset + 12, MECHANISM_SIZE);
    if (!expected.equals(got)) {
        const name = got.toString("latin1").replace(/\0+$/, "");
        throw new ZmtpError("ERR_ZMTP_MECHANISM_MISMATCH", `Security mechanism mismatch: we use ${local}, peer uses ${JSON.stringify(name)}`);
    }
}
