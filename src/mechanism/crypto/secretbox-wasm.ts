/**
 * XSalsa20-Poly1305 (NaCl crypto_secretbox) as a WebAssembly module written by wasm-emit.ts at
 * load time: the bytes are built in memory by `secretboxModuleBytes()` on first use and compiled
 * synchronously (wasm-box.ts). There is no build step and no .wasm file.
 *
 * Why: in JavaScript, Salsa20 and Poly1305 run at ~150 MB/s and dominate a CURVE socket's CPU
 * time. Here Salsa20 runs four blocks at once in SIMD lanes and Poly1305 multiplies in 64 bits.
 *
 * - Salsa20/20 (Bernstein, "The Salsa20 family of stream ciphers", §4 quarterround, §9 expansion):
 *   `xor4` keeps word i of four consecutive blocks (counters c..c+3) in the four i32x4 lanes of
 *   vector i, so each quarter-round step is five vector instructions for four blocks (SIMD has no
 *   rotate: shl, shr_u, or). At the end a 4×4 transpose per group of four words turns lanes back
 *   into blocks, as libsodium's SSE2 code (salsa20/xmm6int/u4.h) does. `block1` is the scalar
 *   form (i32.rotl) for a last block, and `hsalsa` the HSalsa20 of the XSalsa20 subkey
 *   ("Extending the Salsa20 nonce", §2: words 0, 5, 10, 15, 6..9, no feed-forward).
 * - Poly1305 (RFC 8439 §2.5; Bernstein, "The Poly1305-AES message-authentication code") in
 *   poly1305-donna's 32-bit form: h and r as five 26-bit limbs, each product in an i64 (below
 *   2^56, a row of five below 2^59), 2^130 ≡ 5 folding the high products into 5·r.
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
import {Func, I32, I64, MEMORY_FILL, ModuleBuilder, Op, Simd, V128, type ValType} from "./wasm-emit.js"

export const KEY = 0 // 32-byte secretbox key
export const NONCE = 32 // 24-byte nonce
export const SUBKEY = 64 // XSalsa20 subkey, HSalsa20(KEY, NONCE[0..16])
export const TAG = 96 // the tag written by seal, or the received tag for open/verify
export const TAG2 = 112 // the tag computed by open
const POLY_H = 128 // Poly1305 accumulator, five i64 limbs
const POLY_R = 168 // clamped r, five i64 limbs
const POLY_PAD = 208 // s, the 16 bytes added at the end
export const KS = 256 // 64 (+slack) bytes for a lone keystream block
/** Message bytes a buffer holds per chunk; the first chunk holds CHUNK - 32 (after r‖s). */
export const CHUNK = 16384
const SLACK = 512
export const BUF_A = 1024
export const BUF_B = BUF_A + CHUNK + SLACK
const PAGES = 1
if (BUF_B + CHUNK + SLACK > PAGES * 65536) throw new Error("secretbox-wasm: layout exceeds memory")

// "expand 32-byte k" (Salsa20 paper §9), the four diagonal words.
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]

/**
 * The column round then the row round (Salsa20 paper §3-§5), as quarterround index tuples
 * (y0, y1, y2, y3): y1 ^= (y0 + y3) <<< 7, y2 ^= (y1 + y0) <<< 9, y3 ^= (y2 + y1) <<< 13,
 * y0 ^= (y3 + y2) <<< 18.
 */
const DOUBLE_ROUND = [
  [0, 4, 8, 12], [5, 9, 13, 1], [10, 14, 2, 6], [15, 3, 7, 11],
  [0, 1, 2, 3], [5, 6, 7, 4], [10, 11, 8, 9], [15, 12, 13, 14],
]

/**
 * Ten double rounds over locals `x`: i32 in a loop (`counter` counts it), or i32x4 (`tmp` holds
 * the sum being rotated) unrolled, which measured ~10% faster. (Interleaving Poly1305 blocks into
 * the unrolled rounds, so that the scalar multiplier and the vector units overlap, measured no
 * faster, so the two run one after the other.)
 */
