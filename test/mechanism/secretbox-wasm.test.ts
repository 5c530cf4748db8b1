/**
 * The two implementations of crypto_secretbox: the WebAssembly module (secretbox-wasm.ts, run by
 * wasm-box.ts) and the TypeScript fallback (salsa20.ts, poly1305.ts). Both must pass NaCl's
 * known answers and give the same bytes for every length, offset and chunking; the module's
 * Poly1305 must pass RFC 8439's vectors; forged boxes are refused with nothing written.
 * `setWasmCrypto` switches between the paths (ZMTP_CRYPTO=js does the same for a whole process).
 */
import {createHash, randomBytes} from "node:crypto"
import fc from "fast-check"
import {afterAll, describe, expect, test} from "vitest"
import {
  box,
  boxOpen,
  prepareKey,
  secretbox,
  secretboxBackend,
  secretboxOpen,
  secretboxOpenTo,
  secretboxOpenToFresh,
  secretboxSealByteAndData,
  secretboxSealInPlace,
  setWasmCrypto,
  poly1305,
} from "../../src/mechanism/crypto/index.js"
import {CHUNK} from "../../src/mechanism/crypto/secretbox-wasm.js"
import {wasmBox} from "../../src/mechanism/crypto/wasm-box.js"

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s:]/g, ""), "hex")

// NaCl tests/secretbox.c, box.c, stream.c (the vectors crypto.test.ts also uses).
const alicesk = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
const bobpk = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
const firstkey = hex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389")
const nonce = hex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37")
const rs = hex("eea6a7251c1e72916d11c2cb214d3c252539121d8e234e652d651fa4c8cff880")
const m = hex(
  "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c6129" +
    "6cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde" +
    "048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705",
)
const c = hex(
  "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186a" +
    "c0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae" +
    "90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5",
)

/** Runs `f` on the JavaScript path, then restores the WebAssembly path. */
function onJs<T>(f: () => T): T {
  setWasmCrypto(false)
  try {
    return f()
  } finally {
    setWasmCrypto(true)
  }
}

afterAll(() => setWasmCrypto(true))

test("the WebAssembly path is available on this Node (SIMD), and can be switched off", () => {
  setWasmCrypto(true)
  expect(secretboxBackend()).toBe("wasm")
  expect(onJs(() => secretboxBackend())).toBe("js")
  expect(secretboxBackend()).toBe("wasm")
})

describe.each(["wasm", "js"] as const)("NaCl known answers on the %s path", backend => {
  const run = <T>(f: () => T): T => (backend === "js" ? onJs(f) : f())

  test("secretbox / secretbox2", () => {
    run(() => {
      expect(secretboxBackend()).toBe(backend)
      expect(secretbox(m, nonce, firstkey).equals(c)).toBe(true)
      expect(secretbox(m, nonce, prepareKey(firstkey)).equals(c)).toBe(true)
      expect(secretboxOpen(c, nonce, firstkey)?.equals(m)).toBe(true)
    })
  })

  test("box / box2", () => {
    run(() => {
      expect(box(m, nonce, bobpk, alicesk).equals(c)).toBe(true)
    })
  })

  test("stream: SHA-256 of 4 MiB of XSalsa20(firstkey, nonce), read through secretbox (many chunks)", () => {
    run(() => {
      // secretbox(0^n) = tag ‖ keystream[32 .. 32 + n], and keystream[0..32] = rs (NaCl stream3).
      const sealed = secretbox(new Uint8Array(4194304 - 32), nonce, firstkey)
      const stream = Buffer.concat([rs, sealed.subarray(16)])
      expect(createHash("sha256").update(stream).digest("hex")).toBe("662b9d0e3463029156069b12f918691a98f7dfb2ca0393c96bbfc6b1fbd630a2")
      expect(secretboxOpen(sealed, nonce, firstkey)?.every(b => b === 0)).toBe(true)
    })
  })
})

