import {describe, expect, test} from "vitest"
import {PlainClient, PlainServer, parsePlainHello} from "../../src/mechanism/plain.js"
import {parseHandshakeCommand} from "../../src/mechanism/handshake.js"
import {encodeZapRequest, parseZapReply, ZapAuthError, ZapProtocolError, type ZapReply, type ZapRequest} from "../../src/mechanism/zap.js"
import {encodeCommand, parseCommand} from "../../src/wire/command.js"
import {encodeMetadata} from "../../src/wire/metadata.js"
import {ZmtpError} from "../../src/wire/errors.js"
import {commandsOf, decodeFrames, feed, handshake, hex, props} from "./harness.js"

const ok = (reply: Partial<ZapReply> = {}) => async (): Promise<ZapReply> => ({status: "200", ...reply})

function pair(authenticate?: (r: ZapRequest) => Promise<ZapReply>, user = "admin", pass = "secret") {
  const client = new PlainClient({properties: props("DEALER", ""), username: user, password: pass})
  const server = new PlainServer({properties: props("ROUTER", ""), authenticate, domain: "global", address: "127.0.0.1", routingId: Buffer.alloc(0)})
  return {client, server}
}

async function rejection(p: unknown): Promise<ZmtpError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(ZmtpError)
    return e as ZmtpError
  }
  throw new Error("expected a rejection")
}

function thrown(f: () => unknown): ZmtpError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(ZmtpError)
    return e as ZmtpError
  }
  throw new Error("expected a throw")
}

describe("PLAIN wire bytes (libzmq 4.3.4 captures, reference §2.1/§5)", () => {
  test("HELLO for admin/secret", () => {
    const {client} = pair()
    expect(client.start()).toEqual([hex("04 13 05 48 45 4C 4C 4F 05 61 64 6D 69 6E 06 73 65 63 72 65 74")])
  })

  test("WELCOME, INITIATE for a DEALER, READY for a ROUTER", async () => {
    const seen: ZapRequest[] = []
    const {client, server} = pair(async r => (seen.push(r), {status: "200"}))
    const t = await handshake(client, server)
    const a = (text: string) => Buffer.from(text).toString("hex")
    const frames = t.frames.map(f => `${f.from}:${f.frame.toString("hex")}`)
    expect(frames).toEqual([
      `client:041305${a("HELLO")}05${a("admin")}06${a("secret")}`,
      "server:04080757454c434f4d45",
      `client:042c08${a("INITIATE")}0b${a("Socket-Type")}00000006${a("DEALER")}08${a("Identity")}00000000`,
      `server:042905${a("READY")}0b${a("Socket-Type")}00000006${a("ROUTER")}08${a("Identity")}00000000`,
    ])
    expect(t.frames[2]!.frame.subarray(0, 11)).toEqual(hex("04 2C 08 49 4E 49 54 49 41 54 45"))
    // What a libzmq REP handler sees from a server with ZMQ_ZAP_DOMAIN "global" (with the default, empty domain the third frame is "": spec/vectors/plain.json)
    expect(seen).toHaveLength(1)
    expect(encodeZapRequest(seen[0]!).map(b => b.toString())).toEqual(["1.0", "1", "global", "127.0.0.1", "", "PLAIN", "admin", "secret"])
  })
})

