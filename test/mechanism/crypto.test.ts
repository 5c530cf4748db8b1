/**
 * Known-answer tests for the CURVE primitives, from NaCl's own test programs (tests/core1..6,
 * stream, secretbox, box, onetimeauth, scalarmult — the "alicesk/bobpk/firstkey" vectors that
 * tweetnacl and libsodium reuse), RFC 8439 §2.5.2 (Poly1305) and RFC 7748 §5.2/§6.1 (X25519),
 * plus fast-check properties for sealing, opening and tampering.
 */
import {createHash} from "node:crypto"
import fc from "fast-check"
import {describe, expect, test} from "vitest"
import {
  box,
  boxBeforenm,
  boxKeyPair,
  boxOpen,
  hsalsa20,
  poly1305,
  salsa20Core,
  salsa20Xor,
  scalarMult,
  scalarMultBase,
  secretbox,
  secretboxOpen,
  xsalsa20Stream,
  xsalsa20Xor,
  prepareKey,
} from "../../src/mechanism/crypto/index.js"
import {ZmtpError} from "../../src/wire/errors.js"

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s:]/g, ""), "hex")
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex")
const sha512 = (b: Uint8Array) => createHash("sha512").update(b).digest("hex")

// NaCl tests/box.c, box2.c, secretbox.c, scalarmult*.c, core*.c, onetimeauth.c
const alicesk = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
const alicepk = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
const bobsk = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
const bobpk = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
const shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
const firstkey = hex("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389")
const secondkey = hex("dc908dda0b9344a953629b733820778880f3ceb421bb61b91cbd4c3e66256ce4")
const nonce = hex("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37")
const noncesuffix = hex("8219e0036b7a0b37")
const rs = hex("eea6a7251c1e72916d11c2cb214d3c252539121d8e234e652d651fa4c8cff880")
const m = hex(
  "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffc" +
    "e5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31" +
    "0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde" +
    "048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f93776384864" +
    "5e0705",
)
// tag (16) ‖ ciphertext (131): NaCl's c[16..163]
const c = hex(
  "f3ffc7703f9400e52a7dfb4b3d3305d9" +
    "8e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186a" +
    "c0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738" +
    "b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da" +
    "99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74" +
    "e355a5",
)

