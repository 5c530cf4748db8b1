/**
 * XSalsa20-Poly1305 (NaCl crypto_secretbox) as a WebAssembly module written by wasm-emit.ts at
 * load time: the bytes are built in memory by `secretboxModuleBytes()` on first use and compiled
 * synchronously (wasm-box.ts). There is no build step and no .wasm file.
 *
 * Why: in JavaScript, Salsa20 and Poly1305 run at ~150 MB/s and dominate a CURVE socket's CPU
 * time. Here Salsa20 runs four blocks at once in SIMD lanes (≈1.5 GB/s) and Poly1305 multiplies
 * in 64 bits, two blocks at once (≈2.8 GB/s).
 *
 * - Salsa20/20 (Bernstein, "The Salsa20 family of stream ciphers", §4 quarterround, §9 expansion):
 *   `xor4` keeps word i of four consecutive blocks (counters c..c+3) in the four i32x4 lanes of
 *   vector i, so each quarter-round step is five vector instructions for four blocks (SIMD has no
 *   rotate: shl, shr_u, or). At the end a 4×4 transpose per group of four words turns lanes back
 *   into blocks, as libsodium's SSE2 code (salsa20/xmm6int/u4.h) does. `block1` is the scalar
 *   form (i32.rotl) for a last block, and `hsalsa` the HSalsa20 of the XSalsa20 subkey
 *   ("Extending the Salsa20 nonce", §2: words 0, 5, 10, 15, 6..9, no feed-forward).
 * - Poly1305 (RFC 8439 §2.5) comes from poly1305-wasm.ts: poly1305-donna's five 26-bit limbs
 *   with i64 products, two blocks at a time in i64x2 lanes for runs of four blocks or more.
 * - NaCl's secretbox: keystream block 0's first 32 bytes are the Poly1305 key r‖s, the message is
 *   XORed with the keystream from byte 32, the tag authenticates the ciphertext. `seal`/`open`
 *   get this with one stream call: the message sits 32 bytes after a 64-byte-aligned buffer
 *   start whose first 32 bytes are zeroed, so XORing the keystream from block 0 over buffer start
 *   .. end leaves r‖s in those 32 bytes and the ciphertext (or plaintext) after them.
 *
 * Memory (one page, never grown): the layout constants below. Buffers have SLACK bytes after
 * their capacity because `stream` writes whole blocks (a 4-block batch for a tail longer than
 * one block) and `polyBlocks` pads the last partial block in place.
 */
import { poly2, polyBlocks, polyFinish, polyInit } from "./poly1305-wasm.js";
import { Func, I32, MEMORY_FILL, ModuleBuilder, Op, Simd, V128 } from "./wasm-emit.js";
export const KEY = 0; // 32-byte secretbox key
export const NONCE = 32; // 24-byte nonce
export const SUBKEY = 64; // XSalsa20 subkey, HSalsa20(KEY, NONCE[0..16])
export const TAG = 96; // the tag written by seal, or the received tag for open/verify
export const TAG2 = 112; // the tag computed by open
// 128..256 and 384..424: Poly1305's state (poly1305-wasm.ts)
export const KS = 256; // 64 (+slack) bytes for a lone keystream block
/** Message bytes a buffer holds per chunk; the first chunk holds CHUNK - 32 (after r‖s). */
export const CHUNK = 16384;
const SLACK = 512;
export const BUF_A = 1024;
export const BUF_B = BUF_A + CHUNK + SLACK;
const PAGES = 1;
if (BUF_B + CHUNK + SLACK > PAGES * 65536)
    throw new Error("secretbox-wasm: layout exceeds memory");
// "expand 32-byte k" (Salsa20 paper §9), the four diagonal words.
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];
/**
 * The column round then the row round (Salsa20 paper §3-§5), as quarterround index tuples
 * (y0, y1, y2, y3): y1 ^= (y0 + y3) <<< 7, y2 ^= (y1 + y0) <<< 9, y3 ^= (y2 + y1) <<< 13,
 * y0 ^= (y3 + y2) <<< 18.
 */
const DOUBLE_ROUND = [
    [0, 4, 8, 12], [5, 9, 13, 1], [10, 14, 2, 6], [15, 3, 7, 11],
    [0, 1, 2, 3], [5, 6, 7, 4], [10, 11, 8, 9], [15, 12, 13, 14],
];
/**
 * Ten double rounds over locals `x`: i32 in a loop (`counter` counts it), or i32x4 (`tmp` holds
 * the sum being rotated) unrolled, which measured ~10% faster. (Interleaving Poly1305 blocks into
 * the unrolled rounds, so that the scalar multiplier and the vector units overlap, measured no
 * faster, so the two run one after the other.)
 */
