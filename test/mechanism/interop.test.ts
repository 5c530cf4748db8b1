/**
 * The mechanisms inside a real Engine over loopback TCP against libzmq 4.3.5 (the zeromq
 * devDependency): CURVE and PLAIN, each side as client and as server, with ZAP handlers on the
 * libzmq side, and the libzmq-visible outcome of a refusal. (test/interop/security.test.ts covers
 * the same through whole sockets.)
 */
import net from "node:net"
import {afterEach, describe, expect, test} from "vitest"
import * as zmq from "zeromq"
import {CurveClient, CurveServer} from "../../src/mechanism/curve.js"
import {PlainClient, PlainServer} from "../../src/mechanism/plain.js"
import {ZapAuthError, type ZapRequest} from "../../src/mechanism/zap.js"
import type {Mechanism} from "../../src/mechanism/mechanism.js"
import {z85Decode} from "../../src/wire/z85.js"
import {connect, engineOn, listen, until, type Harness} from "../helpers/engine.js"
import {props} from "./harness.js"

const closers: (() => void)[] = []
afterEach(() => {
  for (const c of closers.splice(0)) c()
})
const track = <T extends {close(): void}>(s: T): T => (closers.push(() => s.close()), s)

const serverKeys = zmq.curveKeyPair()
const clientKeys = zmq.curveKeyPair()

/** A ZAP handler in a libzmq context: answers per `allow`, records requests. */
async function zapHandler(context: zmq.Context, allow: (mechanism: string, creds: Buffer[]) => string) {
  const rep = track(new zmq.Reply({context, linger: 0}))
  await rep.bind("inproc://zeromq.zap.01")
  const requests: Buffer[][] = []
  void (async () => {
    for await (const msg of rep) {
      requests.push(msg)
      const status = allow(msg[5]!.toString(), msg.slice(6))
      await rep.send(["1.0", msg[1]!, status, status === "200" ? "OK" : "No", status === "200" ? "joe" : "", ""])
    }
  })().catch(() => {})
  return requests
}

async function libzmqBound<T extends zmq.Socket>(sock: T): Promise<{sock: T; port: number}> {
  track(sock)
  await sock.bind("tcp://127.0.0.1:*")
  return {sock, port: Number(sock.lastEndpoint!.split(":").pop())}
}

async function zmtpConnecting(port: number, type: "DEALER" | "ROUTER", mechanism: Mechanism): Promise<Harness> {
  const stream = await connect(port)
  closers.push(() => stream.destroy())
  return engineOn(stream, type, {mechanism})
}

async function zmtpListening(type: "DEALER" | "ROUTER", mechanism: () => Mechanism): Promise<{port: number; harness: () => Harness | undefined}> {
  let h: Harness | undefined
  const {port, server} = await listen((s: net.Socket) => {
    closers.push(() => s.destroy())
    h = engineOn(s, type, {mechanism: mechanism()})
  })
  closers.push(() => server.close())
  return {port, harness: () => h}
}

