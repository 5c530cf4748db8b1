/**
 * The draft socket types between zmtp and libzmq (zeromq.js 6.8.0, built with draft): RADIO/DISH
 * over tcp, ipc and udp, CLIENT/SERVER, SCATTER/GATHER and DATAGRAM, run for each pair of
 * libraries: zmtp→libzmq, libzmq→zmtp, zmtp→zmtp, and libzmq→libzmq, which is the reference
 * (what libzmq does is what zmtp must do) and checks this harness on its own. Then the errors a
 * misuse gives, field for field libzmq's.
 */
import {describe, expect, test} from "vitest"
import dgram from "node:dgram"
// "zeromq/draft.js", not "zeromq/draft": tsc does not find the types of the bare form here
// (TS2307; zeromq has no exports map), and the .js form finds draft.d.ts beside draft.js.
import * as zmqDraft from "zeromq/draft.js"
import * as zmtpDraft from "../../src/draft.js"
import {endpointFor, socketTracker} from "../helpers/sockets.js"
import {radioDishFilter, sendUntil, type DishLike, type Lib} from "../helpers/draft-scenarios.mjs"
import {EHOSTUNREACH, EINVAL, rejection, within, type LooseDraftSock} from "../helpers/draft-interop.js"

type ClassName = "Server" | "Client" | "Radio" | "Dish" | "Gather" | "Scatter" | "Datagram"

interface DraftSock extends LooseDraftSock {
  join(...groups: string[]): void
  leave(...groups: string[]): void
}
type DraftModule = Record<ClassName, new (options?: Record<string, unknown>) => DraftSock>

const LIBS: Lib[] = ["zmtp", "libzmq"]
/** [sender's library, receiver's library] (for CLIENT/SERVER: [CLIENT's, SERVER's]). */
const PAIRS: [Lib, Lib][] = [
  ["zmtp", "libzmq"],
  ["libzmq", "zmtp"],
  ["zmtp", "zmtp"],
  ["libzmq", "libzmq"],
]

const draftOf = async (lib: Lib): Promise<DraftModule> => (lib === "libzmq" ? zmqDraft : zmtpDraft) as unknown as DraftModule

const track = socketTracker()
async function make(lib: Lib, cls: ClassName, options: Record<string, unknown> = {}): Promise<DraftSock> {
  const mod = await draftOf(lib)
  return track(new mod[cls]({linger: 0, ...options}))
}

/** `n` distinct udp ports on 127.0.0.1 that were free a moment ago (held together so none repeats). */
async function freeUdpPorts(n: number): Promise<number[]> {
  const held = await Promise.all(
    Array.from({length: n}, async () => {
      const s = dgram.createSocket("udp4")
      await new Promise<void>(r => s.bind(0, "127.0.0.1", r))
      return s
    }),
  )
  const ports = held.map(s => s.address().port)
  await Promise.all(held.map(s => new Promise<void>(r => s.close(() => r()))))
  return ports
}

/**
 * Binds to a fresh endpoint and returns the address peers connect to. For udp there is no
 * usable wildcard: libzmq binds `udp://127.0.0.1:*` but its lastEndpoint then says
 * "127.0.0.1:*" (and never carries the udp:// scheme), so the test picks the port itself.
 */
async function bindFresh(s: DraftSock, transport: "tcp" | "ipc" | "udp"): Promise<string> {
  if (transport === "udp") {
    const [port] = await freeUdpPorts(1)
    const address = `udp://127.0.0.1:${port}`
    await s.bind(address)
    return address
  }
  await s.bind(endpointFor(transport))
  return s.lastEndpoint!
}

/** Argument errors zeromq.js raises at the call (join/leave are synchronous; a routingId of 0). */
const THROWS_EINVAL = {...EINVAL, how: "throws"}
const EAGAIN = {how: "rejects", type: "Error", code: "EAGAIN", errno: 11, message: "Operation was not possible or timed out"}

const text = (m: Buffer[]) => m.map(f => f.toString())
/** A DATAGRAM address frame as text, less the one NUL byte libzmq puts after it (see below). */
const addressText = (f: Buffer) => f.toString("latin1").replace(/\0$/, "")

describe("RADIO/DISH: groups are joined by exact match, leave stops delivery", () => {
  const cases = [
    ["tcp", false],
    ["tcp", true],
    ["ipc", false],
    ["udp", false],
  ] as const
  for (const [radioLib, dishLib] of PAIRS)
    for (const [transport, radioBinds] of cases)
      test(`RADIO=${radioLib} → DISH=${dishLib} over ${transport}${radioBinds ? " (RADIO binds)" : ""}`, async () => {
        const dish = await make(dishLib, "Dish")
        const radio = await make(radioLib, "Radio")
        // Over udp only the DISH can bind and only the RADIO connect (libzmq: ENOCOMPATPROTO).
        if (radioBinds) dish.connect(await bindFresh(radio, transport))
        else radio.connect(await bindFresh(dish, transport))
        const counts = await radioDishFilter({radio, dish: dish as unknown as DishLike})
        expect(counts.B2).toBeGreaterThanOrEqual(20)
      })
})

