/**
 * NaCl's crypto_secretbox (XSalsa20-Poly1305) and crypto_box (X25519 + HSalsa20 + secretbox) in
 * the "easy" wire format tweetnacl and libzmq put on the wire: a box is the 16-byte Poly1305 tag
 * followed by the ciphertext, 16 bytes longer than the plaintext (NaCl's ZEROBYTES/BOXZEROBYTES
 * padding stripped).
 *
 *   secretbox(m, n, k):  (s0 ‖ s1 ‖ …) = XSalsa20 keystream of (k, n)
 *                        r‖s = first 32 bytes of it; c = m XOR keystream[32..]
 *                        box = Poly1305(c, r‖s) ‖ c
 *   box(m, n, pk, sk):   secretbox(m, n, HSalsa20(X25519(sk, pk), 0^16))
 *
 * X25519 comes from node:crypto (OpenSSL); XSalsa20, HSalsa20 and Poly1305 are ours: a
 * WebAssembly module with SIMD (secretbox-wasm.ts, run by wasm-box.ts) where the host has it, the
 * TypeScript of salsa20.ts and poly1305.ts otherwise. Both give the same bytes. Opening checks the
 * tag in constant time before any plaintext reaches the caller, and answers null when the box
 * does not authenticate.
 */
import { Buffer } from "node:buffer";
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, timingSafeEqual } from "node:crypto";
import { ZmtpError } from "../../wire/errors.js";
import { poly1305Into } from "./poly1305.js";
import { checkLength, hsalsa20, keyWords, nonceWord, salsa20XorWords, xsalsa20Subkey } from "./salsa20.js";
import { wasmBox } from "./wasm-box.js";
export { setWasmCrypto } from "./wasm-box.js";
export const SECRETBOX_KEY_BYTES = 32;
export const NONCE_BYTES = 24;
/** Bytes a box adds to its plaintext: the Poly1305 tag. */
export const TAG_BYTES = 16;
export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 32;
/** A 32-byte key split into little-endian words once, for keys used for many boxes. */
export class PreparedKey {
    words;
    constructor(key) {
        checkLength("key", key, 32);
        this.words = keyWords(key);
    }
}
export function prepareKey(key) {
    return new PreparedKey(key);
}
const block0 = new Uint8Array(64);
const tagScratch = new Uint8Array(16);
function wordsOf(key) {
    return key instanceof PreparedKey ? key.words : keyWords(key);
}
function subkeyOf(key, nonce, nonceOffset) {
    return xsalsa20Subkey(wordsOf(key), nonceOffset === 0 ? nonce : nonce.subarray(nonceOffset, nonceOffset + 24));
}
/** Which implementation seals and opens now: "wasm" or "js" (see wasm-box.ts). */
export function secretboxBackend() {
    return wasmBox() ? "wasm" : "js";
}
/**
 * Seals in place: the plaintext is at `buf[at + 16 .. at + 16 + length]`; it is encrypted there
 * and its tag written to `buf[at .. at + 16]`. `nonce[nonceOffset..+24]` is the 24-byte nonce.
 */
export function secretboxSealInPlace(buf, at, length, nonce, key, nonceOffset = 0) {
    const wasm = wasmBox();
    if (wasm)
        return wasm.sealInPlace(buf, at, length, nonce, nonceOffset, wordsOf(key));
    const sub = subkeyOf(key, nonce, nonceOffset);
    const n0 = nonceWord(nonce, nonceOffset + 16);
    const n1 = nonceWord(nonce, nonceOffset + 20);
    const start = at + TAG_BYTES;
    // Block 0: bytes 0..31 are the Poly1305 key, 32..63 encrypt the first 32 message bytes.
    salsa20XorWords(sub, n0, n1, null, 0, block0, 0, 64);
    const first = Math.min(32, length);
    for (let i = 0; i < first; i++)
        buf[start + i] ^= block0[32 + i];
    if (length > 32)
        salsa20XorWords(sub, n0, n1, buf, start + 32, buf, start + 32, length - 32, 64);
    poly1305Into(buf, at, buf, start, length, block0, 0);
}
/**
 * Opens `box[at .. at + 16 + length]` (tag ‖ ciphertext of `length` bytes) into
 * `out[outPos .. outPos + length]` (which may be the ciphertext itself). Returns false, writing
 * nothing, when the tag does not verify.
 */
