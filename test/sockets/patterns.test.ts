import {afterEach, describe, expect, test} from "vitest"
import * as zmq from "../../src/index.js"
import {endpointOf, placements, useThreadPlacement, zmqFor, type Placement} from "../helpers/placements.js"
import {endpointFor, sleep, str, until} from "../helpers/sockets.js"

useThreadPlacement()

const open: zmq.Socket[] = []
function track<T extends zmq.Socket>(s: T): T {
  open.push(s)
  return s
}
afterEach(() => {
  for (const s of open.splice(0)) s.close()
})

async function bound<T extends zmq.Socket>(s: T, transport: Placement): Promise<string> {
  track(s)
  await s.bind(endpointOf(transport))
  return s.lastEndpoint!
}

for (const transport of placements) {
  describe(`over ${transport}`, () => {
    const Z = zmqFor(transport)
    test("PUSH → PULL, multipart with empty frames", async () => {
      const pull = new Z.Pull()
      const address = await bound(pull, transport)
      const push = track(new Z.Push())
      push.connect(address)
      await push.send(["a", "", "c"])
      await push.send("second")
      expect(str(await pull.receive())).toEqual(["a", "", "c"])
      expect(str(await pull.receive())).toEqual(["second"])
    })

    test("a receive that waits gets each arriving message once and in order (receive HWM 1)", async () => {
      // A waiting receive completes inside the transport's delivery (not a microtask later);
      // with a receive HWM of 1 every message pauses and resumes the pipe on the way.
      const pull = new Z.Pull({receiveHighWaterMark: 1})
      const address = await bound(pull, transport)
      const push = track(new Z.Push({sendHighWaterMark: 5}))
      push.connect(address)
      const got: string[] = []
      const reader = (async () => {
        while (got.length < 200) got.push(...str(await pull.receive()))
      })()
      for (let i = 0; i < 200; i++) {
        await push.send(`m${i}`)
        // Now and then let the reader catch up, so that receives wait for the next message.
        if (i % 7 === 0) await sleep(0)
      }
      await reader
      expect(got).toEqual(Array.from({length: 200}, (_, i) => `m${i}`))
    })

    test("a REP send that waits for a request goes out once a request is received (POLLOUT, as zeromq.js)", async () => {
      const rep = new Z.Reply()
      const address = await bound(rep, transport)
      const early = rep.send("early") // no request yet: waits
      const req = track(new Z.Request())
      req.connect(address)
      await req.send("request")
      expect(str(await rep.receive())).toEqual(["request"])
      await early
      expect(str(await req.receive())).toEqual(["early"])
    })

    test("a REP receive that waits for the reply to go out gets the request already queued behind", async () => {
      const rep = new Z.Reply()
      const address = await bound(rep, transport)
      const a = track(new Z.Request())
      const b = track(new Z.Request())
      a.connect(address)
      b.connect(address)
      await a.send("one")
      await b.send("two")
      await until(() => rep.readable, 2000, "a request")
      const first = str(await rep.receive())[0]!
      await sleep(20) // both requests are in
      const next = rep.receive() // a reply is owed: waits
      await rep.send(`re ${first}`)
      // Nothing arrives any more: the reply going out is what lets the receive go on.
      expect(str(await next)).toEqual([first === "one" ? "two" : "one"])
    })

    test("REQ ↔ REP round trips", async () => {
      const rep = new Z.Reply()
      const address = await bound(rep, transport)
      const req = track(new Z.Request())
      req.connect(address)
      for (let i = 0; i < 3; i++) {
        await req.send(`ping ${i}`)
        const [msg] = await rep.receive()
        await rep.send(`pong ${msg}`)
        expect(str(await req.receive())).toEqual([`pong ping ${i}`])
      }
    })

    test("REQ read with for await: replies without their envelope, and the alternation holds", async () => {
      const rep = new Z.Reply()
      const address = await bound(rep, transport)
      const req = track(new Z.Request({correlate: true, relaxed: true}))
      req.connect(address)
      for (let i = 0; i < 3; i++) {
        await req.send(`ping ${i}`)
        const [msg] = await rep.receive()
        await rep.send(`pong ${msg}`)
        // Let the reply arrive first, so the iterator's already-there path takes it.
        await until(() => req.readable, 2000, "the reply")
        for await (const reply of req) {
          expect(str(reply)).toEqual([`pong ping ${i}`])
          break
        }
      }
      // A plain REQ: the reply taken by the iterator ends the exchange, so the next send is in turn.
      const plain = track(new Z.Request())
      plain.connect(address)
      await plain.send("once")
      const [msg] = await rep.receive()
      await rep.send(`pong ${msg}`)
      await until(() => plain.readable, 2000, "the reply")
      for await (const reply of plain) {
        expect(str(reply)).toEqual(["pong once"])
        break
      }
      await expect(plain.send("twice")).resolves.toBeUndefined()
    })

    test("DEALER ↔ ROUTER with a routing id", async () => {
      const router = new Z.Router()
      const address = await bound(router, transport)
      const dealer = track(new Z.Dealer({routingId: "d1"}))
      dealer.connect(address)
      await dealer.send(["", "hello"])
      const [id, empty, body] = await router.receive()
      expect(id!.toString()).toBe("d1")
      expect(empty!.length).toBe(0)
      expect(body!.toString()).toBe("hello")
      await router.send(["d1", "", "back"])
      expect(str(await dealer.receive())).toEqual(["", "back"])
    })

    test("PUB → SUB with prefix filtering", async () => {
      const pub = new Z.Publisher()
      const address = await bound(pub, transport)
      const sub = track(new Z.Subscriber())
      sub.connect(address)
      sub.subscribe("A")
      // Wait until the subscription has reached the publisher (slow joiner).
      const got: string[] = []
      const reader = (async () => {
        for await (const [m] of sub) {
          got.push(m!.toString())
          if (m!.toString() === "A-last") break
        }
      })()
      for (let i = 0; i < 100 && got.length === 0; i++) {
        await pub.send("A-probe")
        await sleep(10)
      }
      await pub.send("B-never")
      await pub.send("A-last")
      await reader
      expect(got.filter(g => g !== "A-probe")).toEqual(["A-last"])
    })

    test("PAIR ↔ PAIR both ways", async () => {
      const a = new Z.Pair()
      const address = await bound(a, transport)
      const b = track(new Z.Pair())
      b.connect(address)
      await b.send("to a")
      expect(str(await a.receive())).toEqual(["to a"])
      await a.send("to b")
      expect(str(await b.receive())).toEqual(["to b"])
    })

    test("XPUB sees subscriptions; XSUB subscribes by message", async () => {
      const xpub = new Z.XPublisher()
      const address = await bound(xpub, transport)
      const xsub = track(new Z.XSubscriber())
      xsub.connect(address)
      await xsub.send(Buffer.from("\x01topic"))
      const [sub] = await xpub.receive()
      expect(sub!.toString("latin1")).toBe("\x01topic")
      await xpub.send(["topic", "data"])
      expect(str(await xsub.receive())).toEqual(["topic", "data"])
    })
  })
}

