/**
 * Connections that must stay up, and ones that must go: heartbeats both ways with libzmq, a silent
 * peer dropped on heartbeatTimeout (and on the peer's own PING TTL), and restarts of either side
 * with reconnection and queued messages delivered. libzmq in the same situation is the reference.
 */
import {describe, expect, test} from "vitest"
import {encodeGreeting} from "../../src/wire/greeting.js"
import {encodePing, encodeReady} from "../../src/wire/command.js"
import {bytes, loadVectors} from "../helpers/vectors.js"
import {
  bindAgain,
  bindFresh,
  captureTrace,
  count,
  installCleanup,
  LIBS,
  make,
  other,
  RawPeer,
  rawConnect,
  rawListen,
  receiveWithin,
  recordEvents,
  TRANSPORTS,
  types,
  until,
  type Lib,
  type Observed,
  type Sock,
} from "../helpers/interop.js"

installCleanup()

const str = (m: Buffer[]) => m.map(f => f.toString("latin1"))
const vector = (name: string) => bytes(loadVectors("commands").vectors.find((v: {name: string}) => v.name === name).wire)
const spaced = (b: Buffer) => b.toString("hex").replace(/(..)(?!$)/g, "$1 ")
const dealerReady = encodeReady([
  ["Socket-Type", Buffer.from("DEALER")],
  ["Identity", Buffer.alloc(0)],
])

/** A DEALER pair, one of each library, `binder` binding. */
async function dealers(binder: Lib, zmtpOptions: Record<string, unknown>, libzmqOptions: Record<string, unknown>) {
  const ours = make("zmtp", "Dealer", zmtpOptions)
  const theirs = make("libzmq", "Dealer", libzmqOptions)
  const ourEvents = recordEvents(ours)
  const theirEvents = recordEvents(theirs)
  const [b, c] = binder === "zmtp" ? [ours, theirs] : [theirs, ours]
  c.connect(await bindFresh(b, "tcp"))
  return {ours, theirs, ourEvents, theirEvents}
}

async function roundTrip(a: Sock, b: Sock, text: string): Promise<void> {
  await a.send(text)
  expect(str(await receiveWithin(b))).toEqual([text])
  await b.send(`re ${text}`)
  expect(str(await receiveWithin(a))).toEqual([`re ${text}`])
}

describe("heartbeats with libzmq", () => {
  for (const binder of LIBS) {
    test(`libzmq PINGs, zmtp PONGs: the connection outlives libzmq's heartbeatTimeout many times (${binder} binds)`, async () => {
      const trace = captureTrace()
      const {ours, theirs, ourEvents, theirEvents} = await dealers(binder, {}, {heartbeatInterval: 30, heartbeatTimeout: 90})
      await roundTrip(ours, theirs, "start")
      // 12 PINGs = 360 ms = 4 × libzmq's timeout: it would have dropped us without our PONGs.
      await until(() => trace.filter(l => l.includes("← command PING")).length >= 12, 3000, "12 PINGs from libzmq")
      const pings = trace.filter(l => l.includes("← command PING")).length
      const pongs = trace.filter(l => l.includes("→ command PONG")).length
      expect(pongs).toBeGreaterThanOrEqual(pings - 1)
      // libzmq's PING: TTL 0 (heartbeatTimeToLive unset), no context.
      expect(trace.find(l => l.includes("← command PING"))).toContain("04 07 04 50 49 4e 47 00 00")
      expect(trace.find(l => l.includes("→ command PONG"))).toContain(spaced(vector("pong-empty")))
      await roundTrip(ours, theirs, "still up")
      expect(count(ourEvents, "disconnect") + count(theirEvents, "disconnect")).toBe(0)
      expect(count(ourEvents, "handshake")).toBe(1)
    })

    test(`zmtp PINGs (TTL 15 ds), libzmq PONGs: the connection outlives our heartbeatTimeout many times (${binder} binds)`, async () => {
      const trace = captureTrace()
      const {ours, theirs, ourEvents, theirEvents} = await dealers(binder, {heartbeatInterval: 30, heartbeatTimeout: 90, heartbeatTimeToLive: 1500}, {})
      await roundTrip(ours, theirs, "start")
      await until(() => trace.filter(l => l.includes("← command PONG")).length >= 12, 3000, "12 PONGs from libzmq")
      expect(trace.find(l => l.includes("→ command PING"))).toContain(spaced(vector("ping-ttl-15")))
      await roundTrip(ours, theirs, "still up")
      expect(count(ourEvents, "disconnect") + count(theirEvents, "disconnect")).toBe(0)
    })
  }
})

/**
 * A peer that completes the handshake and then says nothing (it never answers a PING). Returns
 * the socket's events once it has reported the disconnect.
 */
