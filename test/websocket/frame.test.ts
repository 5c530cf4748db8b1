/**
 * The WebSocket framing (src/transport/websocket/frame.ts, mask.ts, reader.ts): RFC 6455 §5.7's
 * examples byte for byte both ways, the minimal length forms, and fast-check round trips of
 * messages (any opcode, fragments, control frames between them) through WsReader however the
 * bytes are cut, masked or not. Neither side ever alters a buffer it was given.
 */
import {Buffer} from "node:buffer"
import {describe, expect, test} from "vitest"
import fc from "fast-check"
import {encodeFrame, encodeFrameHeader, Opcode, randomMask} from "../../src/transport/websocket/frame.js"
import {maskInto, packKey, rotateKey} from "../../src/transport/websocket/mask.js"
import {type Event, hex, readAll, recorder, split} from "./helpers.js"

const hello = Buffer.from("Hello").toString("hex")

describe("RFC 6455 §5.7's examples, encoded and read back", () => {
  const mask = hex("37fa213d")

  test("a single-frame unmasked text message", () => {
    expect(encodeFrame(Opcode.Text, Buffer.from("Hello"), null).toString("hex")).toBe("810548656c6c6f")
    expect(readAll([hex("810548656c6c6f")], false)).toEqual([["message", 1, hello]])
  })

  test("a single-frame masked text message", () => {
    expect(encodeFrame(Opcode.Text, Buffer.from("Hello"), mask).toString("hex")).toBe("818537fa213d7f9f4d5158")
    expect(readAll([hex("818537fa213d7f9f4d5158")], true)).toEqual([["message", 1, hello]])
  })

  test("a fragmented unmasked text message", () => {
    expect(encodeFrame(Opcode.Text, Buffer.from("Hel"), null, false).toString("hex")).toBe("010348656c")
    expect(encodeFrame(Opcode.Continuation, Buffer.from("lo"), null).toString("hex")).toBe("80026c6f")
    expect(readAll([hex("010348656c"), hex("80026c6f")], false)).toEqual([["message", 1, hello]])
    expect(readAll([hex("010348656c 80026c6f")], false)).toEqual([["message", 1, hello]])
  })

  test("an unmasked ping and a masked pong", () => {
    expect(encodeFrame(Opcode.Ping, Buffer.from("Hello"), null).toString("hex")).toBe("890548656c6c6f")
    expect(encodeFrame(Opcode.Pong, Buffer.from("Hello"), mask).toString("hex")).toBe("8a8537fa213d7f9f4d5158")
    expect(readAll([hex("890548656c6c6f")], false)).toEqual([["ping", null, hello]])
    expect(readAll([hex("8a8537fa213d7f9f4d5158")], true)).toEqual([["pong", null, hello]])
  })

  test("256 bytes and 64 KiB in a single unmasked binary frame", () => {
    const small = Buffer.alloc(256, 0xab)
    const big = Buffer.alloc(65536, 0xcd)
    const frame256 = encodeFrame(Opcode.Binary, small, null)
    const frame64k = encodeFrame(Opcode.Binary, big, null)
    expect(frame256.subarray(0, 4).toString("hex")).toBe("827e0100")
    expect(frame256.subarray(4).equals(small)).toBe(true)
    expect(frame64k.subarray(0, 10).toString("hex")).toBe("827f0000000000010000")
    expect(frame64k.subarray(10).equals(big)).toBe(true)
    expect(encodeFrameHeader(Opcode.Binary, 256, null).toString("hex")).toBe("827e0100")
    expect(encodeFrameHeader(Opcode.Binary, 65536, null).toString("hex")).toBe("827f0000000000010000")
    expect(readAll([frame256, frame64k], false)).toEqual([
      ["message", 2, small.toString("hex")],
      ["message", 2, big.toString("hex")],
    ])
  })
})

