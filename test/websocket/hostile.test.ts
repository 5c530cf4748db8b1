/**
 * Hostile WebSocket input: each violation of RFC 6455 §5 gives a WsError with its code and the
 * close status to send (§7.4.1), however the bytes are cut, and never another exception; nothing
 * is allocated for a length a peer only declares; random and mutated bytes only ever give
 * messages or a WsError. The end-to-end check (a bad frame closes that connection only) is in
 * test/interop/ws.test.ts.
 */
import {Buffer} from "node:buffer"
import {afterEach, describe, expect, test, vi} from "vitest"
import fc from "fast-check"
import {WsError} from "../../src/transport/websocket/errors.js"
import {encodeFrame, Opcode} from "../../src/transport/websocket/frame.js"
import {HARD_LIMIT, validCloseCode, WsReader} from "../../src/transport/websocket/reader.js"
import {hex, readAll} from "./helpers.js"

const CASES = Number(process.env.ZMTP_FUZZ_CASES ?? 3000)
const ignore = {message() {}, ping() {}, pong() {}, close() {}}
const mask = Buffer.from([1, 2, 3, 4])
const m = (opcode: number, body: Buffer | number[], fin = true) => encodeFrame(opcode, Buffer.from(body), mask, fin)
const u = (opcode: number, body: Buffer | number[], fin = true) => encodeFrame(opcode, Buffer.from(body), null, fin)

/** What reading `chunks` throws (a WsError, or null when nothing is thrown). */
function failure(chunks: Buffer | Buffer[], expectMasked = true, maxMessage = -1): WsError | null {
  const reader = new WsReader({expectMasked, maxMessage}, ignore)
  try {
    for (const c of Array.isArray(chunks) ? chunks : [chunks]) reader.push(c)
    return null
  } catch (e) {
    if (!(e instanceof WsError)) throw e
    return e
  }
}

const bytewise = (b: Buffer) => [...b].map(x => Buffer.of(x))

