/**
 * Poly1305 (RFC 8439 §2.5; Bernstein, "The Poly1305-AES message-authentication code") for
 * secretbox-wasm.ts's module, in poly1305-donna's 32-bit form: h and r as five 26-bit limbs,
 * each product in an i64 (below 2^56, a row of five below 2^59), 2^130 ≡ 5 (mod 2^130 - 5)
 * folding the high products back as 5·r.
 *
 * The state lives in the module's memory between calls (POLY_*), so a long message can be fed
 * chunk by chunk: polyInit, polyBlocks as often as needed, polyFinish.
 */
import { Func, I32, I64, MEMORY_FILL, Op, Simd, V128 } from "./wasm-emit.js";
const POLY_H = 128; // the accumulator h, five i64 limbs
const POLY_R = 168; // clamped r, five i64 limbs
const POLY_PAD = 208; // s, the 16 bytes added at the end
const POLY_R2 = 384; // r² mod 2^130-5, five i64 limbs, for the two-lane loop
const M26 = 0x3ffffff;
/** polyInit(key): r = clamp(key[0..16]) as 26-bit limbs (poly1305-donna), s = key[16..32], h = 0. */
export function polyInit() {
    const f = new Func("polyInit", [I32]);
    const key = 0;
    // r &= 0x0ffffffc0ffffffc0ffffffc0fffffff, folded into each limb's mask.
    const limbs = [[0, 0, 0x3ffffff], [3, 2, 0x3ffff03], [6, 4, 0x3ffc0ff], [9, 6, 0x3f03fff], [12, 8, 0x00fffff]];
    limbs.forEach(([at, shift, mask], k) => {
        f.i32(0).get(key).mem(Op.i64Load32U, at).i64(shift).op(Op.i64ShrU).i64(mask).op(Op.i64And).mem(Op.i64Store, POLY_R + 8 * k, 3);
        f.i32(0).i64(0).mem(Op.i64Store, POLY_H + 8 * k, 3);
    });
    for (const k of [0, 8])
        f.i32(0).get(key).mem(Op.i64Load, 16 + k).mem(Op.i64Store, POLY_PAD + k, 3);
    // r² for poly2: h = r, then h·r.
    const poly = new PolyState(f);
    poly.load();
    for (let k = 0; k < 5; k++)
        f.get(poly.r[k]).set(poly.h[k]);
    poly.mul();
    poly.store(POLY_R2);
    return f;
}
/** Poly1305's working state in i64 locals of one function: h, r, s[k] = 5·r[k], products, carry. */
class PolyState {
    f;
    h;
    r;
    s;
    d;
    c;
    constructor(f) {
        this.f = f;
        const five = () => [0, 1, 2, 3, 4].map(() => f.local(I64));
        this.h = five();
        this.r = five();
        this.s = five(); // s[0] unused
        this.d = five();
        this.c = f.local(I64);
    }
    load() {
        for (let k = 0; k < 5; k++) {
            this.f.i32(0).mem(Op.i64Load, POLY_H + 8 * k, 3).set(this.h[k]);
            this.f.i32(0).mem(Op.i64Load, POLY_R + 8 * k, 3).tee(this.r[k]).i64(5).op(Op.i64Mul).set(this.s[k]);
        }
    }
    store(at = POLY_H) {
        for (let k = 0; k < 5; k++)
            this.f.i32(0).get(this.h[k]).mem(Op.i64Store, at + 8 * k, 3);
    }
    /**
     * One 16-byte block at local `p` + `offset`: h = (h + m + hibit·2^128)·r mod 2^130-5.
     * `hibit()` pushes the i64 added to limb 4: 2^24 (the 2^128 bit) for a whole block, 0 for a
     * padded last one (RFC 8439 §2.5.1).
     */
    block(p, offset, hibit) {
        const { f, h, r, s, d, c } = this;
        // h += m (five 26-bit limbs from overlapping little-endian loads, as poly1305-donna)
        const parts = [[0, 0, true], [3, 2, true], [6, 4, true], [9, 6, true], [12, 8, false]];
        parts.forEach(([at, shift, masked], k) => {
            f.get(h[k]).get(p).mem(Op.i64Load32U, offset + at).i64(shift).op(Op.i64ShrU);
            if (masked)
                f.i64(M26).op(Op.i64And);
            else {
                hibit();
                f.op(Op.i64Or);
            }
            f.op(Op.i64Add).set(h[k]);
        });
        this.mul();
    }
    /** h = h·r mod 2^130-5, limbs carried back to 26 bits (h1 may keep a few bits more). */
    mul() {
        const { f, h, r, s, d, c } = this;
        // d = h·r mod 2^130-5: d[i] = Σ h[j]·r[i-j] for j ≤ i, + Σ h[j]·5r[5+i-j] for j > i.
        for (let i = 0; i < 5; i++) {
            for (let j = 0; j < 5; j++) {
                f.get(h[j]).get(j <= i ? r[i - j] : s[5 + i - j]).op(Op.i64Mul);
                if (j > 0)
                    f.op(Op.i64Add);
            }
            f.set(d[i]);
        }
        // Carry back to 26-bit limbs; the carry out of limb 4 re-enters limb 0 times 5.
        for (let i = 0; i < 5; i++) {
            if (i > 0)
                f.get(d[i]).get(c).op(Op.i64Add).set(d[i]);
            f.get(d[i]).i64(26).op(Op.i64ShrU).set(c);
            f.get(d[i]).i64(M26).op(Op.i64And).set(h[i]);
        }
        f.get(h[0]).get(c).i64(5).op(Op.i64Mul).op(Op.i64Add).tee(h[0]);
        f.i64(26).op(Op.i64ShrU).get(h[1]).op(Op.i64Add).set(h[1]);
        f.get(h[0]).i64(M26).op(Op.i64And).set(h[0]);
    }
}
/**
 * polyBlocks(m, len): absorbs len bytes at m into h. All but the last call of a message pass a
 * multiple of 16. A last partial block is padded in place with 1 then zeros (RFC 8439 §2.5.1:
 * the "1" byte after the data, no 2^128 bit) and absorbed.
 */
