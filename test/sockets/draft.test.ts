/**
 * The draft socket types (zmtp only; libzmq interop is test/interop/draft*.test.ts): zeromq.js's
 * draft API and its errors, libzmq's single-part rule, groups, routing ids, PEER's reverse
 * connection, CHANNEL, and each type's high-water-mark policy at its limit (inproc, where the
 * count is exact: SNDHWM + RCVHWM).
 */
import {describe, expect, test} from "vitest"
import * as zmq from "../../src/index.js"
import * as draft from "../../src/draft.js"
import {Channel, Peer} from "../../src/draft-extra.js"
import {sleep, socketTracker, until} from "../helpers/sockets.js"
import {draftFor, endpointOf, placements, useThreadPlacement, type Placement} from "../helpers/placements.js"
import {numbered, sendUntilBlocked, settlesWithin} from "../helpers/blocking.js"

useThreadPlacement()
const track = socketTracker()
const text = (b: Buffer) => b.toString()

async function bound<T extends {bind(a: string): Promise<void>; lastEndpoint: string | null}>(s: T, t: Placement): Promise<string> {
  await s.bind(endpointOf(t))
  return s.lastEndpoint!
}

describe("the draft module", () => {
  test("exports exactly zeromq.js's seven classes; the extras are in draft-extra", () => {
    expect(Object.keys(draft).sort()).toEqual(["Client", "Datagram", "Dish", "Gather", "Radio", "Scatter", "Server"])
    expect(zmq.capability.draft).toBe(true)
    const types = [draft.Server, draft.Client, draft.Radio, draft.Dish, draft.Gather, draft.Scatter, draft.Datagram, Peer, Channel]
    const made = types.map(T => track(new T()))
    expect(made.map(s => s.type)).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20])
    for (const s of made) expect(s).toBeInstanceOf(zmq.Socket)
    // libzmq: every draft type but DGRAM is thread-safe; a DISH lingers 0 by default.
    expect(made.map(s => s.threadSafe)).toEqual([true, true, true, true, true, true, false, true, true])
    expect(made[3]!.linger).toBe(0)
    expect(made[0]!.linger).toBe(-1)
  })

  test("zeromq.js's option properties are on the draft classes", () => {
    const scatter = track(new draft.Scatter({sendHighWaterMark: 7, conflate: true}))
    expect(scatter.sendHighWaterMark).toBe(7)
    const dish = track(new draft.Dish({receiveHighWaterMark: 9}))
    expect(dish.receiveHighWaterMark).toBe(9)
    expect("sendHighWaterMark" in dish).toBe(false)
  })
})

