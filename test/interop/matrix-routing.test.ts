/**
 * Routing ids across libraries: ids a DEALER/REQ announces and ids a ROUTER assigns on connect
 * (ZMQ_CONNECT_ROUTING_ID), ROUTER_MANDATORY's EHOSTUNREACH, and ROUTER_HANDOVER, with zmtp on
 * either side and libzmq's behaviour as the reference.
 */
import {describe, expect, test} from "vitest"
import {
  bindFresh,
  buf,
  EMPTY,
  installCleanup,
  LIBS,
  make,
  other,
  recordEvents,
  receiveWithin,
  retry,
  TRANSPORTS,
  types,
  until,
  type Lib,
  type Sock,
} from "../helpers/interop.js"

installCleanup()

const str = (m: Buffer[]) => m.map(f => f.toString("latin1"))

/** Sends until the ROUTER knows `id` (mandatory ROUTERs reject unknown ids with EHOSTUNREACH). */
async function sendWhenRoutable(router: Sock, msg: (string | Buffer)[]): Promise<void> {
  await retry(
    async () => {
      try {
        await router.send(msg)
        return true
      } catch (e) {
        if ((e as {code?: string}).code === "EHOSTUNREACH") return false
        throw e
      }
    },
    3000,
    `routing to ${String(msg[0])}`,
  )
}

describe("routing ids announced by the peer (Identity)", () => {
  for (const peerLib of LIBS)
    for (const cls of ["Dealer", "Request"] as const)
      for (const routerBinds of [true, false])
        for (const transport of TRANSPORTS) {
          const name = `${cls === "Dealer" ? "DEALER" : "REQ"}=${peerLib} routingId "peer-1" → ROUTER=${other(peerLib)}, ${routerBinds ? "ROUTER" : "peer"} binds, ${transport}`
          test(name, async () => {
            const router = make(other(peerLib), "Router")
            const peer = make(peerLib, cls, {routingId: "peer-1"})
            const [binder, connecter] = routerBinds ? [router, peer] : [peer, router]
            connecter.connect(await bindFresh(binder, transport))
            const envelope = cls === "Dealer" ? [EMPTY] : []
            await peer.send([...envelope, "hello", "", "x"])
            expect(str(await receiveWithin(router))).toEqual(["peer-1", "", "hello", "", "x"])
            await router.send(["peer-1", "", "back", ""])
            expect(str(await receiveWithin(peer))).toEqual([...(cls === "Dealer" ? [""] : []), "back", ""])
          })
        }
})

describe("routing ids a ROUTER assigns on connect (ZMQ_CONNECT_ROUTING_ID)", () => {
  for (const routerLib of LIBS)
    for (const peerCls of ["Dealer", "Router"] as const) {
      test(`ROUTER=${routerLib} connects to ${peerCls.toUpperCase()}=${other(routerLib)} naming it "named"`, async () => {
        const peer = make(other(routerLib), peerCls, peerCls === "Router" ? {routingId: "ignored-by-connect-id"} : {})
        const router = make(routerLib, "Router", {mandatory: true})
        router.connect(await bindFresh(peer, "tcp"), {routingId: "named"})
        // The connect-side id wins over the Identity the peer announces.
        await sendWhenRoutable(router, ["named", "to-peer"])
        const got = str(await receiveWithin(peer))
        expect(got.slice(-1)).toEqual(["to-peer"])
        if (peerCls === "Router") {
          // The bound ROUTER names us by our (empty) Identity: a generated 5-byte id.
          expect(Buffer.from(got[0]!, "latin1").length).toBe(5)
          await peer.send([Buffer.from(got[0]!, "latin1"), "reply"])
        } else {
          await peer.send("reply")
        }
        expect(str(await receiveWithin(router))).toEqual(["named", "reply"])
      })
    }
})