describe("PLAIN handshake", () => {
  test("completes both ways; metadata and ZAP results are exposed", async () => {
    const meta = new Map([["Hello", Buffer.from("World")]])
    const {client, server} = pair(ok({userId: "joe", metadata: meta, statusText: "OK"}))
    expect(client.asServer).toBe(false)
    expect(server.asServer).toBe(true)
    await handshake(client, server)
    expect(client.complete && server.complete).toBe(true)
    expect(client.peerMetadata.get("socket-type")?.toString()).toBe("ROUTER")
    expect(server.peerMetadata.get("socket-type")?.toString()).toBe("DEALER")
    expect(server.peerMetadata.get("identity")?.length).toBe(0)
    expect(server.zapStatus).toBe("200")
    expect(server.userId).toBe("joe")
    expect(server.zapMetadata.get("Hello")?.toString()).toBe("World")
    expect(server.username?.toString()).toBe("admin")
    expect(server.password?.toString()).toBe("secret")
    expect(server.authStatus).toBeUndefined()
  })

  test("the identity in the ZAP request is the server socket's own routing id", async () => {
    const seen: ZapRequest[] = []
    const client = new PlainClient({properties: props("DEALER", "client-id"), username: "u", password: "p"})
    const server = new PlainServer({properties: props("ROUTER", ""), routingId: Buffer.from("server-id"), authenticate: async r => (seen.push(r), {status: "200"})})
    await handshake(client, server)
    expect(seen[0]!.identity.toString()).toBe("server-id")
    expect(seen[0]!.requestId.toString()).toBe("1")
    expect(seen[0]!.domain).toBe("")
    expect(seen[0]!.mechanism).toBe("PLAIN")
  })

  test("empty and 255-byte credentials; more than 255 bytes is refused locally", async () => {
    for (const [u, p] of [["", ""], ["x".repeat(255), "y".repeat(255)]] as const) {
      const seen: ZapRequest[] = []
      const {client, server} = pair(async r => (seen.push(r), {status: "200"}), u, p)
      await handshake(client, server)
      expect(seen[0]!.credentials.map(String)).toEqual([u, p])
    }
    expect(() => new PlainClient({properties: [], username: "x".repeat(256), password: ""})).toThrow(RangeError)
  })
})

describe("PLAIN refusals", () => {
  test.each([
    ["400", 400, "04 0A 05 45 52 52 4F 52 03 34 30 30"],
    ["500", 500, "04 0A 05 45 52 52 4F 52 03 35 30 30"],
  ] as const)("ZAP %s: server sends a proper ERROR %s and closes; the client reports auth failure", async (status, n, bytes) => {
    const {client, server} = pair(async () => ({status, statusText: "no"}))
    const e = await rejection(feed(server, client.start()))
    expect(e).toBeInstanceOf(ZapAuthError)
    const auth = e as ZapAuthError
    expect(auth.status).toBe(n)
    expect(auth.reply).toEqual([hex(bytes)])
    expect(server.authStatus).toBe(n)
    expect(server.zapStatus).toBe(status)
    expect(server.complete).toBe(false)
    // The client gets that ERROR.
    const ce = await rejection(feed(client, auth.reply))
    expect(ce).toBeInstanceOf(ZapAuthError)
    expect((ce as ZapAuthError).status).toBe(n)
    expect(ce.code).toBe("ERR_ZMTP_PEER_ERROR")
    expect(ce.fatal).toBe(true)
    expect(client.authStatus).toBe(n)
    expect(client.complete).toBe(false)
  })

  test("ZAP 300: closes silently (no ERROR)", async () => {
    const {client, server} = pair(async () => ({status: "300"}))
    const e = (await rejection(feed(server, client.start()))) as ZapAuthError
    expect(e.status).toBe(300)
    expect(e.reply).toEqual([])
    expect(e.fatal).toBe(false)
  })

  test("no authenticator: the server refuses every client (libzmq without a ZAP handler)", async () => {
    const {client, server} = pair(undefined)
    const e = await rejection(feed(server, client.start()))
    expect(e).not.toBeInstanceOf(ZapAuthError)
    expect(e.code).toBe("ERR_ZMTP_UNSPECIFIED")
    expect(e.kind).toBe("other")
  })

  test("a throwing authenticator ends the handshake without an ERROR", async () => {
    const {client, server} = pair(async () => {
      throw new Error("handler crashed")
    })
    const e = await rejection(feed(server, client.start()))
    expect(e).not.toBeInstanceOf(ZapAuthError)
    expect(e.message).toMatch(/handler crashed/)
  })

  test("an invalid status from the authenticator is a ZAP protocol error", async () => {
    const {client, server} = pair(async () => ({status: "201" as "200"}))
    const e = await rejection(feed(server, client.start()))
    expect(e).toBeInstanceOf(ZapProtocolError)
    expect((e as ZapProtocolError).zapCode).toBe("ERR_ZAP_INVALID_STATUS_CODE")
  })

  test("ERROR with a non-ZAP reason is a plain peer error", () => {
    const {client} = pair()
    client.start()
    const e = thrown(() => client.onCommand({name: "ERROR", data: Buffer.from("\x0bNot allowed", "latin1")}))
    expect(e).not.toBeInstanceOf(ZapAuthError)
    expect(e.code).toBe("ERR_ZMTP_PEER_ERROR")
    expect(client.authStatus).toBeUndefined()
  })
})