describe("lengths and headers", () => {
  test("the minimal form at each boundary (§5.2)", () => {
    const cases: [number, string][] = [
      [0, "8200"],
      [125, "827d"],
      [126, "827e007e"],
      [65535, "827effff"],
      [65536, "827f0000000000010000"],
      [2 ** 32, "827f0000000100000000"],
      [Number.MAX_SAFE_INTEGER, "827f001fffffffffffff"],
    ]
    for (const [length, header] of cases) {
      expect(encodeFrameHeader(Opcode.Binary, length, null).toString("hex")).toBe(header)
      if (length <= 65536) expect(encodeFrame(Opcode.Binary, Buffer.alloc(length), null).subarray(0, header.length / 2).toString("hex")).toBe(header)
    }
  })

  test("FIN, opcode and MASK bits; the key follows the length", () => {
    expect(encodeFrameHeader(Opcode.Continuation, 3, null, false).toString("hex")).toBe("0003")
    expect(encodeFrameHeader(Opcode.Close, 2, hex("01020304")).toString("hex")).toBe("888201020304")
    expect(encodeFrameHeader(Opcode.Binary, 300, hex("01020304")).toString("hex")).toBe("82fe012c01020304")
    expect(encodeFrameHeader(Opcode.Binary, 70000, hex("01020304")).toString("hex")).toBe("82ff000000000001117001020304")
  })

  test("encodeFrameHeader is exactly encodeFrame's header, for any length and mask", () => {
    fc.assert(
      fc.property(fc.integer({min: 0, max: 70_000}), fc.option(fc.uint8Array({minLength: 4, maxLength: 4})), fc.boolean(), (length, mask, fin) => {
        const frame = encodeFrame(Opcode.Binary, Buffer.alloc(length), mask, fin)
        const header = encodeFrameHeader(Opcode.Binary, length, mask, fin)
        expect(frame.length).toBe(header.length + length)
        expect(frame.subarray(0, header.length).equals(header)).toBe(true)
      }),
      {numRuns: 200},
    )
  })

  test("our own mistakes are RangeErrors, before anything is written", () => {
    expect(() => encodeFrame(Opcode.Binary, Buffer.from("x"), new Uint8Array(3))).toThrow(RangeError)
    expect(() => encodeFrame(16, Buffer.from("x"), null)).toThrow(RangeError)
    expect(() => encodeFrameHeader(Opcode.Binary, -1, null)).toThrow(RangeError)
    expect(() => encodeFrameHeader(Opcode.Binary, 1.5, null)).toThrow(RangeError)
    expect(() => encodeFrameHeader(Opcode.Binary, 2 ** 53, null)).toThrow(RangeError)
  })
})