function rounds(f: Func, x: number[], simd: boolean, counter: number, tmp = -1): void {
  const step = (b: number, a: number, d: number, k: number) => {
    f.get(x[b]!).get(x[a]!).get(x[d]!)
    if (simd) {
      f.simd(Simd.i32x4Add).tee(tmp).i32(k).simd(Simd.i32x4Shl).get(tmp).i32(32 - k).simd(Simd.i32x4ShrU).simd(Simd.v128Or)
      f.simd(Simd.v128Xor).set(x[b]!)
    } else {
      f.op(Op.i32Add).i32(k).op(Op.i32Rotl).op(Op.i32Xor).set(x[b]!)
    }
  }
  const doubleRound = () => {
    for (const [y0, y1, y2, y3] of DOUBLE_ROUND) {
      step(y1!, y0!, y3!, 7)
      step(y2!, y1!, y0!, 9)
      step(y3!, y2!, y1!, 13)
      step(y0!, y3!, y2!, 18)
    }
  }
  if (simd) {
    for (let i = 0; i < 10; i++) doubleRound()
    return
  }
  f.i32(10).set(counter)
  f.loop()
  doubleRound()
  f.get(counter).i32(1).op(Op.i32Sub).tee(counter).brIf(0)
  f.end()
}

/**
 * Pushes initial state word `w` as an i32 (Salsa20 paper §9, 32-byte key): σ on the diagonal,
 * the key at `keyAt` in words 1-4 and 11-14, `input(i)` pushing input word i in words 6-9.
 */
function stateWord(f: Func, w: number, keyAt: number, input: (i: number) => void): void {
  if (w % 5 === 0) f.i32(SIGMA[w / 5]!)
  else if (w >= 1 && w <= 4) f.i32(0).mem(Op.i32Load, keyAt + 4 * (w - 1), 2)
  else if (w >= 11 && w <= 14) f.i32(0).mem(Op.i32Load, keyAt + 16 + 4 * (w - 11), 2)
  else input(w - 6)
}

/** Stream input words: the nonce's last 8 bytes (words 6, 7), then the 64-bit block counter. */
function streamInput(f: Func, ctr: number): (i: number) => void {
  return i => {
    if (i < 2) f.i32(0).mem(Op.i32Load, NONCE + 16 + 4 * i, 2)
    else if (i === 2) f.get(ctr)
    else f.i32(0) // counter high word: messages stay far below 2^32 blocks
  }
}

/** hsalsa(): SUBKEY = HSalsa20(KEY, NONCE[0..16]). */
function hsalsa(): Func {
  const f = new Func("hsalsa", [])
  const x = Array.from({length: 16}, () => f.local(I32))
  const i = f.local(I32)
  const input = (k: number) => f.i32(0).mem(Op.i32Load, NONCE + 4 * k, 2)
  for (let w = 0; w < 16; w++) {
    stateWord(f, w, KEY, input)
    f.set(x[w]!)
  }
  rounds(f, x, false, i)
  ;[0, 5, 10, 15, 6, 7, 8, 9].forEach((w, k) => f.i32(0).get(x[w]!).mem(Op.i32Store, SUBKEY + 4 * k, 2))
  return f
}

/** block1(src, dst, ctr): dst[0..64] = src[0..64] XOR Salsa20(SUBKEY, nonce, block ctr). */
function block1(): Func {
  const f = new Func("block1", [I32, I32, I32])
  const [src, dst, ctr] = [0, 1, 2]
  const x = Array.from({length: 16}, () => f.local(I32))
  const i = f.local(I32)
  const input = streamInput(f, ctr)
  for (let w = 0; w < 16; w++) {
    stateWord(f, w, SUBKEY, input)
    f.set(x[w]!)
  }
  rounds(f, x, false, i)
  for (let w = 0; w < 16; w++) {
    f.get(dst).get(src).mem(Op.i32Load, 4 * w).get(x[w]!)
    stateWord(f, w, SUBKEY, input) // the feed-forward, reloaded rather than kept live
    f.op(Op.i32Add, Op.i32Xor).mem(Op.i32Store, 4 * w)
  }
  return f
}

