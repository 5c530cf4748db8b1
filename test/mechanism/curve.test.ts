import fc from "fast-check"
import {describe, expect, test} from "vitest"
import {CurveClient, CurveServer, curveKeyBytes, type CurveClientOptions, type CurveServerOptions} from "../../src/mechanism/curve.js"
import {box, boxKeyPair, boxOpen, privateKeyObject, scalarMultBase, secretboxOpen, type X25519KeyPair} from "../../src/mechanism/crypto/index.js"
import {INNER_COMMAND, INNER_MORE} from "../../src/mechanism/mechanism.js"
import {ZapAuthError, type ZapReply, type ZapRequest} from "../../src/mechanism/zap.js"
import {encodeCommand, encodePing, encodeError} from "../../src/wire/command.js"
import {encodeMetadata, parseMetadata} from "../../src/wire/metadata.js"
import {encodeFrame, FLAG_COMMAND} from "../../src/wire/frame.js"
import {ZmtpError} from "../../src/wire/errors.js"
import {z85Decode, z85Encode} from "../../src/wire/z85.js"
import {carry, decodeFrames, feed, handshake, hex, props} from "./harness.js"

// libzmq doc/zmq_curve.txt test keys (reference §2.4)
const KEYS = {
  clientPublic: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
  clientSecret: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
  serverPublic: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
  serverSecret: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
}
const S = z85Decode(KEYS.serverPublic)
const s = z85Decode(KEYS.serverSecret)
const C = z85Decode(KEYS.clientPublic)
const c = z85Decode(KEYS.clientSecret)

/** A known transient key pair. The mechanism wipes its copy of the secret once used, so each call gives a new one. */
function fixedPair(seed: number): X25519KeyPair & {secret: Buffer} {
  const secretKey = Buffer.alloc(32, seed)
  return {secretKey: Buffer.from(secretKey), secret: Buffer.from(secretKey), publicKey: scalarMultBase(secretKey), privateKey: privateKeyObject(secretKey)}
}

/** Deterministic randomness: 0x01, 0x02, … per call, so a test can recompute every box. */
function counterRandom(start: number): (n: number) => Buffer {
  let next = start
  return n => Buffer.alloc(n, next++)
}

function pair(client: Partial<CurveClientOptions> = {}, server: Partial<CurveServerOptions> = {}) {
  return {
    client: new CurveClient({properties: props("DEALER", ""), serverKey: KEYS.serverPublic, publicKey: KEYS.clientPublic, secretKey: KEYS.clientSecret, ...client}),
    server: new CurveServer({properties: props("ROUTER", ""), secretKey: KEYS.serverSecret, publicKey: KEYS.serverPublic, ...server}),
  }
}

const bodyOf = (frame: Buffer): Buffer => decodeFrames([frame]).commands[0]!
const commandFrame = (body: Buffer): Buffer => encodeFrame(body, FLAG_COMMAND)
const flip = (frame: Buffer, at: number): Buffer => {
  const body = Buffer.from(bodyOf(frame))
  body[at]! ^= 0x01
  return commandFrame(body)
}
const resize = (frame: Buffer, size: number): Buffer => {
  const body = bodyOf(frame)
  return commandFrame(size <= body.length ? body.subarray(0, size) : Buffer.concat([body, Buffer.alloc(size - body.length)]))
}
const u64 = (n: number) => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(BigInt(n))
  return b
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

/** Runs one handshake step by step, keeping every frame. */
async function stages(client: CurveClient, server: CurveServer) {
  const [hello] = client.start()
  const [welcome] = await feed(server, [hello!])
  const [initiate] = await feed(client, [welcome!])
  const [ready] = await feed(server, [initiate!])
  await feed(client, [ready!])
  return {hello: hello!, welcome: welcome!, initiate: initiate!, ready: ready!}
}