describe("NaCl known answers", () => {
  test("vector sizes", () => {
    expect(nonce.length).toBe(24)
    expect(m.length).toBe(131)
    expect(c.length).toBe(147)
  })

  test("core1: HSalsa20(shared, 0) = firstkey", () => {
    expect(Buffer.from(hsalsa20(new Uint8Array(16), shared)).equals(firstkey)).toBe(true)
  })

  test("core2: HSalsa20(firstkey, nonceprefix) = secondkey", () => {
    expect(Buffer.from(hsalsa20(nonce.subarray(0, 16), firstkey)).equals(secondkey)).toBe(true)
  })

  test("core3: SHA-512 of 65536 Salsa20 blocks under secondkey", () => {
    const stream = salsa20Xor(new Uint8Array(64 * 256 * 256), noncesuffix, secondkey)
    expect(sha512(stream)).toBe(
      "2bd8e7db6877539e4f2b295ee415cd378ae214aa3beb3e08e911a5bd4a25e6ac16ca283c79c34c08c99f7bdb560111e8cac1ae65eea08ac384d7a591461ab6e3",
    )
  })

  test("core4: Salsa20 core", () => {
    const k = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216])
    const input = Uint8Array.from([101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116])
    expect([...salsa20Core(input, k)]).toEqual([
      69, 37, 68, 39, 41, 15, 107, 193, 255, 139, 122, 6, 170, 233, 217, 98, 89, 144, 182, 106, 21, 51, 200, 65, 239, 49, 222, 34, 215, 114, 40, 126, 104, 197,
      7, 225, 197, 153, 31, 2, 102, 78, 76, 176, 84, 245, 246, 184, 177, 160, 133, 130, 6, 72, 149, 119, 192, 195, 132, 236, 234, 103, 246, 74,
    ])
  })

  const k5 = hex("ee304fca27008d8c126f90027901d80f7f1d8b8dc936cf3b9f819692827e5777")
  const in5 = hex("81918ef2a5e0da9b3e9060521e4bb352")
  const res5 = hex("bc1b30fc072cc14075e4baa731b5a845ea9b11e9a5191f94e18cba8fd821a7cd")

  test("core5: HSalsa20", () => {
    expect(Buffer.from(hsalsa20(in5, k5)).equals(res5)).toBe(true)
  })

  test("core6: HSalsa20 = Salsa20 core minus the feed-forward words", () => {
    const out = salsa20Core(in5, k5)
    const sigma = Buffer.from("expand 32-byte k", "latin1")
    const word = (b: Uint8Array, i: number) => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0
    const pp = Buffer.alloc(32)
    const pairs: [number, Uint8Array, number][] = [
      [0, sigma, 0], [20, sigma, 4], [40, sigma, 8], [60, sigma, 12],
      [24, in5, 0], [28, in5, 4], [32, in5, 8], [36, in5, 12],
    ]
    pairs.forEach(([o, sub, s], i) => pp.writeUInt32LE((word(out, o) - word(sub, s)) >>> 0, 4 * i))
    expect(pp.equals(res5)).toBe(true)
  })

  test("stream: SHA-256 of 4 MiB of XSalsa20(firstkey, nonce)", () => {
    expect(sha256(xsalsa20Stream(4194304, nonce, firstkey))).toBe("662b9d0e3463029156069b12f918691a98f7dfb2ca0393c96bbfc6b1fbd630a2")
  })

  test("stream3: the first 32 keystream bytes are the onetimeauth key rs", () => {
    expect(Buffer.from(xsalsa20Stream(32, nonce, firstkey)).equals(rs)).toBe(true)
  })

  test("stream4: xsalsa20Xor of the secretbox plaintext gives the secretbox ciphertext", () => {
    const padded = Buffer.concat([Buffer.alloc(32), m])
    const out = xsalsa20Xor(padded, nonce, firstkey)
    expect(Buffer.from(out.subarray(32)).equals(c.subarray(16))).toBe(true)
  })

  test("onetimeauth: Poly1305(c, rs)", () => {
    expect(Buffer.from(poly1305(c.subarray(16), rs)).equals(c.subarray(0, 16))).toBe(true)
  })

  test("secretbox / secretbox2", () => {
    expect(secretbox(m, nonce, firstkey).equals(c)).toBe(true)
    expect(secretbox(m, nonce, prepareKey(firstkey)).equals(c)).toBe(true)
    expect(secretboxOpen(c, nonce, firstkey)?.equals(m)).toBe(true)
  })

  test("box / box2 (alicesk → bobpk, bobsk ← alicepk)", () => {
    expect(box(m, nonce, bobpk, alicesk).equals(c)).toBe(true)
    expect(boxOpen(c, nonce, alicepk, bobsk)?.equals(m)).toBe(true)
    expect(boxBeforenm(bobpk, alicesk).equals(firstkey)).toBe(true)
    expect(boxBeforenm(alicepk, bobsk).equals(firstkey)).toBe(true)
  })

  test("scalarmult, scalarmult2 (base), scalarmult5/6 (shared)", () => {
    expect(scalarMultBase(alicesk).equals(alicepk)).toBe(true)
    expect(scalarMultBase(bobsk).equals(bobpk)).toBe(true)
    expect(scalarMult(alicesk, bobpk).equals(shared)).toBe(true)
    expect(scalarMult(bobsk, alicepk).equals(shared)).toBe(true)
  })
})