describe("errors as zeromq.js gives them", () => {
  test("a multipart send is EINVAL on every single-part type", async () => {
    const client = track(new draft.Client())
    client.connect("inproc://nowhere-client")
    await expect(client.send(["a", "b"] as unknown as string)).rejects.toMatchObject({code: "EINVAL", message: "Invalid argument"})
    const scatter = track(new draft.Scatter())
    scatter.connect("inproc://nowhere-scatter")
    await expect(scatter.send(["a", "b"] as unknown as string)).rejects.toMatchObject({code: "EINVAL"})
    const radio = track(new draft.Radio())
    await expect(radio.send(["a", "b"] as unknown as string, {group: "g"})).rejects.toMatchObject({code: "EINVAL"})
    const server = track(new draft.Server())
    await expect(server.send(["a", "b"] as unknown as string, {routingId: 1})).rejects.toMatchObject({code: "EINVAL"})
    const dgram = track(new draft.Datagram())
    await dgram.bind("udp://127.0.0.1:*").catch(() => {})
    await expect(dgram.send(["1.2.3.4:5"] as unknown as [string, string])).rejects.toMatchObject({code: "EINVAL"})
  })

  test("SERVER and RADIO: missing options are a TypeError, a missing id or group EINVAL, at once", () => {
    const server = track(new draft.Server())
    expect(() => (server.send as (m: string) => Promise<void>)("x")).toThrow(new TypeError("Options must be an object"))
    expect(() => server.send("x", {} as {routingId: number})).toThrow(expect.objectContaining({code: "EINVAL"}))
    expect(() => server.send("x", {routingId: 0})).toThrow(expect.objectContaining({code: "EINVAL"}))
    const radio = track(new draft.Radio())
    expect(() => radio.send("x", {} as {group: string})).toThrow(expect.objectContaining({code: "EINVAL"}))
    // A longer group is cut to 255 bytes, as zmq_msg_set_group's strnlen does; only join refuses it.
    expect(() => radio.send("x", {group: "g".repeat(256)}).catch(() => {})).not.toThrow()
    radio.close()
    expect(() => radio.send("x", {group: "g"})).toThrow(expect.objectContaining({code: "EBADF"}))
  })

  test("SERVER: an unknown routing id is EHOSTUNREACH", async () => {
    const server = track(new draft.Server())
    await expect(server.send("foo", {routingId: 12345})).rejects.toMatchObject({code: "EHOSTUNREACH", message: "Host unreachable"})
  })

  test("DISH: joining a group twice, or leaving one not joined, is EINVAL; a group ends at a NUL", () => {
    const dish = track(new draft.Dish())
    dish.join("a", Buffer.from("b\0c"))
    expect(() => dish.join("a")).toThrow(expect.objectContaining({code: "EINVAL"}))
    expect(() => dish.join("b")).toThrow(expect.objectContaining({code: "EINVAL"})) // "b\0c" is "b"
    expect(() => dish.leave("c")).toThrow(expect.objectContaining({code: "EINVAL"}))
    expect(() => dish.join("x".repeat(256))).toThrow(expect.objectContaining({code: "EINVAL"}))
    dish.leave("a")
    dish.join("a")
    dish.close()
    expect(() => dish.join("z")).toThrow(expect.objectContaining({code: "EBADF"}))
  })

  test("udp:// only for RADIO (connect), DISH and DGRAM (bind): ENOCOMPATPROTO otherwise", async () => {
    const push = track(new zmq.Push())
    await expect(push.bind("udp://127.0.0.1:5555")).rejects.toMatchObject({code: "ENOCOMPATPROTO", message: "The protocol is not compatible with the socket type"})
    expect(() => push.connect("udp://127.0.0.1:5555")).toThrow(expect.objectContaining({code: "ENOCOMPATPROTO"}))
    await expect(track(new draft.Radio()).bind("udp://127.0.0.1:5555")).rejects.toMatchObject({code: "ENOCOMPATPROTO"})
    expect(() => track(new draft.Dish()).connect("udp://127.0.0.1:5555")).toThrow(expect.objectContaining({code: "ENOCOMPATPROTO"}))
    // An interface part names where a multicast group is joined: with a unicast address, EINVAL.
    expect(() => track(new draft.Radio()).connect("udp://127.0.0.1;127.0.0.2:5555")).toThrow(expect.objectContaining({code: "EINVAL"}))
  })

  test("pairing: a CLIENT does not talk to a ROUTER (libzmq's check_socket_type; the connection ends)", async () => {
    const router = track(new zmq.Router({receiveTimeout: 300}))
    await router.bind("tcp://127.0.0.1:*")
    const client = track(new draft.Client())
    const events: string[] = []
    void (async () => {
      for await (const e of client.events) events.push(e.type)
    })()
    client.connect(router.lastEndpoint!)
    await client.send("never routed")
    await until(() => events.includes("disconnect"), 3000, "the connection to end")
    await expect(router.receive()).rejects.toMatchObject({code: "EAGAIN"})
  })
})

for (const t of placements) {
  describe(`over ${t}`, () => {
    const D = draftFor(t)
    test("CLIENT/SERVER: replies by routing id reach the right client", async () => {
      const server = track(new D.Server())
      const address = await bound(server, t)
      const a = track(new D.Client())
      const b = track(new D.Client())
      a.connect(address)
      b.connect(address)
      await a.send("from a")
      await b.send("from b")
      for (let i = 0; i < 2; i++) {
        const [msg, {routingId}] = await server.receive()
        expect(typeof routingId).toBe("number")
        await server.send(`re ${text(msg)}`, {routingId})
      }
      expect((await a.receive()).map(text)).toEqual(["re from a"])
      expect((await b.receive()).map(text)).toEqual(["re from b"])
    })

    test("RADIO/DISH: exact groups, join and leave while connected, late joiners", async () => {
      const dish = track(new D.Dish())
      dish.join("news")
      const address = await bound(dish, t)
      const radio = track(new D.Radio())
      radio.connect(address)
      await sleep(50)
      for (const group of ["new", "newsy", "news", "sport"]) await radio.send(group, {group})
      const [msg, {group}] = await dish.receive()
      expect([text(msg), text(group)]).toEqual(["news", "news"])
      dish.join("sport")
      dish.leave("news")
      await sleep(50)
      await radio.send("n2", {group: "news"})
      await radio.send("s2", {group: "sport"})
      expect(text((await dish.receive())[0])).toBe("s2")
      // A second radio connecting now learns the groups joined before it came.
      const late = track(new D.Radio())
      late.connect(address)
      await sleep(50)
      await late.send("s3", {group: "sport"})
      expect(text((await dish.receive())[0])).toBe("s3")
    })

    test("SCATTER/GATHER: in order, none missing", async () => {
      const gather = track(new D.Gather())
      const address = await bound(gather, t)
      const scatter = track(new D.Scatter())
      scatter.connect(address)
      for (let i = 0; i < 500; i++) await scatter.send(String(i))
      for (let i = 0; i < 500; i++) expect(text((await gather.receive())[0])).toBe(String(i))
    })

    test("PEER: the side that connects speaks first, to the routing id connect() returned", async () => {
      const listener = track(new D.Peer())
      const address = await bound(listener, t)
      const dialler = track(new D.Peer())
      const id = dialler.connect(address)
      expect(id).toBeGreaterThan(0)
      await dialler.send("hello", {routingId: id})
      const [msg, {routingId}] = await listener.receive()
      expect(text(msg)).toBe("hello")
      await listener.send("welcome", {routingId})
      const [reply, from] = await dialler.receive()
      expect([text(reply), from.routingId]).toEqual(["welcome", id])
    })

    test("CHANNEL: one peer, single parts both ways", async () => {
      const a = track(new D.Channel())
      const address = await bound(a, t)
      const b = track(new D.Channel())
      b.connect(address)
      await b.send("ping")
      expect((await a.receive()).map(text)).toEqual(["ping"])
      await a.send("pong")
      expect((await b.receive()).map(text)).toEqual(["pong"])
    })
  })
}

