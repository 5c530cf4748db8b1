/**
 * zmtp extension durable subscribers (README "Durable subscribers"): a PUB/XPUB/RADIO with
 * durableGrace keeps the queue of a subscriber that has a routing id when its connection ends,
 * and the subscriber, reconnecting within the grace, gets what was published meanwhile, in order,
 * none twice. Between zmtp peers the subscriber acknowledges what its application takes (X-ACK,
 * src/engine/acks.ts), so what was in flight when it went away comes again too. With a libzmq peer
 * on either side the extension is inert. The wire against raw peers is durable-wire.test.ts; the
 * crash of a subscriber process is durable-process.test.ts.
 */
import {describe, expect, test} from "vitest"
import {Buffer} from "node:buffer"
import * as zmq from "../../src/index.js"
import * as draft from "../../src/draft.js"
import * as native from "zeromq"
import {endpointFor, sleep, socketTracker} from "../helpers/sockets.js"
import {drain} from "../helpers/blocking.js"

const track = socketTracker()

type Receiver = {receive(): Promise<Buffer[]>; receiveTimeout: number}

const PROBE = 0xffffffff

function message(seq: number, size = 16): Buffer[] {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(seq)
  return [head, Buffer.alloc(size, seq & 0xff)]
}

const seqs = (got: Buffer[][]) => got.map(m => m[0]!.readUInt32BE(0)).filter(n => n !== PROBE)
const range = (from: number, to: number) => Array.from({length: to - from}, (_, i) => from + i)

/** The subscription has reached the publisher: a probe got through (probes are filtered out by seqs). */
async function subscribed(pub: {send(m: Buffer[]): Promise<void>}, sub: Receiver): Promise<void> {
  sub.receiveTimeout = 20
  for (let i = 0; ; i++) {
    await pub.send(message(PROBE))
    try {
      const m = await sub.receive()
      if (m[0]!.readUInt32BE(0) === PROBE) break
    } catch {
      if (i > 200) throw new Error("the subscription never arrived")
    }
  }
}

async function publish(pub: {send(m: Buffer[]): Promise<void>}, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) await pub.send(message(i))
}

function durablePub(grace: number, extra: Record<string, unknown> = {}): zmq.Publisher {
  return track(new zmq.Publisher({durableGrace: grace, linger: 0, ...extra}))
}

function sub(address: string, routingId?: string): zmq.Subscriber {
  const s = track(new zmq.Subscriber(routingId ? {routingId} : {}))
  s.subscribe()
  s.connect(address)
  return s
}

describe("options", () => {
  test("durableGrace on PUB, XPUB and RADIO: a non-negative whole number of ms, 0 by default", () => {
    for (const s of [new zmq.Publisher(), new zmq.XPublisher(), new draft.Radio()]) {
      track(s)
      expect(s.durableGrace).toBe(0)
      s.durableGrace = 5000
      expect(s.durableGrace).toBe(5000)
      s.durableGrace = 0
      expect(() => ((s as {durableGrace: unknown}).durableGrace = "5")).toThrow(TypeError)
      expect(() => ((s as {durableGrace: unknown}).durableGrace = null)).toThrow(TypeError)
      for (const bad of [-1, 1.5, NaN, Infinity]) {
        let err: unknown
        try {
          s.durableGrace = bad
        } catch (e) {
          err = e
        }
        expect((err as {code?: string}).code).toBe("EINVAL")
      }
      expect(s.durableGrace).toBe(0)
    }
    expect("durableGrace" in track(new zmq.Subscriber())).toBe(false)
    expect("durableGrace" in track(new zmq.Push())).toBe(false)
  })

  test("routingId on SUB, XSUB and DISH (libzmq's ZMQ_ROUTING_ID)", () => {
    for (const s of [new zmq.Subscriber({routingId: "sub-1"}), new zmq.XSubscriber({routingId: "sub-1"}), new draft.Dish({routingId: "sub-1"})]) {
      track(s)
      expect(s.routingId).toBe("sub-1")
    }
    // Also a real option of libzmq's SUB (zeromq.js only lacks the property).
    const n = new native.Subscriber()
    ;(n as unknown as {setStringOption(id: number, v: string): void}).setStringOption(5, "n-1")
    n.close()
  })
})

