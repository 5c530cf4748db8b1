/** Shared by the WebSocket codec tests: a recording reader, and cutting bytes into chunks. */
import {Buffer} from "node:buffer"
import {WsReader, type WsHandler} from "../../src/transport/websocket/reader.js"

/** What a reader handed up: [kind, opcode or close status, payload hex or close reason]. */
export type Event = [string, number | null, string]

/** A reader that records what it hands up. */
export function recorder(expectMasked: boolean, maxMessage = -1): {reader: WsReader; events: Event[]; data: Buffer[]} {
  const events: Event[] = []
  const data: Buffer[] = []
  const handler: WsHandler = {
    message: (opcode, payload) => {
      data.push(payload)
      events.push(["message", opcode, payload.toString("hex")])
    },
    ping: payload => events.push(["ping", null, payload.toString("hex")]),
    pong: payload => events.push(["pong", null, payload.toString("hex")]),
    close: (code, reason) => events.push(["close", code, reason]),
  }
  return {reader: new WsReader({expectMasked, maxMessage}, handler), events, data}
}

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")

/** `bytes` cut at the given points (each taken mod length + 1): how a socket may deliver it. */
export function split(bytes: Buffer, at: readonly number[]): Buffer[] {
  const points = [...new Set(at.map(p => p % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let last = 0
  for (const p of points) {
    out.push(bytes.subarray(last, p))
    last = p
  }
  out.push(bytes.subarray(last))
  return out
}

/** Reads `chunks` with a fresh recording reader and returns what it handed up. */
export function readAll(chunks: readonly Buffer[], expectMasked: boolean, maxMessage = -1): Event[] {
  const {reader, events} = recorder(expectMasked, maxMessage)
  for (const c of chunks) reader.push(c)
  return events
}
