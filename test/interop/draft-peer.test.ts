/**
 * PEER and CHANNEL, zmtp's src/draft-extra.ts (zeromq.js has no classes for them).
 *
 * PEER: like SERVER, plus connect(address) that returns the routing id the new peer will have, so
 * the connecting side can talk first (the reverse of CLIENT/SERVER). zmtp↔zmtp, and one way to a
 * libzmq PEER: zeromq.js's native Socket makes one (type 19) but can pass no routingId to send
 * and hands up none on receive, so the libzmq side can only take the first message.
 *
 * CHANNEL: a PAIR of single-part messages. libzmq's is zeromq.js's native Socket of type 20, so
 * this runs zmtp↔libzmq both ways over tcp and ipc, and each library with itself over inproc;
 * libzmq↔libzmq checks the harness.
 */
import {describe, expect, test} from "vitest"
import * as zmq from "zeromq"
import {endpointFor, socketTracker} from "../helpers/sockets.js"
import * as draftExtra from "../../src/draft-extra.js"
import {EHOSTUNREACH, EINVAL, rejection, within, type LooseDraftSock} from "../helpers/draft-interop.js"

type Lib = "zmtp" | "libzmq"

type Sock = LooseDraftSock
interface PeerSock extends Sock {
  connect(address: string): number
}
interface Extra {
  Peer: new (options?: object) => PeerSock
  Channel: new (options?: object) => Sock
}

const zmtpExtra = async (): Promise<Extra> => draftExtra as unknown as Extra

/** libzmq's draft types without a zeromq.js class: its native Socket takes the type number. */
const NativeSocket = (zmq as unknown as {Socket: new (type: number, options?: object) => Sock}).Socket
const ZMQ_PEER = 19
const ZMQ_CHANNEL = 20

const track = socketTracker()

async function peer(): Promise<PeerSock> {
  const {Peer} = await zmtpExtra()
  return track(new Peer({linger: 0}))
}

async function channel(lib: Lib): Promise<Sock> {
  if (lib === "libzmq") return track(new NativeSocket(ZMQ_CHANNEL, {linger: 0}))
  const {Channel} = await zmtpExtra()
  return track(new Channel({linger: 0}))
}

async function bindFresh(s: Sock, transport: "tcp" | "ipc" | "inproc"): Promise<string> {
  await s.bind(endpointFor(transport))
  return s.lastEndpoint!
}

const text = (m: Buffer[]) => m.map(f => f.toString())