describe("the module's Poly1305: RFC 8439 §2.5.2, A.3, and the BigInt definition", () => {
  const wasmPoly = (msg: Uint8Array, key: Uint8Array) => Buffer.from(wasmBox()!.poly1305(msg, key)).toString("hex")

  test("§2.5.2 and A.3 #1, #5, #6, #7, #8", () => {
    const key = hex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b")
    expect(wasmPoly(Buffer.from("Cryptographic Forum Research Group"), key)).toBe("a8061dc1305136c6c22b8baf0c0127a9")
    expect(wasmPoly(new Uint8Array(64), new Uint8Array(32))).toBe("00000000000000000000000000000000")
    const key5 = Buffer.alloc(32)
    key5[0] = 2
    expect(wasmPoly(Buffer.alloc(16, 0xff), key5)).toBe("03000000000000000000000000000000")
    const key6 = Buffer.from(key5).fill(0xff, 16)
    const msg6 = Buffer.alloc(16)
    msg6[0] = 2
    expect(wasmPoly(msg6, key6)).toBe("03000000000000000000000000000000")
    const key1 = Buffer.alloc(32)
    key1[0] = 1
    const msg7 = Buffer.concat([Buffer.alloc(16, 0xff), Buffer.of(0xf0), Buffer.alloc(15, 0xff), Buffer.of(0x11), Buffer.alloc(15)])
    expect(wasmPoly(msg7, key1)).toBe("05000000000000000000000000000000")
    const msg8 = Buffer.concat([Buffer.alloc(16, 0xff), Buffer.of(0xfb), Buffer.alloc(15, 0xfe), Buffer.alloc(16, 0x01)])
    expect(wasmPoly(msg8, key1)).toBe("00000000000000000000000000000000")
  })

  function reference(msg: Uint8Array, key: Uint8Array): string {
    const le = (b: Uint8Array) => b.reduceRight((acc, byte) => (acc << 8n) | BigInt(byte), 0n)
    const p = (1n << 130n) - 5n
    const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn
    let h = 0n
    for (let i = 0; i < msg.length; i += 16) {
      const chunk = msg.subarray(i, i + 16)
      h = ((h + le(chunk) + (1n << BigInt(8 * chunk.length))) * r) % p
    }
    let tag = (h + le(key.subarray(16, 32))) & ((1n << 128n) - 1n)
    const out = Buffer.alloc(16)
    for (let i = 0; i < 16; i++, tag >>= 8n) out[i] = Number(tag & 0xffn)
    return out.toString("hex")
  }

  test("worst-case limbs and random inputs agree with the reference and with the JS Poly1305", () => {
    for (const len of [16, 17, 1024, 4099, CHUNK]) {
      const key = Buffer.alloc(32, 0xff)
      const msg = Buffer.alloc(len, 0xff)
      expect(wasmPoly(msg, key)).toBe(reference(msg, key))
    }
    const bytes = (min: number, max: number) =>
      fc.oneof(fc.uint8Array({minLength: min, maxLength: max}), fc.integer({min, max}).map(n => new Uint8Array(n).fill(0xff)), fc.integer({min, max}).map(n => new Uint8Array(n).fill(0xfe)))
    fc.assert(
      fc.property(bytes(0, 300), bytes(32, 32), (msg, key) => {
        const tag = wasmPoly(msg, key)
        expect(tag).toBe(reference(msg, key))
        expect(tag).toBe(Buffer.from(poly1305(msg, key)).toString("hex"))
      }),
      {numRuns: 300},
    )
  })
})