test("a connect before the bind (inproc) and sends queued before any connection", async () => {
  const address = endpointFor("inproc")
  const push = track(new zmq.Push())
  push.connect(address)
  await push.send("early")
  const pull = track(new zmq.Pull())
  await pull.bind(address)
  expect(str(await pull.receive())).toEqual(["early"])
})

test("tcp reconnect: sends queued while the peer is away arrive when it is back", async () => {
  const pull = track(new zmq.Pull())
  await pull.bind("tcp://127.0.0.1:*")
  const address = pull.lastEndpoint!
  const push = track(new zmq.Push({reconnectInterval: 20}))
  push.connect(address)
  await push.send("one")
  expect(str(await pull.receive())).toEqual(["one"])
  pull.close()
  await sleep(50)
  await push.send("while-down")
  const pull2 = track(new zmq.Pull())
  await pull2.bind(address)
  expect(str(await pull2.receive())).toEqual(["while-down"])
})

test("events: bind, accept, handshake, connect, disconnect", async () => {
  const router = track(new zmq.Router())
  const events: string[] = []
  router.events.on("bind", () => events.push("bind"))
  router.events.on("accept", () => events.push("accept"))
  router.events.on("handshake", () => events.push("handshake"))
  await router.bind("tcp://127.0.0.1:*")
  const dealer = track(new zmq.Dealer())
  const devents: string[] = []
  dealer.events.on("connect", () => devents.push("connect"))
  dealer.events.on("handshake", () => devents.push("handshake"))
  dealer.events.on("disconnect", () => devents.push("disconnect"))
  dealer.connect(router.lastEndpoint!)
  await until(() => devents.includes("handshake") && events.includes("handshake"))
  router.close()
  await until(() => devents.includes("disconnect"))
  expect(events).toEqual(["bind", "accept", "handshake"])
  expect(devents).toEqual(["connect", "handshake", "disconnect"])
})
