/**
 * Load (issue 8): a thousand DEALERs on one ROUTER, all exchanging messages, and a PUB feeding a
 * hundred SUBs: every message accounted for, and memory per connection bounded.
 */
import {afterEach, expect, test} from "vitest"
import * as zmq from "../../src/index.js"
import {until} from "../helpers/sockets.js"

const open: zmq.Socket[] = []
const track = <T extends zmq.Socket>(s: T) => (open.push(s), s)
afterEach(() => {
  for (const s of open.splice(0)) s.close()
})

test("1,000 concurrent DEALER connections to one ROUTER, each exchanging 5 request/replies", async () => {
  const DEALERS = 1000
  const ROUNDS = 5
  const router = track(new zmq.Router({linger: 0}))
  await router.bind("tcp://127.0.0.1:*")
  const connected = {n: 0}
  router.events.on("handshake", () => connected.n++)
  const rssBefore = process.memoryUsage().rss
  const dealers = Array.from({length: DEALERS}, (_, i) => {
    const d = track(new zmq.Dealer({routingId: `d${i}`, linger: 0}))
    d.connect(router.lastEndpoint!)
    return d
  })
  await until(() => connected.n === DEALERS, 30000, "all dealers connected")
  const perConnection = (process.memoryUsage().rss - rssBefore) / DEALERS
  // The ROUTER echoes every message back to its sender.
  let echoed = 0
  const echo = (async () => {
    for await (const [id, body] of router) {
      await router.send([id!, body!])
      if (++echoed === DEALERS * ROUNDS) return
    }
  })()
  await Promise.all(
    dealers.map(async (d, i) => {
      for (let r = 0; r < ROUNDS; r++) {
        await d.send(`${i}:${r}`)
        const [reply] = await d.receive()
        expect(reply!.toString()).toBe(`${i}:${r}`)
      }
    }),
  )
  await echo
  expect(echoed).toBe(DEALERS * ROUNDS)
  console.log(`1,000 dealers: ${(perConnection / 1024).toFixed(1)} KiB RSS per connection (both ends in this process)`)
  expect(perConnection).toBeLessThan(200 * 1024)
}, 60000)

test("a PUB with 100 SUBs: every subscriber gets every message, in order", async () => {
  const SUBS = 100
  const MESSAGES = 200
  const pub = track(new zmq.Publisher({linger: 0}))
  await pub.bind("tcp://127.0.0.1:*")
  const subs = Array.from({length: SUBS}, () => {
    const s = track(new zmq.Subscriber({linger: 0}))
    s.connect(pub.lastEndpoint!)
    s.subscribe("")
    return s
  })
  // Slow joiners: wait until every subscriber has seen a probe.
  const ready = new Set<number>()
  const probing = (async () => {
    while (ready.size < SUBS) {
      await pub.send("probe")
      await new Promise(r => setTimeout(r, 20))
    }
  })()
  await Promise.all(
    subs.map(async (s, i) => {
      const [m] = await s.receive()
      expect(m!.toString()).toBe("probe")
      ready.add(i)
    }),
  )
  await probing
  await pub.send("start")
  for (let i = 0; i < MESSAGES; i++) await pub.send(`m${i}`)
  await Promise.all(
    subs.map(async s => {
      let [m] = await s.receive()
      while (m!.toString() === "probe") [m] = await s.receive()
      expect(m!.toString()).toBe("start")
      for (let i = 0; i < MESSAGES; i++) expect((await s.receive())[0]!.toString()).toBe(`m${i}`)
    }),
  )
}, 60000)
