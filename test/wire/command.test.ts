import {describe, expect, test} from "vitest"
import fc from "fast-check"
import {encodeCancel, encodeCommand, encodeError, encodePing, encodePong, encodeReady, encodeSubscribe, parseCommand, parseError, parsePing, parseReady} from "../../src/wire/command.js"
import {FrameDecoder} from "../../src/wire/frame.js"
import {encodeMetadata, parseMetadata} from "../../src/wire/metadata.js"
import {socketTypesCompatible} from "../../src/wire/socket-type.js"
import {ZmtpError} from "../../src/wire/errors.js"
import {bytes, loadVectors} from "../helpers/vectors.js"

const {vectors, legacySubscriptions} = loadVectors("commands")

/** Decodes a single command frame with the real decoder. */
function decodeOne(wire: Buffer) {
  let body: Buffer | undefined
  new FrameDecoder({onMessage: () => {}, onCommand: b => (body = b)}).push(wire)
  return parseCommand(body!)
}

function encode(c: any): Buffer {
  switch (c.name) {
    case "READY":
      return encodeReady(c.properties.map(([n, v]: [string, string]) => [n, Buffer.from(v)]))
    case "SUBSCRIBE":
      return encodeSubscribe(Buffer.from(c.topic, "hex"))
    case "CANCEL":
      return encodeCancel(Buffer.from(c.topic, "hex"))
    case "PING":
      return encodePing(c.ttl, Buffer.from(c.context, "hex"))
    case "PONG":
      return encodePong(Buffer.from(c.context, "hex"))
    case "ERROR":
      return encodeError(c.reason)
  }
  throw new Error(c.name)
}

describe("command vectors", () => {
  for (const v of vectors) {
    test(`encode ${v.name}`, () => {
      expect(encode(v.command).toString("hex")).toBe(bytes(v.wire).toString("hex"))
    })
    test(`decode ${v.name}`, () => {
      const cmd = decodeOne(bytes(v.wire))
      expect(cmd.name).toBe(v.command.name)
      if (v.command.name === "READY") {
        const meta = parseReady(cmd.data)
        expect([...meta].map(([k, val]) => [k, val.toString()])).toEqual(v.command.properties.map(([k, val]: string[]) => [k.toLowerCase(), val]))
      } else if (v.command.name === "PING") {
        const ping = parsePing(cmd.data)
        expect(ping.ttlDeciseconds).toBe(v.command.ttl)
        expect(ping.context.toString("hex")).toBe(v.command.context)
      } else if (v.command.name === "ERROR") {
        expect(parseError(cmd.data)).toBe(v.command.reason)
      }
    })
  }
  for (const v of legacySubscriptions) {
    test(`3.0 subscription form ${v.name} is a plain message frame`, () => {
      const frames: Buffer[][] = []
      new FrameDecoder({onMessage: f => frames.push(f), onCommand: () => {}}).push(bytes(v.wire))
      expect(frames.length).toBe(1)
      expect(frames[0]![0]![0]).toBe(v.subscribe ? 1 : 0)
      expect(frames[0]![0]!.subarray(1).toString("hex")).toBe(v.topic)
    })
  }
})

describe("commands", () => {
  test("names are length-prefixed, never NUL-terminated (37/ZMTP ABNF)", () => {
    expect(encodeCommand("READY").toString("hex")).toBe("04060552454144" + "59")
  })
  test("a body over 255 bytes gets a long command header", () => {
    const c = encodeCommand("X", Buffer.alloc(300))
    expect(c[0]).toBe(0x06)
    expect(c.readBigUInt64BE(1)).toBe(302n)
  })
  test("PING context is capped at 16 bytes both ways", () => {
    const ping = encodePing(10, Buffer.alloc(20, 1))
    expect(ping.length).toBe(2 + 5 + 2 + 16)
    expect(parsePing(Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(20)])).context.length).toBe(16)
  })
  test("metadata names are matched case-insensitively", () => {
    const meta = parseMetadata(encodeMetadata([["socket-type", Buffer.from("PUB")]]), 0, "ERR_ZMTP_MALFORMED_COMMAND_READY")
    expect(meta.get("socket-type")?.toString()).toBe("PUB")
  })
  test("metadata round trip for arbitrary valid properties", () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_.+-]{1,40}$/)
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, fc.uint8Array({maxLength: 50})), {selector: ([n]) => n.toLowerCase(), maxLength: 6}), props => {
        const meta = parseMetadata(encodeMetadata(props.map(([n, v]) => [n, v])), 0, "ERR_ZMTP_MALFORMED_COMMAND_READY")
        expect([...meta].map(([k, v]) => [k, Buffer.from(v).toString("hex")])).toEqual(props.map(([n, v]) => [n.toLowerCase(), Buffer.from(v).toString("hex")]))
      }),
    )
  })
  test("arbitrary READY bodies parse or give a typed error", () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 100}), data => {
        try {
          parseReady(Buffer.from(data))
        } catch (e) {
          expect(e).toBeInstanceOf(ZmtpError)
          expect(["ERR_ZMTP_MALFORMED_COMMAND_READY", "ERR_ZMTP_INVALID_METADATA"]).toContain((e as ZmtpError).code)
        }
      }),
    )
  })
  test("socket-type pairs follow 37/ZMTP's table", () => {
    expect(socketTypesCompatible("DEALER", "ROUTER")).toBe(true)
    expect(socketTypesCompatible("REQ", "REP")).toBe(true)
    expect(socketTypesCompatible("REQ", "DEALER")).toBe(false)
    expect(socketTypesCompatible("PUB", "XSUB")).toBe(true)
    expect(socketTypesCompatible("PUSH", "PUSH")).toBe(false)
    expect(socketTypesCompatible("PAIR", "PAIR")).toBe(true)
  })
})
