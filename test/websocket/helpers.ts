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

export {split} from "../helpers/chunks.js"

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")

/** Reads `chunks` with a fresh recording reader and returns what it handed up. */
export function readAll(chunks: readonly Buffer[], expectMasked: boolean, maxMessage = -1): Event[] {
  const {reader, events} = recorder(expectMasked, maxMessage)
  for (const c of chunks) reader.push(c)
  return events
}
