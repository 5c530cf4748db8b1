/**
 * spec/vectors/websocket.json, captured from libzmq 4.3.5's ws:// (scripts/capture-ws-vectors.mjs):
 * zmtp's WebSocket codec and ZWS mapping read every captured frame as libzmq meant it and write
 * the unmasked (server) frames byte for byte; the 101 zmtp answers to libzmq's request is libzmq's.
 */
import {describe, expect, test} from "vitest"
import {readFileSync} from "node:fs"
import {encodeFrame, Opcode} from "../../src/transport/websocket/frame.js"
import {WsReader} from "../../src/transport/websocket/reader.js"
import {serverResponse} from "../../src/transport/websocket/handshake.js"
import {zmtpFrame, zwsFlags} from "../../src/engine/zws-frames.js"
import {FLAG_COMMAND, FLAG_MORE} from "../../src/wire/frame.js"
import {parseCommand, parseReady} from "../../src/wire/command.js"

interface Zws {
  flags: number
  more: boolean
  command: boolean
  body: string[]
  decoded?: {name: string; properties: [string, string][]}
}
interface FrameVector {
  name: string
  wire: string[]
  frame: {masked: boolean; opcode: string; length: number}
  payload: string[]
  zws?: Zws
}

const vectors = JSON.parse(readFileSync(new URL("../../spec/vectors/websocket.json", import.meta.url), "utf8"))
const hex = (parts: string[] | string) => Buffer.from((Array.isArray(parts) ? parts.join(" ") : parts).replace(/\s+/g, ""), "hex")

/** Reads one captured frame as the side that received it: a server gets masked frames. */
function read(v: FrameVector): {opcode: number; data: Buffer}[] {
  const out: {opcode: number; data: Buffer}[] = []
  const reader = new WsReader(
    {expectMasked: v.frame.masked, maxMessage: -1},
    {
      message: (opcode, data) => out.push({opcode, data}),
      ping: data => out.push({opcode: Opcode.Ping, data}),
      pong: data => out.push({opcode: Opcode.Pong, data}),
      close: () => out.push({opcode: Opcode.Close, data: Buffer.alloc(0)}),
    },
  )
  reader.push(hex(v.wire))
  return out
}

/** Every data frame vector in the file: first frames, messages' frames, subscriptions. */
const dataFrames: FrameVector[] = [
  ...vectors.firstFrames,
  ...vectors.subscriptions,
  ...vectors.messages
    .filter((m: {frames?: FrameVector[]}) => m.frames !== undefined)
    .flatMap((m: {name: string; frames: FrameVector[]}) => m.frames.map((f, i) => ({...f, name: `${m.name} #${i}`}))),
]

describe("libzmq's ZWS frames", () => {
  for (const v of dataFrames) {
    test(`${v.name}: read as libzmq sent it`, () => {
      const [got] = read(v)
      expect(got!.opcode).toBe(Opcode.Binary)
      expect(got!.data.equals(hex(v.payload))).toBe(true)
      // The ZWS flags byte and body as the engine sees them: ZMTP frame bytes.
      const [header, body] = zmtpFrame(got!.data)
      expect(body.equals(hex(v.zws!.body))).toBe(true)
      expect(Boolean(header[0]! & FLAG_MORE)).toBe(v.zws!.more)
      expect(Boolean(header[0]! & FLAG_COMMAND)).toBe(v.zws!.command)
      if (v.zws!.decoded?.name === "READY") {
        const ready = parseReady(parseCommand(body).data)
        expect([...ready].map(([k, val]) => [k, val.toString()])).toEqual(v.zws!.decoded.properties.map(([k, val]) => [k.toLowerCase(), val]))
      }
      // What a server sends is unmasked: zmtp writes the same bytes for the same frame.
      if (!v.frame.masked) {
        const flags = (v.zws!.more ? FLAG_MORE : 0) | (v.zws!.command ? FLAG_COMMAND : 0)
        expect(encodeFrame(Opcode.Binary, [zwsFlags(flags), body], null).equals(hex(v.wire))).toBe(true)
      }
    })
  }
})

test("libzmq's control frames are read as ping, pong and close", () => {
  for (const v of vectors.control as (FrameVector & {frame: {opcode: string}})[]) {
    const [got] = read(v)
    expect({name: v.name, opcode: got!.opcode}).toEqual({name: v.name, opcode: {ping: Opcode.Ping, pong: Opcode.Pong, close: Opcode.Close}[v.frame.opcode]})
  }
})

test("zmtp's 101 to libzmq's request is the one libzmq's server sends", () => {
  for (const r of vectors.upgradeResponses as {name: string; request: string[]; bytes: {ascii: string}[]}[]) {
    const key = r.request.find(l => l.startsWith("Sec-WebSocket-Key: "))!.slice("Sec-WebSocket-Key: ".length)
    const libzmq = r.bytes.map(b => b.ascii).join("")
    const protocol = /Sec-WebSocket-Protocol: (.*)\r\n/.exec(libzmq)?.[1] ?? null
    expect({name: r.name, response: serverResponse(key, protocol)}).toEqual({name: r.name, response: libzmq})
  }
})