describe("Poly1305: RFC 8439 §2.5.2 and edge cases", () => {
  test("§2.5.2 'Cryptographic Forum Research Group'", () => {
    const key = hex("85:d6:be:78:57:55:6d:33:7f:44:52:fe:42:d5:06:a8:01:03:80:8a:fb:0d:b2:fd:4a:bf:f6:af:41:49:f5:1b")
    const tag = poly1305(Buffer.from("Cryptographic Forum Research Group"), key)
    expect(Buffer.from(tag).toString("hex")).toBe("a8061dc1305136c6c22b8baf0c0127a9")
  })

  // RFC 8439 Appendix A.3: vectors that exercise the final reduction and the carries.
  test("A.3 #1: all-zero key and message", () => {
    expect(Buffer.from(poly1305(new Uint8Array(64), new Uint8Array(32))).toString("hex")).toBe("00000000000000000000000000000000")
  })

  test("A.3 #5 and #6: h reaches p = 2^130 - 5 (the conditional subtraction)", () => {
    // #5: R = 02 00…, S = 0, data = FF×16 → 03 00…
    const key5 = Buffer.alloc(32)
    key5[0] = 2
    expect(Buffer.from(poly1305(Buffer.alloc(16, 0xff), key5)).toString("hex")).toBe("03000000000000000000000000000000")
    // #6: R = 02 00…, S = FF×16, data = 02 00×15 → 03 00…
    const key6 = Buffer.alloc(32)
    key6[0] = 2
    key6.fill(0xff, 16)
    const msg6 = Buffer.alloc(16)
    msg6[0] = 2
    expect(Buffer.from(poly1305(msg6, key6)).toString("hex")).toBe("03000000000000000000000000000000")
  })

  test("A.3 #7 and #8: carries through the top limb", () => {
    const key = Buffer.alloc(32)
    key[0] = 1
    // #7: data = FF×16 ‖ F0 FF×15 ‖ 11 00×15 → 05 00…
    const msg7 = Buffer.concat([Buffer.alloc(16, 0xff), Buffer.of(0xf0), Buffer.alloc(15, 0xff), Buffer.of(0x11), Buffer.alloc(15)])
    expect(Buffer.from(poly1305(msg7, key)).toString("hex")).toBe("05000000000000000000000000000000")
    // #8: data = FF×16 ‖ FB FE×15 ‖ 01×16 → 00…
    const msg8 = Buffer.concat([Buffer.alloc(16, 0xff), Buffer.of(0xfb), Buffer.alloc(15, 0xfe), Buffer.alloc(16, 0x01)])
    expect(Buffer.from(poly1305(msg8, key)).toString("hex")).toBe("00000000000000000000000000000000")
  })

  /** Poly1305 straight from its definition, with BigInt: the reference for the limb arithmetic. */
  function poly1305Reference(msg: Uint8Array, key: Uint8Array): string {
    const le = (b: Uint8Array) => b.reduceRight((acc, byte) => (acc << 8n) | BigInt(byte), 0n)
    const p = (1n << 130n) - 5n
    const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn
    const sKey = le(key.subarray(16, 32))
    let h = 0n
    for (let i = 0; i < msg.length; i += 16) {
      const chunk = msg.subarray(i, i + 16)
      h = ((h + le(chunk) + (1n << BigInt(8 * chunk.length))) * r) % p
    }
    let tag = (h + sKey) & ((1n << 128n) - 1n)
    const out = Buffer.alloc(16)
    for (let i = 0; i < 16; i++, tag >>= 8n) out[i] = Number(tag & 0xffn)
    return out.toString("hex")
  }

  test("worst-case limbs (every key and message byte FF, long message) match the BigInt reference", () => {
    for (const len of [16, 17, 1024, 4099]) {
      const key = Buffer.alloc(32, 0xff)
      const msg = Buffer.alloc(len, 0xff)
      expect(Buffer.from(poly1305(msg, key)).toString("hex")).toBe(poly1305Reference(msg, key))
    }
  })

  test("property: agrees with the BigInt reference for any key and message", () => {
    const bytes = (min: number, max: number) =>
      fc.oneof(fc.uint8Array({minLength: min, maxLength: max}), fc.integer({min, max}).map(n => new Uint8Array(n).fill(0xff)), fc.integer({min, max}).map(n => new Uint8Array(n).fill(0xfe)))
    fc.assert(
      fc.property(bytes(0, 200), bytes(32, 32), (msg, key) => {
        expect(Buffer.from(poly1305(msg, key)).toString("hex")).toBe(poly1305Reference(msg, key))
      }),
      {numRuns: 300},
    )
  })
})

