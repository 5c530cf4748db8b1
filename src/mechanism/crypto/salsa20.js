/**
 * Salsa20/20 (Bernstein, "The Salsa20 family of stream ciphers"), HSalsa20 and XSalsa20
 * ("Extending the Salsa20 nonce"), as NaCl's crypto_core_salsa20, crypto_core_hsalsa20 and
 * crypto_stream_xsalsa20 define them.
 *
 * The state is sixteen 32-bit little-endian words:
 *
 *   σ0  k0  k1  k2
 *   k3  σ1  n0  n1
 *   c0  c1  σ2  k4
 *   k5  k6  k7  σ3
 *
 * with σ = "expand 32-byte k", k the 32-byte key, n the nonce (8 bytes for the stream, or the
 * first half of a 16-byte input) and c the 64-bit block counter (or the second half of the input).
 * Everything below works on plain numbers held in locals: no allocation in the per-block path.
 */
const SIGMA0 = 0x61707865; // "expa"
const SIGMA1 = 0x3320646e; // "nd 3"
const SIGMA2 = 0x79622d32; // "2-by"
const SIGMA3 = 0x6b206574; // "te k"
function ld32(b, i) {
    return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) | 0;
}
function st32(b, i, v) {
    b[i] = v;
    b[i + 1] = v >>> 8;
    b[i + 2] = v >>> 16;
    b[i + 3] = v >>> 24;
}
/** The key as eight little-endian words. */
export function keyWords(key, offset = 0) {
    const k = new Int32Array(8);
    for (let i = 0; i < 8; i++)
        k[i] = ld32(key, offset + 4 * i);
    return k;
}
/**
 * Twenty rounds over the state built from key `k` and input words `i0..i3`. Writes the sixteen
 * output words to `out`: with `feedForward` (Salsa20) each is added to its input word; without it
 * (HSalsa20) the raw words are kept.
 */