describe("masking", () => {
  test("randomMask gives 4 bytes, a new key each time", () => {
    const keys = new Set<string>()
    for (let i = 0; i < 64; i++) {
      const m = randomMask()
      expect(m).toBeInstanceOf(Uint8Array)
      expect(m.length).toBe(4)
      keys.add(Buffer.from(m).toString("hex"))
    }
    expect(keys.size).toBeGreaterThan(60)
  })

  test("maskInto with a rotated key equals §5.3's octet-by-octet XOR, for any piece", () => {
    fc.assert(
      fc.property(fc.uint8Array({minLength: 4, maxLength: 4}), fc.uint8Array({maxLength: 40}), fc.nat(100), (mask, data, offset) => {
        const out = new Uint8Array(data.length)
        maskInto(out, 0, data, rotateKey(packKey(mask), offset))
        const expected = data.map((b, i) => b ^ mask[(offset + i) % 4]!)
        expect(Buffer.from(out).equals(Buffer.from(expected))).toBe(true)
      }),
    )
  })

  test("encodeFrame masks into the new frame and leaves the caller's buffers as they were", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({maxLength: 300}), {maxLength: 5}), fc.uint8Array({minLength: 4, maxLength: 4}), (parts, mask) => {
        const frozen = parts.map(p => Buffer.from(p))
        const maskCopy = Buffer.from(mask)
        const frame = encodeFrame(Opcode.Binary, parts, mask)
        parts.forEach((p, i) => expect(Buffer.from(p).equals(frozen[i]!)).toBe(true))
        expect(Buffer.from(mask).equals(maskCopy)).toBe(true)
        // And the frame holds the masked bytes: unmasking them gives the parts joined.
        const whole = Buffer.concat(frozen)
        const body = frame.subarray(frame.length - whole.length)
        expect(Buffer.from(body.map((b, i) => b ^ mask[i % 4]!)).equals(whole)).toBe(true)
      }),
    )
  })

  test("the reader unmasks into its own memory: the chunks it was given stay as they were", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({maxLength: 2000}), {minLength: 1, maxLength: 4}), fc.array(fc.nat(), {maxLength: 6}), (bodies, cuts) => {
        const wire = Buffer.concat(bodies.map(b => encodeFrame(Opcode.Binary, b, randomMask())))
        const frozen = Buffer.from(wire)
        const chunks = split(wire, cuts)
        expect(readAll(chunks, true).map(e => e[2])).toEqual(bodies.map(b => Buffer.from(b).toString("hex")))
        expect(wire.equals(frozen)).toBe(true)
      }),
    )
  })
})

/** One thing a peer may send, and what the reader should hand up for it. */
type Item = {kind: "data"; opcode: 1 | 2; body: Buffer; pieces: number; controls: Buffer[]} | {kind: "ping" | "pong"; body: Buffer}

const item: fc.Arbitrary<Item> = fc.oneof(
  fc.record({
    kind: fc.constant("data" as const),
    opcode: fc.constantFrom(1 as const, 2 as const),
    body: fc.uint8Array({maxLength: 70_000}).map(a => Buffer.from(a)),
    pieces: fc.integer({min: 1, max: 5}),
    // Control frames sent between this message's fragments (§5.4 allows it).
    controls: fc.array(fc.uint8Array({maxLength: 125}).map(a => Buffer.from(a)), {maxLength: 3}),
  }),
  fc.record({kind: fc.constantFrom("ping" as const, "pong" as const), body: fc.uint8Array({maxLength: 125}).map(a => Buffer.from(a))}),
)

/** The frames for `items` (masked or not), and the events a reader must hand up for them. */
function wireFor(items: readonly Item[], masked: boolean): {frames: Buffer[]; expected: Event[]} {
  const mask = () => (masked ? randomMask() : null)
  const frames: Buffer[] = []
  const expected: Event[] = []
  for (const it of items) {
    if (it.kind !== "data") {
      frames.push(encodeFrame(it.kind === "ping" ? Opcode.Ping : Opcode.Pong, it.body, mask()))
      expected.push([it.kind, null, it.body.toString("hex")])
      continue
    }
    const size = Math.ceil(it.body.length / it.pieces)
    for (let i = 0; i < it.pieces; i++) {
      const piece = it.body.subarray(i * size, (i + 1) * size)
      const last = i === it.pieces - 1
      frames.push(encodeFrame(i === 0 ? it.opcode : Opcode.Continuation, piece, mask(), last))
      const control = it.controls[i]
      if (!last && control) {
        frames.push(encodeFrame(Opcode.Ping, control, mask()))
        expected.push(["ping", null, control.toString("hex")])
      }
    }
    expected.push(["message", it.opcode, it.body.toString("hex")])
  }
  return {frames, expected}
}

