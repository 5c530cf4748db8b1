import {describe, expect, test} from "vitest"
import fc from "fast-check"
import {decode, encode, encodeCheezburgerRoom, FmqProtocolError, tryDecode, MessageId, type FmqMessage, type FmqMessageInit, type Hash} from "../../src/filemq/codec.js"
import {EMPTY_SHA1, hex, vectors} from "./vectors.js"

const h = (o: Record<string, string>): Hash => new Map(Object.entries(o))

describe("byte vectors from the C master codec", () => {
  const cases: [keyof typeof vectors, FmqMessageInit][] = [
    ["OHAI", {id: "OHAI"}],
    ["OHAI_OK", {id: "OHAI_OK"}],
    ["ICANHAZ", {id: "ICANHAZ", path: "/photos", options: h({RESYNC: "1"}), cache: h({"a.jpg": EMPTY_SHA1})}],
    ["ICANHAZ_C_CLIENT", {id: "ICANHAZ", path: "/", options: new Map(), cache: new Map()}],
    ["ICANHAZ_OK", {id: "ICANHAZ_OK"}],
    ["NOM", {id: "NOM", credit: 5_000_000, sequence: 7}],
    ["CHEEZBURGER", {id: "CHEEZBURGER", sequence: 1, operation: 1, filename: "/photos/a.jpg", offset: 0, eof: false, headers: new Map(), chunk: Buffer.from("abc")}],
    ["EOF_MARKER", {id: "CHEEZBURGER", sequence: 1, operation: 1, filename: "/probe.txt", offset: 15, eof: true, headers: new Map(), chunk: Buffer.alloc(0)}],
    ["HUGZ", {id: "HUGZ"}],
    ["HUGZ_OK", {id: "HUGZ_OK"}],
    ["KTHXBAI", {id: "KTHXBAI"}],
    ["SRSLY", {id: "SRSLY", reason: "no"}],
    ["RTFM", {id: "RTFM", reason: "bad"}],
    ["RTFM_C_SERVER", {id: "RTFM", reason: ""}],
  ]
  for (const [name, msg] of cases) {
    test(`${name} encodes to the C bytes and decodes back`, () => {
      const wire = hex(vectors[name])
      expect(encode(msg).toString("hex")).toBe(wire.toString("hex"))
      expect(decode(wire)).toEqual(msg)
    })
  }

  test("the RFC 35 dialect (1-octet path) is accepted and re-encoded in kind", () => {
    const wire = hex(vectors.ICANHAZ_RFC35)
    const msg = decode(wire)
    expect(msg).toEqual({id: "ICANHAZ", path: "/", options: new Map(), cache: new Map(), dialect: "rfc35"})
    expect(encode(msg).equals(wire)).toBe(true)
  })

  test("an RFC 35 CHEEZBURGER (1-octet filename) is accepted", () => {
    const master = encode({id: "CHEEZBURGER", sequence: 9, operation: 1, filename: "/x/y.txt", offset: 5, eof: false, headers: h({SHA1: EMPTY_SHA1}), chunk: Buffer.from("hello")})
    const rfc = encode({id: "CHEEZBURGER", sequence: 9, operation: 1, filename: "/x/y.txt", offset: 5, eof: false, headers: h({SHA1: EMPTY_SHA1}), chunk: Buffer.from("hello"), dialect: "rfc35"})
    expect(rfc.length).toBe(master.length - 3)
    const m = decode(rfc) as Extract<FmqMessage, {id: "CHEEZBURGER"}>
    expect(m.dialect).toBe("rfc35")
    expect(m.filename).toBe("/x/y.txt")
    expect(m.chunk.toString()).toBe("hello")
    expect(m.headers.get("SHA1")).toBe(EMPTY_SHA1)
  })

  test("a chunk is a view of the frame, not a copy", () => {
    const wire = hex(vectors.CHEEZBURGER)
    const m = decode(wire) as Extract<FmqMessage, {id: "CHEEZBURGER"}>
    expect(m.chunk.buffer).toBe(wire.buffer)
  })

  test("number-8 above 2^53-1 saturates; duplicate hash names: first wins", () => {
    const nom = Buffer.concat([hex("aaa307"), hex("ffffffffffffffff"), hex("0020000000000000")])
    expect(decode(nom)).toEqual({id: "NOM", credit: Number.MAX_SAFE_INTEGER, sequence: Number.MAX_SAFE_INTEGER})
    const dup = hex("aaa3 05 00000001 2f 00000002 01 61 00000001 31 01 61 00000001 32 00000000")
    expect((decode(dup) as any).options.get("a")).toBe("1")
  })
})