function rounds(out, k, i0, i1, i2, i3, feedForward) {
    const j0 = SIGMA0, j1 = k[0], j2 = k[1], j3 = k[2], j4 = k[3], j5 = SIGMA1, j6 = i0, j7 = i1;
    const j8 = i2, j9 = i3, j10 = SIGMA2, j11 = k[4], j12 = k[5], j13 = k[6], j14 = k[7], j15 = SIGMA3;
    let x0 = j0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = j5, x6 = j6, x7 = j7;
    let x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15;
    let u;
    for (let r = 0; r < 20; r += 2) {
        // Column round.
        u = (x0 + x12) | 0;
        x4 ^= (u << 7) | (u >>> 25);
        u = (x4 + x0) | 0;
        x8 ^= (u << 9) | (u >>> 23);
        u = (x8 + x4) | 0;
        x12 ^= (u << 13) | (u >>> 19);
        u = (x12 + x8) | 0;
        x0 ^= (u << 18) | (u >>> 14);
        u = (x5 + x1) | 0;
        x9 ^= (u << 7) | (u >>> 25);
        u = (x9 + x5) | 0;
        x13 ^= (u << 9) | (u >>> 23);
        u = (x13 + x9) | 0;
        x1 ^= (u << 13) | (u >>> 19);
        u = (x1 + x13) | 0;
        x5 ^= (u << 18) | (u >>> 14);
        u = (x10 + x6) | 0;
        x14 ^= (u << 7) | (u >>> 25);
        u = (x14 + x10) | 0;
        x2 ^= (u << 9) | (u >>> 23);
        u = (x2 + x14) | 0;
        x6 ^= (u << 13) | (u >>> 19);
        u = (x6 + x2) | 0;
        x10 ^= (u << 18) | (u >>> 14);
        u = (x15 + x11) | 0;
        x3 ^= (u << 7) | (u >>> 25);
        u = (x3 + x15) | 0;
        x7 ^= (u << 9) | (u >>> 23);
        u = (x7 + x3) | 0;
        x11 ^= (u << 13) | (u >>> 19);
        u = (x11 + x7) | 0;
        x15 ^= (u << 18) | (u >>> 14);
        // Row round.
        u = (x0 + x3) | 0;
        x1 ^= (u << 7) | (u >>> 25);
        u = (x1 + x0) | 0;
        x2 ^= (u << 9) | (u >>> 23);
        u = (x2 + x1) | 0;
        x3 ^= (u << 13) | (u >>> 19);
        u = (x3 + x2) | 0;
        x0 ^= (u << 18) | (u >>> 14);
        u = (x5 + x4) | 0;
        x6 ^= (u << 7) | (u >>> 25);
        u = (x6 + x5) | 0;
        x7 ^= (u << 9) | (u >>> 23);
        u = (x7 + x6) | 0;
        x4 ^= (u << 13) | (u >>> 19);
        u = (x4 + x7) | 0;
        x5 ^= (u << 18) | (u >>> 14);
        u = (x10 + x9) | 0;
        x11 ^= (u << 7) | (u >>> 25);
        u = (x11 + x10) | 0;
        x8 ^= (u << 9) | (u >>> 23);
        u = (x8 + x11) | 0;
        x9 ^= (u << 13) | (u >>> 19);
        u = (x9 + x8) | 0;
        x10 ^= (u << 18) | (u >>> 14);
        u = (x15 + x14) | 0;
        x12 ^= (u << 7) | (u >>> 25);
        u = (x12 + x15) | 0;
        x13 ^= (u << 9) | (u >>> 23);
        u = (x13 + x12) | 0;
        x14 ^= (u << 13) | (u >>> 19);
        u = (x14 + x13) | 0;
        x15 ^= (u << 18) | (u >>> 14);
    }
    if (feedForward) {
        out[0] = x0 + j0;
        out[1] = x1 + j1;
        out[2] = x2 + j2;
        out[3] = x3 + j3;
        out[4] = x4 + j4;
        out[5] = x5 + j5;
        out[6] = x6 + j6;
        out[7] = x7 + j7;
        out[8] = x8 + j8;
        out[9] = x9 + j9;
        out[10] = x10 + j10;
        out[11] = x11 + j11;
        out[12] = x12 + j12;
        out[13] = x13 + j13;
        out[14] = x14 + j14;
        out[15] = x15 + j15;
    }
    else {
        out[0] = x0;
        out[1] = x1;
        out[2] = x2;
        out[3] = x3;
        out[4] = x4;
        out[5] = x5;
        out[6] = x6;
        out[7] = x7;
        out[8] = x8;
        out[9] = x9;
        out[10] = x10;
        out[11] = x11;
        out[12] = x12;
        out[13] = x13;
        out[14] = x14;
        out[15] = x15;
    }
}
const scratch = new Int32Array(16);
/** crypto_core_salsa20: the 64-byte Salsa20 block for a 16-byte input and 32-byte key. */
export function salsa20Core(input, key) {
    checkLength("input", input, 16);
    checkLength("key", key, 32);
    rounds(scratch, keyWords(key), ld32(input, 0), ld32(input, 4), ld32(input, 8), ld32(input, 12), true);
    const out = new Uint8Array(64);
    for (let i = 0; i < 16; i++)
        st32(out, 4 * i, scratch[i]);
    return out;
}
/**
 * crypto_core_hsalsa20: words 0, 5, 10, 15 (the diagonal) and 6..9 (the input) of the state after
 * twenty rounds, without the feed-forward. Used to derive XSalsa20 subkeys and crypto_box keys.
 */