test("PEER with immediate: connect() is EFAULT (no pipe, no routing id yet), as in libzmq", () => {
  const peer = track(new Peer({immediate: true}))
  expect(() => peer.connect("tcp://127.0.0.1:5555")).toThrow(expect.objectContaining({code: "EFAULT"}))
})

for (const t of ["inproc", "threads"] as const) {
  describe(`high-water marks at their limit (${t}: exactly SNDHWM + RCVHWM)`, () => {
    const D = draftFor(t)
    const SNDHWM = 4
    const RCVHWM = 3

    test("RADIO drops like PUB: sends never block; a stalled DISH gets the first SNDHWM + RCVHWM", async () => {
      const dish = track(new D.Dish({receiveHighWaterMark: RCVHWM}))
      dish.join("g")
      const address = await bound(dish, t)
      const radio = track(new D.Radio({sendHighWaterMark: SNDHWM}))
      radio.connect(address)
      await sleep(20)
      for (let i = 0; i < 100; i++) await radio.send(numbered(i, 8), {group: "g"})
      dish.receiveTimeout = 200
      const got: number[] = []
      for (;;) {
        try {
          got.push((await dish.receive())[0].readUInt32BE(0))
        } catch {
          break
        }
      }
      expect(got).toEqual(Array.from({length: SNDHWM + RCVHWM}, (_, i) => i))
    })

    test("RADIO with noDrop (ZMQ_XPUB_NODROP) blocks instead, EAGAIN with sendTimeout", async () => {
      const dish = track(new D.Dish({receiveHighWaterMark: RCVHWM}))
      dish.join("g")
      const address = await bound(dish, t)
      const radio = track(new D.Radio({sendHighWaterMark: SNDHWM, sendTimeout: 100}))
      ;(radio as unknown as {setBoolOption(id: number, v: boolean): void}).setBoolOption(69, true)
      radio.connect(address)
      await sleep(20)
      let sent = 0
      await expect(
        (async () => {
          for (;;) {
            await radio.send(numbered(sent, 8), {group: "g"})
            sent++
          }
        })(),
      ).rejects.toMatchObject({code: "EAGAIN"})
      expect(sent).toBe(SNDHWM + RCVHWM)
    })

    for (const kind of ["Client", "Scatter"] as const) {
      test(`${kind.toUpperCase()} blocks like ${kind === "Client" ? "DEALER" : "PUSH"}; nothing is lost when the peer reads`, async () => {
        const receiver = track(kind === "Client" ? new D.Server({receiveHighWaterMark: RCVHWM}) : new D.Gather({receiveHighWaterMark: RCVHWM}))
        const address = await bound(receiver, t)
        const sender = track(new D[kind]({sendHighWaterMark: SNDHWM}))
        sender.connect(address)
        const {accepted, blocked} = await sendUntilBlocked(i => sender.send(numbered(i, 8)), 1000)
        expect(accepted).toBe(SNDHWM + RCVHWM)
        const got: number[] = []
        while (got.length < accepted + 1) got.push((await receiver.receive())[0].readUInt32BE(0))
        await blocked
        expect(got).toEqual(Array.from({length: accepted + 1}, (_, i) => i))
      })
    }

    test("SERVER waits for a full peer (never drops): EAGAIN with sendTimeout, then delivers", async () => {
      const server = track(new D.Server({sendHighWaterMark: SNDHWM}))
      const address = await bound(server, t)
      const client = track(new D.Client({receiveHighWaterMark: RCVHWM}))
      client.connect(address)
      await client.send("hi")
      const [, {routingId}] = await server.receive()
      const {accepted, blocked} = await sendUntilBlocked(i => server.send(numbered(i, 8), {routingId}), 1000)
      expect(accepted).toBe(SNDHWM + RCVHWM)
      expect(await settlesWithin(blocked, 100)).toBe(false)
      const got: number[] = []
      while (got.length < accepted + 1) got.push((await client.receive())[0].readUInt32BE(0))
      await blocked
      expect(got).toEqual(Array.from({length: accepted + 1}, (_, i) => i))
      server.sendTimeout = 50
      for (let i = 0; i < SNDHWM + RCVHWM; i++) await server.send("fill", {routingId})
      await expect(server.send("more", {routingId})).rejects.toMatchObject({code: "EAGAIN"})
    })
  })
}
