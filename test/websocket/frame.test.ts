/**
 * The WebSocket codec (src/transport/websocket/): RFC 6455's own examples byte for byte, and
 * fast-check round trips of frames and fragmented messages through WsReader however the bytes are
 * cut, masked or not; masking never alters the caller's buffers.
 */
import {describe, expect, test} from "vitest"
import fc from "fast-check"
import {encodeFrame, encodeFrameHeader, Opcode, randomMask} from "../../src/transport/websocket/frame.js"
import {WsReader, type WsHandler} from "../../src/transport/websocket/reader.js"
import {acceptKey, checkClientRequest, checkServerResponse, clientRequest, parseResponseHead, serverResponse} from "../../src/transport/websocket/handshake.js"

type Event = [string, number | null, string]

/** A reader that records what it hands up, as [kind, opcode or status, hex or reason]. */
function recorder(expectMasked: boolean, maxMessage = -1): {reader: WsReader; events: Event[]} {
  const events: Event[] = []
  const handler: WsHandler = {
    message: (opcode, data) => events.push(["message", opcode, data.toString("hex")]),
    ping: data => events.push(["ping", null, data.toString("hex")]),
    pong: data => events.push(["pong", null, data.toString("hex")]),
    close: (code, reason) => events.push(["close", code, reason]),
  }
  return {reader: new WsReader({expectMasked, maxMessage}, handler), events}
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex")

describe("RFC 6455 §5.7's examples", () => {
  const mask = hex("37fa213d")
  test("a single-frame unmasked text message", () => {
    expect(encodeFrame(Opcode.Text, Buffer.from("Hello"), null).toString("hex")).toBe("810548656c6c6f")
  })
  test("a single-frame masked text message", () => {
    expect(encodeFrame(Opcode.Text, Buffer.from("Hello"), mask).toString("hex")).toBe("818537fa213d7f9f4d5158")
  })
  test("a fragmented unmasked text message", () => {
    const {reader, events} = recorder(false)
    reader.push(hex("010348656c"))
    reader.push(hex("80026c6f"))
    expect(events).toEqual([["message", 1, Buffer.from("Hello").toString("hex")]])
    expect(encodeFrame(Opcode.Text, Buffer.from("Hel"), null, false).toString("hex")).toBe("010348656c")
    expect(encodeFrame(Opcode.Continuation, Buffer.from("lo"), null).toString("hex")).toBe("80026c6f")
  })
  test("unmasked ping and masked pong", () => {
    expect(encodeFrame(Opcode.Ping, Buffer.from("Hello"), null).toString("hex")).toBe("890548656c6c6f")
    expect(encodeFrame(Opcode.Pong, Buffer.from("Hello"), mask).toString("hex")).toBe("8a8537fa213d7f9f4d5158")
  })
  test("256 bytes and 64 KiB in one unmasked binary frame", () => {
    expect(encodeFrame(Opcode.Binary, Buffer.alloc(256), null).subarray(0, 4).toString("hex")).toBe("827e0100")
    expect(encodeFrame(Opcode.Binary, Buffer.alloc(65536), null).subarray(0, 10).toString("hex")).toBe("827f0000000000010000")
    expect(encodeFrameHeader(Opcode.Binary, 65536, null).toString("hex")).toBe("827f0000000000010000")
  })
})

describe("round trips", () => {
  const payload = fc.uint8Array({maxLength: 70_000}).map(a => Buffer.from(a))
  const cuts = fc.array(fc.nat(), {maxLength: 8})

  /** `bytes` cut at the given points (mod its length): how a socket may deliver it. */
  function split(bytes: Buffer, at: number[]): Buffer[] {
    const points = [...new Set(at.map(p => (bytes.length === 0 ? 0 : p % bytes.length)))].sort((a, b) => a - b)
    const out: Buffer[] = []
    let last = 0
    for (const p of points) {
      out.push(bytes.subarray(last, p))
      last = p
    }
    out.push(bytes.subarray(last))
    return out
  }

  test("binary messages, masked or not, in any fragments, through any cuts; the input is never changed", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(payload, fc.integer({min: 1, max: 4}), fc.boolean()), {minLength: 1, maxLength: 4}), cuts, (messages, at) => {
        const masked = messages[0]![2]
        const {reader, events} = recorder(masked)
        const wire: Buffer[] = []
        for (const [body, pieces] of messages) {
          const copy = Buffer.from(body)
          const size = Math.ceil(body.length / pieces) || 1
          for (let i = 0, first = true; first || i < body.length; i += size, first = false) {
            const last = i + size >= body.length
            wire.push(encodeFrame(first ? Opcode.Binary : Opcode.Continuation, body.subarray(i, i + size), masked ? randomMask() : null, last))
            // A ping between fragments is allowed (§5.4) and comes up on its own.
            if (!last) wire.push(encodeFrame(Opcode.Ping, Buffer.from("p"), masked ? randomMask() : null))
          }
          expect(body.equals(copy)).toBe(true)
        }
        for (const chunk of split(Buffer.concat(wire), at)) reader.push(chunk)
        const got = events.filter(e => e[0] === "message").map(e => e[2])
        expect(got).toEqual(messages.map(([body]) => body.toString("hex")))
      }),
      {numRuns: 60},
    )
  })

  test("a payload in pieces is framed as one, and the minimal length form is used", () => {
    fc.assert(
      fc.property(fc.array(payload, {maxLength: 3}), fc.boolean(), (parts, masked) => {
        const whole = Buffer.concat(parts)
        const frame = encodeFrame(Opcode.Binary, parts, masked ? randomMask() : null)
        const lengthByte = frame[1]! & 0x7f
        expect(lengthByte).toBe(whole.length < 126 ? whole.length : whole.length < 65536 ? 126 : 127)
        const {reader, events} = recorder(masked)
        reader.push(frame)
        expect(events).toEqual([["message", 2, whole.toString("hex")]])
      }),
      {numRuns: 60},
    )
  })

  test("close frames with a status and a UTF-8 reason", () => {
    const {reader, events} = recorder(true)
    const body = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from("bye ✓")])
    reader.push(encodeFrame(Opcode.Close, body, randomMask()))
    expect(events).toEqual([["close", 1000, "bye ✓"]])
  })
})