/**
 * Emits dst[0..256] = src[0..256] XOR keystream blocks ctr..ctr+3 (locals src, dst, ctr), one
 * block per lane.
 */
function emitXor4(f: Func, src: number, dst: number, ctr: number): void {
  const x = Array.from({length: 16}, () => f.local(V128))
  const tmp = f.local(V128)
  const t = Array.from({length: 4}, () => f.local(V128))
  // Word w for all four lanes: a splat, except the counter word (c, c+1, c+2, c+3).
  const vecWord = (w: number) => {
    if (w === 8) f.get(ctr).simd(Simd.i32x4Splat).v128I32([0, 1, 2, 3]).simd(Simd.i32x4Add)
    else {
      stateWord(f, w, SUBKEY, streamInput(f, ctr))
      f.simd(Simd.i32x4Splat)
    }
  }
  for (let w = 0; w < 16; w++) {
    vecWord(w)
    f.set(x[w]!)
  }
  rounds(f, x, true, -1, tmp)
  for (let g = 0; g < 4; g++) {
    const v = [0, 1, 2, 3].map(k => x[4 * g + k]!)
    for (let k = 0; k < 4; k++) {
      f.get(v[k]!)
      vecWord(4 * g + k) // the feed-forward, rebuilt rather than kept live
      f.simd(Simd.i32x4Add).set(v[k]!)
    }
    // Transpose words 4g..4g+3 of the four blocks: (a, b, c, d) lanes → block rows.
    f.get(v[0]!).get(v[1]!).shuffle32([0, 4, 1, 5]).set(t[0]!) // a0 b0 a1 b1
    f.get(v[2]!).get(v[3]!).shuffle32([0, 4, 1, 5]).set(t[1]!) // c0 d0 c1 d1
    f.get(v[0]!).get(v[1]!).shuffle32([2, 6, 3, 7]).set(t[2]!) // a2 b2 a3 b3
    f.get(v[2]!).get(v[3]!).shuffle32([2, 6, 3, 7]).set(t[3]!) // c2 d2 c3 d3
    const rows: [number, number, [number, number, number, number]][] = [
      [t[0]!, t[1]!, [0, 1, 4, 5]], // block 0: a0 b0 c0 d0
      [t[0]!, t[1]!, [2, 3, 6, 7]], // block 1
      [t[2]!, t[3]!, [0, 1, 4, 5]], // block 2
      [t[2]!, t[3]!, [2, 3, 6, 7]], // block 3
    ]
    rows.forEach(([p, q, lanes], b) => {
      const at = 64 * b + 16 * g
      f.get(dst).get(src).v128Load(at).get(p).get(q).shuffle32(lanes).simd(Simd.v128Xor).v128Store(at)
    })
  }
}

/** xor4(src, dst, ctr): dst[0..256] = src[0..256] XOR blocks ctr..ctr+3. */
function xor4(): Func {
  const f = new Func("xor4", [I32, I32, I32])
  emitXor4(f, 0, 1, 2)
  return f
}

/**
 * stream(src, dst, len, ctr): XORs the keystream from block `ctr` over len bytes, 256 at a time,
 * then a last batch of four (more than 64 bytes left) or one block: whole blocks are written.
 */
function stream(xor4Index: number, block1Index: number): Func {
  const f = new Func("stream", [I32, I32, I32, I32])
  const [src, dst, len, ctr] = [0, 1, 2, 3]
  const advance = () => {
    for (const p of [src, dst]) f.get(p).i32(256).op(Op.i32Add).set(p)
    f.get(len).i32(256).op(Op.i32Sub).set(len)
    f.get(ctr).i32(4).op(Op.i32Add).set(ctr)
  }
  f.block().loop()
  f.get(len).i32(256).op(Op.i32LtU).brIf(1)
  f.get(src).get(dst).get(ctr).call(xor4Index)
  advance()
  f.br(0).end().end()
  f.get(len).i32(64).op(Op.i32GtU).if()
  f.get(src).get(dst).get(ctr).call(xor4Index)
  f.else().get(len).if().get(src).get(dst).get(ctr).call(block1Index).end()
  f.end()
  return f
}