describe("libzmq quirks", () => {
  test("libzmq's PLAIN server ERROR `5E 52 52 4F 52 03 400` is accepted as ERROR 400", () => {
    const wire = hex("04 09 5E 52 52 4F 52 03 34 30 30")
    const [body] = decodeFrames([wire]).commands
    expect(() => parseCommand(body!)).toThrow(ZmtpError) // the name length 0x5E runs past the end
    expect(parseHandshakeCommand(body!)).toEqual({name: "ERROR", data: hex("03 34 30 30")})
    const {client} = pair()
    client.start()
    const e = thrown(() => client.onCommand(parseHandshakeCommand(body!)))
    expect((e as ZapAuthError).status).toBe(400)
  })

  test("the malformed ERROR is recognised even when parseCommand could split it (long reason)", () => {
    const reason = "r".repeat(120)
    const body = Buffer.concat([hex("5E 52 52 4F 52"), Buffer.of(reason.length), Buffer.from(reason)])
    const parsed = parseCommand(body)
    expect(parsed.name.length).toBe(0x5e)
    const {client} = pair()
    client.start()
    const e = thrown(() => client.onCommand(parsed))
    expect(e.code).toBe("ERR_ZMTP_PEER_ERROR")
    expect(e.message).toContain(reason)
  })

  test("libzmq 4.3.0/4.3.1 HELLO `05 \"WELCOME\" user pass` is accepted", async () => {
    const seen: ZapRequest[] = []
    const {server} = pair(async r => (seen.push(r), {status: "200"}))
    // libzmq #3500: "\x04\x15\x05WELCOME\x05admin\x06secret"
    const legacy = Buffer.concat([hex("04 15 05"), Buffer.from("WELCOME"), hex("05"), Buffer.from("admin"), hex("06"), Buffer.from("secret")])
    const out = await feed(server, [legacy])
    expect(out).toEqual([hex("04 08 07 57 45 4C 43 4F 4D 45")])
    expect(seen[0]!.credentials.map(String)).toEqual(["admin", "secret"])
  })
})

