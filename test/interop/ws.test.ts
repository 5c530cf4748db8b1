/**
 * ws:// between zmtp and libzmq 4.3.5 (the `zeromq` devDependency has libzmq's own ws:// transport),
 * both ways, and zmtp with itself: DEALER/ROUTER multipart with empty and 70 KB frames, PUB/SUB
 * filtering, REQ/REP, PLAIN with a ZAP handler, CURVE; the client's masking never alters the caller's Buffer; a bad upgrade
 * or a broken WebSocket stream from a peer closes that connection only.
 */
import {describe, expect, test} from "vitest"
import net from "node:net"
import * as zmq from "zeromq"
import * as zmtp from "../../src/index.js"
import {socketTracker, sleep, until} from "../helpers/sockets.js"

type Lib = "zmtp" | "libzmq"
const libs = {zmtp, libzmq: zmq} as unknown as Record<Lib, typeof zmtp>
const PAIRS: [Lib, Lib][] = [
  ["zmtp", "libzmq"],
  ["libzmq", "zmtp"],
  ["zmtp", "zmtp"],
]
const track = socketTracker()
const text = (frames: Buffer[]) => frames.map(f => f.toString())

/** [binder, connecter]: the binder's ws endpoint (ephemeral port), then the connecter connected. */
async function joined<B extends zmtp.Socket, C extends zmtp.Socket>(binder: B, connecter: C, path = "/zmq"): Promise<string> {
  track(binder)
  track(connecter)
  await binder.bind(`ws://127.0.0.1:*`)
  // libzmq binds "ws://127.0.0.1:*" with path "/"; connect with a path of our own (its server
  // ignores the path, and so does zmtp's).
  const address = binder.lastEndpoint!.replace(/\/$/, path)
  connecter.connect(address)
  return address
}

for (const [bindLib, connectLib] of PAIRS) {
  describe(`ws:// ${bindLib} binds, ${connectLib} connects`, () => {
    test("DEALER/ROUTER: multipart with empty and 70 KB frames, both ways", async () => {
      const router = new libs[bindLib].Router()
      const dealer = new libs[connectLib].Dealer({routingId: "d1"})
      await joined(router, dealer)
      const big = Buffer.alloc(70 * 1024, 0x5a)
      const sent = Buffer.from(big)
      await dealer.send(["", "hello", big, ""])
      const [id, ...rest] = await router.receive()
      expect(id!.toString()).toBe("d1")
      expect(rest.map(f => f.length)).toEqual([0, 5, big.length, 0])
      expect(rest[2]!.equals(sent)).toBe(true)
      // zmtp's client masks into a copy: the caller's Buffer is as it was. (libzmq's masks a
      // large message in place, so after its send the caller's Buffer is scrambled.)
      if (connectLib === "zmtp") expect(big.equals(sent)).toBe(true)
      await router.send([id!, "", sent, "back"])
      const back = await dealer.receive()
      expect(back.map(f => f.length)).toEqual([0, big.length, 4])
      expect(back[1]!.equals(sent)).toBe(true)
    })

    test("PUB/SUB: the subscription reaches the publisher and filters", async () => {
      const pub = new libs[bindLib].Publisher()
      const sub = new libs[connectLib].Subscriber()
      sub.subscribe("a")
      await joined(pub, sub)
      sub.receiveTimeout = 100
      // Publish until the subscription has arrived (slow joiner), then check the filter.
      for (let i = 0; ; i++) {
        await pub.send(["a-sync", String(i)])
        try {
          const [topic] = await sub.receive()
          if (topic!.toString() === "a-sync") break
        } catch (e) {
          if ((e as {code?: string}).code !== "EAGAIN" || i > 100) throw e
        }
      }
      sub.receiveTimeout = 3000
      await pub.send(["b", "not for us"])
      await pub.send(["a", "for us"])
      let got = await sub.receive()
      while (got[0]!.toString() === "a-sync") got = await sub.receive()
      expect(text(got)).toEqual(["a", "for us"])
    })

    test("REQ/REP: round trips", async () => {
      const rep = new libs[bindLib].Reply()
      const req = new libs[connectLib].Request()
      await joined(rep, req)
      for (let i = 0; i < 20; i++) {
        await req.send(`ping ${i}`)
        const [q] = await rep.receive()
        await rep.send(`pong ${q!.toString().slice(5)}`)
        expect(text(await req.receive())).toEqual([`pong ${i}`])
      }
    })

    test("PLAIN: credentials reach the server's ZAP handler; a wrong password is refused", async () => {
      // The ZAP handler lives in the binding library's default context.
      const handler = new libs[bindLib].Router({linger: 0})
      track(handler)
      await handler.bind("inproc://zeromq.zap.01")
      const seen: string[] = []
      void (async () => {
        for await (const [id, delimiter, version, requestId, , , , mechanism, user, password] of handler) {
          seen.push(`${mechanism} ${user} ${password}`)
          const ok = password!.toString() === "secret"
          await handler.send([id!, delimiter!, version!, requestId!, ok ? "200" : "400", ok ? "OK" : "Denied", ok ? String(user) : "", ""])
        }
      })().catch(() => {})
      const router = new libs[bindLib].Router({plainServer: true})
      const dealer = new libs[connectLib].Dealer({plainUsername: "admin", plainPassword: "secret", routingId: "p"})
      await joined(router, dealer)
      await dealer.send("over plain")
      expect(text(await router.receive())).toEqual(["p", "over plain"])
      const intruder = track(new libs[connectLib].Dealer({plainUsername: "admin", plainPassword: "wrong"}))
      intruder.connect(router.lastEndpoint!)
      await intruder.send("must not arrive")
      await until(() => seen.includes("PLAIN admin wrong"), 3000, "the second ZAP request")
      router.receiveTimeout = 200
      await expect(router.receive()).rejects.toMatchObject({code: "EAGAIN"})
      expect(seen[0]).toBe("PLAIN admin secret")
    })

    test("CURVE: DEALER/ROUTER over ws", async () => {
      const server = zmtp.curveKeyPair()
      const client = zmtp.curveKeyPair()
      const router = new libs[bindLib].Router({curveServer: true, curveSecretKey: server.secretKey})
      const dealer = new libs[connectLib].Dealer({curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey})
      await joined(router, dealer)
      await dealer.send(["secret", Buffer.alloc(70 * 1024, 7)])
      const [id, a, b] = await router.receive()
      expect([a!.toString(), b!.length]).toEqual(["secret", 70 * 1024])
      await router.send([id!, "ok"])
      expect(text(await dealer.receive())).toEqual(["ok"])
    })
  })
}