export function secretboxOpenTo(box, at, length, nonce, key, out, outPos, nonceOffset = 0) {
    const wasm = wasmBox();
    if (wasm)
        return wasm.openTo(box, at, length, nonce, nonceOffset, wordsOf(key), out, outPos);
    const sub = subkeyOf(key, nonce, nonceOffset);
    const n0 = nonceWord(nonce, nonceOffset + 16);
    const n1 = nonceWord(nonce, nonceOffset + 20);
    const start = at + TAG_BYTES;
    salsa20XorWords(sub, n0, n1, null, 0, block0, 0, 64);
    poly1305Into(tagScratch, 0, box, start, length, block0, 0);
    if (!timingSafeEqual(tagScratch, box.subarray(at, at + TAG_BYTES)))
        return false;
    const first = Math.min(32, length);
    for (let i = 0; i < first; i++)
        out[outPos + i] = box[start + i] ^ block0[32 + i];
    if (length > 32)
        salsa20XorWords(sub, n0, n1, box, start + 32, out, outPos + 32, length - 32, 64);
    return true;
}
/**
 * Seals the byte `first` followed by `data` (CURVE's MESSAGE flags and frame) into
 * `out[at .. at + 17 + data.length]`: tag, then ciphertext. The WebAssembly path copies `data`
 * straight into its memory instead of into `out` first.
 */
export function secretboxSealByteAndData(first, data, out, at, nonce, key, nonceOffset = 0) {
    const wasm = wasmBox();
    if (wasm)
        return wasm.sealByteAndData(first, data, out, at, nonce, nonceOffset, wordsOf(key));
    out[at + TAG_BYTES] = first;
    out.set(data, at + TAG_BYTES + 1);
    secretboxSealInPlace(out, at, 1 + data.length, nonce, key, nonceOffset);
}
/**
 * secretboxOpenTo into `out`, a buffer the caller has just allocated and drops when this answers
 * false: a long box may then be authenticated and decrypted in one pass (WebAssembly path), with
 * a forged box's partial plaintext left only in that dropped buffer.
 */
export function secretboxOpenToFresh(box, at, length, nonce, key, out) {
    const wasm = wasmBox();
    if (wasm)
        return wasm.openTo(box, at, length, nonce, 0, wordsOf(key), out, 0, true);
    return secretboxOpenTo(box, at, length, nonce, key, out, 0);
}
/** crypto_secretbox: tag ‖ ciphertext, 16 bytes longer than `message`. */
export function secretbox(message, nonce, key) {
    checkLength("nonce", nonce, NONCE_BYTES);
    if (!(key instanceof PreparedKey))
        checkLength("key", key, SECRETBOX_KEY_BYTES);
    const out = Buffer.allocUnsafe(TAG_BYTES + message.length);
    out.set(message, TAG_BYTES);
    secretboxSealInPlace(out, 0, message.length, nonce, key);
    return out;
}
/** crypto_secretbox_open: the plaintext, or null when `box` is forged, truncated or not ours. */
export function secretboxOpen(box, nonce, key) {
    checkLength("nonce", nonce, NONCE_BYTES);
    if (!(key instanceof PreparedKey))
        checkLength("key", key, SECRETBOX_KEY_BYTES);
    if (box.length < TAG_BYTES)
        return null;
    const out = Buffer.allocUnsafe(box.length - TAG_BYTES);
    return secretboxOpenTo(box, 0, out.length, nonce, key, out, 0) ? out : null;
}
// ---- X25519 (node:crypto) -------------------------------------------------------------------
/**
 * DER prefixes that turn a raw 32-byte X25519 key into PKCS#8 / SPKI (RFC 8410): the key bytes
 * follow directly.
 */