describe("malformed and out-of-order PLAIN commands", () => {
  const hello = (data: Buffer) => encodeCommand("HELLO", data)

  test.each([
    ["empty", ""],
    ["username runs past the end", "05 61 64"],
    ["no password length", "01 61"],
    ["password runs past the end", "01 61 03 62"],
    ["bytes after the password", "01 61 01 62 00"],
  ])("HELLO %s → MALFORMED_COMMAND_HELLO", async (_what, data) => {
    const {server} = pair(ok())
    const e = await rejection(feed(server, [hello(hex(data))]))
    expect(e.code).toBe("ERR_ZMTP_MALFORMED_COMMAND_HELLO")
    expect(() => parsePlainHello(hex(data))).toThrow(ZmtpError)
  })

  test("server: anything but HELLO first, and HELLO twice, are UNEXPECTED_COMMAND", async () => {
    const {server} = pair(ok())
    expect((await rejection(feed(server, [encodeCommand("INITIATE")]))).code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND")
    const s2 = pair(ok()).server
    await feed(s2, [hello(hex("01 61 01 62"))])
    expect((await rejection(feed(s2, [hello(hex("01 61 01 62"))]))).code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND")
  })

  test("server: INITIATE with truncated metadata → MALFORMED_COMMAND_INITIATE; bad name → INVALID_METADATA", async () => {
    for (const [meta, code] of [
      [hex("0B 53 6F 63 6B 65 74"), "ERR_ZMTP_MALFORMED_COMMAND_INITIATE"],
      [Buffer.concat([hex("02 21 21 00 00 00 00")]), "ERR_ZMTP_INVALID_METADATA"],
    ] as const) {
      const {server} = pair(ok())
      await feed(server, [hello(hex("01 61 01 62"))])
      const e = await rejection(feed(server, [encodeCommand("INITIATE", meta)]))
      expect(e.code).toBe(code)
      expect(server.complete).toBe(false)
    }
  })

  test("client: WELCOME with data → MALFORMED_COMMAND_WELCOME; READY first → UNEXPECTED_COMMAND", () => {
    const a = pair().client
    a.start()
    expect(thrown(() => a.onCommand({name: "WELCOME", data: Buffer.of(0)})).code).toBe("ERR_ZMTP_MALFORMED_COMMAND_WELCOME")
    const b = pair().client
    b.start()
    expect(thrown(() => b.onCommand({name: "READY", data: Buffer.alloc(0)})).code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND")
  })

  test("client: READY with truncated metadata → MALFORMED_COMMAND_READY; anything after READY → UNEXPECTED", () => {
    const a = pair().client
    a.start()
    a.onCommand({name: "WELCOME", data: Buffer.alloc(0)})
    expect(thrown(() => a.onCommand({name: "READY", data: hex("05 41")})).code).toBe("ERR_ZMTP_MALFORMED_COMMAND_READY")
    expect(a.complete).toBe(false)
    const b = pair().client
    b.start()
    b.onCommand({name: "WELCOME", data: Buffer.alloc(0)})
    b.onCommand({name: "READY", data: encodeMetadata(props("ROUTER"))})
    expect(b.complete).toBe(true)
    expect(thrown(() => b.onCommand({name: "READY", data: Buffer.alloc(0)})).code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND")
    expect(thrown(() => b.onCommand({name: "ERROR", data: hex("03 34 30 30")})).code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND")
  })

  test("commands pass the real FrameDecoder unchanged", () => {
    const {client} = pair()
    const [cmd] = commandsOf(client.start())
    expect(cmd!.name).toBe("HELLO")
  })
})

describe("ZAP reply frames (libzmq's checks)", () => {
  const good = ["1.0", "1", "200", "OK", "joe", ""].map(s => Buffer.from(s))

  test("a good reply", () => {
    const meta = encodeMetadata([["Hello", Buffer.from("World")]])
    const r = parseZapReply([...good.slice(0, 5), meta])
    expect(r.status).toBe("200")
    expect(r.userId).toBe("joe")
    expect(r.metadata?.get("hello")?.toString()).toBe("World")
  })

  test.each([
    ["wrong frame count", good.slice(0, 5), "ERR_ZAP_MALFORMED_REPLY"],
    ["bad version", [Buffer.from("2.0"), ...good.slice(1)], "ERR_ZAP_BAD_VERSION"],
    ["bad request id", [good[0]!, Buffer.from("2"), ...good.slice(2)], "ERR_ZAP_BAD_REQUEST_ID"],
    ["bad status", [...good.slice(0, 2), Buffer.from("201"), ...good.slice(3)], "ERR_ZAP_INVALID_STATUS_CODE"],
    ["bad metadata", [...good.slice(0, 5), hex("05 41")], "ERR_ZAP_INVALID_METADATA"],
  ])("%s", (_what, frames, code) => {
    try {
      parseZapReply(frames)
      throw new Error("expected a throw")
    } catch (e) {
      expect(e).toBeInstanceOf(ZapProtocolError)
      expect((e as ZapProtocolError).zapCode).toBe(code)
    }
  })
})
