/**
 * What FileMQ relies on in zmtp's ROUTER and DEALER, each checked against libzmq (the `zeromq`
 * devDependency) doing the same thing. Minimal on purpose: when one of these fails, the bug is
 * in zmtp, not in FileMQ.
 */
import {afterEach, describe, expect, test} from "vitest"
import * as zmq from "zeromq"
import {Dealer, Router} from "../../src/index.js"
import {sleep} from "./helpers.js"

const open: {close(): void}[] = []
afterEach(() => {
  for (const s of open.splice(0)) s.close()
})
function track<T extends {close(): void}>(s: T): T {
  open.push(s)
  return s
}

type AnyRouter = Router | zmq.Router
type AnyDealer = Dealer | zmq.Dealer

/** The ROUTER sends `sizes` as single-frame messages; returns the frame sizes of each message the DEALER got. */
async function deliver(router: AnyRouter, dealer: AnyDealer, sizes: number[]): Promise<number[][]> {
  await router.bind("tcp://127.0.0.1:*")
  dealer.connect(router.lastEndpoint!)
  await dealer.send("hi")
  const [id] = await router.receive()
  for (const [i, size] of sizes.entries()) await router.send([id!, Buffer.alloc(size, i)])
  const got: number[][] = []
  const reading = (async () => {
    while (got.length < sizes.length) got.push((await dealer.receive()).map(f => f.length))
  })()
  await Promise.race([reading, sleep(2000)])
  return got
}

describe("single-frame messages of more than 255 bytes (LONG frames) stay separate messages", () => {
  const sizes = [300, 300, 20, 1_000_000, 0]
  const want = sizes.map(s => [s])
  test("libzmq ROUTER → libzmq DEALER (reference behaviour)", async () => {
    expect(await deliver(track(new zmq.Router({linger: 0})), track(new zmq.Dealer({linger: 0})), sizes)).toEqual(want)
  })
  test("zmtp ROUTER → libzmq DEALER", async () => {
    expect(await deliver(track(new Router({linger: 0})), track(new zmq.Dealer({linger: 0})), sizes)).toEqual(want)
  })
  test("libzmq ROUTER → zmtp DEALER", async () => {
    expect(await deliver(track(new zmq.Router({linger: 0})), track(new Dealer({linger: 0})), sizes)).toEqual(want)
  })
  test("zmtp ROUTER → zmtp DEALER", async () => {
    expect(await deliver(track(new Router({linger: 0})), track(new Dealer({linger: 0})), sizes)).toEqual(want)
  })
})

describe("ROUTER mandatory with sendTimeout 0: EAGAIN when a peer's queue is full, EHOSTUNREACH when it has gone", () => {
  for (const [name, make] of [
    ["libzmq", () => new zmq.Router({linger: 0, mandatory: true, sendTimeout: 0, sendHighWaterMark: 2})],
    ["zmtp", () => new Router({linger: 0, mandatory: true, sendTimeout: 0, sendHighWaterMark: 2})],
  ] as const) {
    test(name, async () => {
      const router = track(make() as AnyRouter)
      await router.bind("tcp://127.0.0.1:*")
      // A peer that never reads: its queue fills up (kernel buffers first, then the HWM).
      const dealer = track(new zmq.Dealer({linger: 0, receiveHighWaterMark: 1}))
      dealer.connect(router.lastEndpoint!)
      await dealer.send("hi")
      const [id] = await router.receive()
      const big = Buffer.alloc(1_000_000)
      let sent = 0
      let code = ""
      for (; sent < 200; sent++) {
        try {
          await router.send([id!, big])
        } catch (e) {
          code = (e as {code: string}).code
          break
        }
      }
      expect(code).toBe("EAGAIN")
      expect(sent).toBeLessThan(100)
      dealer.close()
      // Once the disconnect is seen, sending to that id fails with EHOSTUNREACH.
      for (let i = 0; i < 100 && code !== "EHOSTUNREACH"; i++) {
        code = await Promise.resolve()
          .then(() => router.send([id!, Buffer.from("x")]))
          .then(
            () => "ok",
            e => (e as {code: string}).code,
          )
        if (code !== "EHOSTUNREACH") await sleep(20)
      }
      expect(code).toBe("EHOSTUNREACH")
    })
  }
})