export function polyBlocks(poly2Index) {
    const f = new Func("polyBlocks", [I32, I32]);
    const [p, len] = [0, 1];
    const poly = new PolyState(f);
    const hibit = f.local(I64);
    const end = f.local(I32);
    const pairs = f.local(I32);
    // Pairs of whole blocks in two lanes (poly2) while there are at least four blocks.
    f.get(len).i32(64).op(Op.i32GeU).if();
    f.get(p).get(len).i32(5).op(Op.i32ShrU).tee(pairs).call(poly2Index);
    f.get(p).get(pairs).i32(5).op(Op.i32Shl).op(Op.i32Add).set(p);
    f.get(len).i32(31).op(Op.i32And).set(len);
    f.end();
    poly.load();
    f.get(p).get(len).i32(-16).op(Op.i32And).op(Op.i32Add).set(end);
    f.i64(1 << 24).set(hibit);
    f.block().loop();
    {
        f.get(p).get(end).op(Op.i32GeU).if();
        // Out of whole blocks: stop, or pad the partial one and take it with no 2^128 bit.
        f.get(len).i32(15).op(Op.i32And).op(Op.i32Eqz).brIf(2);
        f.get(p).get(len).i32(15).op(Op.i32And).op(Op.i32Add).i32(1).mem(Op.i32Store8);
        f.get(p).get(len).i32(15).op(Op.i32And).op(Op.i32Add).i32(1).op(Op.i32Add);
        f.i32(0).i32(15).get(len).i32(15).op(Op.i32And).op(Op.i32Sub).op(...MEMORY_FILL);
        f.i64(0).set(hibit);
        f.get(end).i32(16).op(Op.i32Add).set(end);
        f.get(len).i32(-16).op(Op.i32And).set(len);
        f.end();
        poly.block(p, 0, () => f.get(hibit));
        f.get(p).i32(16).op(Op.i32Add).set(p);
        f.br(0);
    }
    f.end().end();
    poly.store();
    return f;
}
/** polyFinish(out): out[0..16] = (h mod 2^130-5) + s mod 2^128 (RFC 8439 §2.5.1, last steps). */
export function polyFinish() {
    const f = new Func("polyFinish", [I32]);
    const out = 0;
    const h = [0, 1, 2, 3, 4].map(() => f.local(I64));
    const g = [0, 1, 2, 3, 4].map(() => f.local(I64));
    const c = f.local(I64);
    const mask = f.local(I64);
    for (let k = 0; k < 5; k++)
        f.i32(0).mem(Op.i64Load, POLY_H + 8 * k, 3).set(h[k]);
    // Full carry: h1 → h2 → h3 → h4 → (×5) h0 → h1.
    for (const k of [1, 2, 3, 4, 0]) {
        if (k !== 1)
            f.get(h[k]).get(c).op(...(k === 0 ? [Op.i64Const, 5, Op.i64Mul] : []), Op.i64Add).set(h[k]);
        f.get(h[k]).i64(26).op(Op.i64ShrU).set(c);
        f.get(h[k]).i64(M26).op(Op.i64And).set(h[k]);
    }
    f.get(h[1]).get(c).op(Op.i64Add).set(h[1]);
    // g = h + 5 - 2^130; g4's top bit says whether that borrowed (h < p): keep h then, else g.
    f.get(h[0]).i64(5).op(Op.i64Add).set(g[0]);
    for (let k = 0; k < 5; k++) {
        if (k > 0)
            f.get(h[k]).get(c).op(Op.i64Add).set(g[k]);
        if (k < 4) {
            f.get(g[k]).i64(26).op(Op.i64ShrU).set(c);
            f.get(g[k]).i64(M26).op(Op.i64And).set(g[k]);
        }
    }
    f.get(g[4]).i64(1 << 26).op(Op.i64Sub).tee(g[4]).i64(63).op(Op.i64ShrU).i64(1).op(Op.i64Sub).set(mask);
    for (let k = 0; k < 5; k++) {
        f.get(h[k]).get(mask).i64(-1).op(Op.i64Xor).op(Op.i64And);
        f.get(g[k]).get(mask).op(Op.i64And).op(Op.i64Or).set(h[k]);
    }
    // h mod 2^128 as four 32-bit words, plus s with carries.
    const word = (k) => {
        const lo = [0, 6, 12, 18][k];
        f.get(h[k]).i64(lo).op(Op.i64ShrU).get(h[k + 1]).i64(26 - lo).op(Op.i64Shl).op(Op.i64Or).i64(0xffffffff).op(Op.i64And);
    };
    f.i64(0).set(c);
    for (let k = 0; k < 4; k++) {
        word(k);
        f.i32(0).mem(Op.i64Load32U, POLY_PAD + 4 * k, 2).op(Op.i64Add).get(c).i64(32).op(Op.i64ShrU).op(Op.i64Add).set(c);
        f.get(out).get(c).mem(Op.i64Store32, 4 * k);
    }
    return f;
}
/**
 * poly2(m, pairs): absorbs pairs·32 bytes of whole blocks (pairs ≥ 1) into h, two blocks at a
 * time in the two i64x2 lanes: lane A takes the odd-numbered blocks (1st, 3rd, …) and starts from
 * h, lane B the even-numbered ones from 0; each step is lane = lane·r² + block, and the last step
 * multiplies A by r² and B by r, so that A + B = h·r^n + Σ block_i·r^(n-i+1), the serial result
 * (the two-way split of Bernstein's paper §4 and of the SSE2 Poly1305s). Products are
 * i64x2.extmul_low_i32x4_u: limbs packed as 32-bit lanes (below 2^27), two 64-bit products at once.
 */
