/**
 * Runs two mechanisms against each other without sockets: each side's output frames go through
 * the real FrameDecoder and parseHandshakeCommand (parseCommand plus libzmq's malformed PLAIN
 * ERROR), then into the other side's onCommand, awaiting it when it returns a promise.
 */
import {FrameDecoder, encodeFrame} from "../../src/wire/frame.js"
import type {Command} from "../../src/wire/command.js"
import type {Mechanism} from "../../src/mechanism/mechanism.js"
import {parseHandshakeCommand} from "../../src/mechanism/handshake.js"

export interface Decoded {
  commands: Buffer[]
  messages: Buffer[][]
}

/** Splits whole frames (headers included) into command bodies and messages. */
export function decodeFrames(frames: Buffer[]): Decoded {
  const out: Decoded = {commands: [], messages: []}
  const decoder = new FrameDecoder({onCommand: b => out.commands.push(Buffer.from(b)), onMessage: m => out.messages.push(m.map(f => Buffer.from(f)))})
  for (const f of frames) decoder.push(f)
  return out
}

export function commandsOf(frames: Buffer[]): Command[] {
  return decodeFrames(frames).commands.map(parseHandshakeCommand)
}

/** Feeds frames (whole, with headers) to a mechanism; returns what it answers. */
export async function feed(to: Mechanism, frames: Buffer[]): Promise<Buffer[]> {
  const out: Buffer[] = []
  for (const command of commandsOf(frames)) out.push(...(await to.onCommand(command)))
  return out
}

export interface Transcript {
  /** Every frame in the order sent, with who sent it. */
  frames: {from: "client" | "server"; frame: Buffer}[]
}

/** Runs the handshake to completion (or throws the first error). */
export async function handshake(client: Mechanism, server: Mechanism): Promise<Transcript> {
  const t: Transcript = {frames: []}
  let toServer = client.start()
  let toClient = server.start()
  for (const frame of toServer) t.frames.push({from: "client", frame})
  for (const frame of toClient) t.frames.push({from: "server", frame})
  for (let round = 0; round < 10 && !(client.complete && server.complete); round++) {
    const answer = await feed(server, toServer)
    for (const frame of answer) t.frames.push({from: "server", frame})
    toServer = []
    toClient = [...toClient, ...answer]
    const reply = await feed(client, toClient)
    for (const frame of reply) t.frames.push({from: "client", frame})
    toClient = []
    toServer = reply
  }
  if (!client.complete || !server.complete) throw new Error("handshake did not complete")
  return t
}

/** One message part through `from.encode` → a real frame → FrameDecoder → `to.decode`. */
export function carry(from: Mechanism, to: Mechanism, flags: number, data: Buffer): {flags: number; data: Buffer; body: Buffer; frame: Buffer} {
  const body = from.encode!(flags, data)
  const frame = encodeFrame(body)
  const {messages, commands} = decodeFrames([frame])
  if (commands.length !== 0 || messages.length !== 1 || messages[0]!.length !== 1) throw new Error("a MESSAGE must travel as one single-part message frame")
  return {...to.decode!(messages[0]![0]!), body, frame}
}

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")
export const props = (type: string, identity?: string): [string, Buffer][] =>
  identity === undefined ? [["Socket-Type", Buffer.from(type)]] : [["Socket-Type", Buffer.from(type)], ["Identity", Buffer.from(identity)]]