describe("round trips through WsReader", () => {
  test("any messages and control frames, masked or not, through any cuts", () => {
    fc.assert(
      fc.property(fc.array(item, {minLength: 1, maxLength: 6}), fc.boolean(), fc.array(fc.nat(), {maxLength: 12}), (items, masked, cuts) => {
        const {frames, expected} = wireFor(items, masked)
        const wire = Buffer.concat(frames)
        expect(readAll(split(wire, cuts), masked)).toEqual(expected)
        // Many frames per chunk, and one frame per chunk, give the same.
        expect(readAll(frames, masked)).toEqual(expected)
      }),
      {numRuns: 150},
    )
  })

  test("a close frame with a status and a UTF-8 reason ends it; what follows is not read", () => {
    const body = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from("bye ✓")])
    const wire = Buffer.concat([encodeFrame(Opcode.Close, body, randomMask()), encodeFrame(Opcode.Binary, Buffer.from("late"), randomMask())])
    expect(readAll([wire], true)).toEqual([["close", 1000, "bye ✓"]])
    expect(readAll([encodeFrame(Opcode.Close, Buffer.alloc(0), null)], false)).toEqual([["close", null, ""]])
    // A leading U+FEFF is the peer's text, kept as it came.
    expect(readAll([encodeFrame(Opcode.Close, Buffer.from("03e8efbbbf78", "hex"), null)], false)).toEqual([["close", 1000, "\ufeffx"]])
  })

  test("split at every point, and at every pair of points, of a wire with every length form", () => {
    const mask = hex("a1b2c3d4")
    const frames = [
      encodeFrame(Opcode.Binary, Buffer.from("abc"), mask, false),
      encodeFrame(Opcode.Ping, Buffer.from("p"), mask),
      encodeFrame(Opcode.Continuation, Buffer.alloc(200, 7), mask),
      encodeFrame(Opcode.Text, Buffer.alloc(0), mask),
      encodeFrame(Opcode.Pong, Buffer.alloc(0), mask),
    ]
    const wire = Buffer.concat(frames)
    const expected = readAll([wire], true)
    expect(expected).toEqual([
      ["ping", null, "70"],
      ["message", 2, Buffer.concat([Buffer.from("abc"), Buffer.alloc(200, 7)]).toString("hex")],
      ["message", 1, ""],
      ["pong", null, ""],
    ])
    for (let i = 0; i <= wire.length; i++) expect(readAll(split(wire, [i]), true)).toEqual(expected)
    const short = Buffer.concat([frames[0]!, frames[1]!, encodeFrame(Opcode.Continuation, Buffer.alloc(130, 9), mask)])
    const shortExpected = readAll([short], true)
    for (let i = 0; i <= 40; i++) for (let j = i; j <= short.length; j++) expect(readAll(split(short, [i, j]), true)).toEqual(shortExpected)
    // One byte at a time, the 64-bit form included.
    const long = encodeFrame(Opcode.Binary, Buffer.alloc(70_000, 3), mask)
    const bytes = [...Buffer.concat([wire, long])].map(b => Buffer.of(b))
    expect(readAll(bytes, true)).toEqual([...expected, ["message", 2, Buffer.alloc(70_000, 3).toString("hex")]])
  })

  test("a thousand small frames in one chunk give a thousand messages, in order", () => {
    const bodies = Array.from({length: 1000}, (_, i) => Buffer.from(`m${i}`))
    const {reader, data} = recorder(false)
    reader.push(Buffer.concat(bodies.map(b => encodeFrame(Opcode.Binary, b, null))))
    expect(data.map(d => d.toString())).toEqual(bodies.map(b => b.toString()))
  })

  test("one large frame in many chunks is joined once, whatever the chunk size", () => {
    const body = Buffer.from(Array.from({length: 300_000}, (_, i) => i & 0xff))
    for (const masked of [false, true]) {
      const wire = encodeFrame(Opcode.Binary, body, masked ? randomMask() : null)
      const chunks: Buffer[] = []
      for (let at = 0; at < wire.length; at += 1000) chunks.push(wire.subarray(at, at + 1000))
      const {reader, data} = recorder(masked)
      for (const c of chunks) reader.push(c)
      expect(data.length).toBe(1)
      expect(data[0]!.equals(body)).toBe(true)
    }
  })
})