const M26 = 0x3ffffff

/** polyInit(key): r = clamp(key[0..16]) as 26-bit limbs (poly1305-donna), s = key[16..32], h = 0. */
function polyInit(): Func {
  const f = new Func("polyInit", [I32])
  const key = 0
  // r &= 0x0ffffffc0ffffffc0ffffffc0fffffff, folded into each limb's mask.
  const limbs: [number, number, number][] = [[0, 0, 0x3ffffff], [3, 2, 0x3ffff03], [6, 4, 0x3ffc0ff], [9, 6, 0x3f03fff], [12, 8, 0x00fffff]]
  limbs.forEach(([at, shift, mask], k) => {
    f.i32(0).get(key).mem(Op.i64Load32U, at).i64(shift).op(Op.i64ShrU).i64(mask).op(Op.i64And).mem(Op.i64Store, POLY_R + 8 * k, 3)
    f.i32(0).i64(0).mem(Op.i64Store, POLY_H + 8 * k, 3)
  })
  for (const k of [0, 8]) f.i32(0).get(key).mem(Op.i64Load, 16 + k).mem(Op.i64Store, POLY_PAD + k, 3)
  return f
}

/** Poly1305's working state in i64 locals of one function: h, r, s[k] = 5·r[k], products, carry. */
class PolyState {
  readonly h: number[]
  readonly r: number[]
  readonly s: number[]
  readonly d: number[]
  readonly c: number

  constructor(private readonly f: Func) {
    const five = () => [0, 1, 2, 3, 4].map(() => f.local(I64))
    this.h = five()
    this.r = five()
    this.s = five() // s[0] unused
    this.d = five()
    this.c = f.local(I64)
  }

  load(): void {
    for (let k = 0; k < 5; k++) {
      this.f.i32(0).mem(Op.i64Load, POLY_H + 8 * k, 3).set(this.h[k]!)
      this.f.i32(0).mem(Op.i64Load, POLY_R + 8 * k, 3).tee(this.r[k]!).i64(5).op(Op.i64Mul).set(this.s[k]!)
    }
  }

  store(): void {
    for (let k = 0; k < 5; k++) this.f.i32(0).get(this.h[k]!).mem(Op.i64Store, POLY_H + 8 * k, 3)
  }

  /**
   * One 16-byte block at local `p` + `offset`: h = (h + m + hibit·2^128)·r mod 2^130-5.
   * `hibit()` pushes the i64 added to limb 4: 2^24 (the 2^128 bit) for a whole block, 0 for a
   * padded last one (RFC 8439 §2.5.1).
   */
  block(p: number, offset: number, hibit: () => void): void {
    const {f, h, r, s, d, c} = this
    // h += m (five 26-bit limbs from overlapping little-endian loads, as poly1305-donna)
    const parts: [number, number, boolean][] = [[0, 0, true], [3, 2, true], [6, 4, true], [9, 6, true], [12, 8, false]]
    parts.forEach(([at, shift, masked], k) => {
      f.get(h[k]!).get(p).mem(Op.i64Load32U, offset + at).i64(shift).op(Op.i64ShrU)
      if (masked) f.i64(M26).op(Op.i64And)
      else {
        hibit()
        f.op(Op.i64Or)
      }
      f.op(Op.i64Add).set(h[k]!)
    })
    // d = h·r mod 2^130-5: d[i] = Σ h[j]·r[i-j] for j ≤ i, + Σ h[j]·5r[5+i-j] for j > i.
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        f.get(h[j]!).get(j <= i ? r[i - j]! : s[5 + i - j]!).op(Op.i64Mul)
        if (j > 0) f.op(Op.i64Add)
      }
      f.set(d[i]!)
    }
    // Carry back to 26-bit limbs; the carry out of limb 4 re-enters limb 0 times 5.
    for (let i = 0; i < 5; i++) {
      if (i > 0) f.get(d[i]!).get(c).op(Op.i64Add).set(d[i]!)
      f.get(d[i]!).i64(26).op(Op.i64ShrU).set(c)
      f.get(d[i]!).i64(M26).op(Op.i64And).set(h[i]!)
    }
    f.get(h[0]!).get(c).i64(5).op(Op.i64Mul).op(Op.i64Add).tee(h[0]!)
    f.i64(26).op(Op.i64ShrU).get(h[1]!).op(Op.i64Add).set(h[1]!)
    f.get(h[0]!).i64(M26).op(Op.i64And).set(h[0]!)
  }
}