describe("keys (reference §2.4)", () => {
  test("the Z85 test keys: public = X25519 base point × secret", () => {
    expect(scalarMultBase(c).toString("hex").toUpperCase()).toBe("BB88471D65E2659B30C55A5321CEBB5AAB2B70A398645C26DCA2B2FCB43FC518")
    expect(scalarMultBase(s).toString("hex").toUpperCase()).toBe("54FCBA24E93249969316FB617C872BB0C1D1FF14800427C594CBFACF1BC2D652")
    expect(z85Encode(scalarMultBase(c))).toBe(KEYS.clientPublic)
    expect(z85Encode(scalarMultBase(s))).toBe(KEYS.serverPublic)
    expect(c.toString("hex").toUpperCase()).toBe("7BB864B489AFA3671FBE69101F94B38972F24816DFB01B51656B3FEC8DFD0888")
    expect(s.toString("hex").toUpperCase()).toBe("8E0BDD697628B91D8F245587EE95C5B04D48963F79259877B49CD9063AEAD3B7")
  })

  test("curveKeyBytes takes 32 bytes or 40 Z85 characters, nothing else", () => {
    expect(curveKeyBytes(KEYS.serverPublic)).toEqual(S)
    expect(curveKeyBytes(S)).toBe(S)
    expect(() => curveKeyBytes("abc")).toThrow(RangeError)
    expect(() => curveKeyBytes(Buffer.alloc(31))).toThrow(RangeError)
  })

  test("raw keys, and public keys derived when omitted, work as well as Z85", async () => {
    const client = new CurveClient({properties: props("DEALER", ""), serverKey: S, secretKey: c})
    const server = new CurveServer({properties: props("ROUTER", ""), secretKey: s})
    await handshake(client, server)
    expect(server.clientKey).toEqual(C)
  })
})