describe("PEER: the connecting side talks first", () => {
  for (const transport of ["tcp", "ipc", "inproc"] as const)
    test(`two PEER=zmtp connect() to a bound PEER=zmtp over ${transport}, each sends first to the routing id it got, and gets the answer`, async () => {
      const bound = await peer()
      const address = await bindFresh(bound, transport)
      const a = await peer()
      const b = await peer()
      const ra = a.connect(address)
      const rb = b.connect(address)
      for (const id of [ra, rb]) expect(Number.isInteger(id) && id > 0 && id <= 0xffffffff).toBe(true)
      // Straight after connect(), before any handshake: the pipe exists at once (libzmq's
      // zmq_connect_peer), so the send queues on it rather than failing with EHOSTUNREACH.
      await a.send("hello from a", {routingId: ra})
      await b.send("hello from b", {routingId: rb})
      const seen = new Map<string, number>()
      for (let k = 0; k < 2; k++) {
        const [m, meta] = await within(bound.receive(), "a first message at the bound PEER")
        expect(Object.keys(meta)).toEqual(["routingId"])
        seen.set(m.toString(), meta.routingId)
      }
      expect([...seen.keys()].sort()).toEqual(["hello from a", "hello from b"])
      expect(seen.get("hello from a")).not.toBe(seen.get("hello from b"))
      // Answers in the other order: only the routing id picks the PEER.
      await bound.send("answer to b", {routingId: seen.get("hello from b")})
      await bound.send("answer to a", {routingId: seen.get("hello from a")})
      const [ma, fromA] = await within(a.receive(), "the answer at a")
      const [mb, fromB] = await within(b.receive(), "the answer at b")
      // Each connecting PEER sees the answer come from the routing id connect() gave it.
      expect([ma.toString(), fromA.routingId]).toEqual(["answer to a", ra])
      expect([mb.toString(), fromB.routingId]).toEqual(["answer to b", rb])
      // Ids nobody has: EHOSTUNREACH, on both sides.
      let unknown = (ra ^ rb ^ 0x5a5a5a5a) >>> 0 || 1
      while (unknown === ra || unknown === rb) unknown++
      expect(await rejection(() => a.send("nobody", {routingId: unknown}))).toEqual(EHOSTUNREACH)
      expect(await rejection(() => a.send(["multi", "part"], {routingId: ra}))).toEqual(EINVAL)
    })

  test("one PEER=zmtp connect()s to two bound PEER=zmtp: each routing id reaches its own", async () => {
    const [s1, s2] = [await peer(), await peer()]
    const [e1, e2] = [await bindFresh(s1, "tcp"), await bindFresh(s2, "ipc")]
    const p = await peer()
    const r1 = p.connect(e1)
    const r2 = p.connect(e2)
    expect(r1).not.toBe(r2)
    await p.send("to s2", {routingId: r2})
    await p.send("to s1", {routingId: r1})
    const [m1, meta1] = await within(s1.receive(), "at s1")
    const [m2, meta2] = await within(s2.receive(), "at s2")
    expect([m1.toString(), m2.toString()]).toEqual(["to s1", "to s2"])
    await s1.send("from s1", {routingId: meta1.routingId})
    await s2.send("from s2", {routingId: meta2.routingId})
    const got = new Map<number, string>()
    for (let k = 0; k < 2; k++) {
      const [m, meta] = await within(p.receive(), "an answer")
      got.set(meta.routingId, m.toString())
    }
    expect(got).toEqual(
      new Map([
        [r1, "from s1"],
        [r2, "from s2"],
      ]),
    )
  })

  for (const transport of ["tcp", "ipc"] as const)
    test(`PEER=zmtp connect()s to a libzmq PEER over ${transport} and talks first: the message arrives`, async () => {
      const lib = track(new NativeSocket(ZMQ_PEER, {linger: 0}))
      const p = await peer()
      const id = p.connect(await bindFresh(lib, transport))
      await p.send("first", {routingId: id})
      // zeromq.js hands up a PEER's message without its routing id (it does so for SERVER only).
      expect(text(await within(lib.receive(), "the first message at libzmq"))).toEqual(["first"])
    })
})

describe("CHANNEL: a single-part PAIR", () => {
  const cases: [Lib, Lib, "tcp" | "ipc" | "inproc"][] = [
    ["zmtp", "libzmq", "tcp"],
    ["libzmq", "zmtp", "tcp"],
    ["zmtp", "libzmq", "ipc"],
    ["libzmq", "zmtp", "ipc"],
    ["zmtp", "zmtp", "tcp"],
    ["zmtp", "zmtp", "inproc"],
    ["libzmq", "libzmq", "tcp"],
    ["libzmq", "libzmq", "inproc"],
  ]
  for (const [connecting, binding, transport] of cases)
    test(`CHANNEL=${connecting} connects to CHANNEL=${binding} over ${transport}: it talks first, 100 ping-pongs, multipart is EINVAL`, async () => {
      const bound = await channel(binding)
      const conn = await channel(connecting)
      conn.connect(await bindFresh(bound, transport))
      for (let i = 0; i < 100; i++) {
        await conn.send(`ping ${i}`)
        expect(text(await within(bound.receive(), `ping ${i}`))).toEqual([`ping ${i}`])
        await bound.send(`pong ${i}`)
        expect(text(await within(conn.receive(), `pong ${i}`))).toEqual([`pong ${i}`])
      }
      expect(await rejection(() => bound.send(["multi", "part"]))).toEqual(EINVAL)
      expect(await rejection(() => conn.send(["multi", "part"]))).toEqual(EINVAL)
      // Still usable after the refusal.
      await bound.send("after")
      expect(text(await within(conn.receive()))).toEqual(["after"])
    })
})