describe("X25519: RFC 7748", () => {
  test("§5.2 vector 1", () => {
    const k = hex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4")
    const u = hex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")
    expect(scalarMult(k, u).toString("hex")).toBe("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")
  })

  test("§5.2 vector 2 (u with its high bit set)", () => {
    const k = hex("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d")
    const u = hex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")
    expect(scalarMult(k, u).toString("hex")).toBe("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")
  })

  test("§5.2 iterated: 1 and 1000 iterations", () => {
    let k: Buffer = Buffer.alloc(32)
    let u: Buffer = Buffer.alloc(32)
    k[0] = 9
    u[0] = 9
    const step = () => {
      const next = scalarMult(k, u)
      u = k
      k = next
    }
    step()
    expect(k.toString("hex")).toBe("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079")
    for (let i = 1; i < 1000; i++) step()
    expect(k.toString("hex")).toBe("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")
  })

  test("§6.1 Diffie-Hellman", () => {
    expect(scalarMultBase(alicesk).equals(alicepk)).toBe(true)
    expect(scalarMultBase(bobsk).equals(bobpk)).toBe(true)
    expect(scalarMult(alicesk, bobpk).toString("hex")).toBe("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
  })

  test("a low-order public key is refused with ERR_ZMTP_CRYPTOGRAPHIC", () => {
    expect(() => boxBeforenm(Buffer.alloc(32), alicesk)).toThrow(ZmtpError)
    try {
      boxBeforenm(Buffer.alloc(32), alicesk)
    } catch (e) {
      expect((e as ZmtpError).code).toBe("ERR_ZMTP_CRYPTOGRAPHIC")
    }
  })

  test("boxKeyPair: a fresh pair whose public key is scalarMultBase(secret)", () => {
    const a = boxKeyPair()
    const b = boxKeyPair()
    expect(a.publicKey.length).toBe(32)
    expect(a.secretKey.length).toBe(32)
    expect(a.publicKey.equals(b.publicKey)).toBe(false)
    expect(scalarMultBase(a.secretKey).equals(a.publicKey)).toBe(true)
    expect(boxBeforenm(a.publicKey, b.secretKey).equals(boxBeforenm(b.publicKey, a.privateKey))).toBe(true)
  })
})

describe("properties", () => {
  const key32 = fc.uint8Array({minLength: 32, maxLength: 32})
  const nonce24 = fc.uint8Array({minLength: 24, maxLength: 24})
  const message = fc.uint8Array({maxLength: 300})

  test("secretboxOpen(secretbox(m)) = m, and the box is 16 bytes longer", () => {
    fc.assert(
      fc.property(message, nonce24, key32, (msg, n, k) => {
        const sealed = secretbox(msg, n, k)
        expect(sealed.length).toBe(msg.length + 16)
        expect(secretboxOpen(sealed, n, k)?.equals(Buffer.from(msg))).toBe(true)
      }),
    )
  })

  test("secretbox agrees with XSalsa20 + Poly1305 composed by hand", () => {
    fc.assert(
      fc.property(message, nonce24, key32, (msg, n, k) => {
        const stream = xsalsa20Xor(Buffer.concat([Buffer.alloc(32), msg]), n, k)
        const ct = stream.subarray(32)
        const tag = poly1305(ct, xsalsa20Stream(32, n, k))
        expect(secretbox(msg, n, k).equals(Buffer.concat([tag, ct]))).toBe(true)
      }),
      {numRuns: 50},
    )
  })

  test("flipping any single bit of tag or ciphertext is refused", () => {
    fc.assert(
      fc.property(fc.uint8Array({minLength: 0, maxLength: 100}), nonce24, key32, fc.nat(), fc.integer({min: 0, max: 7}), (msg, n, k, where, bit) => {
        const sealed = secretbox(msg, n, k)
        const at = where % sealed.length
        sealed[at]! ^= 1 << bit
        expect(secretboxOpen(sealed, n, k)).toBeNull()
      }),
    )
  })

  test("a wrong key or nonce is refused; a truncated box is refused", () => {
    fc.assert(
      fc.property(message, nonce24, key32, fc.integer({min: 0, max: 23}), fc.integer({min: 0, max: 31}), (msg, n, k, ni, ki) => {
        const sealed = secretbox(msg, n, k)
        const n2 = Uint8Array.from(n)
        n2[ni]! ^= 0x01
        const k2 = Uint8Array.from(k)
        k2[ki]! ^= 0x80
        expect(secretboxOpen(sealed, n2, k)).toBeNull()
        expect(secretboxOpen(sealed, n, k2)).toBeNull()
        expect(secretboxOpen(sealed.subarray(0, sealed.length - 1), n, k)).toBeNull()
        expect(secretboxOpen(sealed.subarray(0, 15), n, k)).toBeNull()
      }),
    )
  })

  test("box between fresh key pairs opens only with the right pair", () => {
    const a = boxKeyPair()
    const b = boxKeyPair()
    const eve = boxKeyPair()
    fc.assert(
      fc.property(message, nonce24, (msg, n) => {
        const sealed = box(msg, n, b.publicKey, a.secretKey)
        expect(boxOpen(sealed, n, a.publicKey, b.secretKey)?.equals(Buffer.from(msg))).toBe(true)
        expect(boxOpen(sealed, n, eve.publicKey, b.secretKey)).toBeNull()
        expect(boxOpen(sealed, n, a.publicKey, eve.secretKey)).toBeNull()
      }),
      {numRuns: 30},
    )
  })

  test("bad key and nonce lengths throw RangeError", () => {
    expect(() => secretbox(Buffer.alloc(1), Buffer.alloc(23), Buffer.alloc(32))).toThrow(RangeError)
    expect(() => secretbox(Buffer.alloc(1), Buffer.alloc(24), Buffer.alloc(31))).toThrow(RangeError)
    expect(() => scalarMultBase(Buffer.alloc(31))).toThrow(RangeError)
  })
})