// ---- round trips ------------------------------------------------------------------------------

const u64 = fc.maxSafeNat()
const str255 = fc.string({unit: "grapheme", maxLength: 40}).filter(s => Buffer.byteLength(s) <= 255)
const longstr = fc.string({unit: "grapheme", maxLength: 300})
const hash = fc.uniqueArray(fc.tuple(str255, longstr), {selector: ([k]) => k, maxLength: 6}).map(e => new Map(e))
const bytes = fc.uint8Array({maxLength: 2048}).map(a => Buffer.from(a))

const message: fc.Arbitrary<FmqMessage> = fc.oneof(
  fc.constantFrom<FmqMessage>({id: "OHAI"}, {id: "OHAI_OK"}, {id: "ICANHAZ_OK"}, {id: "HUGZ"}, {id: "HUGZ_OK"}, {id: "KTHXBAI"}),
  fc.record({id: fc.constant("ICANHAZ" as const), path: longstr, options: hash, cache: hash}),
  fc.record({id: fc.constant("NOM" as const), credit: u64, sequence: u64}),
  fc.record({
    id: fc.constant("CHEEZBURGER" as const),
    sequence: u64,
    operation: fc.integer({min: 0, max: 255}),
    filename: longstr,
    offset: u64,
    eof: fc.boolean(),
    headers: hash,
    chunk: bytes,
  }),
  fc.record({id: fc.constantFrom("SRSLY" as const, "RTFM" as const), reason: str255}),
)

describe("round trips (fast-check)", () => {
  test("decode(encode(m)) equals m", () => {
    fc.assert(
      fc.property(message, m => {
        expect(decode(encode(m))).toEqual(m)
      }),
      {numRuns: 2000},
    )
  })

  test("encode(decode(w)) equals w for every valid frame", () => {
    fc.assert(
      fc.property(message, m => {
        const wire = encode(m)
        expect(encode(decode(wire)).equals(wire)).toBe(true)
      }),
      {numRuns: 1000},
    )
  })

  test("the RFC 35 dialect round-trips whenever the path fits in 255 octets", () => {
    fc.assert(
      fc.property(str255, hash, hash, (path, options, cache) => {
        const m: FmqMessage = {id: "ICANHAZ", path, options, cache, dialect: "rfc35"}
        const back = decode(encode(m)) as Extract<FmqMessage, {id: "ICANHAZ"}>
        // A few rfc35 frames also parse as master (e.g. when the bytes happen to line up): the
        // fields must be the same either way.
        expect(back.path).toBe(path)
        expect(back.options).toEqual(options)
        expect(back.cache).toEqual(cache)
      }),
      {numRuns: 1000},
    )
  })
})

// ---- malformed input ----------------------------------------------------------------------------

function codeOf(frame: Buffer): string {
  try {
    decode(frame)
    return "ok"
  } catch (e) {
    expect(e).toBeInstanceOf(FmqProtocolError)
    return (e as FmqProtocolError).code
  }
}

describe("a CHEEZBURGER encoded with room for its chunk (the server reads files into it)", () => {
  test("once the room is filled, the bytes equal encode() of the same message, in both dialects", () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 600}), fc.string(), fc.constantFrom<"rfc35" | undefined>("rfc35", undefined), fc.nat(), (data, name, dialect, sequence) => {
        const m = {id: "CHEEZBURGER" as const, sequence, operation: 1, filename: `/f/${name}`.slice(0, 200), offset: 7, eof: false, headers: new Map([["SHA1", "AB"]]), dialect}
        const {frame, chunk} = encodeCheezburgerRoom(m, data.length)
        expect(chunk.length).toBe(data.length)
        chunk.set(data)
        expect(frame.equals(encode({...m, chunk: Buffer.from(data)}))).toBe(true)
      }),
    )
  })
})