describe("CURVE wire layout (libzmq 4.3.4 captures, reference §2.2/§5)", () => {
  test("HELLO: 04 C8 05 HELLO 01 00, 72 zero bytes, C', short nonce 1, a box of 64 zeros C'→S", () => {
    const transient = fixedPair(0x11)
    const {client} = pair({transientKeyPair: () => transient})
    const [frame] = client.start()
    expect(frame!.length).toBe(202)
    expect(frame!.subarray(0, 10)).toEqual(hex("04 C8 05 48 45 4C 4C 4F 01 00"))
    expect(frame!.subarray(10, 82)).toEqual(Buffer.alloc(72))
    expect(frame!.subarray(82, 114)).toEqual(transient.publicKey)
    expect(frame!.subarray(114, 122)).toEqual(hex("00 00 00 00 00 00 00 01"))
    const nonce = Buffer.concat([Buffer.from("CurveZMQHELLO---"), u64(1)])
    expect(frame!.subarray(122)).toEqual(box(Buffer.alloc(64), nonce, S, transient.secretKey))
    expect(boxOpen(frame!.subarray(122), nonce, transient.publicKey, s)).toEqual(Buffer.alloc(64))
  })

  test("every box of a whole session reopened by hand with the primitives", async () => {
    const clientTransient = fixedPair(0x21)
    const serverTransient = fixedPair(0x42)
    const random = counterRandom(1)
    const {client, server} = pair({transientKeyPair: () => clientTransient, random: counterRandom(0x80)}, {transientKeyPair: () => serverTransient, random})
    const t = await stages(client, server)

    // WELCOME: 04 A8 07 WELCOME N(16) Box[S' ‖ cookie](S→C'), 168 bytes.
    expect(t.welcome.length).toBe(170)
    expect(t.welcome.subarray(0, 10)).toEqual(hex("04 A8 07 57 45 4C 43 4F 4D 45"))
    const welcomeBody = bodyOf(t.welcome)
    const welcomeNonce = Buffer.concat([Buffer.from("WELCOME-"), welcomeBody.subarray(8, 24)])
    const welcome = boxOpen(welcomeBody.subarray(24), welcomeNonce, S, clientTransient.secret)!
    expect(welcome.length).toBe(128)
    expect(welcome.subarray(0, 32)).toEqual(serverTransient.publicKey)
    // Cookie = N(16) ‖ SecretBox[C' ‖ s'](K); the random hook gave K = 01×32, N = 02×16, WELCOME N = 03×16.
    const cookie = welcome.subarray(32)
    expect(cookie.subarray(0, 16)).toEqual(Buffer.alloc(16, 2))
    expect(welcomeBody.subarray(8, 24)).toEqual(Buffer.alloc(16, 3))
    const cookiePlain = secretboxOpen(cookie.subarray(16), Buffer.concat([Buffer.from("COOKIE--"), cookie.subarray(0, 16)]), Buffer.alloc(32, 1))!
    expect(cookiePlain).toEqual(Buffer.concat([clientTransient.publicKey, serverTransient.secret]))
    expect(serverTransient.secretKey).toEqual(Buffer.alloc(32)) // s' wiped once INITIATE was verified

    // INITIATE: long command (06 + 8-byte size) 292 bytes for a DEALER with an empty Identity.
    expect(t.initiate.subarray(0, 9)).toEqual(hex("06 00 00 00 00 00 00 01 24"))
    const initiateBody = bodyOf(t.initiate)
    expect(initiateBody.length).toBe(292)
    expect(initiateBody.subarray(0, 9)).toEqual(Buffer.from("\x08INITIATE", "latin1"))
    expect(initiateBody.subarray(9, 105)).toEqual(cookie) // echoed
    expect(initiateBody.subarray(105, 113)).toEqual(u64(2))
    const initiate = boxOpen(initiateBody.subarray(113), Buffer.concat([Buffer.from("CurveZMQINITIATE"), u64(2)]), serverTransient.publicKey, clientTransient.secret)!
    expect(initiate.subarray(0, 32)).toEqual(C)
    const vouchNonce = Buffer.concat([Buffer.from("VOUCH---"), initiate.subarray(32, 48)])
    expect(boxOpen(initiate.subarray(48, 128), vouchNonce, C, serverTransient.secret)).toEqual(Buffer.concat([clientTransient.publicKey, S]))
    expect(initiate.subarray(128)).toEqual(encodeMetadata(props("DEALER", "")))

    // READY: 05 READY n(8) Box[metadata](S'→C'): 65 bytes for a ROUTER with an empty Identity.
    const readyBody = bodyOf(t.ready)
    expect(readyBody.length).toBe(65)
    expect(readyBody.subarray(0, 14)).toEqual(Buffer.concat([Buffer.from("\x05READY", "latin1"), u64(1)]))
    const ready = boxOpen(readyBody.subarray(14), Buffer.concat([Buffer.from("CurveZMQREADY---"), u64(1)]), clientTransient.publicKey, serverTransient.secret)
    expect(ready).toEqual(encodeMetadata(props("ROUTER", "")))

    // MESSAGE: 07 MESSAGE n(8) Box[flags ‖ data](C'→S'); a 5-byte part is 38 bytes; a PING 40.
    const m = carry(client, server, 0, Buffer.from("hello"))
    expect(m.body.length).toBe(38)
    expect(m.frame.subarray(0, 2)).toEqual(hex("00 26")) // an ordinary final message frame, flags 00
    expect(m.body.subarray(0, 16)).toEqual(Buffer.concat([Buffer.from("\x07MESSAGE", "latin1"), u64(3)]))
    const inner = boxOpen(m.body.subarray(16), Buffer.concat([Buffer.from("CurveZMQMESSAGEC"), u64(3)]), serverTransient.publicKey, clientTransient.secret)
    expect(inner).toEqual(Buffer.from("\x00hello", "latin1"))
    const ping = encodePing(0).subarray(2)
    const p = carry(client, server, INNER_COMMAND, ping)
    expect(p.body.length).toBe(40)
    expect(p.flags).toBe(INNER_COMMAND)
    expect(p.data).toEqual(hex("04 50 49 4E 47 00 00"))
    const back = carry(server, client, 0, Buffer.from("x"))
    expect(back.body.subarray(8, 16)).toEqual(u64(2))
    const backInner = boxOpen(back.body.subarray(16), Buffer.concat([Buffer.from("CurveZMQMESSAGES"), u64(2)]), clientTransient.publicKey, serverTransient.secret)
    expect(backInner).toEqual(Buffer.from("\x00x", "latin1"))
  })

  test("a long MESSAGE goes out as a long message frame (flags 02), never MORE or COMMAND", async () => {
    const {client, server} = pair()
    await handshake(client, server)
    const m = carry(client, server, INNER_MORE | INNER_COMMAND, Buffer.alloc(300, 7))
    expect(m.frame[0]).toBe(0x02)
    expect(m.flags).toBe(INNER_MORE | INNER_COMMAND)
    expect(m.data).toEqual(Buffer.alloc(300, 7))
  })

  test("short nonces: client 1 (HELLO), 2 (INITIATE), 3, 4, 5…; server 1 (READY), 2, 3…", async () => {
    const {client, server} = pair()
    const t = await stages(client, server)
    expect(bodyOf(t.hello).subarray(112, 120)).toEqual(u64(1))
    expect(bodyOf(t.initiate).subarray(105, 113)).toEqual(u64(2))
    expect(bodyOf(t.ready).subarray(6, 14)).toEqual(u64(1))
    for (const n of [3, 4, 5]) expect(carry(client, server, 0, Buffer.of(n)).body.subarray(8, 16)).toEqual(u64(n))
    for (const n of [2, 3]) expect(carry(server, client, 0, Buffer.of(n)).body.subarray(8, 16)).toEqual(u64(n))
  })

  test("both sides set as-server the way the greeting wants; each connection gets new transient and cookie keys", async () => {
    const a = pair()
    const b = pair()
    expect(a.client.asServer).toBe(false)
    expect(a.server.asServer).toBe(true)
    const ta = await stages(a.client, a.server)
    const tb = await stages(b.client, b.server)
    expect(bodyOf(ta.hello).subarray(80, 112)).not.toEqual(bodyOf(tb.hello).subarray(80, 112))
    expect(bodyOf(ta.initiate).subarray(9, 105)).not.toEqual(bodyOf(tb.initiate).subarray(9, 105))
  })
})

