/**
 * Runs secretbox-wasm.ts's module for nacl.ts: compiles it once, on first use, synchronously
 * (~16 KB; `new WebAssembly.Module` is allowed for that in Node and in workers), and
 * moves bytes in and out of its memory.
 *
 * Each message is copied into the module's memory once and out once. A message that does not fit
 * one buffer (more than CHUNK - 32 bytes) is processed chunk by chunk: the keystream counter and
 * the Poly1305 state carry over, so the module's memory stays one fixed page whatever the size.
 * Opening such a message takes two passes (authenticate every chunk, then decrypt every chunk),
 * because nothing may be written to the caller's output before the tag is known to be good;
 * one pass when the output is a buffer the caller just allocated and drops on failure (`fresh`,
 * CURVE's MESSAGE decode). Keys and tags are zeroed in the module's memory after every call.
 * The module has no branch and no memory address that depends on a secret.
 *
 * `wasmBox()` answers null, and nacl.ts keeps to its JavaScript, where WebAssembly or its SIMD
 * is absent (feature-detected with WebAssembly.validate on a one-instruction SIMD module), where
 * compiling throws (Chrome refuses synchronous compiles over 4 KB on a page's main thread, so
 * zmtp/browser there keeps to JavaScript; its workers get the module), on a big-endian host
 * (the key is written as Int32Array words), when ZMTP_CRYPTO=js is set in the environment, or
 * after `setWasmCrypto(false)` (tests and benchmarks use it to run both paths).
 */