describe("the opening handshake", () => {
  test("RFC 6455 §1.3's accept key", () => {
    expect(acceptKey("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
  })

  test("a request and its 101, checked both ways", () => {
    const key = "dGhlIHNhbXBsZSBub25jZQ=="
    const request = clientRequest({host: "127.0.0.1:5555", path: "/zmq", key, protocols: ["ZWS2.0/NULL", "ZWS2.0"]})
    expect(request).toBe(
      "GET /zmq HTTP/1.1\r\nHost: 127.0.0.1:5555\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: ZWS2.0/NULL,ZWS2.0\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    const headers = {upgrade: "websocket", connection: "keep-alive, Upgrade", "sec-websocket-key": key, "sec-websocket-version": "13", "sec-websocket-protocol": "ZWS2.0/NULL, ZWS2.0"}
    expect(checkClientRequest(headers, "GET", "1.1")).toEqual({key, protocols: ["ZWS2.0/NULL", "ZWS2.0"]})
    const response = Buffer.from(serverResponse(key, "ZWS2.0/NULL") + "rest")
    const head = parseResponseHead(response)!
    expect(response.subarray(head.headLength).toString()).toBe("rest")
    expect(checkServerResponse(head, key, ["ZWS2.0/NULL", "ZWS2.0"])).toBe("ZWS2.0/NULL")
    expect(parseResponseHead(response.subarray(0, 40))).toBeNull()
  })

  test("what a client refuses in a response", () => {
    const key = "dGhlIHNhbXBsZSBub25jZQ=="
    const check = (text: string, offered = ["ZWS2.0/NULL"]) => () => checkServerResponse(parseResponseHead(Buffer.from(text))!, key, offered)
    const good = serverResponse(key, "ZWS2.0/NULL")
    expect(check(good.replace("101 Switching Protocols", "404 Not Found"))).toThrow(/answered 404/)
    expect(check(good.replace("Upgrade: websocket\r\n", ""))).toThrow(/Upgrade: websocket/)
    expect(check(good.replace("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "AAAA"))).toThrow(/Sec-WebSocket-Accept/)
    expect(check(good, ["ZWS2.0/CURVE"])).toThrow(/not offered/)
    expect(check(good.replace("Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n", ""))).toThrow(/not offered/)
    expect(() => parseResponseHead(Buffer.alloc(9000, 0x41))).toThrow(/over 8192/)
    expect(() => parseResponseHead(Buffer.from("HTTP/1.0 101 X\r\n\r\n"))).toThrow(/status line/)
  })

  test("what a server refuses in a request", () => {
    const ok = {upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13"}
    expect(() => checkClientRequest(ok, "POST", "1.1")).toThrow(/method POST/)
    expect(() => checkClientRequest(ok, "GET", "1.0")).toThrow(/HTTP\/1.0/)
    expect(() => checkClientRequest({...ok, upgrade: "h2c"}, "GET", "1.1")).toThrow(/Upgrade/)
    expect(() => checkClientRequest({...ok, "sec-websocket-version": "8"}, "GET", "1.1")).toThrow(/Version/)
    expect(() => checkClientRequest({...ok, "sec-websocket-key": "short"}, "GET", "1.1")).toThrow(/16 bytes/)
  })
})