describe("WebAssembly and JavaScript give the same bytes", () => {
  const LONG = [CHUNK - 33, CHUNK - 32, CHUNK - 31, CHUNK, CHUNK + 1, 65536, 65537, 2 * CHUNK + 17, 200_003]

  /** Seals `msg` in place at an odd offset of a larger buffer, nonce at an odd offset too. */
  function sealAt(msg: Uint8Array, nonce: Uint8Array, key: Uint8Array, at: number): Buffer {
    const buf = randomBytesSeeded(at + 16 + msg.length + 7)
    buf.set(msg, at + 16)
    const nonceBuf = Buffer.concat([Buffer.from([9, 9, 9]), nonce, Buffer.from([9])])
    secretboxSealInPlace(buf, at, msg.length, nonceBuf, prepareKey(key), 3)
    return buf
  }
  let seed = 1
  function randomBytesSeeded(n: number): Buffer {
    const b = Buffer.allocUnsafe(n)
    for (let i = 0; i < n; i++) b[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24
    return b
  }

  test("every length 0..3000 and the long ones, at odd offsets: seal, open, open into a fresh buffer", () => {
    for (let len = 0; len <= 3000 + LONG.length; len++) {
      const length = len <= 3000 ? len : LONG[len - 3001]!
      const msg = randomBytes(length)
      const k = randomBytes(32)
      const n = randomBytes(24)
      const at = 1 + (len % 13)
      const s0 = seed
      const wasmSealed = sealAt(msg, n, k, at)
      seed = s0
      const jsSealed = onJs(() => sealAt(msg, n, k, at))
      expect(wasmSealed.equals(jsSealed), `seal, length ${length}`).toBe(true)

      // Open at odd positions, into an output with sentinels around it, on both paths.
      for (const path of ["wasm", "js"] as const) {
        const out = Buffer.alloc(length + 5, 0xa5)
        const before = Buffer.from(wasmSealed)
        const ok = path === "js" ? onJs(() => secretboxOpenTo(wasmSealed, at, length, n, k, out, 2)) : secretboxOpenTo(wasmSealed, at, length, n, k, out, 2)
        expect(ok, `open (${path}), length ${length}`).toBe(true)
        expect(out.subarray(2, 2 + length).equals(msg)).toBe(true)
        expect(out[0] === 0xa5 && out[1] === 0xa5 && out.subarray(2 + length).every(b => b === 0xa5)).toBe(true)
        expect(wasmSealed.equals(before), "the box is not altered").toBe(true)
      }
      const fresh = Buffer.allocUnsafe(length)
      expect(secretboxOpenToFresh(wasmSealed, at, length, Buffer.from(n), prepareKey(k), fresh)).toBe(true)
      expect(fresh.equals(msg)).toBe(true)
    }
  })

  test("secretboxSealByteAndData (CURVE MESSAGE: flags byte, then the frame) matches, short and long", () => {
    for (const length of [0, 1, 31, 32, 1023, 1024, 3000, ...LONG]) {
      const data = randomBytes(length)
      const k = prepareKey(randomBytes(32))
      const n = randomBytes(24)
      const a = Buffer.alloc(17 + length + 3, 7)
      secretboxSealByteAndData(0x81, data, a, 1, n, k)
      const b = Buffer.alloc(17 + length + 3, 7)
      onJs(() => secretboxSealByteAndData(0x81, data, b, 1, n, k))
      expect(a.equals(b), `length ${length}`).toBe(true)
      expect(secretboxOpen(a.subarray(1, 1 + 17 + length), n, k)?.equals(Buffer.concat([Buffer.of(0x81), data]))).toBe(true)
    }
  })
})

describe("forgeries on the WebAssembly path", () => {
  test.each([0, 1, 100, 1025, CHUNK - 32, CHUNK + 5, 65537])("a flipped bit in the tag or the ciphertext is refused, nothing written (length %i)", length => {
    setWasmCrypto(true)
    const k = randomBytes(32)
    const n = randomBytes(24)
    const sealed = secretbox(randomBytes(length), n, k)
    for (const where of [0, 15, 16, sealed.length - 1, 16 + (length >> 1)]) {
      if (where >= sealed.length) continue
      const forged = Buffer.from(sealed)
      forged[where]! ^= 0x10
      const before = Buffer.from(forged)
      const out = Buffer.alloc(length, 0x5a)
      expect(secretboxOpenTo(forged, 0, length, n, k, out, 0)).toBe(false)
      expect(out.every(b => b === 0x5a)).toBe(true)
      expect(forged.equals(before)).toBe(true)
      expect(secretboxOpen(forged, n, k)).toBeNull()
      expect(secretboxOpenToFresh(forged, 0, length, n, k, Buffer.alloc(length))).toBe(false)
      // A box opened in place (out = its own ciphertext) is left as it was.
      expect(secretboxOpenTo(forged, 0, length, n, k, forged, 16)).toBe(false)
      expect(forged.equals(before)).toBe(true)
    }
  })

  test("a wrong key or nonce is refused", () => {
    const k = randomBytes(32)
    const n = randomBytes(24)
    const sealed = secretbox(randomBytes(2000), n, k)
    const k2 = Buffer.from(k)
    k2[31]! ^= 1
    const n2 = Buffer.from(n)
    n2[23]! ^= 1
    expect(secretboxOpen(sealed, n, k2)).toBeNull()
    expect(secretboxOpen(sealed, n2, k)).toBeNull()
    expect(boxOpen(sealed, n, bobpk, alicesk)).toBeNull()
  })
})