describe("CURVE against libzmq", () => {
  test("zmtp CurveClient (DEALER) ↔ libzmq ROUTER curveServer: both ways, multipart, long frames", async () => {
    const {sock: router, port} = await libzmqBound(new zmq.Router({curveServer: true, curveSecretKey: serverKeys.secretKey, linger: 0}))
    const h = await zmtpConnecting(port, "DEALER", new CurveClient({properties: props("DEALER", "me"), serverKey: serverKeys.publicKey, secretKey: clientKeys.secretKey, publicKey: clientKeys.publicKey}))
    const peer = await h.peer
    expect(peer.socketType).toBe("ROUTER")
    h.pipe.write([Buffer.from("hello"), Buffer.alloc(300, 7)])
    const [id, hello, big] = await router.receive()
    expect(id!.toString()).toBe("me")
    expect(hello!.toString()).toBe("hello")
    expect(big!.equals(Buffer.alloc(300, 7))).toBe(true)
    await router.send(["me", "back", Buffer.alloc(70000, 3)])
    await until(() => h.received.length === 1)
    expect(h.received[0]![0]!.toString()).toBe("back")
    expect(h.received[0]![1]!.equals(Buffer.alloc(70000, 3))).toBe(true)
  })

  test("libzmq DEALER curve client ↔ zmtp CurveServer (ROUTER), authenticated by our callback", async () => {
    const seen: ZapRequest[] = []
    const {port, harness} = await zmtpListening("ROUTER", () => new CurveServer({
      properties: props("ROUTER", ""),
      secretKey: serverKeys.secretKey,
      authenticate: async r => (seen.push(r), {status: "200", userId: "alice"}),
      address: "127.0.0.1",
    }))
    const dealer = track(new zmq.Dealer({curveServerKey: serverKeys.publicKey, curveSecretKey: clientKeys.secretKey, curvePublicKey: clientKeys.publicKey, routingId: "d1", linger: 0}))
    dealer.connect(`tcp://127.0.0.1:${port}`)
    await dealer.send(["x", "y"])
    await until(() => (harness()?.received.length ?? 0) === 1)
    expect(harness()!.received[0]!.map(String)).toEqual(["x", "y"])
    expect(seen[0]!.mechanism).toBe("CURVE")
    expect(seen[0]!.credentials).toEqual([z85Decode(clientKeys.publicKey)])
    expect(seen[0]!.address).toBe("127.0.0.1")
    harness()!.pipe.write([Buffer.from("z")])
    expect((await dealer.receive()).map(String)).toEqual(["z"])
  })

  test("heartbeats travel inside MESSAGE boxes (COMMAND bit) both ways and keep the link up", async () => {
    const {sock: router, port} = await libzmqBound(new zmq.Router({curveServer: true, curveSecretKey: serverKeys.secretKey, heartbeatInterval: 40, heartbeatTimeout: 200, linger: 0}))
    const stream = await connect(port)
    closers.push(() => stream.destroy())
    const h = engineOn(stream, "DEALER", {
      mechanism: new CurveClient({properties: props("DEALER", "hb"), serverKey: serverKeys.publicKey, secretKey: clientKeys.secretKey}),
      heartbeatInterval: 40,
      heartbeatTimeToLive: 1000,
      heartbeatTimeout: 200,
    })
    await h.peer
    await new Promise(r => setTimeout(r, 600))
    expect(h.engine.closed).toBe(false)
    h.pipe.write([Buffer.from("still here")])
    const [id, text] = await router.receive()
    expect([id!.toString(), text!.toString()]).toEqual(["hb", "still here"])
  })

  test("libzmq ZAP refuses our client (400): we report an auth failure with status 400", async () => {
    const context = new zmq.Context()
    await zapHandler(context, () => "400")
    const {port} = await libzmqBound(new zmq.Router({context, curveServer: true, curveSecretKey: serverKeys.secretKey, linger: 0}))
    const client = new CurveClient({properties: props("DEALER", ""), serverKey: serverKeys.publicKey, secretKey: clientKeys.secretKey})
    const h = await zmtpConnecting(port, "DEALER", client)
    const closed = await h.closed
    expect(closed.duringHandshake).toBe(true)
    expect(closed.error).toBeInstanceOf(ZapAuthError)
    expect((closed.error as ZapAuthError).status).toBe(400)
    expect(client.authStatus).toBe(400)
  })

  test("our server refuses libzmq's client (400): libzmq emits handshake:error:auth 400", async () => {
    const {port} = await zmtpListening("ROUTER", () => new CurveServer({properties: props("ROUTER", ""), secretKey: serverKeys.secretKey, authenticate: async () => ({status: "400"})}))
    const dealer = track(new zmq.Dealer({curveServerKey: serverKeys.publicKey, curveSecretKey: clientKeys.secretKey, curvePublicKey: clientKeys.publicKey, linger: 0}))
    const events = dealer.events
    dealer.connect(`tcp://127.0.0.1:${port}`)
    for (;;) {
      const ev = await events.receive()
      if (ev.type === "handshake:error:auth") {
        expect((ev.error as Error & {status?: number}).status).toBe(400)
        break
      }
      expect(ev.type).not.toBe("handshake:succeeded")
    }
  })

  test("a libzmq client with the wrong server key never gets through", async () => {
    const {port, harness} = await zmtpListening("ROUTER", () => new CurveServer({properties: props("ROUTER", ""), secretKey: serverKeys.secretKey}))
    const dealer = track(new zmq.Dealer({curveServerKey: zmq.curveKeyPair().publicKey, curveSecretKey: clientKeys.secretKey, curvePublicKey: clientKeys.publicKey, linger: 0}))
    dealer.connect(`tcp://127.0.0.1:${port}`)
    await until(() => harness() !== undefined)
    const closed = await harness()!.closed
    expect(closed.error?.code).toBe("ERR_ZMTP_CRYPTOGRAPHIC")
    expect(harness()!.received).toEqual([])
  })
})

describe("PLAIN against libzmq", () => {
  test("zmtp PlainClient ↔ libzmq ROUTER plainServer with a ZAP handler", async () => {
    const context = new zmq.Context()
    const requests = await zapHandler(context, (m, creds) => (m === "PLAIN" && creds[0]!.toString() === "admin" && creds[1]!.toString() === "secret" ? "200" : "400"))
    const {sock: router, port} = await libzmqBound(new zmq.Router({context, plainServer: true, zapDomain: "global", linger: 0}))
    const h = await zmtpConnecting(port, "DEALER", new PlainClient({properties: props("DEALER", "p1"), username: "admin", password: "secret"}))
    await h.peer
    h.pipe.write([Buffer.from("hi")])
    const [id, hi] = await router.receive()
    expect([id!.toString(), hi!.toString()]).toEqual(["p1", "hi"])
    expect(requests[0]!.map(String)).toEqual(["1.0", "1", "global", "127.0.0.1", "", "PLAIN", "admin", "secret"])
  })

  test("libzmq's refusal (its malformed `5E RROR` ERROR 400) is read as an auth failure", async () => {
    const context = new zmq.Context()
    await zapHandler(context, () => "400")
    const {port} = await libzmqBound(new zmq.Router({context, plainServer: true, linger: 0}))
    const client = new PlainClient({properties: props("DEALER", ""), username: "admin", password: "wrong"})
    const h = await zmtpConnecting(port, "DEALER", client)
    const closed = await h.closed
    expect(closed.error).toBeInstanceOf(ZapAuthError)
    expect((closed.error as ZapAuthError).status).toBe(400)
  })

  test("libzmq PLAIN client ↔ zmtp PlainServer", async () => {
    const {port, harness} = await zmtpListening("ROUTER", () => new PlainServer({
      properties: props("ROUTER", ""),
      authenticate: async r => ({status: r.credentials[1]!.toString() === "secret" ? "200" : "400"}),
    }))
    const dealer = track(new zmq.Dealer({plainUsername: "admin", plainPassword: "secret", linger: 0}))
    dealer.connect(`tcp://127.0.0.1:${port}`)
    await dealer.send("via plain")
    await until(() => (harness()?.received.length ?? 0) === 1)
    expect(harness()!.received[0]![0]!.toString()).toBe("via plain")
  })
})
