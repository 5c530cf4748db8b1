/**
 * A small WebAssembly binary emitter: just what secretbox-wasm.ts needs to write its module as
 * TypeScript, so the package builds its own wasm with no toolchain (no wabt, no clang).
 *
 * Encoding per the WebAssembly Core Specification 2.0, chapter 5 (Binary Format): a module is the
 * magic `\0asm`, version 1, then sections (id byte, byte size as unsigned LEB128, contents) in the
 * order type (1), function (3), memory (5), export (7), code (10). Fixed-width SIMD (v128) is
 * part of 2.0: its instructions are prefix 0xFD followed by the opcode as unsigned LEB128.
 *
 * `Func` builds one function body as a flat instruction stream with named helpers for the opcodes
 * used (`op` takes any other single-byte opcode). Structured control (block/loop/if ... end) is
 * emitted as written: the caller keeps blocks balanced, and WebAssembly.Module validates it.
 */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const V128 = 0x7b;
/** Unsigned LEB128 (spec 5.2.2), for sizes, indices and alignments. */
export function uleb(n) {
    const out = [];
    do {
        let b = n & 0x7f;
        n = Math.floor(n / 128);
        if (n !== 0)
            b |= 0x80;
        out.push(b);
    } while (n !== 0);
    return out;
}
/** Signed LEB128, for i32.const and i64.const immediates. */
export function sleb(v) {
    let n = BigInt(v);
    const out = [];
    for (;;) {
        const b = Number(n & 0x7fn);
        n >>= 7n;
        const done = (n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0);
        out.push(done ? b : b | 0x80);
        if (done)
            return out;
    }
}
/** A vector (spec 5.1.3): element count, then the elements. */
function vec(items) {
    return [...uleb(items.length), ...items.flat()];
}
function section(id, body) {
    return [id, ...uleb(body.length), ...body];
}
/** Single-byte opcodes used by name (spec 5.4). */
export const Op = {
    block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f, call: 0x10, drop: 0x1a,
    localGet: 0x20, localSet: 0x21, localTee: 0x22,
    i32Load: 0x28, i64Load: 0x29, i32Load8U: 0x2d, i64Load32U: 0x35, i32Store: 0x36, i64Store: 0x37, i32Store8: 0x3a, i64Store32: 0x3e,
    i32Const: 0x41, i64Const: 0x42,
    i32Eqz: 0x45, i32Eq: 0x46, i32LtU: 0x49, i32GtU: 0x4b, i32LeU: 0x4d, i32GeU: 0x4f, i64Eqz: 0x50,
    i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Or: 0x72, i32Xor: 0x73, i32Shl: 0x74, i32ShrU: 0x76, i32Rotl: 0x77,
    i64Add: 0x7c, i64Sub: 0x7d, i64Mul: 0x7e, i64And: 0x83, i64Or: 0x84, i64Xor: 0x85, i64Shl: 0x86, i64ShrU: 0x88,
    i32WrapI64: 0xa7, i64ExtendI32U: 0xad,
};
/** Bulk memory (prefix 0xFC): memory.fill, then the memory index 0. */
export const MEMORY_FILL = [0xfc, 0x0b, 0x00];
/** SIMD opcodes (after the 0xFD prefix; spec 5.4.8). */
export const Simd = {
    v128Load: 0x00, v128Store: 0x0b, v128Const: 0x0c, i8x16Shuffle: 0x0d, i32x4Splat: 0x11,
    i64x2Splat: 0x12, i32x4ReplaceLane: 0x1c, i64x2ExtractLane: 0x1d, i64x2ReplaceLane: 0x1e,
    v128And: 0x4e, v128Or: 0x50, v128Xor: 0x51, i32x4Shl: 0xab, i32x4ShrU: 0xad, i32x4Add: 0xae,
    i64x2Shl: 0xcb, i64x2ShrU: 0xcd, i64x2Add: 0xce, i64x2ExtmulLowI32x4U: 0xde,
};
/** The empty block type (no parameters, no results). */
const EMPTY = 0x40;
export class Func {
    name;
    params;
    results;
    code = [];
    locals = [];
    constructor(name, params, results = []) {
        this.name = name;
        this.params = params;
        this.results = results;
    }
    /** A new local of `type`; returns its index (parameters come first). */
    local(type) {
        this.locals.push(type);
        return this.params.length + this.locals.length - 1;
    }
    op(...bytes) {
        this.code.push(...bytes);
        return this;
    }
    get(i) {
        return this.op(Op.localGet, ...uleb(i));
    }
    set(i) {
        return this.op(Op.localSet, ...uleb(i));
    }
    tee(i) {
        return this.op(Op.localTee, ...uleb(i));
    }
    i32(v) {
        return this.op(Op.i32Const, ...sleb(v | 0));
    }
    i64(v) {
        return this.op(Op.i64Const, ...sleb(BigInt.asIntN(64, BigInt(v))));
    }
    /** A load or store: opcode, then memarg (log2 alignment hint, constant offset). */
    mem(opcode, offset = 0, alignLog2 = 0) {
        return this.op(opcode, ...uleb(alignLog2), ...uleb(offset));
    }
    call(index) {
        return this.op(Op.call, ...uleb(index));
    }
    simd(opcode, ...immediates) {
        return this.op(0xfd, ...uleb(opcode), ...immediates);
    }
    v128Load(offset = 0) {
        return this.simd(Simd.v128Load, 0, ...uleb(offset));
    }
    v128Store(offset = 0) {
        return this.simd(Simd.v128Store, 0, ...uleb(offset));
    }
    /** i32x4 constant from four lanes. */
    v128I32(lanes) {
        const b = [];
        for (const v of lanes)
            b.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
        return this.simd(Simd.v128Const, ...b);
    }
    /** i8x16.shuffle of the two operands by 32-bit lane indices (0..3 first operand, 4..7 second). */
    shuffle32(lanes) {
        const b = [];
        for (const l of lanes)
            b.push(4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3);
        return this.simd(Simd.i8x16Shuffle, ...b);
    }
    block() {
        return this.op(Op.block, EMPTY);
    }
    loop() {
        return this.op(Op.loop, EMPTY);
    }
    if() {
        return this.op(Op.if, EMPTY);
    }
    else() {
        return this.op(Op.else);
    }
    end() {
        return this.op(Op.end);
    }
    br(depth) {
        return this.op(Op.br, ...uleb(depth));
    }
    brIf(depth) {
        return this.op(Op.brIf, ...uleb(depth));
    }
    /** The code section entry: size, locals grouped by runs of one type, body, final `end`. */
    encode() {
        const groups = [];
        for (let i = 0; i < this.locals.length;) {
            let j = i;
            while (j < this.locals.length && this.locals[j] === this.locals[i])
                j++;
            groups.push([...uleb(j - i), this.locals[i]]);
            i = j;
        }
        const body = [...vec(groups), ...this.code, Op.end];
        return [...uleb(body.length), ...body];
    }
}
/** A module of functions over one internal, exported, fixed-size memory (no imports). */
export class ModuleBuilder {
    memoryPages;
    funcs = [];
    constructor(memoryPages) {
        this.memoryPages = memoryPages;
    }
    /** Adds `f`; returns its function index, for `call`. */
    add(f) {
        this.funcs.push(f);
        return this.funcs.length - 1;
    }
    bytes() {
        const types = [];
        const typeOf = (f) => {
            const sig = [0x60, ...vec(f.params.map(p => [p])), ...vec(f.results.map(r => [r]))];
            const key = sig.join(",");
            let i = types.indexOf(key);
            if (i < 0)
                i = types.push(key) - 1;
            return i;
        };
        const funcTypes = this.funcs.map(typeOf);
        const typeSection = vec(types.map(t => t.split(",").map(Number)));
        const funcSection = vec(funcTypes.map(t => uleb(t)));
        // limits flag 1: min and max, so the memory never grows and views of it never detach.
        const memSection = vec([[0x01, ...uleb(this.memoryPages), ...uleb(this.memoryPages)]]);
        const exports = [[...name("memory"), 0x02, 0]];
        this.funcs.forEach((f, i) => {
            if (f.name)
                exports.push([...name(f.name), 0x00, ...uleb(i)]);
        });
        const codeSection = vec(this.funcs.map(f => f.encode()));
        return Uint8Array.from([
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
            ...section(1, typeSection),
            ...section(3, funcSection),
            ...section(5, memSection),
            ...section(7, vec(exports)),
            ...section(10, codeSection),
        ]);
    }
}
/** An export name (ASCII here, so its UTF-8 bytes are its char codes). */
function name(s) {
    const b = [...s].map(ch => ch.charCodeAt(0));
    return [...uleb(b.length), ...b];
}