describe("CLIENT/SERVER: replies by routingId", () => {
  for (const [clientLib, serverLib] of PAIRS)
    for (const transport of ["tcp", "ipc"] as const)
      test(`CLIENT=${clientLib} ×2 ↔ SERVER=${serverLib} over ${transport}: each reply reaches its CLIENT; an unknown routingId is EHOSTUNREACH`, async () => {
        const server = await make(serverLib, "Server")
        const address = await bindFresh(server, transport)
        const clients = [await make(clientLib, "Client"), await make(clientLib, "Client")]
        for (const c of clients) c.connect(address)
        await clients[0]!.send("from 0")
        await clients[1]!.send("from 1")
        const ids = new Map<string, number>()
        for (let k = 0; k < 2; k++) {
          const [m, meta] = await within(server.receive(), "CLIENT message at the SERVER")
          expect(Object.keys(meta)).toEqual(["routingId"])
          ids.set(m.toString(), meta.routingId)
        }
        expect([...ids.keys()].sort()).toEqual(["from 0", "from 1"])
        const id0 = ids.get("from 0")!
        const id1 = ids.get("from 1")!
        expect(id0).not.toBe(id1)
        // Replies in the other order than the requests came: only the routingId picks the CLIENT.
        for (const round of [1, 2]) {
          await server.send(`to 1, round ${round}`, {routingId: id1})
          await server.send(`to 0, round ${round}`, {routingId: id0})
          expect(text(await within(clients[0]!.receive(), "reply at CLIENT 0"))).toEqual([`to 0, round ${round}`])
          expect(text(await within(clients[1]!.receive(), "reply at CLIENT 1"))).toEqual([`to 1, round ${round}`])
        }
        // A CLIENT's later message carries the same routingId.
        await clients[1]!.send("again")
        const [again, meta] = await within(server.receive())
        expect([again.toString(), meta.routingId]).toEqual(["again", id1])

        let unknown = (id0 ^ id1 ^ 0x5a5a5a5a) >>> 0 || 1
        while (unknown === id0 || unknown === id1) unknown++
        expect(await rejection(() => server.send("nobody", {routingId: unknown}))).toEqual(EHOSTUNREACH)
        // Once the SERVER has seen a CLIENT go, its routingId is unknown too; the other still works.
        // Before that, libzmq's SERVER takes a send to it (the pipe is still there) or, while the
        // pipe terminates, refuses it with EAGAIN (not writable): ~10 ms each on loopback.
        clients[0]!.close()
        const deadline = Date.now() + 3000
        for (;;) {
          const r = await rejection(() => server.send("gone?", {routingId: id0}))
          if (r !== "resolved" && (r as {code?: string}).code !== "EAGAIN") {
            expect(r).toEqual(EHOSTUNREACH)
            break
          }
          if (r !== "resolved") expect(r).toEqual(EAGAIN)
          if (Date.now() > deadline) throw new Error("sends to a closed CLIENT's routingId not EHOSTUNREACH after 3 s")
          await new Promise(r => setTimeout(r, 5))
        }
        await server.send("still here", {routingId: id1})
        expect(text(await within(clients[1]!.receive()))).toEqual(["still here"])
      })
})

describe("SCATTER/GATHER: order and counts", () => {
  for (const [scatterLib, gatherLib] of PAIRS)
    for (const transport of ["tcp", "ipc"] as const)
      test(`SCATTER=${scatterLib} → GATHER=${gatherLib} over ${transport}: 1,000 numbered messages, in order, none missing`, async () => {
        const gather = await make(gatherLib, "Gather")
        const scatter = await make(scatterLib, "Scatter")
        scatter.connect(await bindFresh(gather, transport))
        const n = 1000
        const got: string[] = []
        const reading = (async () => {
          while (got.length < n) got.push(text(await gather.receive()).join("|"))
        })()
        // A SCATTER blocks (does not drop) without a peer or at the HWM: every send must arrive.
        for (let i = 0; i < n; i++) await scatter.send(`m${i}`)
        await within(reading, `all ${n} messages (${got.length} so far)`, 10000)
        expect(got).toEqual(Array.from({length: n}, (_, i) => `m${i}`))
      })
})