function rounds(f, x, simd, counter, tmp = -1) {
    const step = (b, a, d, k) => {
        f.get(x[b]).get(x[a]).get(x[d]);
        if (simd) {
            f.simd(Simd.i32x4Add).tee(tmp).i32(k).simd(Simd.i32x4Shl).get(tmp).i32(32 - k).simd(Simd.i32x4ShrU).simd(Simd.v128Or);
            f.simd(Simd.v128Xor).set(x[b]);
        }
        else {
            f.op(Op.i32Add).i32(k).op(Op.i32Rotl).op(Op.i32Xor).set(x[b]);
        }
    };
    const doubleRound = () => {
        for (const [y0, y1, y2, y3] of DOUBLE_ROUND) {
            step(y1, y0, y3, 7);
            step(y2, y1, y0, 9);
            step(y3, y2, y1, 13);
            step(y0, y3, y2, 18);
        }
    };
    if (simd) {
        for (let i = 0; i < 10; i++)
            doubleRound();
        return;
    }
    f.i32(10).set(counter);
    f.loop();
    doubleRound();
    f.get(counter).i32(1).op(Op.i32Sub).tee(counter).brIf(0);
    f.end();
}
/**
 * Pushes initial state word `w` as an i32 (Salsa20 paper §9, 32-byte key): σ on the diagonal,
 * the key at `keyAt` in words 1-4 and 11-14, `input(i)` pushing input word i in words 6-9.
 */
function stateWord(f, w, keyAt, input) {
    if (w % 5 === 0)
        f.i32(SIGMA[w / 5]);
    else if (w >= 1 && w <= 4)
        f.i32(0).mem(Op.i32Load, keyAt + 4 * (w - 1), 2);
    else if (w >= 11 && w <= 14)
        f.i32(0).mem(Op.i32Load, keyAt + 16 + 4 * (w - 11), 2);
    else
        input(w - 6);
}
/** Stream input words: the nonce's last 8 bytes (words 6, 7), then the 64-bit block counter. */
function streamInput(f, ctr) {
    return i => {
        if (i < 2)
            f.i32(0).mem(Op.i32Load, NONCE + 16 + 4 * i, 2);
        else if (i === 2)
            f.get(ctr);
        else
            f.i32(0); // counter high word: messages stay far below 2^32 blocks
    };
}
/** hsalsa(): SUBKEY = HSalsa20(KEY, NONCE[0..16]). */
function hsalsa() {
    const f = new Func("hsalsa", []);
    const x = Array.from({ length: 16 }, () => f.local(I32));
    const i = f.local(I32);
    const input = (k) => f.i32(0).mem(Op.i32Load, NONCE + 4 * k, 2);
    for (let w = 0; w < 16; w++) {
        stateWord(f, w, KEY, input);
        f.set(x[w]);
    }
    rounds(f, x, false, i);
    [0, 5, 10, 15, 6, 7, 8, 9].forEach((w, k) => f.i32(0).get(x[w]).mem(Op.i32Store, SUBKEY + 4 * k, 2));
    return f;
}
/** block1(src, dst, ctr): dst[0..64] = src[0..64] XOR Salsa20(SUBKEY, nonce, block ctr). */
function block1() {
    const f = new Func("block1", [I32, I32, I32]);
    const [src, dst, ctr] = [0, 1, 2];
    const x = Array.from({ length: 16 }, () => f.local(I32));
    const i = f.local(I32);
    const input = streamInput(f, ctr);
    for (let w = 0; w < 16; w++) {
        stateWord(f, w, SUBKEY, input);
        f.set(x[w]);
    }
    rounds(f, x, false, i);
    for (let w = 0; w < 16; w++) {
        f.get(dst).get(src).mem(Op.i32Load, 4 * w).get(x[w]);
        stateWord(f, w, SUBKEY, input); // the feed-forward, reloaded rather than kept live
        f.op(Op.i32Add, Op.i32Xor).mem(Op.i32Store, 4 * w);
    }
    return f;
}
/**
 * Emits dst[0..256] = src[0..256] XOR keystream blocks ctr..ctr+3 (locals src, dst, ctr), one
 * block per lane.
 */