export function hsalsa20(input, key, inputOffset = 0) {
    checkLength("key", key, 32);
    if (input.length - inputOffset < 16)
        throw new RangeError("HSalsa20 input must be 16 bytes");
    const out = new Uint8Array(32);
    hsalsa20Words(scratch, keyWords(key), input, inputOffset);
    st32(out, 0, scratch[0]);
    st32(out, 4, scratch[5]);
    st32(out, 8, scratch[10]);
    st32(out, 12, scratch[15]);
    st32(out, 16, scratch[6]);
    st32(out, 20, scratch[7]);
    st32(out, 24, scratch[8]);
    st32(out, 28, scratch[9]);
    return out;
}
function hsalsa20Words(out, k, input, at) {
    rounds(out, k, ld32(input, at), ld32(input, at + 4), ld32(input, at + 8), ld32(input, at + 12), false);
}
/** The XSalsa20 subkey for a 24-byte nonce, as eight words: HSalsa20(key, nonce[0..16]). */
export function xsalsa20Subkey(key, nonce) {
    const k = key instanceof Int32Array ? key : keyWords(key);
    hsalsa20Words(scratch, k, nonce, 0);
    const sub = new Int32Array(8);
    sub[0] = scratch[0];
    sub[1] = scratch[5];
    sub[2] = scratch[10];
    sub[3] = scratch[15];
    sub[4] = scratch[6];
    sub[5] = scratch[7];
    sub[6] = scratch[8];
    sub[7] = scratch[9];
    return sub;
}
const block = new Int32Array(16);
/**
 * XORs `length` bytes of Salsa20 keystream (key words `k`, 8-byte nonce words n0/n1) into
 * `out[outPos..]`, reading `input[inPos..]` (input may be out itself, for in-place work), starting
 * `skip` bytes into the keystream. Returns nothing; a counter of 2^64 blocks is never reached.
 */
export function salsa20XorWords(k, n0, n1, input, inPos, out, outPos, length, skip = 0) {
    let counter = Math.floor(skip / 64);
    let offset = skip % 64;
    while (length > 0) {
        rounds(block, k, n0, n1, counter >>> 0, (counter / 0x100000000) >>> 0, true);
        counter++;
        const take = Math.min(64 - offset, length);
        if (offset === 0 && take === 64) {
            // Whole block: one word at a time.
            if (input) {
                for (let w = 0, o = outPos, i = inPos; w < 16; w++, o += 4, i += 4) {
                    const v = block[w];
                    out[o] = input[i] ^ v;
                    out[o + 1] = input[i + 1] ^ (v >>> 8);
                    out[o + 2] = input[i + 2] ^ (v >>> 16);
                    out[o + 3] = input[i + 3] ^ (v >>> 24);
                }
            }
            else {
                for (let w = 0, o = outPos; w < 16; w++, o += 4) {
                    const v = block[w];
                    out[o] = v;
                    out[o + 1] = v >>> 8;
                    out[o + 2] = v >>> 16;
                    out[o + 3] = v >>> 24;
                }
            }
        }
        else {
            for (let b = 0; b < take; b++) {
                const at = offset + b;
                const ks = (block[at >> 2] >>> ((at & 3) * 8)) & 0xff;
                out[outPos + b] = input ? input[inPos + b] ^ ks : ks;
            }
        }
        length -= take;
        outPos += take;
        inPos += take;
        offset = 0;
    }
}
/** crypto_stream_salsa20_xor: message XOR Salsa20(key, 8-byte nonce) from block 0. */
export function salsa20Xor(message, nonce, key) {
    checkLength("nonce", nonce, 8);
    checkLength("key", key, 32);
    const out = new Uint8Array(message.length);
    salsa20XorWords(keyWords(key), ld32(nonce, 0), ld32(nonce, 4), message, 0, out, 0, message.length);
    return out;
}
/** crypto_stream_xsalsa20_xor: message XOR XSalsa20(key, 24-byte nonce). */
export function xsalsa20Xor(message, nonce, key) {
    checkLength("nonce", nonce, 24);
    checkLength("key", key, 32);
    const out = new Uint8Array(message.length);
    salsa20XorWords(xsalsa20Subkey(key, nonce), ld32(nonce, 16), ld32(nonce, 20), message, 0, out, 0, message.length);
    return out;
}
/** crypto_stream_xsalsa20: `length` bytes of XSalsa20 keystream. */
export function xsalsa20Stream(length, nonce, key) {
    checkLength("nonce", nonce, 24);
    checkLength("key", key, 32);
    const out = new Uint8Array(length);
    salsa20XorWords(xsalsa20Subkey(key, nonce), ld32(nonce, 16), ld32(nonce, 20), null, 0, out, 0, length);
    return out;
}
export function nonceWord(nonce, at) {
    return ld32(nonce, at);
}
export function checkLength(what, bytes, length) {
    if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
        throw new RangeError(`${what} must be ${length} bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`);
    }
}