describe("ROUTER_MANDATORY", () => {
  /** A mandatory ROUTER of `routerLib` with one DEALER of the other library known as "known". */
  async function setup(routerLib: Lib): Promise<{router: Sock; dealer: Sock}> {
    const router = make(routerLib, "Router", {mandatory: true})
    const dealer = make(other(routerLib), "Dealer", {routingId: "known"})
    dealer.connect(await bindFresh(router, "tcp"))
    await sendWhenRoutable(router, ["known", "first"])
    expect(str(await receiveWithin(dealer))).toEqual(["first"])
    return {router, dealer}
  }

  const failures: Record<string, {code?: string; errno?: number; message: string}> = {}
  for (const routerLib of LIBS) {
    test(`ROUTER=${routerLib}: an unknown id is EHOSTUNREACH; a known one is delivered; a gone one becomes EHOSTUNREACH`, async () => {
      const {router, dealer} = await setup(routerLib)
      const err = await router.send(["nobody", "x"]).then(
        () => null,
        (e: {code?: string; errno?: number; message: string}) => e,
      )
      expect(err?.code).toBe("EHOSTUNREACH")
      failures[routerLib] = {code: err!.code, errno: err!.errno, message: err!.message}
      await router.send(["known", "second"])
      expect(str(await receiveWithin(dealer))).toEqual(["second"])
      // With another peer still connected (so the socket stays writable), the gone id becomes unroutable.
      const other2 = make(other(routerLib), "Dealer", {routingId: "stays"})
      other2.connect(router.lastEndpoint!)
      await sendWhenRoutable(router, ["stays", "hi"])
      expect(str(await receiveWithin(other2))).toEqual(["hi"])
      dealer.close()
      await retry(
        () =>
          router.send(["known", "late"]).then(
            () => false,
            (e: {code?: string}) => {
              if (e.code !== "EHOSTUNREACH") throw e
              return true
            },
          ),
        3000,
        "EHOSTUNREACH after the peer left",
      )
    })
  }

  test("zmtp's EHOSTUNREACH error looks like zeromq.js's (code, errno, message)", () => {
    expect(failures.zmtp).toBeDefined()
    expect(failures.zmtp).toEqual(failures.libzmq)
  })

  for (const routerLib of LIBS) {
    test(`ROUTER=${routerLib} without mandatory silently drops an unknown id`, async () => {
      const router = make(routerLib, "Router")
      const dealer = make(other(routerLib), "Dealer", {routingId: "known"})
      dealer.connect(await bindFresh(router, "tcp"))
      await dealer.send("hello")
      expect(str(await receiveWithin(router))).toEqual(["known", "hello"])
      await router.send(["nobody", "dropped"])
      await router.send(["known", "kept"])
      expect(str(await receiveWithin(dealer))).toEqual(["kept"])
    })
  }
})

describe("ROUTER_HANDOVER and duplicate ids", () => {
  /**
   * Two DEALERs of the other library claim the id "X" one after the other. Returns what each
   * dealer received after the router sent to "X", and the first dealer's events.
   */
  async function duplicate(routerLib: Lib, handover: boolean) {
    const router = make(routerLib, "Router", {handover})
    const address = await bindFresh(router, "tcp")
    // A short reconnect interval: were the first connection closed on handover, the first dealer
    // would be back quickly and take the id back.
    const d1 = make(other(routerLib), "Dealer", {routingId: "X", reconnectInterval: 20})
    const d1Events = recordEvents(d1)
    d1.connect(address)
    await d1.send("one")
    expect(str(await receiveWithin(router))).toEqual(["X", "one"])
    const d2 = make(other(routerLib), "Dealer", {routingId: "X"})
    const d2Events = recordEvents(d2)
    d2.connect(address)
    await until(() => types(d2Events).includes("handshake"), 3000, "the second dealer's handshake")
    await d2.send("two")
    if (handover) {
      // The newcomer owns X: its message arrives. libzmq leaves the first connection up but dead:
      // the first dealer sees no disconnect, and what it sends is dropped.
      expect(str(await receiveWithin(router))).toEqual(["X", "two"])
      await d1.send("from-old")
      // Long enough for the first dealer to have reconnected had it been disconnected (an absence
      // cannot be waited for).
      await new Promise(r => setTimeout(r, 200))
      await router.send(["X", "to-X"])
      expect(str(await receiveWithin(d2))).toEqual(["to-X"])
      await d2.send("two-again")
      expect(str(await receiveWithin(router))).toEqual(["X", "two-again"])
      expect(types(d1Events)).not.toContain("disconnect")
    } else {
      // The newcomer is ignored: "X" still routes to the first dealer, and only its messages arrive.
      await router.send(["X", "to-X"])
      expect(str(await receiveWithin(d1))).toEqual(["to-X"])
      await d1.send("three")
      expect(str(await receiveWithin(router))).toEqual(["X", "three"])
      expect(types(d1Events)).not.toContain("disconnect")
    }
    return {d1Events: types(d1Events), d2Events: types(d2Events)}
  }

  for (const handover of [true, false]) {
    const results: Partial<Record<Lib, {d1Events: string[]; d2Events: string[]}>> = {}
    for (const routerLib of LIBS) {
      test(`ROUTER=${routerLib} handover=${handover} with DEALERs=${other(routerLib)}`, async () => {
        results[routerLib] = await duplicate(routerLib, handover)
      })
    }
    test(`handover=${handover}: the dealers observe the same events with either ROUTER`, () => {
      expect(results.zmtp).toBeDefined()
      expect(results.zmtp).toEqual(results.libzmq)
    })
  }
})

describe("empty and large routing-id traffic", () => {
  for (const routerLib of LIBS) {
    test(`ROUTER=${routerLib}: a 255-byte routing id and empty bodies cross intact`, async () => {
      const id = Buffer.alloc(255, 0x49)
      const router = make(routerLib, "Router")
      const dealer = make(other(routerLib), "Dealer", {routingId: id.toString("latin1")})
      dealer.connect(await bindFresh(router, "ipc"))
      await dealer.send([EMPTY, EMPTY])
      const [got, ...rest] = await receiveWithin(router)
      expect(got!.equals(id)).toBe(true)
      expect(rest.map(f => f.length)).toEqual([0, 0])
      await router.send([id, EMPTY, buf("z")])
      expect(str(await receiveWithin(dealer))).toEqual(["", "z"])
    })
  }
})
