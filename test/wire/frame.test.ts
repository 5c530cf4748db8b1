import {describe, expect, test} from "vitest"
import fc from "fast-check"
import {encodeFrame, encodeMessage, FLAG_COMMAND, FrameDecoder, type FrameHandler} from "../../src/wire/frame.js"
import {ZmtpError} from "../../src/wire/errors.js"
import {bytes, loadVectors} from "../helpers/vectors.js"
import {split} from "../helpers/chunks.js"

type Event = {message: string[]} | {command: string}

function collector(): FrameHandler & {events: Event[]} {
  const events: Event[] = []
  return {
    events,
    onMessage: frames => events.push({message: frames.map(f => f.toString("hex"))}),
    onCommand: body => events.push({command: body.toString("hex")}),
  }
}


const {vectors} = loadVectors("frames")

describe("frame vectors", () => {
  for (const v of vectors) {
    const message = v.message.map((p: any) => bytes([p]))
    test(`encode ${v.name}`, () => {
      expect(encodeMessage(message).toString("hex")).toBe(bytes(v.wire).toString("hex"))
    })
    test(`decode ${v.name} one byte at a time`, () => {
      const c = collector()
      const d = new FrameDecoder(c)
      for (const b of bytes(v.wire)) d.push(Buffer.of(b))
      expect(c.events).toEqual([{message: message.map((m: Buffer) => m.toString("hex"))}])
      expect(d.inMessage).toBe(false)
    })
  }
})

describe("decoder", () => {
  test("a command frame is reported apart from messages, even mid-multipart", () => {
    const c = collector()
    const d = new FrameDecoder(c)
    d.push(Buffer.concat([encodeFrame(Buffer.from("a"), 1), encodeFrame(Buffer.from("\x04PONG"), FLAG_COMMAND), encodeFrame(Buffer.from("b"))]))
    expect(c.events).toEqual([{command: Buffer.from("\x04PONG").toString("hex")}, {message: ["61", "62"]}])
  })

  test("reserved flag bits are ignored, like libzmq's decoder", () => {
    const c = collector()
    new FrameDecoder(c).push(Buffer.from("f0026869", "hex"))
    expect(c.events).toEqual([{message: ["6869"]}])
  })

  test("a long size may carry a small body", () => {
    const c = collector()
    new FrameDecoder(c).push(Buffer.from("0200000000000000026869", "hex"))
    expect(c.events).toEqual([{message: ["6869"]}])
  })

  test("maxMessageSize is checked from the header, before any body byte arrives", () => {
    const c = collector()
    const d = new FrameDecoder(c, 10)
    expect(() => d.push(Buffer.from("000b", "hex"))).toThrow(ZmtpError)
    const d2 = new FrameDecoder(c, 10)
    d2.push(Buffer.from("000a", "hex"))
    expect(d2.inMessage).toBe(true)
  })

  test("sizes of 2^63 and more are refused", () => {
    expect(() => new FrameDecoder(collector()).push(Buffer.from("028000000000000000", "hex"))).toThrow(/2\^63/)
  })

  test("a declared huge frame allocates nothing up front", () => {
    const d = new FrameDecoder(collector())
    const before = process.memoryUsage().arrayBuffers
    // declares 3.5 GiB (under Node's buffer limit) and sends 10 bytes of it
    d.push(Buffer.from("0200000000e0000000", "hex"))
    d.push(Buffer.alloc(10))
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20)
    expect(d.inMessage).toBe(true)
  })
})

const frameArb = fc.oneof(
  {weight: 5, arbitrary: fc.uint8Array({maxLength: 300})},
  {weight: 1, arbitrary: fc.integer({min: 0, max: 70000}).map(n => new Uint8Array(n).fill(n & 0xff))},
)
const messageArb = fc.array(frameArb, {minLength: 1, maxLength: 5})

describe("properties", () => {
  test("encode → decode is the identity for any multipart messages under any chunking", () => {
    fc.assert(
      fc.property(fc.array(messageArb, {minLength: 1, maxLength: 8}), fc.array(fc.nat(), {maxLength: 20}), (messages, cuts) => {
        const wire = Buffer.concat(messages.map(m => encodeMessage(m)))
        const c = collector()
        const d = new FrameDecoder(c)
        for (const chunk of split(wire, cuts)) d.push(chunk)
        expect(c.events).toEqual(messages.map(m => ({message: m.map(f => Buffer.from(f).toString("hex"))})))
        expect(d.inMessage).toBe(false)
      }),
      {numRuns: 200},
    )
  })

  test("arbitrary bytes only ever yield frames or a ZmtpError, and no frame beyond maxMessageSize", () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 2000}), fc.array(fc.nat(), {maxLength: 10}), fc.integer({min: 0, max: 600}), (data, cuts, max) => {
        let largest = 0
        const d = new FrameDecoder(
          {
            onMessage: frames => frames.forEach(f => (largest = Math.max(largest, f.length))),
            onCommand: body => (largest = Math.max(largest, body.length)),
          },
          max,
        )
        try {
          for (const chunk of split(Buffer.from(data), cuts)) d.push(chunk)
        } catch (e) {
          expect(e).toBeInstanceOf(ZmtpError)
          expect((e as ZmtpError).code).toBe("ERR_ZMTP_MESSAGE_TOO_LARGE")
        }
        expect(largest).toBeLessThanOrEqual(max)
      }),
      {numRuns: 1000},
    )
  })
})