describe("CURVE handshake and traffic", () => {
  test("metadata both ways, messages both ways with MORE and COMMAND", async () => {
    const {client, server} = pair()
    await handshake(client, server)
    expect(client.peerMetadata.get("socket-type")?.toString()).toBe("ROUTER")
    expect(server.peerMetadata.get("socket-type")?.toString()).toBe("DEALER")
    expect(server.clientKey).toEqual(C)
    const parts = [Buffer.from("a"), Buffer.alloc(0), Buffer.alloc(70000, 9)]
    parts.forEach((p, i) => {
      const r = carry(client, server, i < parts.length - 1 ? INNER_MORE : 0, p)
      expect(r.data).toEqual(p)
      expect(r.flags).toBe(i < parts.length - 1 ? INNER_MORE : 0)
    })
    const sub = carry(server, client, INNER_COMMAND, encodeCommand("SUBSCRIBE", Buffer.from("A")).subarray(2))
    expect(sub.flags).toBe(INNER_COMMAND)
    expect(sub.data).toEqual(hex("09 53 55 42 53 43 52 49 42 45 41"))
  })

  test("property: any interleaving of messages both ways arrives intact and in order", async () => {
    const {client, server} = pair()
    await handshake(client, server)
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({min: 0, max: 3}), fc.uint8Array({maxLength: 600})), {maxLength: 30}), steps => {
        for (const [toServer, flags, data] of steps) {
          const r = toServer ? carry(client, server, flags, Buffer.from(data)) : carry(server, client, flags, Buffer.from(data))
          expect(r.flags).toBe(flags)
          expect(r.data).toEqual(Buffer.from(data))
        }
      }),
      {numRuns: 50},
    )
  })

  test("no authenticator: every client is accepted (libzmq's Stonehouse default)", async () => {
    const stranger = boxKeyPair()
    const {client, server} = pair({secretKey: stranger.secretKey, publicKey: stranger.publicKey})
    await handshake(client, server)
    expect(server.clientKey).toEqual(stranger.publicKey)
    expect(server.zapStatus).toBeUndefined()
  })

  test("the authenticator sees mechanism CURVE and the client's 32-byte public key; 200 accepts", async () => {
    const seen: ZapRequest[] = []
    const {client, server} = pair({}, {
      authenticate: async r => (seen.push(r), {status: "200", userId: "alice", metadata: new Map([["Role", Buffer.from("admin")]])}),
      domain: "global",
      address: "10.0.0.1",
      routingId: Buffer.from("srv"),
    })
    await handshake(client, server)
    expect(seen).toHaveLength(1)
    expect(seen[0]!.mechanism).toBe("CURVE")
    expect(seen[0]!.credentials).toEqual([C])
    expect(seen[0]!.identity.toString()).toBe("srv")
    expect(seen[0]!.address).toBe("10.0.0.1")
    expect(seen[0]!.domain).toBe("global")
    expect(server.userId).toBe("alice")
    expect(server.zapStatus).toBe("200")
    expect(server.zapMetadata.get("Role")?.toString()).toBe("admin")
  })

  test("wrong client key: the authenticator refuses (400) → ERROR 400 → the client reports auth failure", async () => {
    const allowed = (r: ZapRequest): Promise<ZapReply> => Promise.resolve({status: r.credentials[0]!.equals(C) ? "200" : "400"})
    const intruder = boxKeyPair()
    const {client, server} = pair({secretKey: intruder.secretKey, publicKey: intruder.publicKey}, {authenticate: allowed})
    const [hello] = client.start()
    const welcome = await feed(server, [hello!])
    const initiate = await feed(client, welcome)
    const e = (await rejection(feed(server, initiate))) as ZapAuthError
    expect(e).toBeInstanceOf(ZapAuthError)
    expect(e.status).toBe(400)
    expect(e.reply).toEqual([hex("04 0A 05 45 52 52 4F 52 03 34 30 30")])
    expect(server.complete).toBe(false)
    expect(server.authStatus).toBe(400)
    const ce = (await rejection(feed(client, e.reply))) as ZapAuthError
    expect(ce.status).toBe(400)
    expect(client.authStatus).toBe(400)
    expect(client.complete).toBe(false)
  })

  test("ZAP 300 closes silently; 500 sends ERROR 500", async () => {
    for (const [status, reply] of [["300", []], ["500", [encodeError("500")]]] as const) {
      const {client, server} = pair({}, {authenticate: async () => ({status})})
      const [hello] = client.start()
      const initiate = await feed(client, await feed(server, [hello!]))
      const e = (await rejection(feed(server, initiate))) as ZapAuthError
      expect(e.status).toBe(Number(status))
      expect(e.reply).toEqual(reply)
    }
  })

  test("wrong server key: the server cannot open HELLO → CRYPTOGRAPHIC", async () => {
    const {client, server} = pair({serverKey: boxKeyPair().publicKey})
    const e = await rejection(feed(server, client.start()))
    expect(e.code).toBe("ERR_ZMTP_CRYPTOGRAPHIC")
    expect(server.complete).toBe(false)
  })

  test("a server with a different secret key: same → CRYPTOGRAPHIC at HELLO", async () => {
    const other = boxKeyPair()
    const {client, server} = pair({}, {secretKey: other.secretKey, publicKey: other.publicKey})
    expect((await rejection(feed(server, client.start()))).code).toBe("ERR_ZMTP_CRYPTOGRAPHIC")
  })
})