describe("parking (tcp)", () => {
  test.each(["tcp", "ipc"])("%s: a subscriber that comes back within the grace gets what was published while it was away, in order, none twice", async transport => {
    const pub = durablePub(3000)
    await pub.bind(transport === "tcp" ? "tcp://127.0.0.1:*" : endpointFor("ipc"))
    const address = pub.lastEndpoint!
    const a = sub(address, "durable-1")
    await subscribed(pub, a)
    await publish(pub, 0, 100)
    const first = seqs(await drain(a, 150))
    expect(first).toEqual(range(0, 100))
    a.close()
    await sleep(100)
    await publish(pub, 100, 300) // nobody connected: queued in the parked pipe
    const b = sub(address, "durable-1") // subscribes again: the trie keeps one entry per pipe
    await sleep(100)
    await publish(pub, 300, 400)
    const second = seqs(await drain(b))
    expect(second).toEqual(range(100, 400))
  })

  test("what the subscriber received but its application did not take comes again (acknowledgements)", async () => {
    const pub = durablePub(3000)
    await pub.bind("tcp://127.0.0.1:*")
    const address = pub.lastEndpoint!
    const a = sub(address, "durable-2")
    await subscribed(pub, a)
    await publish(pub, 0, 500)
    await sleep(100) // all 500 are in a's receive queue: the publisher has none queued
    a.receiveTimeout = 1000
    const taken: number[] = []
    for (let i = 0; i < 200; i++) taken.push(...seqs([await a.receive()]))
    expect(taken).toEqual(range(0, 200))
    a.close() // 300 received and never taken
    await sleep(100)
    await publish(pub, 500, 600)
    const b = sub(address, "durable-2")
    const rest = seqs(await drain(b))
    expect(rest).toEqual(range(200, 600))
  })

  test.each([false, true])("a connection that breaks while the subscriber lives (immediate %s): it keeps what it has, the publisher sends only the rest", async immediate => {
    const pub = durablePub(3000)
    await pub.bind("tcp://127.0.0.1:*")
    const address = pub.lastEndpoint!
    // With immediate the subscriber's pipe ends with the connection; what it holds stays readable.
    const a = track(new zmq.Subscriber({routingId: "durable-3", reconnectInterval: 50, immediate}))
    a.subscribe()
    a.connect(address)
    await subscribed(pub, a)
    await publish(pub, 0, 300)
    await sleep(100)
    a.receiveTimeout = 1000
    const got: number[] = []
    for (let i = 0; i < 100; i++) got.push(...seqs([await a.receive()]))
    // Break the connection from the publisher's side: unbind ends the accepted connections. The
    // subscriber redials, and bind again takes it.
    await pub.unbind(address)
    await publish(pub, 300, 400)
    await pub.bind(address)
    await sleep(300)
    await publish(pub, 400, 450)
    got.push(...seqs(await drain(a)))
    // With immediate the held messages are in the old pipe, fair-queued with the new one: nothing
    // lost, nothing twice, but the two runs interleave.
    expect(immediate ? [...got].sort((x, y) => x - y) : got).toEqual(range(0, 450))
  })

  test("under CURVE: the properties ride in INITIATE/READY, the X-ACKs in MESSAGE boxes", async () => {
    const server = zmq.curveKeyPair()
    const client = zmq.curveKeyPair()
    const pub = durablePub(3000, {curveServer: true, curveSecretKey: server.secretKey, curvePublicKey: server.publicKey})
    await pub.bind("tcp://127.0.0.1:*")
    const address = pub.lastEndpoint!
    const open = () => {
      const s = track(new zmq.Subscriber({routingId: "durable-c", curveServerKey: server.publicKey, curveSecretKey: client.secretKey, curvePublicKey: client.publicKey}))
      s.subscribe()
      s.connect(address)
      return s
    }
    const a = open()
    await subscribed(pub, a)
    await publish(pub, 0, 200)
    await sleep(100)
    a.receiveTimeout = 1000
    const got: number[] = []
    for (let i = 0; i < 50; i++) got.push(...seqs([await a.receive()]))
    a.close()
    await sleep(100)
    await publish(pub, 200, 250)
    const b = open()
    got.push(...seqs(await drain(b)))
    expect(got).toEqual(range(0, 250))
  })

  test("after the grace the queue is gone", async () => {
    const pub = durablePub(150)
    await pub.bind("tcp://127.0.0.1:*")
    const address = pub.lastEndpoint!
    const a = sub(address, "durable-4")
    await subscribed(pub, a)
    a.close()
    await sleep(100)
    await publish(pub, 0, 50)
    await sleep(300)
    const b = sub(address, "durable-4")
    await subscribed(pub, b)
    await publish(pub, 50, 60)
    expect(seqs(await drain(b, 150))).toEqual(range(50, 60))
  })

  test("a subscriber without a routing id is not parked", async () => {
    const pub = durablePub(3000)
    await pub.bind("tcp://127.0.0.1:*")
    const address = pub.lastEndpoint!
    const a = sub(address)
    await subscribed(pub, a)
    a.close()
    await sleep(100)
    await publish(pub, 0, 50)
    const b = sub(address)
    await subscribed(pub, b)
    await publish(pub, 50, 60)
    expect(seqs(await drain(b, 150))).toEqual(range(50, 60))
  })

  test("the queue past SNDHWM goes to the spill log while the subscriber is away", async () => {
    const {mkdtempSync, rmSync} = await import("node:fs")
    const {tmpdir} = await import("node:os")
    const {join} = await import("node:path")
    const dir = mkdtempSync(join(tmpdir(), "zmtp-durable-spill-"))
    try {
      const pub = durablePub(5000, {sendHighWaterMark: 100, spillDirectory: dir})
      await pub.bind("tcp://127.0.0.1:*")
      const address = pub.lastEndpoint!
      const a = sub(address, "durable-5")
      await subscribed(pub, a)
      a.close()
      await sleep(100)
      await publish(pub, 0, 5000)
      const b = sub(address, "durable-5")
      expect(seqs(await drain(b, 500))).toEqual(range(0, 5000))
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  test("RADIO and DISH: the same, by group", async () => {
    const radio = track(new draft.Radio({durableGrace: 3000, linger: 0}))
    await radio.bind("tcp://127.0.0.1:*")
    const address = radio.lastEndpoint!
    const dish = (id: string) => {
      const d = track(new draft.Dish({routingId: id}))
      d.join("g")
      d.connect(address)
      return d
    }
    const send = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await radio.send(String(i), {group: "g"})
    }
    const a = dish("dish-1")
    a.receiveTimeout = 20
    for (let i = 0; ; i++) {
      await radio.send("probe", {group: "g"})
      try {
        await a.receive()
        break
      } catch {
        if (i > 200) throw new Error("the join never arrived")
      }
    }
    await drain(a as unknown as Receiver, 100)
    await send(0, 50)
    await sleep(100)
    a.receiveTimeout = 1000
    const got: string[] = []
    for (let i = 0; i < 20; i++) got.push(String((await a.receive())[0]))
    a.close()
    await sleep(100)
    await send(50, 100)
    const b = dish("dish-1")
    for (const m of await drain(b as unknown as Receiver)) got.push(String(m[0]))
    expect(got).toEqual(range(0, 100).map(String))
  })

  test("XPUB: the re-sent subscription is handed up only with verbose; the welcome message goes to new pipes only", async () => {
    const xpub = track(new zmq.XPublisher({durableGrace: 3000, verbosity: "allSubs", welcomeMessage: "hi", linger: 0}))
    await xpub.bind("tcp://127.0.0.1:*")
    const address = xpub.lastEndpoint!
    xpub.receiveTimeout = 1000
    const a = sub(address, "durable-x")
    expect((await xpub.receive())[0]).toEqual(Buffer.from([1])) // subscribe ""
    a.receiveTimeout = 1000
    expect(String((await a.receive())[0])).toBe("hi")
    a.close()
    await sleep(100)
    await publish(xpub, 0, 10)
    const b = sub(address, "durable-x")
    expect((await xpub.receive())[0]).toEqual(Buffer.from([1])) // verbose: again
    expect(seqs(await drain(b, 200))).toEqual(range(0, 10)) // no second "hi"
  })

  test("two live connections with one routing id: each has its own pipe; the one that ends last is parked", async () => {
    const pub = durablePub(3000)
    await pub.bind("tcp://127.0.0.1:*")
    const address = pub.lastEndpoint!
    const a = sub(address, "twin")
    const b = sub(address, "twin")
    await subscribed(pub, a)
    await subscribed(pub, b)
    await publish(pub, 0, 20)
    expect(seqs(await drain(a, 150))).toEqual(range(0, 20))
    expect(seqs(await drain(b, 150))).toEqual(range(0, 20))
    a.close()
    await sleep(50)
    await publish(pub, 20, 30) // a's pipe parked (it queues 20..29), b's live
    expect(seqs(await drain(b, 150))).toEqual(range(20, 30))
    b.close()
    await sleep(50)
    await publish(pub, 30, 40) // b's pipe parked in place of a's, whose 20..29 are dropped
    const c = sub(address, "twin")
    expect(seqs(await drain(c))).toEqual(range(30, 40))
  })

  test("socket close drops parked pipes and their timers", async () => {
    const pub = durablePub(60000)
    await pub.bind("tcp://127.0.0.1:*")
    const a = sub(pub.lastEndpoint!, "durable-6")
    await subscribed(pub, a)
    a.close()
    await sleep(100)
    await publish(pub, 0, 10)
    pub.close()
    // The grace timer is unref'd and cleared: nothing keeps the test alive or fires later.
    expect(pub.closed).toBe(true)
  })
})

describe("with libzmq (zeromq.js) peers: inert", () => {
  test("a libzmq SUB with a routing id works normally; it is not parked, as libzmq never sends its routing id", async () => {
    const pub = durablePub(3000)
    await pub.bind("tcp://127.0.0.1:*")
    const address = pub.lastEndpoint!
    const open = () => {
      const n = new native.Subscriber({receiveTimeout: 1000, linger: 0})
      ;(n as unknown as {setStringOption(id: number, v: string): void}).setStringOption(5, "native-1")
      n.subscribe()
      n.connect(address)
      return n
    }
    const a = open()
    try {
      await subscribed(pub, a)
      await publish(pub, 0, 100)
      expect(seqs(await drain(a, 150))).toEqual(range(0, 100))
    } finally {
      a.close()
    }
    await sleep(100)
    await publish(pub, 100, 150)
    const b = open()
    try {
      await subscribed(pub, b)
      await publish(pub, 150, 200)
      expect(seqs(await drain(b, 150))).toEqual(range(150, 200))
    } finally {
      b.close()
    }
  })

  test("a libzmq PUB works with a zmtp SUB that has a routing id", async () => {
    const pub = new native.Publisher({linger: 0})
    try {
      await pub.bind("tcp://127.0.0.1:*")
      const s = sub(pub.lastEndpoint!, "zmtp-sub")
      await subscribed(pub, s)
      await publish(pub, 0, 200)
      expect(seqs(await drain(s, 200))).toEqual(range(0, 200))
    } finally {
      pub.close()
    }
  })
})