describe("each violation, with its code and close status, whole or a byte at a time", () => {
  // [what, bytes, code, closeCode, expectMasked (default: a server's reader), maxMessage]
  const cases: [string, Buffer, string, number, boolean?, number?][] = [
    ["an unmasked frame to a server (§5.1)", u(Opcode.Binary, [0x78]), "ERR_WS_UNMASKED_FRAME", 1002],
    ["an unmasked ping to a server", u(Opcode.Ping, []), "ERR_WS_UNMASKED_FRAME", 1002],
    ["a masked frame to a client (§5.1)", m(Opcode.Binary, [0x78]), "ERR_WS_MASKED_FRAME", 1002, false],
    ["RSV1 set (§5.2)", hex("c280 01020304"), "ERR_WS_RESERVED_BITS", 1002],
    ["RSV2 set", hex("a280 01020304"), "ERR_WS_RESERVED_BITS", 1002],
    ["RSV3 set on a client's reader", hex("9200"), "ERR_WS_RESERVED_BITS", 1002, false],
    ["opcode 3 (reserved data)", hex("8380 01020304"), "ERR_WS_BAD_OPCODE", 1002],
    ["opcode 7 (reserved data)", hex("8780 01020304"), "ERR_WS_BAD_OPCODE", 1002],
    ["opcode 0xB (reserved control)", hex("8b80 01020304"), "ERR_WS_BAD_OPCODE", 1002],
    ["opcode 0xF (reserved control)", hex("8f00"), "ERR_WS_BAD_OPCODE", 1002, false],
    ["a fragmented ping (§5.5)", m(Opcode.Ping, [0x78], false), "ERR_WS_FRAGMENTED_CONTROL", 1002],
    ["a fragmented close", u(Opcode.Close, [], false), "ERR_WS_FRAGMENTED_CONTROL", 1002, false],
    ["a 126-byte pong (§5.5)", m(Opcode.Pong, Buffer.alloc(126)), "ERR_WS_CONTROL_TOO_LONG", 1002],
    ["a ping declaring 2^40 bytes", hex("89ff 0000010000000000 01020304"), "ERR_WS_CONTROL_TOO_LONG", 1002],
    ["a continuation with nothing begun (§5.4)", m(Opcode.Continuation, [0x78]), "ERR_WS_BAD_CONTINUATION", 1002],
    ["a final continuation with nothing begun", u(Opcode.Continuation, []), "ERR_WS_BAD_CONTINUATION", 1002, false],
    ["a new message inside a fragmented one", Buffer.concat([m(Opcode.Binary, [0x61], false), m(Opcode.Binary, [0x62])]), "ERR_WS_BAD_CONTINUATION", 1002],
    ["a text message inside a binary one", Buffer.concat([u(Opcode.Binary, [0x61], false), u(Opcode.Ping, []), u(Opcode.Text, [0x62])]), "ERR_WS_BAD_CONTINUATION", 1002, false],
    ["a continuation after the message ended", Buffer.concat([m(Opcode.Binary, [0x61]), m(Opcode.Continuation, [0x62])]), "ERR_WS_BAD_CONTINUATION", 1002],
    ["a 64-bit length with the top bit set (§5.2)", hex("82ff 8000000000000001 01020304"), "ERR_WS_BAD_LENGTH", 1002],
    ["a 64-bit length of 2^64 - 1", hex("82ff ffffffffffffffff 01020304"), "ERR_WS_BAD_LENGTH", 1002],
    ["a message over maxMessage", m(Opcode.Binary, Buffer.alloc(101)), "ERR_WS_TOO_LARGE", 1009, true, 100],
    ["fragments over maxMessage together", Buffer.concat([m(Opcode.Binary, Buffer.alloc(60), false), m(Opcode.Continuation, Buffer.alloc(41))]), "ERR_WS_TOO_LARGE", 1009, true, 100],
    ["one byte with maxMessage 0", u(Opcode.Text, [0x78]), "ERR_WS_TOO_LARGE", 1009, false, 0],
    ["2^62 declared, no maxMessage", hex("82ff 4000000000000000 01020304"), "ERR_WS_TOO_LARGE", 1009],
    ["2^53 declared, no maxMessage", hex("82ff 0020000000000000 01020304"), "ERR_WS_TOO_LARGE", 1009],
    ["a close frame with a 1-byte body (§5.5.1)", m(Opcode.Close, [0x03]), "ERR_WS_BAD_CLOSE_CODE", 1002],
    ["close status 1005 on the wire (§7.4.1)", m(Opcode.Close, [0x03, 0xed]), "ERR_WS_BAD_CLOSE_CODE", 1002],
    ["close status 999", m(Opcode.Close, [0x03, 0xe7]), "ERR_WS_BAD_CLOSE_CODE", 1002],
    ["close status 2000 (unassigned)", m(Opcode.Close, [0x07, 0xd0]), "ERR_WS_BAD_CLOSE_CODE", 1002],
    ["a close reason that is not UTF-8 (§8.1)", m(Opcode.Close, [0x03, 0xe8, 0xff, 0xfe]), "ERR_WS_BAD_UTF8", 1007],
    ["a close reason with a UTF-16 surrogate in UTF-8", m(Opcode.Close, [0x03, 0xe8, 0xed, 0xa0, 0x80]), "ERR_WS_BAD_UTF8", 1007],
    ["a close reason cut inside a character", m(Opcode.Close, [0x03, 0xe8, 0xe2, 0x9c]), "ERR_WS_BAD_UTF8", 1007],
  ]
  for (const [what, bytes, code, closeCode, expectMasked = true, maxMessage = -1] of cases) {
    test(what, () => {
      const whole = failure(bytes, expectMasked, maxMessage)
      expect(whole).toBeInstanceOf(WsError)
      expect(whole).toMatchObject({code, closeCode, kind: "protocol", fatal: true})
      expect(failure(bytewise(bytes), expectMasked, maxMessage)).toMatchObject({code, closeCode})
    })
  }

  test("at the limit is fine: exactly maxMessage bytes, in one frame or in fragments", () => {
    expect(failure(m(Opcode.Binary, Buffer.alloc(100)), true, 100)).toBeNull()
    expect(failure(Buffer.concat([m(Opcode.Binary, Buffer.alloc(60), false), m(Opcode.Continuation, Buffer.alloc(40))]), true, 100)).toBeNull()
    expect(failure(u(Opcode.Binary, []), false, 0)).toBeNull()
    // The limit is the message's: control frames between fragments do not count towards it.
    expect(failure(Buffer.concat([m(Opcode.Binary, Buffer.alloc(60), false), m(Opcode.Ping, Buffer.alloc(100)), m(Opcode.Continuation, Buffer.alloc(40))]), true, 100)).toBeNull()
  })

  test("the hard limit with no maxMessage is HARD_LIMIT exactly (a Buffer's most, at most 2^53 - 1)", () => {
    expect(HARD_LIMIT).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER)
    const header = (n: number) => {
      const b = Buffer.from(hex("82ff 0000000000000000 01020304"))
      b.writeUInt32BE(Math.floor(n / 2 ** 32), 2)
      b.writeUInt32BE(n >>> 0, 6)
      return b
    }
    expect(failure(header(HARD_LIMIT))).toBeNull()
    expect(failure(header(HARD_LIMIT + 1))).toMatchObject({code: "ERR_WS_TOO_LARGE", closeCode: 1009})
  })

  test("the close statuses a peer may send, and those it may not (§7.4)", () => {
    const allowed = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]
    const refused = [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]
    for (const code of allowed) {
      expect(validCloseCode(code)).toBe(true)
      expect(readAll([u(Opcode.Close, [code >> 8, code & 0xff])], false)).toEqual([["close", code, ""]])
    }
    for (const code of refused) {
      expect(validCloseCode(code)).toBe(false)
      expect(failure(u(Opcode.Close, [code >> 8, code & 0xff]), false)).toMatchObject({code: "ERR_WS_BAD_CLOSE_CODE", closeCode: 1002})
    }
  })

  test("a violation is found from the first two bytes: no need to wait for the rest", () => {
    expect(failure(hex("c2"), true)).toBeNull()
    expect(failure(hex("c2ff"), true)).toMatchObject({code: "ERR_WS_RESERVED_BITS"})
    expect(failure(hex("8200"), true)).toMatchObject({code: "ERR_WS_UNMASKED_FRAME"})
  })
})