describe("malformed frames give typed errors", () => {
  test("signature, id, version, protocol", () => {
    expect(codeOf(hex(""))).toBe("ERR_FMQ_SIGNATURE")
    expect(codeOf(hex("aaa3"))).toBe("ERR_FMQ_SIGNATURE")
    expect(codeOf(hex("aaa4 09"))).toBe("ERR_FMQ_SIGNATURE")
    expect(codeOf(hex("aaa3 02"))).toBe("ERR_FMQ_UNKNOWN_ID") // v1 ORLY
    expect(codeOf(hex("aaa3 03"))).toBe("ERR_FMQ_UNKNOWN_ID") // v1 YARLY
    expect(codeOf(hex("aaa3 0c"))).toBe("ERR_FMQ_UNKNOWN_ID")
    expect(codeOf(hex("aaa3 01 06 46494c454d51 0001"))).toBe("ERR_FMQ_VERSION")
    expect(codeOf(hex("aaa3 01 06 46494c454d52 0002"))).toBe("ERR_FMQ_PROTOCOL")
  })

  test("truncations and trailing bytes of every vector", () => {
    for (const [name, v] of Object.entries(vectors)) {
      const wire = hex(v)
      for (let n = 3; n < wire.length; n++) {
        const code = codeOf(wire.subarray(0, n))
        // A cut CHEEZBURGER or ICANHAZ may happen to parse in the RFC 35 dialect; anything else fails.
        if (code === "ok") expect(["ICANHAZ", "ICANHAZ_C_CLIENT", "ICANHAZ_RFC35", "CHEEZBURGER", "EOF_MARKER"]).toContain(name)
        else expect(["ERR_FMQ_TRUNCATED", "ERR_FMQ_TRAILING", "ERR_FMQ_PROTOCOL"]).toContain(code)
      }
      expect(codeOf(Buffer.concat([wire, hex("00")]))).not.toBe("ok")
    }
  })

  test("a huge declared length or count does not allocate", () => {
    expect(codeOf(hex("aaa3 05 ffffffff 2f"))).toBe("ERR_FMQ_TRUNCATED")
    expect(codeOf(hex("aaa3 05 00000001 2f ffffffff 00"))).toBe("ERR_FMQ_TRUNCATED")
    expect(codeOf(hex("aaa3 08 0000000000000001 01 00000001 2f 0000000000000000 00 00000000 fffffff0 00"))).toBe("ERR_FMQ_TRUNCATED")
  })

  test("several frames are refused by tryDecode", () => {
    const r = tryDecode([hex(vectors.HUGZ), hex(vectors.HUGZ)])
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.code).toBe("ERR_FMQ_FRAMES")
    expect(tryDecode([hex(vectors.HUGZ)])).toEqual({ok: true, message: {id: "HUGZ"}})
  })

  test("random bytes: only FmqProtocolError, never anything else", () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 200}), fc.integer({min: 0, max: 255}), (body, id) => {
        const frame = Buffer.concat([hex("aaa3"), Buffer.from([id]), Buffer.from(body)])
        try {
          decode(frame)
        } catch (e) {
          expect(e).toBeInstanceOf(FmqProtocolError)
        }
        try {
          decode(Buffer.from(body))
        } catch (e) {
          expect(e).toBeInstanceOf(FmqProtocolError)
        }
      }),
      {numRuns: 5000},
    )
  })

  test("mutations of valid frames: only FmqProtocolError", () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.integer({min: 0, max: 255}), (m, at, byte) => {
        const wire = Buffer.from(encode(m))
        wire[at % wire.length] = byte
        try {
          decode(wire)
        } catch (e) {
          expect(e).toBeInstanceOf(FmqProtocolError)
        }
      }),
      {numRuns: 3000},
    )
  })

  test("the encoder refuses what it cannot put on the wire", () => {
    const bad: FmqMessageInit[] = [
      {id: "RTFM", reason: "x".repeat(256)},
      {id: "ICANHAZ", path: "/", cache: {["k".repeat(256)]: "v"}},
      {id: "NOM", credit: -1, sequence: 0},
      {id: "NOM", credit: 1.5, sequence: 0},
      {id: "CHEEZBURGER", sequence: 0, operation: 256, filename: "/", offset: 0, eof: false},
    ]
    for (const m of bad) expect(() => encode(m)).toThrow(FmqProtocolError)
    expect(MessageId.RTFM).toBe(0x81)
  })
})