describe("ws:// addresses and refusals", () => {
  test("lastEndpoint and paths are read as libzmq reads them", async () => {
    for (const lib of ["zmtp", "libzmq"] as const) {
      const s = track(new libs[lib].Dealer())
      await s.bind("ws://127.0.0.1:*")
      expect(s.lastEndpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/)
      const port = Number(/:(\d+)\//.exec(s.lastEndpoint!)![1])
      s.close()
      await sleep(20)
      const t = track(new libs[lib].Dealer())
      await t.bind(`ws://127.0.0.1:${port}/a/b`)
      expect(t.lastEndpoint).toBe(`ws://127.0.0.1:${port}/b`)
      await expect(track(new libs[lib].Dealer()).bind("ws://127.0.0.1:*/a/b")).rejects.toMatchObject({code: "EINVAL"})
    }
  })

  test("a plain HTTP request gets no upgrade and the socket keeps serving", async () => {
    const router = track(new zmtp.Router())
    await router.bind("ws://127.0.0.1:*")
    const port = Number(/:(\d+)\//.exec(router.lastEndpoint!)![1])
    const reply = await new Promise<string>((resolve, reject) => {
      const c = net.connect(port, "127.0.0.1", () => c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
      let got = ""
      c.on("data", d => (got += d))
      c.on("close", () => resolve(got))
      c.on("error", reject)
      setTimeout(() => c.destroy(), 2000)
    })
    expect(reply).toMatch(/^HTTP\/1\.1 426/)
    const dealer = track(new zmq.Dealer({routingId: "after"}))
    dealer.connect(router.lastEndpoint!)
    await dealer.send("still here")
    expect(text(await router.receive())).toEqual(["after", "still here"])
  })

  test("an unmasked frame from a client ends that connection, with an event, and no other", async () => {
    const router = track(new zmtp.Router())
    const events: string[] = []
    void (async () => {
      for await (const e of router.events) events.push(e.type)
    })()
    await router.bind("ws://127.0.0.1:*")
    const port = Number(/:(\d+)\//.exec(router.lastEndpoint!)![1])
    const raw = net.connect(port, "127.0.0.1")
    await new Promise(r => raw.once("connect", r))
    raw.write("GET /zmq HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: ZWS2.0/NULL\r\nSec-WebSocket-Version: 13\r\n\r\n")
    let response = ""
    raw.on("data", d => (response += d.toString("latin1")))
    await until(() => response.includes("\r\n\r\n"), 3000, "the 101")
    expect(response).toMatch(/^HTTP\/1\.1 101/)
    expect(response).toContain("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    // An unmasked binary frame: clients must mask (RFC 6455 §5.1).
    raw.write(Buffer.from([0x82, 0x02, 0x00, 0x41]))
    await new Promise(r => raw.once("close", r))
    await until(() => events.includes("disconnect") || events.some(e => e.startsWith("handshake:error")), 3000, "an event")
    const dealer = track(new zmtp.Dealer({routingId: "fine"}))
    dealer.connect(router.lastEndpoint!)
    await dealer.send("ok")
    expect(text(await router.receive())).toEqual(["fine", "ok"])
  })
})
