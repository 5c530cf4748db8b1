/**
 * Hostile WebSocket input: each violation of RFC 6455 §5 gives a WsError with its code and the
 * close status to send, never another exception, and no allocation for a length only declared.
 * Random bytes only ever give messages or a WsError. The end-to-end check (a bad frame closes that
 * connection only) is in test/interop/ws.test.ts.
 */
import {describe, expect, test} from "vitest"
import fc from "fast-check"
import {WsError} from "../../src/transport/websocket/errors.js"
import {encodeFrame, Opcode} from "../../src/transport/websocket/frame.js"
import {WsReader} from "../../src/transport/websocket/reader.js"

const ignore = {message() {}, ping() {}, pong() {}, close() {}}
const mask = Buffer.from([1, 2, 3, 4])

/** What reading `bytes` as a server (masked frames expected) or a client throws. */
function failure(bytes: Buffer, expectMasked = true, maxMessage = -1): WsError | null {
  const reader = new WsReader({expectMasked, maxMessage}, ignore)
  try {
    reader.push(bytes)
    return null
  } catch (e) {
    if (!(e instanceof WsError)) throw e
    return e
  }
}

describe("each violation, with its code and close status", () => {
  const cases: [string, Buffer, string, number, boolean?, number?][] = [
    ["an unmasked frame to a server", encodeFrame(Opcode.Binary, Buffer.from("x"), null), "ERR_WS_UNMASKED_FRAME", 1002],
    ["a masked frame to a client", encodeFrame(Opcode.Binary, Buffer.from("x"), mask), "ERR_WS_MASKED_FRAME", 1002, false],
    ["RSV1 set", Buffer.from([0xc2, 0x80, 1, 2, 3, 4]), "ERR_WS_RESERVED_BITS", 1002],
    ["opcode 3 (reserved)", Buffer.from([0x83, 0x80, 1, 2, 3, 4]), "ERR_WS_BAD_OPCODE", 1002],
    ["opcode 0xB (reserved control)", Buffer.from([0x8b, 0x80, 1, 2, 3, 4]), "ERR_WS_BAD_OPCODE", 1002],
    ["a fragmented ping", encodeFrame(Opcode.Ping, Buffer.from("x"), mask, false), "ERR_WS_FRAGMENTED_CONTROL", 1002],
    ["a 126-byte pong", encodeFrame(Opcode.Pong, Buffer.alloc(126), mask), "ERR_WS_CONTROL_TOO_LONG", 1002],
    ["a continuation with nothing begun", encodeFrame(Opcode.Continuation, Buffer.from("x"), mask), "ERR_WS_BAD_CONTINUATION", 1002],
    [
      "a new message inside a fragmented one",
      Buffer.concat([encodeFrame(Opcode.Binary, Buffer.from("a"), mask, false), encodeFrame(Opcode.Binary, Buffer.from("b"), mask)]),
      "ERR_WS_BAD_CONTINUATION",
      1002,
    ],
    ["a 64-bit length with the top bit set", Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]), "ERR_WS_TOO_LARGE", 1009],
    ["a close frame with a 1-byte body", encodeFrame(Opcode.Close, Buffer.from([3]), mask), "ERR_WS_BAD_CLOSE", 1002],
    ["close status 1005 on the wire", encodeFrame(Opcode.Close, Buffer.from([0x03, 0xed]), mask), "ERR_WS_BAD_CLOSE_CODE", 1002],
    ["close status 999", encodeFrame(Opcode.Close, Buffer.from([0x03, 0xe7]), mask), "ERR_WS_BAD_CLOSE_CODE", 1002],
    ["close status 2000 (unassigned)", encodeFrame(Opcode.Close, Buffer.from([0x07, 0xd0]), mask), "ERR_WS_BAD_CLOSE_CODE", 1002],
    ["a close reason that is not UTF-8", encodeFrame(Opcode.Close, Buffer.from([0x03, 0xe8, 0xff, 0xfe]), mask), "ERR_WS_BAD_UTF8", 1007],
  ]
  for (const [what, bytes, code, closeCode, expectMasked] of cases) {
    test(what, () => {
      expect(failure(bytes, expectMasked ?? true)).toMatchObject({code, closeCode})
    })
  }

  test("a message over maxMessage, in one frame or in fragments, is refused at the header", () => {
    expect(failure(encodeFrame(Opcode.Binary, Buffer.alloc(101), mask), true, 100)).toMatchObject({code: "ERR_WS_TOO_LARGE", closeCode: 1009})
    const fragments = Buffer.concat([encodeFrame(Opcode.Binary, Buffer.alloc(60), mask, false), encodeFrame(Opcode.Continuation, Buffer.alloc(60), mask)])
    expect(failure(fragments, true, 100)).toMatchObject({code: "ERR_WS_TOO_LARGE"})
    expect(failure(encodeFrame(Opcode.Binary, Buffer.alloc(100), mask), true, 100)).toBeNull()
  })

  test("a declared 2^52-byte frame allocates nothing: only what arrives is kept", () => {
    const reader = new WsReader({expectMasked: true, maxMessage: -1}, ignore)
    const before = process.memoryUsage().arrayBuffers
    const header = Buffer.from([0x82, 0xff, 0, 0x10, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4])
    reader.push(header)
    for (let i = 0; i < 10; i++) reader.push(Buffer.alloc(1024))
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024)
  })

  test("after a violation the reader stays failed and reads nothing more", () => {
    let messages = 0
    const reader = new WsReader({expectMasked: true, maxMessage: -1}, {...ignore, message: () => messages++})
    expect(() => reader.push(Buffer.from([0xc2, 0x80, 1, 2, 3, 4]))).toThrow(WsError)
    reader.push(encodeFrame(Opcode.Binary, Buffer.from("x"), mask))
    expect(messages).toBe(0)
  })
})

test("random bytes give messages or a WsError, nothing else", () => {
  fc.assert(
    fc.property(fc.uint8Array({maxLength: 300}), fc.boolean(), fc.integer({min: -1, max: 200}), (bytes, expectMasked, maxMessage) => {
      const reader = new WsReader({expectMasked, maxMessage}, ignore)
      try {
        reader.push(Buffer.from(bytes))
      } catch (e) {
        expect(e).toBeInstanceOf(WsError)
      }
    }),
    {numRuns: 2000},
  )
})