function emitXor4(f, src, dst, ctr) {
    const x = Array.from({ length: 16 }, () => f.local(V128));
    const tmp = f.local(V128);
    const t = Array.from({ length: 4 }, () => f.local(V128));
    // Word w for all four lanes: a splat, except the counter word (c, c+1, c+2, c+3).
    const vecWord = (w) => {
        if (w === 8)
            f.get(ctr).simd(Simd.i32x4Splat).v128I32([0, 1, 2, 3]).simd(Simd.i32x4Add);
        else {
            stateWord(f, w, SUBKEY, streamInput(f, ctr));
            f.simd(Simd.i32x4Splat);
        }
    };
    for (let w = 0; w < 16; w++) {
        vecWord(w);
        f.set(x[w]);
    }
    rounds(f, x, true, -1, tmp);
    for (let g = 0; g < 4; g++) {
        const v = [0, 1, 2, 3].map(k => x[4 * g + k]);
        for (let k = 0; k < 4; k++) {
            f.get(v[k]);
            vecWord(4 * g + k); // the feed-forward, rebuilt rather than kept live
            f.simd(Simd.i32x4Add).set(v[k]);
        }
        // Transpose words 4g..4g+3 of the four blocks: (a, b, c, d) lanes → block rows.
        f.get(v[0]).get(v[1]).shuffle32([0, 4, 1, 5]).set(t[0]); // a0 b0 a1 b1
        f.get(v[2]).get(v[3]).shuffle32([0, 4, 1, 5]).set(t[1]); // c0 d0 c1 d1
        f.get(v[0]).get(v[1]).shuffle32([2, 6, 3, 7]).set(t[2]); // a2 b2 a3 b3
        f.get(v[2]).get(v[3]).shuffle32([2, 6, 3, 7]).set(t[3]); // c2 d2 c3 d3
        const rows = [
            [t[0], t[1], [0, 1, 4, 5]], // block 0: a0 b0 c0 d0
            [t[0], t[1], [2, 3, 6, 7]], // block 1
            [t[2], t[3], [0, 1, 4, 5]], // block 2
            [t[2], t[3], [2, 3, 6, 7]], // block 3
        ];
        rows.forEach(([p, q, lanes], b) => {
            const at = 64 * b + 16 * g;
            f.get(dst).get(src).v128Load(at).get(p).get(q).shuffle32(lanes).simd(Simd.v128Xor).v128Store(at);
        });
    }
}
/** xor4(src, dst, ctr): dst[0..256] = src[0..256] XOR blocks ctr..ctr+3. */
function xor4() {
    const f = new Func("xor4", [I32, I32, I32]);
    emitXor4(f, 0, 1, 2);
    return f;
}
/**
 * stream(src, dst, len, ctr): XORs the keystream from block `ctr` over len bytes, 256 at a time,
 * then a last batch of four (more than 64 bytes left) or one block: whole blocks are written.
 */
function stream(xor4Index, block1Index) {
    const f = new Func("stream", [I32, I32, I32, I32]);
    const [src, dst, len, ctr] = [0, 1, 2, 3];
    const advance = () => {
        for (const p of [src, dst])
            f.get(p).i32(256).op(Op.i32Add).set(p);
        f.get(len).i32(256).op(Op.i32Sub).set(len);
        f.get(ctr).i32(4).op(Op.i32Add).set(ctr);
    };
    f.block().loop();
    f.get(len).i32(256).op(Op.i32LtU).brIf(1);
    f.get(src).get(dst).get(ctr).call(xor4Index);
    advance();
    f.br(0).end().end();
    f.get(len).i32(64).op(Op.i32GtU).if();
    f.get(src).get(dst).get(ctr).call(xor4Index);
    f.else().get(len).if().get(src).get(dst).get(ctr).call(block1Index).end();
    f.end();
    return f;
}
/** verify(): 1 when TAG and TAG2 are equal, compared without a data-dependent branch. */
function verify() {
    const f = new Func("verify", [], [I32]);
    for (const k of [0, 8])
        f.i32(0).mem(Op.i64Load, TAG + k).i32(0).mem(Op.i64Load, TAG2 + k).op(Op.i64Xor);
    f.op(Op.i64Or, Op.i64Eqz);
    return f;
}
/** The module: the functions above, and seal(len) / open(len) over one buffered chunk. */
export function secretboxModuleBytes() {
    const m = new ModuleBuilder(PAGES);
    const ix = {
        hsalsa: m.add(hsalsa()),
        block1: m.add(block1()),
        xor4: m.add(xor4()),
        stream: -1,
        polyInit: m.add(polyInit()),
        poly2: m.add(poly2()),
        polyBlocks: -1,
        polyFinish: m.add(polyFinish()),
        verify: m.add(verify()),
    };
    ix.stream = m.add(stream(ix.xor4, ix.block1));
    ix.polyBlocks = m.add(polyBlocks(ix.poly2));
    // seal(len): BUF_A[32..32+len] plaintext → ciphertext, tag at TAG.
    const seal = new Func("seal", [I32]);
    seal.call(ix.hsalsa);
    seal.i32(BUF_A).i32(0).i32(32).op(...MEMORY_FILL);
    seal.i32(BUF_A).i32(BUF_A).get(0).i32(32).op(Op.i32Add).i32(0).call(ix.stream);
    seal.i32(BUF_A).call(ix.polyInit);
    seal.i32(BUF_A + 32).get(0).call(ix.polyBlocks);
    seal.i32(TAG).call(ix.polyFinish);
    m.add(seal);
    // open(len): BUF_A[32..32+len] ciphertext, tag at TAG → 1 and the plaintext at BUF_B[32..], or 0.
    const open = new Func("open", [I32], [I32]);
    open.call(ix.hsalsa);
    open.i32(BUF_A).i32(0).i32(32).op(...MEMORY_FILL);
    open.i32(BUF_A).i32(BUF_B).get(0).i32(32).op(Op.i32Add).i32(0).call(ix.stream);
    open.i32(BUF_B).call(ix.polyInit);
    open.i32(BUF_A + 32).get(0).call(ix.polyBlocks);
    open.i32(TAG2).call(ix.polyFinish);
    open.call(ix.verify);
    m.add(open);
    return m.bytes();
}
