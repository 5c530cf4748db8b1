/**
 * Poly1305 (Bernstein, "The Poly1305-AES message-authentication code"; RFC 8439 §2.5), one-shot,
 * as NaCl's crypto_onetimeauth_poly1305.
 *
 * The 130-bit accumulator h and the clamped key half r are held as ten 13-bit limbs (limb i has
 * weight 2^(13·i)), in local variables. A limb product is below 2^30 and a row of ten below 2^34:
 * exact in a double, so the multiply needs no BigInt and no 64-bit emulation. Reduction uses
 * 2^130 ≡ 5 (mod 2^130 - 5): a product landing at limb 10 + j is folded back into limb j times 5.
 */
const tail = new Uint8Array(16);
/**
 * Writes the 16-byte tag of `m[mPos..mPos+length]` under the 32-byte one-time key
 * `key[keyPos..keyPos+32]` (r ‖ s) to `out[outPos..outPos+16]`.
 */
export function poly1305Into(out, outPos, m, mPos, length, key, keyPos = 0) {
    let t0 = key[keyPos] | (key[keyPos + 1] << 8);
    let t1 = key[keyPos + 2] | (key[keyPos + 3] << 8);
    let t2 = key[keyPos + 4] | (key[keyPos + 5] << 8);
    let t3 = key[keyPos + 6] | (key[keyPos + 7] << 8);
    let t4 = key[keyPos + 8] | (key[keyPos + 9] << 8);
    let t5 = key[keyPos + 10] | (key[keyPos + 11] << 8);
    let t6 = key[keyPos + 12] | (key[keyPos + 13] << 8);
    let t7 = key[keyPos + 14] | (key[keyPos + 15] << 8);
    // r, clamped (r &= 0x0ffffffc0ffffffc0ffffffc0fffffff) while it is split into limbs.
    const r0 = t0 & 0x1fff;
    const r1 = ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
    const r2 = ((t1 >>> 10) | (t2 << 6)) & 0x1f03;
    const r3 = ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
    const r4 = ((t3 >>> 4) | (t4 << 12)) & 0x00ff;
    const r5 = (t4 >>> 1) & 0x1ffe;
    const r6 = ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
    const r7 = ((t5 >>> 11) | (t6 << 5)) & 0x1f81;
    const r8 = ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
    const r9 = (t7 >>> 5) & 0x007f;
    const s1 = 5 * r1, s2 = 5 * r2, s3 = 5 * r3, s4 = 5 * r4, s5 = 5 * r5;
    const s6 = 5 * r6, s7 = 5 * r7, s8 = 5 * r8, s9 = 5 * r9;
    let h0 = 0, h1 = 0, h2 = 0, h3 = 0, h4 = 0, h5 = 0, h6 = 0, h7 = 0, h8 = 0, h9 = 0;
    let d0, d1, d2, d3, d4;
    let d5, d6, d7, d8, d9;
    let c;
    let src = m;
    let p = mPos;
    let left = length;
    while (left > 0) {
        // A full block gets the 2^128 bit (limb 9, bit 11); the last partial block is padded with
        // a 1 byte and zeros instead.
        let hibit = 1 << 11;
        if (left < 16) {
            tail.fill(0);
            tail.set(m.subarray(p, p + left));
            tail[left] = 1;
            src = tail;
            p = 0;
            left = 16;
            hibit = 0;
        }
        t0 = src[p] | (src[p + 1] << 8);
        t1 = src[p + 2] | (src[p + 3] << 8);
        t2 = src[p + 4] | (src[p + 5] << 8);
        t3 = src[p + 6] | (src[p + 7] << 8);
        t4 = src[p + 8] | (src[p + 9] << 8);
        t5 = src[p + 10] | (src[p + 11] << 8);
        t6 = src[p + 12] | (src[p + 13] << 8);
        t7 = src[p + 14] | (src[p + 15] << 8);
        h0 += t0 & 0x1fff;
        h1 += ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
        h2 += ((t1 >>> 10) | (t2 << 6)) & 0x1fff;
        h3 += ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
        h4 += ((t3 >>> 4) | (t4 << 12)) & 0x1fff;
        h5 += (t4 >>> 1) & 0x1fff;
        h6 += ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
        h7 += ((t5 >>> 11) | (t6 << 5)) & 0x1fff;
        h8 += ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
        h9 += (t7 >>> 5) | hibit;
        // h *= r (mod 2^130 - 5)
        d0 = h0 * r0 + h1 * s9 + h2 * s8 + h3 * s7 + h4 * s6 + h5 * s5 + h6 * s4 + h7 * s3 + h8 * s2 + h9 * s1;
        d1 = h0 * r1 + h1 * r0 + h2 * s9 + h3 * s8 + h4 * s7 + h5 * s6 + h6 * s5 + h7 * s4 + h8 * s3 + h9 * s2;
        d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s9 + h4 * s8 + h5 * s7 + h6 * s6 + h7 * s5 + h8 * s4 + h9 * s3;
        d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s9 + h5 * s8 + h6 * s7 + h7 * s6 + h8 * s5 + h9 * s4;
        d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * s9 + h6 * s8 + h7 * s7 + h8 * s6 + h9 * s5;
        d5 = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0 + h6 * s9 + h7 * s8 + h8 * s7 + h9 * s6;
        d6 = h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2 + h5 * r1 + h6 * r0 + h7 * s9 + h8 * s8 + h9 * s7;
        d7 = h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3 + h5 * r2 + h6 * r1 + h7 * r0 + h8 * s9 + h9 * s8;
        d8 = h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4 + h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * s9;
        d9 = h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5 + h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
        // Carry, 13 bits a limb. With h limbs below 2^14 (2^13 after the last carry plus a message
        // limb) and r clamped, only row 0 (nine terms times 5) can reach 2^32 (at most ~1.09·2^32),
        // so its carry is an exact float division; the other rows stay below 2^32 and use `>>> 13`
        // (twice as fast). `& 0x1fff` keeps the low bits exactly either way (ToInt32 is mod 2^32).
        c = (d0 / 8192) | 0;
        h0 = d0 & 0x1fff;
        d1 += c;
        c = d1 >>> 13;
        h1 = d1 & 0x1fff;
        d2 += c;
        c = d2 >>> 13;
        h2 = d2 & 0x1fff;
        d3 += c;
        c = d3 >>> 13;
        h3 = d3 & 0x1fff;
        d4 += c;
        c = d4 >>> 13;
        h4 = d4 & 0x1fff;
        d5 += c;
        c = d5 >>> 13;
        h5 = d5 & 0x1fff;
        d6 += c;
        c = d6 >>> 13;
        h6 = d6 & 0x1fff;
        d7 += c;
        c = d7 >>> 13;
        h7 = d7 & 0x1fff;
        d8 += c;
        c = d8 >>> 13;
        h8 = d8 & 0x1fff;
        d9 += c;
        c = d9 >>> 13;
        h9 = d9 & 0x1fff;
        c = c * 5 + h0;
        h0 = c & 0x1fff;
        h1 += c >>> 13;
        p += 16;
        left -= 16;
    }
    // Full carry.
    c = h1 >>> 13;
    h1 &= 0x1fff;
    h2 += c;
    c = h2 >>> 13;
    h2 &= 0x1fff;
    h3 += c;
    c = h3 >>> 13;
    h3 &= 0x1fff;
    h4 += c;
    c = h4 >>> 13;
    h4 &= 0x1fff;
    h5 += c;
    c = h5 >>> 13;
    h5 &= 0x1fff;
    h6 += c;
    c = h6 >>> 13;
    h6 &= 0x1fff;
    h7 += c;
    c = h7 >>> 13;
    h7 &= 0x1fff;
    h8 += c;
    c = h8 >>> 13;
    h8 &= 0x1fff;
    h9 += c;
    c = h9 >>> 13;
    h9 &= 0x1fff;
    h0 += c * 5;
    c = h0 >>> 13;
    h0 &= 0x1fff;
    h1 += c;
    c = h1 >>> 13;
    h1 &= 0x1fff;
    h2 += c;
    // g = h + 5 - 2^130; keep g when that did not borrow (h >= p), in constant time.
    let g0 = h0 + 5;
    c = g0 >>> 13;
    g0 &= 0x1fff;
    let g1 = h1 + c;
    c = g1 >>> 13;
    g1 &= 0x1fff;
    let g2 = h2 + c;
    c = g2 >>> 13;
    g2 &= 0x1fff;
    let g3 = h3 + c;
    c = g3 >>> 13;
    g3 &= 0x1fff;
    let g4 = h4 + c;
    c = g4 >>> 13;
    g4 &= 0x1fff;
    let g5 = h5 + c;
    c = g5 >>> 13;
    g5 &= 0x1fff;
    let g6 = h6 + c;
    c = g6 >>> 13;
    g6 &= 0x1fff;
    let g7 = h7 + c;
    c = g7 >>> 13;
    g7 &= 0x1fff;
    let g8 = h8 + c;
    c = g8 >>> 13;
    g8 &= 0x1fff;
    let g9 = h9 + c;
    c = g9 >>> 13;
    g9 &= 0x1fff;
    const mask = -c;
    const keep = ~mask;
    h0 = (h0 & keep) | (g0 & mask);
    h1 = (h1 & keep) | (g1 & mask);
    h2 = (h2 & keep) | (g2 & mask);
    h3 = (h3 & keep) | (g3 & mask);
    h4 = (h4 & keep) | (g4 & mask);
    h5 = (h5 & keep) | (g5 & mask);
    h6 = (h6 & keep) | (g6 & mask);
    h7 = (h7 & keep) | (g7 & mask);
    h8 = (h8 & keep) | (g8 & mask);
    h9 = (h9 & keep) | (g9 & mask);
    // h mod 2^128 as eight 16-bit words, plus s (key bytes 16..31), mod 2^128.
    const w0 = (h0 | (h1 << 13)) & 0xffff;
    const w1 = ((h1 >>> 3) | (h2 << 10)) & 0xffff;
    const w2 = ((h2 >>> 6) | (h3 << 7)) & 0xffff;
    const w3 = ((h3 >>> 9) | (h4 << 4)) & 0xffff;
    const w4 = ((h4 >>> 12) | (h5 << 1) | (h6 << 14)) & 0xffff;
    const w5 = ((h6 >>> 2) | (h7 << 11)) & 0xffff;
    const w6 = ((h7 >>> 5) | (h8 << 8)) & 0xffff;
    const w7 = ((h8 >>> 8) | (h9 << 5)) & 0xffff;
    const k = keyPos + 16;
    let f = 0;
    f = w0 + (key[k] | (key[k + 1] << 8));
    out[outPos] = f;
    out[outPos + 1] = f >>> 8;
    f = w1 + (key[k + 2] | (key[k + 3] << 8)) + (f >>> 16);
    out[outPos + 2] = f;
    out[outPos + 3] = f >>> 8;
    f = w2 + (key[k + 4] | (key[k + 5] << 8)) + (f >>> 16);
    out[outPos + 4] = f;
    out[outPos + 5] = f >>> 8;
    f = w3 + (key[k + 6] | (key[k + 7] << 8)) + (f >>> 16);
    out[outPos + 6] = f;
    out[outPos + 7] = f >>> 8;
    f = w4 + (key[k + 8] | (key[k + 9] << 8)) + (f >>> 16);
    out[outPos + 8] = f;
    out[outPos + 9] = f >>> 8;
    f = w5 + (key[k + 10] | (key[k + 11] << 8)) + (f >>> 16);
    out[outPos + 10] = f;
    out[outPos + 11] = f >>> 8;
    f = w6 + (key[k + 12] | (key[k + 13] << 8)) + (f >>> 16);
    out[outPos + 12] = f;
    out[outPos + 13] = f >>> 8;
    f = w7 + (key[k + 14] | (key[k + 15] << 8)) + (f >>> 16);
    out[outPos + 14] = f;
    out[outPos + 15] = f >>> 8;
}
/** crypto_onetimeauth_poly1305: the 16-byte tag of `message` under the 32-byte one-time `key`. */
export function poly1305(message, key) {
    if (key.length !== 32)
        throw new RangeError(`Poly1305 key must be 32 bytes, got ${key.length}`);
    const out = new Uint8Array(16);
    poly1305Into(out, 0, message, 0, message.length, key, 0);
    return out;
}