/**
 * polyBlocks(m, len): absorbs len bytes at m into h. All but the last call of a message pass a
 * multiple of 16. A last partial block is padded in place with 1 then zeros (RFC 8439 §2.5.1:
 * the "1" byte after the data, no 2^128 bit) and absorbed.
 */
function polyBlocks(): Func {
  const f = new Func("polyBlocks", [I32, I32])
  const [p, len] = [0, 1]
  const poly = new PolyState(f)
  const hibit = f.local(I64)
  const end = f.local(I32)
  poly.load()
  f.get(p).get(len).i32(-16).op(Op.i32And).op(Op.i32Add).set(end)
  f.i64(1 << 24).set(hibit)
  f.block().loop()
  {
    f.get(p).get(end).op(Op.i32GeU).if()
    // Out of whole blocks: stop, or pad the partial one and take it with no 2^128 bit.
    f.get(len).i32(15).op(Op.i32And).op(Op.i32Eqz).brIf(2)
    f.get(p).get(len).i32(15).op(Op.i32And).op(Op.i32Add).i32(1).mem(Op.i32Store8)
    f.get(p).get(len).i32(15).op(Op.i32And).op(Op.i32Add).i32(1).op(Op.i32Add)
    f.i32(0).i32(15).get(len).i32(15).op(Op.i32And).op(Op.i32Sub).op(...MEMORY_FILL)
    f.i64(0).set(hibit)
    f.get(end).i32(16).op(Op.i32Add).set(end)
    f.get(len).i32(-16).op(Op.i32And).set(len)
    f.end()
    poly.block(p, 0, () => f.get(hibit))
    f.get(p).i32(16).op(Op.i32Add).set(p)
    f.br(0)
  }
  f.end().end()
  poly.store()
  return f
}