describe("what is accepted although §5.2 frowns on it", () => {
  test("a length in a longer form than needed is read for its value", () => {
    // 5 bytes in the 16-bit form and in the 64-bit form; a 3-byte ping in the 16-bit form.
    expect(readAll([hex("827e0005 68656c6c6f")], false)).toEqual([["message", 2, "68656c6c6f"]])
    expect(readAll([hex("827f0000000000000005 68656c6c6f")], false)).toEqual([["message", 2, "68656c6c6f"]])
    expect(readAll([hex("897e0003 616263")], false)).toEqual([["ping", null, "616263"]])
  })

  test("a Text message that is not UTF-8 is handed up as it is: the caller decides", () => {
    expect(readAll([u(Opcode.Text, [0xff, 0xfe])], false)).toEqual([["message", 1, "fffe"]])
  })
})

describe("no allocation from a declared length", () => {
  afterEach(() => vi.restoreAllMocks())

  /** The largest allocation any Buffer factory is asked for while `run` runs. */
  function largestAllocation(run: () => void): number {
    let largest = 0
    const note = (n: unknown) => {
      if (typeof n === "number") largest = Math.max(largest, n)
    }
    for (const name of ["alloc", "allocUnsafe", "allocUnsafeSlow"] as const) {
      const original = Buffer[name].bind(Buffer) as (n: number) => Buffer
      vi.spyOn(Buffer, name).mockImplementation(((n: number, ...rest: unknown[]) => {
        note(n)
        return (original as (...a: unknown[]) => Buffer)(n, ...rest)
      }) as never)
    }
    const concat = Buffer.concat.bind(Buffer)
    vi.spyOn(Buffer, "concat").mockImplementation(((list: readonly Uint8Array[], total?: number) => {
      note(total ?? list.reduce((s, b) => s + b.length, 0))
      return concat(list, total)
    }) as never)
    run()
    return largest
  }

  test("a frame declaring the hard limit, with no maxMessage, keeps only what arrived", () => {
    const before = process.memoryUsage().arrayBuffers
    const largest = largestAllocation(() => {
      const reader = new WsReader({expectMasked: true, maxMessage: -1}, ignore)
      const header = hex("82ff 0000000000000000 01020304")
      header.writeUInt32BE(Math.floor(HARD_LIMIT / 2 ** 32), 2)
      header.writeUInt32BE(HARD_LIMIT >>> 0, 6)
      reader.push(header)
      for (let i = 0; i < 64; i++) reader.push(Buffer.alloc(1024))
    })
    expect(largest).toBeLessThanOrEqual(1024)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024)
  })

  test("a refused 2^62-byte header allocates nothing but the reader's own 14-byte header buffer", () => {
    const largest = largestAllocation(() => {
      expect(failure(hex("82ff 4000000000000000 01020304"))).toMatchObject({code: "ERR_WS_TOO_LARGE"})
    })
    expect(largest).toBe(14)
  })

  test("a fragmented message under way holds what arrived, nothing more", () => {
    const largest = largestAllocation(() => {
      const reader = new WsReader({expectMasked: false, maxMessage: -1}, ignore)
      reader.push(u(Opcode.Binary, Buffer.alloc(10), false))
      reader.push(hex("007f 0000000080000000"))
      reader.push(Buffer.alloc(4096))
    })
    expect(largest).toBeLessThanOrEqual(4096)
  })

  test("fragments are held to the hard limit together, from their headers", () => {
    const first = u(Opcode.Binary, Buffer.alloc(10), false)
    const rest = hex("007f 0000000000000000")
    rest.writeUInt32BE(Math.floor((HARD_LIMIT - 9) / 2 ** 32), 2)
    rest.writeUInt32BE((HARD_LIMIT - 9) >>> 0, 6)
    expect(failure([first, rest], false)).toMatchObject({code: "ERR_WS_TOO_LARGE", closeCode: 1009})
    rest.writeUInt32BE((HARD_LIMIT - 10) >>> 0, 6)
    expect(failure([first, rest], false)).toBeNull()
  })
})

