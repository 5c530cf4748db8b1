/**
 * spec/vectors/plain.json and spec/vectors/curve.json (spec/security.md §6, §7): our PLAIN and
 * CURVE sides must send exactly these bytes and accept them; every CURVE box must open with the
 * documented keys and nonce using the bare primitives, independently of the mechanism.
 */
import {describe, expect, test} from "vitest"
import {CurveClient, CurveServer} from "../../src/mechanism/curve.js"
import {boxOpen, privateKeyObject, scalarMultBase, secretboxOpen, type X25519KeyPair} from "../../src/mechanism/crypto/index.js"
import {PlainClient, PlainServer, parsePlainHello} from "../../src/mechanism/plain.js"
import {encodeZapRequest, ZapAuthError, type ZapReply, type ZapRequest} from "../../src/mechanism/zap.js"
import {parseError} from "../../src/wire/command.js"
import {encodeMetadata} from "../../src/wire/metadata.js"
import {bytes, loadVectors, type Piece} from "../helpers/vectors.js"
import {commandsOf, decodeFrames, feed} from "./harness.js"

type Props = [string, string][]
interface Vector {
  name: string
  from: "client" | "server"
  wire: Piece[]
  command?: {name: string; username?: string; password?: string; reason?: string; properties?: Props}
  message?: {flags: number; data: string}
}
interface Box {
  name: string
  in: string
  offset: number
  length: number
  from?: string
  to?: string
  key?: string
  nonce: Piece[]
  plaintext: Piece[]
}
interface ZapVector {
  frames: string[]
  credentials: string[]
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")
const props = (list: Props): [string, Buffer][] => list.map(([k, v]) => [k, Buffer.from(v)])
const metadataOf = (m: Map<string, Buffer>): Props => [...m].map(([k, v]) => [k, v.toString()])
const lower = (list: Props): Props => list.map(([k, v]) => [k.toLowerCase(), v])
const zapFrames = (z: ZapVector): Buffer[] => [...z.frames.map(f => Buffer.from(f, "latin1")), ...z.credentials.map(hex)]

async function rejection(p: unknown): Promise<Error> {
  try {
    await p
  } catch (e) {
    return e as Error
  }
  throw new Error("expected a rejection")
}

describe("spec/vectors/plain.json", () => {
  const file = loadVectors<{vectors: Vector[]; zapRequest: ZapVector}>("plain")
  const wire = (name: string) => bytes(file.vectors.find(v => v.name === name)!.wire)
  const command = (name: string) => file.vectors.find(v => v.name === name)!.command!
  const client = () => new PlainClient({properties: props(command("initiate").properties!), username: command("hello").username!, password: command("hello").password!})
  const server = (reply: ZapReply, seen: ZapRequest[] = []) =>
    new PlainServer({properties: props(command("ready").properties!), authenticate: async r => (seen.push(r), reply), domain: "", address: "127.0.0.1", routingId: Buffer.alloc(0)})

  test("each vector decodes to its command", () => {
    for (const v of file.vectors) {
      const [c] = commandsOf([bytes(v.wire)])
      expect(c!.name, v.name).toBe(v.command!.name)
      if (v.command!.name === "HELLO") {
        const {username, password} = parsePlainHello(c!.data)
        expect([username.toString(), password.toString()]).toEqual([v.command!.username, v.command!.password])
      }
      if (v.command!.name === "WELCOME") expect(c!.data.length).toBe(0)
      if (v.command!.name === "ERROR") expect(parseError(c!.data)).toBe(v.command!.reason)
    }
  })

  test("the client sends HELLO and INITIATE byte for byte and accepts WELCOME and READY", async () => {
    const c = client()
    expect(c.start()).toEqual([wire("hello")])
    expect(await feed(c, [wire("welcome")])).toEqual([wire("initiate")])
    expect(await feed(c, [wire("ready")])).toEqual([])
    expect(c.complete).toBe(true)
    expect(metadataOf(c.peerMetadata)).toEqual(lower(command("ready").properties!))
  })

  test("the server sends WELCOME and READY byte for byte, accepts HELLO and INITIATE, and asks ZAP exactly this", async () => {
    const seen: ZapRequest[] = []
    const s = server({status: "200"}, seen)
    expect(await feed(s, [wire("hello")])).toEqual([wire("welcome")])
    expect(seen.map(encodeZapRequest)).toEqual([zapFrames(file.zapRequest)])
    expect(await feed(s, [wire("initiate")])).toEqual([wire("ready")])
    expect(s.complete).toBe(true)
    expect(metadataOf(s.peerMetadata)).toEqual(lower(command("initiate").properties!))
  })

  test("ZAP 400: the server's ERROR is the vector; the client reads both ERROR forms as status 400", async () => {
    const e = await rejection(feed(server({status: "400"}), [wire("hello")]))
    expect(e).toBeInstanceOf(ZapAuthError)
    expect((e as ZapAuthError).reply).toEqual([wire("error-400")])
    for (const name of ["error-400", "error-400-libzmq"]) {
      const c = client()
      c.start()
      const refused = await rejection(feed(c, [wire(name)]))
      expect(refused, name).toBeInstanceOf(ZapAuthError)
      expect((refused as ZapAuthError).status).toBe(400)
    }
  })
})

describe("spec/vectors/curve.json", () => {
  const file = loadVectors<{
    keys: Record<string, {public?: string; secret: string}>
    longNonces: {cookie: string; welcome: string; vouch: string}
    properties: {client: Props; server: Props}
    vectors: Vector[]
    boxes: Box[]
    zapRequest: ZapVector
  }>("curve")
  const key = (name: string, part: "public" | "secret") => hex(file.keys[name]![part]!)
  const wire = (name: string) => bytes(file.vectors.find(v => v.name === name)!.wire)
  const vector = (name: string) => file.vectors.find(v => v.name === name)!
  /** The mechanism wipes transient secrets once used, so each call hands out fresh copies. */
  const transient = (name: string) => (): X25519KeyPair => ({secretKey: key(name, "secret"), publicKey: key(name, "public"), privateKey: privateKeyObject(key(name, "secret"))})
  /** Deterministic randomness: the fixed values, checked against the sizes asked for. */
  const randomOf = (...values: Buffer[]) => (size: number): Buffer => {
    const next = values.shift()
    if (next === undefined || next.length !== size) throw new Error(`unexpected random(${size})`)
    return next
  }
  const client = () =>
    new CurveClient({
      properties: props(file.properties.client),
      serverKey: key("server", "public"),
      publicKey: key("client", "public"),
      secretKey: key("client", "secret"),
      transientKeyPair: transient("clientTransient"),
      random: randomOf(hex(file.longNonces.vouch)),
    })
  const server = (seen: ZapRequest[] = []) =>
    new CurveServer({
      properties: props(file.properties.server),
      publicKey: key("server", "public"),
      secretKey: key("server", "secret"),
      transientKeyPair: transient("serverTransient"),
      random: randomOf(key("cookie", "secret"), hex(file.longNonces.cookie), hex(file.longNonces.welcome)),
      authenticate: async r => (seen.push(r), {status: "200"}),
      domain: "",
      address: "127.0.0.1",
      routingId: Buffer.alloc(0),
    })
  /** The body of a vector's frame: the command body, or the single part of a message frame. */
  const body = (name: string): Buffer => {
    const d = decodeFrames([wire(name)])
    return d.commands[0] ?? d.messages[0]![0]!
  }

  test("every public key is X25519(base point, secret)", () => {
    for (const name of ["client", "server", "clientTransient", "serverTransient"]) expect(scalarMultBase(key(name, "secret")), name).toEqual(key(name, "public"))
  })

  test("every box opens with the documented key pair and nonce (bare primitives), both ways round", () => {
    const plain = new Map<string, Buffer>()
    for (const b of file.boxes) {
      const outer = plain.get(b.in) ?? body(b.in)
      const sealed = outer.subarray(b.offset, b.offset + b.length)
      expect(sealed.length, b.name).toBe(b.length)
      const nonce = bytes(b.nonce)
      expect(nonce.length, b.name).toBe(24)
      let opened: Buffer | null
      if (b.key !== undefined) {
        opened = secretboxOpen(sealed, nonce, key(b.key, "secret"))
      } else {
        opened = boxOpen(sealed, nonce, key(b.from!, "public"), key(b.to!, "secret"))
        expect(boxOpen(sealed, nonce, key(b.to!, "public"), key(b.from!, "secret")), b.name).toEqual(opened)
      }
      expect(opened, b.name).toEqual(bytes(b.plaintext))
      // A wrong nonce must not open it.
      const wrong = Buffer.from(nonce)
      wrong[23]! ^= 1
      expect(b.key !== undefined ? secretboxOpen(sealed, wrong, key(b.key, "secret")) : boxOpen(sealed, wrong, key(b.from!, "public"), key(b.to!, "secret")), b.name).toBeNull()
      plain.set(b.name, opened!)
    }
    // The metadata inside INITIATE and READY is the documented properties.
    expect(plain.get("initiate-box")!.subarray(128)).toEqual(encodeMetadata(props(file.properties.client)))
    expect(plain.get("ready-box")).toEqual(encodeMetadata(props(file.properties.server)))
  })

  test("client and server produce exactly the vectors' handshake and accept them", async () => {
    const seen: ZapRequest[] = []
    const c = client()
    const s = server(seen)
    expect(c.start()).toEqual([wire("hello")])
    expect(await feed(s, [wire("hello")])).toEqual([wire("welcome")])
    expect(await feed(c, [wire("welcome")])).toEqual([wire("initiate")])
    expect(await feed(s, [wire("initiate")])).toEqual([wire("ready")])
    expect(await feed(c, [wire("ready")])).toEqual([])
    expect(c.complete && s.complete).toBe(true)
    expect(s.clientKey).toEqual(key("client", "public"))
    expect(metadataOf(s.peerMetadata)).toEqual(lower(file.properties.client))
    expect(metadataOf(c.peerMetadata)).toEqual(lower(file.properties.server))
    expect(seen.map(encodeZapRequest)).toEqual([zapFrames(file.zapRequest)])

    // Traffic, in the vectors' order: each side's nonces count on from its handshake.
    for (const v of file.vectors.filter(v => v.message)) {
      const [from, to] = v.from === "client" ? [c, s] : [s, c]
      const data = hex(v.message!.data)
      expect(from.encode(v.message!.flags, data), v.name).toEqual(body(v.name))
      expect(decodeFrames([wire(v.name)]).messages).toHaveLength(1) // an ordinary single-part message frame
      expect(to.decode(body(v.name)), v.name).toEqual({flags: v.message!.flags, data})
    }
  })

  test("a replayed MESSAGE vector is refused (its nonce is not above the last one)", async () => {
    const c = client()
    const s = server()
    c.start()
    await feed(s, [wire("hello")])
    await feed(c, [wire("welcome")])
    await feed(s, [wire("initiate")])
    expect(s.decode(body("message-c3")).data.toString()).toBe("hello")
    expect(() => s.decode(body("message-c3"))).toThrow(expect.objectContaining({code: "ERR_ZMTP_INVALID_SEQUENCE"}))
    expect(vector("message-c4-ping").message!.flags).toBe(2)
  })
})