/** polyFinish(out): out[0..16] = (h mod 2^130-5) + s mod 2^128 (RFC 8439 §2.5.1, last steps). */
function polyFinish(): Func {
  const f = new Func("polyFinish", [I32])
  const out = 0
  const h = [0, 1, 2, 3, 4].map(() => f.local(I64))
  const g = [0, 1, 2, 3, 4].map(() => f.local(I64))
  const c = f.local(I64)
  const mask = f.local(I64)
  for (let k = 0; k < 5; k++) f.i32(0).mem(Op.i64Load, POLY_H + 8 * k, 3).set(h[k]!)
  // Full carry: h1 → h2 → h3 → h4 → (×5) h0 → h1.
  for (const k of [1, 2, 3, 4, 0]) {
    if (k !== 1) f.get(h[k]!).get(c).op(...(k === 0 ? [Op.i64Const, 5, Op.i64Mul] : []), Op.i64Add).set(h[k]!)
    f.get(h[k]!).i64(26).op(Op.i64ShrU).set(c)
    f.get(h[k]!).i64(M26).op(Op.i64And).set(h[k]!)
  }
  f.get(h[1]!).get(c).op(Op.i64Add).set(h[1]!)
  // g = h + 5 - 2^130; g4's top bit says whether that borrowed (h < p): keep h then, else g.
  f.get(h[0]!).i64(5).op(Op.i64Add).set(g[0]!)
  for (let k = 0; k < 5; k++) {
    if (k > 0) f.get(h[k]!).get(c).op(Op.i64Add).set(g[k]!)
    if (k < 4) {
      f.get(g[k]!).i64(26).op(Op.i64ShrU).set(c)
      f.get(g[k]!).i64(M26).op(Op.i64And).set(g[k]!)
    }
  }
  f.get(g[4]!).i64(1 << 26).op(Op.i64Sub).tee(g[4]!).i64(63).op(Op.i64ShrU).i64(1).op(Op.i64Sub).set(mask)
  for (let k = 0; k < 5; k++) {
    f.get(h[k]!).get(mask).i64(-1).op(Op.i64Xor).op(Op.i64And)
    f.get(g[k]!).get(mask).op(Op.i64And).op(Op.i64Or).set(h[k]!)
  }
  // h mod 2^128 as four 32-bit words, plus s with carries.
  const word = (k: number) => {
    const lo = [0, 6, 12, 18][k]!
    f.get(h[k]!).i64(lo).op(Op.i64ShrU).get(h[k + 1]!).i64(26 - lo).op(Op.i64Shl).op(Op.i64Or).i64(0xffffffff).op(Op.i64And)
  }
  f.i64(0).set(c)
  for (let k = 0; k < 4; k++) {
    word(k)
    f.i32(0).mem(Op.i64Load32U, POLY_PAD + 4 * k, 2).op(Op.i64Add).get(c).i64(32).op(Op.i64ShrU).op(Op.i64Add).set(c)
    f.get(out).get(c).mem(Op.i64Store32, 4 * k)
  }
  return f
}

/** verify(): 1 when TAG and TAG2 are equal, compared without a data-dependent branch. */
function verify(): Func {
  const f = new Func("verify", [], [I32])
  for (const k of [0, 8]) f.i32(0).mem(Op.i64Load, TAG + k).i32(0).mem(Op.i64Load, TAG2 + k).op(Op.i64Xor)
  f.op(Op.i64Or, Op.i64Eqz)
  return f
}

/** The module: the functions above, and seal(len) / open(len) over one buffered chunk. */
export function secretboxModuleBytes(): Uint8Array {
  const m = new ModuleBuilder(PAGES)
  const ix = {
    hsalsa: m.add(hsalsa()),
    block1: m.add(block1()),
    xor4: m.add(xor4()),
    stream: -1,
    polyInit: m.add(polyInit()),
    polyBlocks: m.add(polyBlocks()),
    polyFinish: m.add(polyFinish()),
    verify: m.add(verify()),
  }
  ix.stream = m.add(stream(ix.xor4, ix.block1))
  // seal(len): BUF_A[32..32+len] plaintext → ciphertext, tag at TAG.
  const seal = new Func("seal", [I32])
  seal.call(ix.hsalsa)
  seal.i32(BUF_A).i32(0).i32(32).op(...MEMORY_FILL)
  seal.i32(BUF_A).i32(BUF_A).get(0).i32(32).op(Op.i32Add).i32(0).call(ix.stream)
  seal.i32(BUF_A).call(ix.polyInit)
  seal.i32(BUF_A + 32).get(0).call(ix.polyBlocks)
  seal.i32(TAG).call(ix.polyFinish)
  m.add(seal)
  // open(len): BUF_A[32..32+len] ciphertext, tag at TAG → 1 and the plaintext at BUF_B[32..], or 0.
  const open = new Func("open", [I32], [I32])
  open.call(ix.hsalsa)
  open.i32(BUF_A).i32(0).i32(32).op(...MEMORY_FILL)
  open.i32(BUF_A).i32(BUF_B).get(0).i32(32).op(Op.i32Add).i32(0).call(ix.stream)
  open.i32(BUF_B).call(ix.polyInit)
  open.i32(BUF_A + 32).get(0).call(ix.polyBlocks)
  open.i32(TAG2).call(ix.polyFinish)
  open.call(ix.verify)
  m.add(open)
  return m.bytes()
}