async function silentPeer(lib: Lib, socketBinds: boolean, options: Record<string, unknown>, afterHandshake?: Buffer): Promise<Observed[]> {
  const s = make(lib, "Dealer", {reconnectInterval: 10000, ...options})
  const events = recordEvents(s)
  const hello = Buffer.concat([encodeGreeting("NULL", false, 1), dealerReady])
  let raw: RawPeer | null = null
  if (socketBinds) {
    raw = new RawPeer(await rawConnect(await bindFresh(s, "tcp")))
    raw.write(hello)
  } else {
    s.connect(
      await rawListen(peer => {
        raw = peer
        peer.write(hello)
      }),
    )
  }
  if (afterHandshake) {
    // Only once the socket's READY is in: libzmq drops a connection whose first traffic arrives
    // with the READY it has not answered yet.
    await until(() => raw !== null && raw.commands("READY").length === 1, 3000, "READY")
    raw!.write(afterHandshake)
  }
  await until(() => types(events).includes("disconnect"), 3000, `${lib}'s disconnect`)
  return events
}

const elapsed = (events: Observed[]) => events.find(e => e.type === "disconnect")!.at! - events.find(e => e.type === "handshake")!.at!

describe("a silent peer is dropped", () => {
  for (const socketBinds of [true, false]) {
    const seen: Partial<Record<Lib, string[]>> = {}
    for (const lib of LIBS) {
      test(`${lib} (${socketBinds ? "binds" : "connects"}) with heartbeatInterval 50, heartbeatTimeout 200 drops a silent peer`, async () => {
        const events = await silentPeer(lib, socketBinds, {heartbeatInterval: 50, heartbeatTimeout: 200})
        // First PING at 50 ms, then 200 ms of silence: about 250 ms after the handshake.
        expect(elapsed(events)).toBeGreaterThanOrEqual(200)
        expect(elapsed(events)).toBeLessThan(1000)
        seen[lib] = types(events)
      })
    }
    test(`zmtp's events match libzmq's (${socketBinds ? "binds" : "connects"})`, () => {
      expect(seen.zmtp).toBeDefined()
      expect(seen.zmtp).toEqual(seen.libzmq)
    })
  }

  const seenTtl: Partial<Record<Lib, string[]>> = {}
  for (const lib of LIBS) {
    test(`${lib} without heartbeats of its own honours the peer's PING TTL (3 ds) and drops it when silent`, async () => {
      const events = await silentPeer(lib, true, {}, encodePing(3))
      expect(elapsed(events)).toBeGreaterThanOrEqual(250)
      expect(elapsed(events)).toBeLessThan(1000)
      seenTtl[lib] = types(events)
    })
  }
  test("zmtp's events match libzmq's (PING TTL)", () => {
    expect(seenTtl.zmtp).toBeDefined()
    expect(seenTtl.zmtp).toEqual(seenTtl.libzmq)
  })
})

describe("restarts", () => {
  for (const transport of TRANSPORTS) {
    for (const restarter of LIBS) {
      const stayer = other(restarter)
      test(`PUSH=${stayer} → PULL=${restarter}: the PULL restarts on the same ${transport} endpoint; queued and new messages arrive`, async () => {
        const pull1 = make(restarter, "Pull")
        const address = await bindFresh(pull1, transport)
        const push = make(stayer, "Push", {reconnectInterval: 20})
        const events = recordEvents(push)
        push.connect(address)
        await push.send("before")
        expect(str(await receiveWithin(pull1))).toEqual(["before"])
        pull1.close()
        await until(() => count(events, "disconnect") === 1, 3000, "the disconnect")
        // The connect-side pipe outlives the connection: this waits in it.
        await push.send("while-down")
        const pull2 = make(restarter, "Pull")
        await bindAgain(pull2, address)
        expect(str(await receiveWithin(pull2))).toEqual(["while-down"])
        await push.send("after")
        expect(str(await receiveWithin(pull2))).toEqual(["after"])
        await until(() => count(events, "handshake") >= 2, 3000, "the second handshake event")
        expect(count(events, "handshake")).toBe(2)
      })

      test(`DEALER=${stayer} ↔ ROUTER=${restarter}: the ROUTER restarts on the same ${transport} endpoint; the id and traffic resume`, async () => {
        const router1 = make(restarter, "Router")
        const address = await bindFresh(router1, transport)
        const dealer = make(stayer, "Dealer", {routingId: "d", reconnectInterval: 20})
        const events = recordEvents(dealer)
        dealer.connect(address)
        await dealer.send("before")
        expect(str(await receiveWithin(router1))).toEqual(["d", "before"])
        router1.close()
        await until(() => count(events, "disconnect") === 1, 3000, "the disconnect")
        await dealer.send("while-down")
        const router2 = make(restarter, "Router")
        await bindAgain(router2, address)
        expect(str(await receiveWithin(router2))).toEqual(["d", "while-down"])
        await router2.send(["d", "after"])
        expect(str(await receiveWithin(dealer))).toEqual(["after"])
        // Monitor events travel apart from the traffic (libzmq: its own socket), so the second
        // handshake's event may come just after the reply that followed it.
        await until(() => count(events, "handshake") >= 2, 3000, "the second handshake event")
        expect(count(events, "handshake")).toBe(2)
      })
    }
  }
})