describe("DATAGRAM over udp: [address, body] both ways", () => {
  for (const [senderLib, echoLib] of PAIRS)
    test(`DATAGRAM=${senderLib} → DATAGRAM=${echoLib}, which echoes to the address it received`, async () => {
      const [senderPort, echoPort] = await freeUdpPorts(2)
      const sender = await make(senderLib, "Datagram")
      const echo = await make(echoLib, "Datagram")
      await sender.bind(`udp://127.0.0.1:${senderPort}`)
      await echo.bind(`udp://127.0.0.1:${echoPort}`)
      // Both bind: libzmq refuses a DATAGRAM's connect over udp (ENOCOMPATPROTO).
      const fromSeen: string[] = []
      void (async () => {
        for (;;) {
          let m: Buffer[]
          try {
            m = await echo.receive()
          } catch {
            return
          }
          fromSeen.push(addressText(m[0]!))
          // The address frame goes back as it came, trailing NUL and all (libzmq accepts it).
          await echo.send([m[0], `echo ${m[1]!.toString()}`])
        }
      })()
      const replies: string[][] = []
      void (async () => {
        for (;;) {
          try {
            const [from, b] = await sender.receive()
            replies.push([addressText(from), b.toString()])
          } catch {
            return
          }
        }
      })()
      // UDP may drop, and the peer's socket may not be up yet: send until five echoes came back.
      await sendUntil(
        i => sender.send([`127.0.0.1:${echoPort}`, `ping ${i}`]),
        () => replies.length >= 5,
        () => `echoes: ${replies.length}, seen at the echo side: ${fromSeen.length}`,
        5000,
        5,
      )
      expect(new Set(fromSeen)).toEqual(new Set([`127.0.0.1:${senderPort}`]))
      expect(new Set(replies.map(r => r[0]))).toEqual(new Set([`127.0.0.1:${echoPort}`]))
      const numbers = replies.map(r => Number(/^echo ping (\d+)$/.exec(r[1]!)![1]))
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b))
    })

  for (const receiverLib of LIBS)
    test(`DATAGRAM=${receiverLib} hands up the address frame as libzmq does: "ip:port" and a NUL byte`, async () => {
      const [receiverPort, senderPort] = await freeUdpPorts(2)
      const receiver = await make(receiverLib, "Datagram")
      const sender = await make("libzmq", "Datagram")
      await receiver.bind(`udp://127.0.0.1:${receiverPort}`)
      await sender.bind(`udp://127.0.0.1:${senderPort}`)
      let got: Buffer[] | undefined
      void receiver.receive().then(
        m => (got = m),
        () => {},
      )
      await sendUntil(
        () => sender.send([`127.0.0.1:${receiverPort}`, "hi"]),
        () => got !== undefined,
        () => "a datagram",
        3000,
        5,
      )
      expect(got!.map(f => f.toString("latin1"))).toEqual([`127.0.0.1:${senderPort}\0`, "hi"])
    })
})

describe("errors, field for field libzmq's", () => {
  for (const lib of LIBS) {
    test(`${lib}: a multipart send on CLIENT, SERVER, RADIO and SCATTER is EINVAL, and the socket sends on`, async () => {
      const server = await make(lib, "Server")
      const client = await make(lib, "Client")
      client.connect(await bindFresh(server, "tcp"))
      expect(await rejection(() => client.send(["a", "b"]))).toEqual(EINVAL)
      await client.send("one")
      const [m, {routingId}] = await within(server.receive())
      expect(m.toString()).toBe("one")
      expect(await rejection(() => server.send(["a", "b"], {routingId}))).toEqual(EINVAL)
      await server.send("two", {routingId})
      expect(text(await within(client.receive()))).toEqual(["two"])

      const dish = await make(lib, "Dish")
      const radio = await make(lib, "Radio")
      radio.connect(await bindFresh(dish, "tcp"))
      expect(await rejection(() => radio.send(["a", "b"], {group: "g"}))).toEqual(EINVAL)

      const gather = await make(lib, "Gather")
      const scatter = await make(lib, "Scatter")
      scatter.connect(await bindFresh(gather, "tcp"))
      expect(await rejection(() => scatter.send(["a", "b"]))).toEqual(EINVAL)
      await scatter.send("three")
      expect(text(await within(gather.receive()))).toEqual(["three"])
    })

    test(`${lib}: DATAGRAM takes exactly [address, body]: one part or three is EINVAL`, async () => {
      const [p1, p2] = await freeUdpPorts(2)
      // Fresh sockets for each: libzmq's DATAGRAM takes the first two parts of a three-part send
      // and then refuses every later send with EINVAL (its "more" state is left set).
      const one = await make(lib, "Datagram")
      await one.bind(`udp://127.0.0.1:${p1}`)
      expect(await rejection(() => one.send(["127.0.0.1:9"]))).toEqual(EINVAL)
      const three = await make(lib, "Datagram")
      await three.bind(`udp://127.0.0.1:${p2}`)
      expect(await rejection(() => three.send(["127.0.0.1:9", "a", "b"]))).toEqual(EINVAL)
    })

    test(`${lib}: SERVER send to routingId 0 is EINVAL; DISH join of a joined group, leave of one not joined, a group of 256 bytes: EINVAL`, async () => {
      const server = await make(lib, "Server")
      await bindFresh(server, "tcp")
      expect(await rejection(() => server.send("x", {routingId: 0}))).toEqual(THROWS_EINVAL)
      const dish = await make(lib, "Dish")
      await bindFresh(dish, "tcp")
      dish.join("g", "h".repeat(255))
      expect(await rejection(() => dish.join("g"))).toEqual(THROWS_EINVAL)
      expect(await rejection(() => dish.leave("never"))).toEqual(THROWS_EINVAL)
      expect(await rejection(() => dish.join("x".repeat(256)))).toEqual(THROWS_EINVAL)
      dish.leave("g")
      expect(await rejection(() => dish.leave("g"))).toEqual(THROWS_EINVAL)
    })
  }
})