const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_X25519_PREFIX = Buffer.from("302a300506032b656e032100", "hex");
/**
 * Importing a PKCS#8 key costs OpenSSL ~0.5 ms, so long-term secret keys are imported once per
 * key buffer (a WeakMap on the caller's Uint8Array, checked against a private copy of its bytes,
 * so a buffer reused for another key is imported again).
 */
const privateKeys = new WeakMap();
export function privateKeyObject(secretKey) {
    checkLength("secret key", secretKey, SECRET_KEY_BYTES);
    const hit = privateKeys.get(secretKey);
    if (hit && timingSafeEqual(hit.bytes, secretKey))
        return hit.key;
    const key = createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, secretKey]), format: "der", type: "pkcs8" });
    privateKeys.set(secretKey, { bytes: Buffer.from(secretKey), key });
    return key;
}
export function publicKeyObject(publicKey) {
    checkLength("public key", publicKey, PUBLIC_KEY_BYTES);
    return createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, publicKey]), format: "der", type: "spki" });
}
function rawPublicKey(key) {
    const der = createPublicKey(key).export({ format: "der", type: "spki" });
    return Buffer.from(der.subarray(der.length - 32));
}
/**
 * crypto_scalarmult (X25519, RFC 7748): the shared point of secret scalar `secretKey` and public
 * `publicKey`. Throws ERR_ZMTP_CRYPTOGRAPHIC for a low-order public key (all-zero result), which
 * OpenSSL refuses, as libsodium does.
 */
export function scalarMult(secretKey, publicKey) {
    const privateKey = secretKey instanceof Uint8Array ? privateKeyObject(secretKey) : secretKey;
    const pub = publicKey instanceof Uint8Array ? publicKeyObject(publicKey) : publicKey;
    try {
        return diffieHellman({ privateKey, publicKey: pub });
    }
    catch (e) {
        throw new ZmtpError("ERR_ZMTP_CRYPTOGRAPHIC", `X25519 key agreement failed (weak public key?): ${e.message}`);
    }
}
/** crypto_scalarmult_base: the public key of a 32-byte secret key. */
export function scalarMultBase(secretKey) {
    return rawPublicKey(privateKeyObject(secretKey));
}
/** crypto_box_keypair: a fresh random X25519 key pair. */
export function boxKeyPair() {
    const { privateKey, publicKey } = generateKeyPairSync("x25519");
    const jwk = privateKey.export({ format: "jwk" });
    const pub = publicKey.export({ format: "der", type: "spki" });
    return {
        publicKey: Buffer.from(pub.subarray(pub.length - 32)),
        secretKey: Buffer.from(jwk.d, "base64url"),
        privateKey,
    };
}
const ZERO16 = new Uint8Array(16);
/** crypto_box_beforenm: the shared secretbox key HSalsa20(X25519(sk, pk), 0^16). */
export function boxBeforenm(publicKey, secretKey) {
    const shared = scalarMult(secretKey, publicKey);
    const k = Buffer.from(hsalsa20(ZERO16, shared));
    shared.fill(0);
    return k;
}
/** crypto_box_afternm is crypto_secretbox under the precomputed key. */
export const boxAfternm = secretbox;
export const boxOpenAfternm = secretboxOpen;
/** crypto_box: tag ‖ ciphertext of `message` from the owner of `secretKey` to `publicKey`. */
export function box(message, nonce, publicKey, secretKey) {
    return secretbox(message, nonce, boxBeforenm(publicKey, secretKey));
}
/** crypto_box_open: the plaintext, or null when the box does not authenticate. */
export function boxOpen(sealed, nonce, publicKey, secretKey) {
    return secretboxOpen(sealed, nonce, boxBeforenm(publicKey, secretKey));
}