import { BUF_A, BUF_B, CHUNK, KEY, KS, NONCE, secretboxModuleBytes, TAG, TAG2 } from "./secretbox-wasm.js";
import { Func, ModuleBuilder, Op } from "./wasm-emit.js";
let box;
let enabled;
/** Turns the WebAssembly path off (false) or back on (true, where available). For tests and benchmarks. */
export function setWasmCrypto(on) {
    enabled = on;
}
/** ZMTP_CRYPTO=js asks for the TypeScript path. Read once, on first use. */
function envAllows() {
    try {
        return !(typeof process !== "undefined" && process.env?.["ZMTP_CRYPTO"] === "js");
    }
    catch {
        // Deno without --allow-env refuses the read (NotCapable): the default, then.
        return true;
    }
}
/** The module's seal/open, or null when it is unavailable or switched off. */
export function wasmBox() {
    enabled ??= envAllows();
    if (!enabled)
        return null;
    if (box === undefined)
        box = load();
    return box;
}
function load() {
    const api = globalThis.WebAssembly;
    if (!api || new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1)
        return null;
    try {
        // v128.const 0; drop: valid only where SIMD is supported.
        const probe = new Func("probe", []);
        probe.v128I32([0, 0, 0, 0]).op(Op.drop);
        const m = new ModuleBuilder(1);
        m.add(probe);
        if (!api.validate(m.bytes()))
            return null;
        const instance = new api.Instance(new api.Module(secretboxModuleBytes()), {});
        return makeBox(instance.exports);
    }
    catch {
        return null;
    }
}
function makeBox(w) {
    const mem = new Uint8Array(w.memory.buffer);
    const words = new Int32Array(w.memory.buffer);
    // Key and nonce in, subkey derived: every call, so nothing depends on what came before.
    const setup = (nonce, nonceOffset, key) => {
        words.set(key, KEY >> 2);
        for (let i = 0; i < 24; i++)
            mem[NONCE + i] = nonce[nonceOffset + i];
    };
    const copyIn = (src, from, length, to) => {
        if (length > 0)
            mem.set(from === 0 && length === src.length ? src : src.subarray(from, from + length), to);
    };
    const copyOut = (from, length, dst, to) => {
        if (length > 0)
            dst.set(mem.subarray(from, from + length), to);
    };
    const copyTag = (dst, to) => {
        for (let i = 0; i < 16; i++)
            dst[to + i] = mem[TAG + i];
    };
    /**
     * Zeroes the key, nonce, subkey, tags, Poly1305 state and the three places r‖s is made, so no
     * key outlives the call in the module's memory (the message buffers hold only text the caller
     * has anyway). Passes `result` through.
     */
    const wipe = (result) => {
        mem.fill(0, 0, BUF_A + 32);
        mem.fill(0, BUF_B, BUF_B + 32);
        return result;
    };
    /**
     * A message too long for one buffer, chunk by chunk. `read(pos, n, to)` copies message bytes
     * pos..pos+n into memory at `to`; `write(pos, n, from)` copies the result out. Chunk 0 holds
     * message bytes 0..CHUNK-32 after the 32 bytes that become r‖s, chunk k > 0 holds CHUNK bytes
     * from pos = k·CHUNK - 32, keystream block (pos + 32) / 64: the keystream stays aligned to the
     * buffer, so every `stream` call starts on a block.
     */
    const chunked = (length, mode, read, write) => {
        for (let pos = 0, n = CHUNK - 32; pos < length; pos += n, n = CHUNK) {
            n = Math.min(n, length - pos);
            const at = pos === 0 ? BUF_A + 32 : BUF_A;
            read(pos, n, at);
            // Poly1305 always reads ciphertext: before decrypting, after encrypting.
            if (mode === "mac" || mode === "open")
                w.polyBlocks(at, n);
            if (mode !== "mac") {
                if (pos === 0)
                    mem.fill(0, BUF_A, BUF_A + 32);
                w.stream(BUF_A, BUF_A, at + n - BUF_A, pos === 0 ? 0 : (pos + 32) / 64);
            }
            if (mode === "seal") {
                if (pos === 0)
                    w.polyInit(BUF_A);
                w.polyBlocks(at, n);
            }
            if (write)
                write(pos, n, at);
        }
    };
    /** Opening's Poly1305 key alone: keystream bytes 0..31, before any chunk is decrypted. */
    const polyKey = () => {
        mem.fill(0, KS, KS + 64);
        w.stream(KS, KS, 32, 0);
        w.polyInit(KS);
    };
    const sealInPlace = (buf, at, length, nonce, nonceOffset, key) => {
        setup(nonce, nonceOffset, key);
        const start = at + 16;
        if (length <= CHUNK - 32) {
            copyIn(buf, start, length, BUF_A + 32);
            w.seal(length);
            copyOut(BUF_A + 32, length, buf, start);
        }
        else {
            w.hsalsa();
            const io = (pos, n, to) => copyIn(buf, start + pos, n, to);
            chunked(length, "seal", io, (pos, n, from) => copyOut(from, n, buf, start + pos));
            w.polyFinish(TAG);
        }
        copyTag(buf, at);
        wipe();
    };
    const sealByteAndData = (first, data, out, at, nonce, nonceOffset, key) => {
        const length = 1 + data.length;
        setup(nonce, nonceOffset, key);
        if (length <= CHUNK - 32) {
            mem[BUF_A + 32] = first;
            copyIn(data, 0, data.length, BUF_A + 33);
            w.seal(length);
        }
        else {
            // Message byte 0 is `first`, byte i > 0 is data[i - 1].
            const read = (pos, n, to) => {
                if (pos === 0) {
                    mem[to] = first;
                    copyIn(data, 0, n - 1, to + 1);
                }
                else
                    copyIn(data, pos - 1, n, to);
            };
            w.hsalsa();
            chunked(length, "seal", read, (pos, n, from) => copyOut(from, n, out, at + 16 + pos));
            w.polyFinish(TAG);
        }
        if (length <= CHUNK - 32)
            copyOut(BUF_A + 32, length, out, at + 16);
        copyTag(out, at);
        wipe();
    };
    const openTo = (sealed, at, length, nonce, nonceOffset, key, out, outPos, fresh = false) => {
        setup(nonce, nonceOffset, key);
        for (let i = 0; i < 16; i++)
            mem[TAG + i] = sealed[at + i];
        const start = at + 16;
        if (length <= CHUNK - 32) {
            copyIn(sealed, start, length, BUF_A + 32);
            const ok = w.open(length) !== 0;
            if (ok)
                copyOut(BUF_B + 32, length, out, outPos);
            wipe();
            return ok;
        }
        w.hsalsa();
        polyKey();
        const read = (pos, n, to) => copyIn(sealed, start + pos, n, to);
        const write = (pos, n, from) => copyOut(from, n, out, outPos + pos);
        if (fresh) {
            // `out` is the caller's new buffer, dropped when this answers false: one pass.
            chunked(length, "open", read, write);
            w.polyFinish(TAG2);
            return wipe(w.verify() !== 0);
        }
        // Nothing reaches `out` before the tag is good: authenticate every chunk, then decrypt.
        chunked(length, "mac", read, null);
        w.polyFinish(TAG2);
        if (w.verify() === 0)
            return wipe(false);
        chunked(length, "decrypt", read, write);
        return wipe(true);
    };
    /** Poly1305 alone (message up to a chunk), so tests can give the module RFC 8439's vectors. */
    const poly1305 = (message, key) => {
        if (message.length > CHUNK)
            throw new RangeError("poly1305 test hook: message longer than a chunk");
        mem.set(key, KS);
        copyIn(message, 0, message.length, BUF_A);
        w.polyInit(KS);
        w.polyBlocks(BUF_A, message.length);
        w.polyFinish(TAG2);
        const tag = mem.slice(TAG2, TAG2 + 16);
        wipe();
        return tag;
    };
    return { sealInPlace, sealByteAndData, openTo, poly1305 };
}