describe("refusals at each stage", () => {
  /** Runs up to (not including) delivering `stage`, tampers with it, delivers it; returns the error. */
  async function tampered(stage: "hello" | "welcome" | "initiate" | "ready", change: (frame: Buffer) => Buffer): Promise<ZmtpError> {
    const {client, server} = pair()
    const [hello] = client.start()
    if (stage === "hello") return rejection(feed(server, [change(hello!)]))
    const [welcome] = await feed(server, [hello!])
    if (stage === "welcome") return rejection(feed(client, [change(welcome!)]))
    const [initiate] = await feed(client, [welcome!])
    if (stage === "initiate") {
      const e = await rejection(feed(server, [change(initiate!)]))
      expect(server.complete).toBe(false)
      return e
    }
    const [ready] = await feed(server, [initiate!])
    const e = await rejection(feed(client, [change(ready!)]))
    expect(client.complete).toBe(false)
    expect(() => client.encode(0, Buffer.alloc(1))).toThrow()
    return e
  }

  test.each([
    ["HELLO: signature box", "hello", 150, "ERR_ZMTP_CRYPTOGRAPHIC"],
    ["HELLO: tag", "hello", 120, "ERR_ZMTP_CRYPTOGRAPHIC"],
    ["HELLO: C'", "hello", 90, "ERR_ZMTP_CRYPTOGRAPHIC"],
    ["HELLO: short nonce", "hello", 119, "ERR_ZMTP_CRYPTOGRAPHIC"],
    ["HELLO: version", "hello", 6, "ERR_ZMTP_MALFORMED_COMMAND_HELLO"],
    ["WELCOME: long nonce", "welcome", 10, "ERR_ZMTP_CRYPTOGRAPHIC"],
    ["WELCOME: box", "welcome", 100, "ERR_ZMTP_CRYPTOGRAPHIC"],
    ["INITIATE: cookie nonce", "initiate", 12, "ERR_ZMTP_CRYPTOGRAPHIC"],
    ["INITIATE: cookie box", "initiate", 60, "ERR_ZMTP_CRYPTOGRAPHIC"],
    ["INITIATE: box", "initiate", 200, "ERR_ZMTP_CRYPTOGRAPHIC"],
    ["INITIATE: metadata inside the box", "initiate", 290, "ERR_ZMTP_CRYPTOGRAPHIC"],
    ["READY: short nonce", "ready", 13, "ERR_ZMTP_CRYPTOGRAPHIC"],
    ["READY: box", "ready", 40, "ERR_ZMTP_CRYPTOGRAPHIC"],
  ] as const)("a flipped bit in %s → %s", async (_what, stage, at, code) => {
    expect((await tampered(stage, f => flip(f, at))).code).toBe(code)
  })

  test.each([
    ["HELLO of 199 bytes", "hello", 199, "ERR_ZMTP_MALFORMED_COMMAND_HELLO"],
    ["HELLO of 201 bytes", "hello", 201, "ERR_ZMTP_MALFORMED_COMMAND_HELLO"],
    ["WELCOME of 167 bytes", "welcome", 167, "ERR_ZMTP_MALFORMED_COMMAND_WELCOME"],
    ["WELCOME of 169 bytes", "welcome", 169, "ERR_ZMTP_MALFORMED_COMMAND_WELCOME"],
    ["INITIATE of 256 bytes", "initiate", 256, "ERR_ZMTP_MALFORMED_COMMAND_INITIATE"],
    ["INITIATE with a byte more", "initiate", 293, "ERR_ZMTP_CRYPTOGRAPHIC"],
    ["READY of 29 bytes", "ready", 29, "ERR_ZMTP_MALFORMED_COMMAND_READY"],
    ["READY truncated to 30 bytes", "ready", 30, "ERR_ZMTP_CRYPTOGRAPHIC"],
  ] as const)("%s → %s", async (_what, stage, size, code) => {
    expect((await tampered(stage, f => resize(f, size))).code).toBe(code)
  })

  test("INITIATE replaying HELLO's short nonce → INVALID_SEQUENCE", async () => {
    const e = await tampered("initiate", f => {
      const body = Buffer.from(bodyOf(f))
      u64(1).copy(body, 105)
      return commandFrame(body)
    })
    expect(e.code).toBe("ERR_ZMTP_INVALID_SEQUENCE")
  })

  test("an INITIATE replayed to another connection: its cookie is not that server's → CRYPTOGRAPHIC", async () => {
    const first = pair()
    const t = await stages(first.client, first.server)
    const {client, server} = pair()
    await feed(server, client.start())
    const e = await rejection(feed(server, [t.initiate]))
    expect(e.code).toBe("ERR_ZMTP_CRYPTOGRAPHIC")
  })

  test("a low-order C' in HELLO → CRYPTOGRAPHIC", async () => {
    const {client, server} = pair()
    const [hello] = client.start()
    const body = Buffer.from(bodyOf(hello!))
    body.fill(0, 80, 112)
    expect((await rejection(feed(server, [commandFrame(body)]))).code).toBe("ERR_ZMTP_CRYPTOGRAPHIC")
  })

  test("out-of-order commands → UNEXPECTED_COMMAND", async () => {
    const a = pair()
    expect((await rejection(feed(a.server, [encodeCommand("INITIATE", Buffer.alloc(300))]))).code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND")
    const b = pair()
    b.client.start()
    expect(thrown(() => b.client.onCommand({name: "READY", data: Buffer.alloc(40)})).code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND")
    const c2 = pair()
    const t = await stages(c2.client, c2.server)
    expect(thrown(() => c2.client.onCommand({name: "READY", data: bodyOf(t.ready).subarray(6)})).code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND")
    expect(thrown(() => c2.server.onCommand({name: "HELLO", data: bodyOf(t.hello).subarray(6)}) as Buffer[]).code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND")
    expect(thrown(() => c2.server.onCommand({name: "MESSAGE", data: Buffer.alloc(40)}) as Buffer[]).code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND")
  })

  test("ERROR while waiting for WELCOME or READY: auth status, or a plain peer error", async () => {
    const a = pair()
    a.client.start()
    const e = thrown(() => a.client.onCommand({name: "ERROR", data: hex("03 34 30 30")})) as ZapAuthError
    expect(e.status).toBe(400)
    const b = pair()
    const [hello] = b.client.start()
    await feed(b.client, await feed(b.server, [hello!]))
    const e2 = thrown(() => b.client.onCommand({name: "ERROR", data: Buffer.from("\x04nope", "latin1")}))
    expect(e2.code).toBe("ERR_ZMTP_PEER_ERROR")
    expect(thrown(() => b.client.onCommand({name: "ERROR", data: hex("09 34")})).code).toBe("ERR_ZMTP_MALFORMED_COMMAND_ERROR")
  })
})

describe("forged INITIATE vouches (a client that lies)", () => {
  /** Builds INITIATE by hand from the WELCOME, with a chosen vouch. */
  async function forge(vouch: {transient?: Uint8Array; server?: Uint8Array; signer?: Uint8Array; claimed?: Uint8Array}) {
    const ct = fixedPair(0x33)
    const {client, server} = pair({transientKeyPair: () => ct})
    const [welcomeFrame] = await feed(server, client.start())
    const wb = bodyOf(welcomeFrame!)
    const welcome = boxOpen(wb.subarray(24), Buffer.concat([Buffer.from("WELCOME-"), wb.subarray(8, 24)]), S, ct.secret)!
    const serverTransient = welcome.subarray(0, 32)
    const cookie = welcome.subarray(32)
    const vn = Buffer.alloc(16, 0x55)
    const vouchBox = box(Buffer.concat([vouch.transient ?? ct.publicKey, vouch.server ?? S]), Buffer.concat([Buffer.from("VOUCH---"), vn]), serverTransient, vouch.signer ?? c)
    const plain = Buffer.concat([vouch.claimed ?? C, vn, vouchBox, encodeMetadata(props("DEALER", ""))])
    const sealed = box(plain, Buffer.concat([Buffer.from("CurveZMQINITIATE"), u64(2)]), serverTransient, ct.secret)
    const initiate = encodeCommand("INITIATE", cookie, u64(2), sealed)
    return {server, initiate}
  }

  test("an honest hand-built INITIATE is accepted (the forger itself is right)", async () => {
    const {server, initiate} = await forge({})
    const [ready] = await feed(server, [initiate])
    expect(bodyOf(ready!).subarray(0, 6).toString("latin1")).toBe("\x05READY")
    expect(server.complete).toBe(true)
  })

  test("a vouch for another transient key C' → KEY_EXCHANGE", async () => {
    const {server, initiate} = await forge({transient: boxKeyPair().publicKey})
    expect((await rejection(feed(server, [initiate]))).code).toBe("ERR_ZMTP_KEY_EXCHANGE")
  })

  test("a vouch naming another server S → KEY_EXCHANGE", async () => {
    const {server, initiate} = await forge({server: boxKeyPair().publicKey})
    expect((await rejection(feed(server, [initiate]))).code).toBe("ERR_ZMTP_KEY_EXCHANGE")
  })

  test("claiming a long-term key C without its secret: the vouch does not open → CRYPTOGRAPHIC", async () => {
    const {server, initiate} = await forge({signer: boxKeyPair().secretKey})
    expect((await rejection(feed(server, [initiate]))).code).toBe("ERR_ZMTP_CRYPTOGRAPHIC")
    expect(server.clientKey).toBeUndefined()
  })

  test("INITIATE metadata that does not parse → INVALID_METADATA / MALFORMED_COMMAND_INITIATE", async () => {
    for (const [meta, code] of [
      [hex("05 41 42"), "ERR_ZMTP_MALFORMED_COMMAND_INITIATE"],
      [hex("01 21 00 00 00 00"), "ERR_ZMTP_INVALID_METADATA"],
    ] as const) {
      const ct = fixedPair(0x34)
      const {client, server} = pair({transientKeyPair: () => ct})
      const [welcomeFrame] = await feed(server, client.start())
      const wb = bodyOf(welcomeFrame!)
      const welcome = boxOpen(wb.subarray(24), Buffer.concat([Buffer.from("WELCOME-"), wb.subarray(8, 24)]), S, ct.secret)!
      const st = welcome.subarray(0, 32)
      const vn = Buffer.alloc(16, 1)
      const vouchBox = box(Buffer.concat([ct.publicKey, S]), Buffer.concat([Buffer.from("VOUCH---"), vn]), st, c)
      const sealed = box(Buffer.concat([C, vn, vouchBox, meta]), Buffer.concat([Buffer.from("CurveZMQINITIATE"), u64(2)]), st, ct.secret)
      const e = await rejection(feed(server, [encodeCommand("INITIATE", welcome.subarray(32), u64(2), sealed)]))
      expect(e.code).toBe(code)
    }
  })
})

describe("MESSAGE refusals", () => {
  async function ready() {
    const {client, server} = pair()
    await handshake(client, server)
    return {client, server}
  }

  test("a flipped bit anywhere after the name → CRYPTOGRAPHIC (or INVALID_SEQUENCE for a lower nonce); nothing delivered", async () => {
    const {client, server} = await ready()
    const body = client.encode(0, Buffer.from("payload"))
    for (let at = 8; at < body.length; at++) {
      for (let bit = 0; bit < 8; bit++) {
        const forged = Buffer.from(body)
        forged[at]! ^= 1 << bit
        const e = thrown(() => server.decode(forged))
        const lowerNonce = at < 16 && forged.readBigUInt64BE(8) < 3n
        expect(e.code).toBe(lowerNonce ? "ERR_ZMTP_INVALID_SEQUENCE" : "ERR_ZMTP_CRYPTOGRAPHIC")
      }
    }
    // The authentic one still opens: forgeries did not move the receive counter.
    expect(server.decode(body).data.toString()).toBe("payload")
  })

  test("replay and reordering → INVALID_SEQUENCE", async () => {
    const {client, server} = await ready()
    const one = client.encode(0, Buffer.from("1"))
    const two = client.encode(0, Buffer.from("2"))
    expect(server.decode(two).data.toString()).toBe("2") // gaps are allowed
    expect(thrown(() => server.decode(one)).code).toBe("ERR_ZMTP_INVALID_SEQUENCE")
    expect(thrown(() => server.decode(two)).code).toBe("ERR_ZMTP_INVALID_SEQUENCE")
    const three = client.encode(0, Buffer.from("3"))
    expect(server.decode(three).data.toString()).toBe("3")
  })

  test("a MESSAGE reflected back to its sender (other nonce prefix) → CRYPTOGRAPHIC", async () => {
    const {client, server} = await ready()
    let out = server.encode(0, Buffer.from("x"))
    for (let i = 0; i < 4; i++) out = server.encode(0, Buffer.from("x")) // nonce 6, above the server's last received (2)
    expect(out.readBigUInt64BE(8)).toBe(6n)
    expect(thrown(() => server.decode(out)).code).toBe("ERR_ZMTP_CRYPTOGRAPHIC")
    expect(client.decode(out).data.toString()).toBe("x")
  })

  test("shorter than 33 bytes → MALFORMED_COMMAND_MESSAGE; not a MESSAGE → UNEXPECTED_COMMAND", async () => {
    const {client, server} = await ready()
    const body = client.encode(0, Buffer.alloc(0))
    expect(body.length).toBe(33)
    expect(thrown(() => server.decode(body.subarray(0, 32))).code).toBe("ERR_ZMTP_MALFORMED_COMMAND_MESSAGE")
    expect(thrown(() => server.decode(body.subarray(0, 8))).code).toBe("ERR_ZMTP_MALFORMED_COMMAND_MESSAGE")
    expect(thrown(() => server.decode(Buffer.from("\x07MESSAG", "latin1"))).code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND")
    expect(thrown(() => server.decode(encodePing(1).subarray(2))).code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND")
    expect(thrown(() => server.decode(Buffer.from("hello world, this is plain text!!!"))).code).toBe("ERR_ZMTP_UNEXPECTED_COMMAND")
    expect(server.decode(body).data.length).toBe(0)
  })

  test("encode/decode before the handshake is complete is a programming error", () => {
    const {client, server} = pair()
    expect(() => client.encode(0, Buffer.alloc(1))).toThrow(/before the handshake/)
    expect(() => server.decode(Buffer.alloc(40))).toThrow(/before the handshake/)
  })

  test("metadata: READY that does not parse → client error, nothing completes", async () => {
    // Covered through a server whose READY metadata we cannot corrupt without the key, so check the
    // parse path directly: a valid box with bad metadata is refused by the client.
    const ct = fixedPair(0x44)
    const stp = fixedPair(0x45)
    const {client, server} = pair({transientKeyPair: () => ct}, {transientKeyPair: () => stp})
    const [hello] = client.start()
    const initiate = await feed(client, await feed(server, [hello!]))
    await feed(server, initiate)
    const bad = box(hex("05 41"), Buffer.concat([Buffer.from("CurveZMQREADY---"), u64(1)]), ct.publicKey, stp.secret)
    const e = thrown(() => client.onCommand({name: "READY", data: Buffer.concat([u64(1), bad])}))
    expect(e.code).toBe("ERR_ZMTP_MALFORMED_COMMAND_READY")
    expect(client.complete).toBe(false)
    expect(parseMetadata(encodeMetadata(props("ROUTER")), 0, "ERR_ZMTP_MALFORMED_COMMAND_READY").size).toBe(1)
  })
})