export function poly2() {
    const f = new Func("poly2", [I32, I32]);
    const [p, pairs] = [0, 1];
    const five = (t) => [0, 1, 2, 3, 4].map(() => f.local(t));
    const H = five(V128); // h, as i64x2 [lane A, lane B]
    const P = five(V128); // h packed as i32x4 [A, B, A, B] for the multiply
    const R = five(V128); // the multiplier's limbs as i32x4 (r² in both lanes; r² and r at the end)
    const S = five(V128); // 5·R
    const D = five(V128);
    const [C, T0, T1, A, B, mask, hibit] = [0, 1, 2, 3, 4, 5, 6].map(() => f.local(V128));
    const h = five(I64);
    const c = f.local(I64);
    f.i64(M26).simd(Simd.i64x2Splat).set(mask);
    f.i64(1 << 24).simd(Simd.i64x2Splat).set(hibit);
    for (let k = 0; k < 5; k++) {
        f.i64(0).simd(Simd.i64x2Splat).i32(0).mem(Op.i64Load, POLY_H + 8 * k, 3).simd(Simd.i64x2ReplaceLane, 0).set(H[k]);
        f.i32(0).mem(Op.i32Load, POLY_R2 + 8 * k, 2).simd(Simd.i32x4Splat).set(R[k]);
        f.i32(0).mem(Op.i32Load, POLY_R2 + 8 * k, 2).i32(5).op(Op.i32Mul).simd(Simd.i32x4Splat).set(S[k]);
    }
    const shr = (v, n) => f.get(v).i32(n).simd(Simd.i64x2ShrU);
    const and = () => f.get(mask).simd(Simd.v128And);
    const add = (target) => f.get(target).simd(Simd.i64x2Add).set(target);
    const step = () => {
        f.get(p).v128Load(0).set(A);
        f.get(p).v128Load(16).set(B);
        f.get(A).get(B).shuffle32([0, 1, 4, 5]).set(T0); // low 64 bits of both blocks
        f.get(A).get(B).shuffle32([2, 3, 6, 7]).set(T1); // high 64 bits
        // The blocks' 26-bit limbs, each with its 2^128 bit on limb 4, added to h.
        f.get(T0);
        and();
        add(H[0]);
        shr(T0, 26);
        and();
        add(H[1]);
        shr(T0, 52).get(T1).i32(12).simd(Simd.i64x2Shl).simd(Simd.v128Or);
        and();
        add(H[2]);
        shr(T1, 14);
        and();
        add(H[3]);
        shr(T1, 40).get(hibit).simd(Simd.v128Or);
        add(H[4]);
        for (let k = 0; k < 5; k++)
            f.get(H[k]).get(H[k]).shuffle32([0, 2, 0, 2]).set(P[k]);
        // D = H·R mod 2^130-5, as the scalar form (PolyState.mul) but two lanes at a time.
        for (let i = 0; i < 5; i++) {
            for (let j = 0; j < 5; j++) {
                f.get(P[j]).get(j <= i ? R[i - j] : S[5 + i - j]).simd(Simd.i64x2ExtmulLowI32x4U);
                if (j > 0)
                    f.simd(Simd.i64x2Add);
            }
            f.set(D[i]);
        }
        for (let i = 0; i < 5; i++) {
            if (i > 0)
                f.get(D[i]).get(C).simd(Simd.i64x2Add).set(D[i]);
            shr(D[i], 26).set(C);
            f.get(D[i]);
            and();
            f.set(H[i]);
        }
        // H0 += 5·C, then one more carry into H1.
        f.get(H[0]).get(C).get(C).i32(2).simd(Simd.i64x2Shl).simd(Simd.i64x2Add).simd(Simd.i64x2Add).set(H[0]);
        shr(H[0], 26);
        add(H[1]);
        f.get(H[0]);
        and();
        f.set(H[0]);
        f.get(p).i32(32).op(Op.i32Add).set(p);
    };
    f.block().loop();
    f.get(pairs).i32(1).op(Op.i32Sub).tee(pairs).op(Op.i32Eqz).brIf(1);
    step();
    f.br(0).end().end();
    // The last pair: lane B's multiplier becomes r (lanes 1 and 3 of R, S).
    for (let k = 0; k < 5; k++) {
        for (const lane of [1, 3]) {
            f.get(R[k]).i32(0).mem(Op.i32Load, POLY_R + 8 * k, 2).simd(Simd.i32x4ReplaceLane, lane).set(R[k]);
            f.get(S[k]).i32(0).mem(Op.i32Load, POLY_R + 8 * k, 2).i32(5).op(Op.i32Mul).simd(Simd.i32x4ReplaceLane, lane).set(S[k]);
        }
    }
    step();
    // h = lane A + lane B, carried back to 26-bit limbs.
    for (let k = 0; k < 5; k++) {
        f.get(H[k]).simd(Simd.i64x2ExtractLane, 0).get(H[k]).simd(Simd.i64x2ExtractLane, 1).op(Op.i64Add);
        if (k > 0)
            f.get(c).op(Op.i64Add);
        f.tee(h[k]).i64(26).op(Op.i64ShrU).set(c);
        f.get(h[k]).i64(M26).op(Op.i64And).set(h[k]);
    }
    f.get(h[0]).get(c).i64(5).op(Op.i64Mul).op(Op.i64Add).tee(h[0]);
    f.i64(26).op(Op.i64ShrU).get(h[1]).op(Op.i64Add).set(h[1]);
    f.get(h[0]).i64(M26).op(Op.i64And).set(h[0]);
    for (let k = 0; k < 5; k++)
        f.i32(0).get(h[k]).mem(Op.i64Store, POLY_H + 8 * k, 3);
    return f;
}