describe("after a violation", () => {
  test("the reader stays failed and reads nothing more", () => {
    let messages = 0
    const reader = new WsReader({expectMasked: true, maxMessage: -1}, {...ignore, message: () => messages++})
    expect(() => reader.push(hex("c280 01020304"))).toThrow(WsError)
    reader.push(m(Opcode.Binary, [0x78]))
    expect(messages).toBe(0)
  })

  test("a handler's own exception passes through as it is, and the reader stops", () => {
    const reader = new WsReader({expectMasked: false, maxMessage: -1}, {...ignore, ping: () => {
      throw new TypeError("handler")
    }})
    expect(() => reader.push(Buffer.concat([u(Opcode.Ping, []), u(Opcode.Ping, [])]))).toThrow(TypeError)
    expect(() => reader.push(u(Opcode.Ping, []))).not.toThrow()
  })
})

describe("fuzz: only messages, control frames or a WsError", () => {
  /** Reads `chunks`; fails the property on anything but a WsError or a well-formed callback. */
  function survive(chunks: Buffer[], expectMasked: boolean, maxMessage: number): void {
    const check = (data: Buffer) => expect(Buffer.isBuffer(data)).toBe(true)
    const reader = new WsReader({expectMasked, maxMessage}, {
      message: (opcode, data) => {
        expect([1, 2]).toContain(opcode)
        check(data)
        if (maxMessage >= 0) expect(data.length).toBeLessThanOrEqual(maxMessage)
      },
      ping: data => expect(data.length).toBeLessThanOrEqual(125),
      pong: data => expect(data.length).toBeLessThanOrEqual(125),
      close: (code, reason) => {
        if (code !== null) expect(validCloseCode(code)).toBe(true)
        expect(typeof reason).toBe("string")
      },
    })
    try {
      for (const c of chunks) reader.push(c)
    } catch (e) {
      if (!(e instanceof WsError)) throw e
      expect(typeof e.code).toBe("string")
      expect([1002, 1007, 1009]).toContain(e.closeCode)
    }
  }

  test("random bytes, cut anywhere", () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 300}), fc.array(fc.nat(), {maxLength: 5}), fc.boolean(), fc.integer({min: -1, max: 200}), (bytes, cuts, expectMasked, maxMessage) => {
        const b = Buffer.from(bytes)
        const points = [...new Set(cuts.map(c => c % (b.length + 1)))].sort((x, y) => x - y)
        const chunks = [0, ...points].map((p, i, all) => b.subarray(p, all[i + 1] ?? b.length))
        survive(chunks, expectMasked, maxMessage)
      }),
      {numRuns: CASES},
    )
  })

  test("valid frames with bytes flipped", () => {
    const frame = fc.record({
      opcode: fc.constantFrom(0, 1, 2, 8, 9, 10),
      body: fc.uint8Array({maxLength: 200}),
      fin: fc.boolean(),
    })
    fc.assert(
      fc.property(fc.array(frame, {minLength: 1, maxLength: 6}), fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.integer({min: 1, max: 255})), {maxLength: 4}), fc.integer({min: -1, max: 300}), (frames, masked, flips, maxMessage) => {
        const wire = Buffer.concat(frames.map(f => encodeFrame(f.opcode, f.body, masked ? mask : null, f.fin)))
        for (const [at, x] of flips) wire[at % wire.length]! ^= x
        survive([wire], masked, maxMessage)
      }),
      {numRuns: CASES},
    )
  })
})
