/**
 * zmtp extension `dropOldest` (README "zmtp extensions"): a socket that drops at the HWM (PUB,
 * XPUB, RADIO, ROUTER) discards a full peer's oldest queued message to make room for the new one,
 * so a subscriber that stalls and resumes sees the newest messages, in order, and never a part of
 * a multipart message without the rest. Off by default: libzmq drops the new message instead.
 *
 * Over tcp the kernel's socket buffers and the engine's write buffer hold older messages that no
 * queue can take back, so there the check is on the tail: the last SNDHWM messages to arrive are
 * the last SNDHWM sent, contiguous. inproc has no such buffers, so it is exact.
 */
import {describe, expect, test} from "vitest"
import {Buffer} from "node:buffer"
import * as zmq from "../../src/index.js"
import * as draft from "../../src/draft.js"
import * as native from "zeromq"
import {endpointFor, sleep, socketTracker} from "../helpers/sockets.js"
import {drain, tick, twoPart, untilSubscribed, wholeSeqs} from "../helpers/blocking.js"

const track = socketTracker()

type Receiver = {receive(): Promise<Buffer[]>; receiveTimeout: number}
const message = twoPart
const sequence = wholeSeqs
const subscribed = (pub: {send(m: Buffer[]): Promise<void>}, sub: Receiver) => untilSubscribed(pub, sub, message(0xffffffff, 4))

function expectIncreasing(seqs: number[]): void {
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!)
}

/** Sends seq 0..total-1, yielding now and then so the engines and the kernel move bytes. */
async function sendAll(sock: {send(m: Buffer[]): Promise<void>}, total: number, size: number, route?: Buffer): Promise<void> {
  for (let i = 0; i < total; i++) {
    const m = message(i, size)
    await sock.send(route ? [route, ...m] : m)
    if (i % 50 === 49) await tick()
  }
  await sleep(50)
}

describe("dropOldest: the option", () => {
  test("off by default on PUB, XPUB, ROUTER and RADIO; a boolean; not on the socket types that block", () => {
    for (const s of [new zmq.Publisher(), new zmq.XPublisher(), new zmq.Router(), new draft.Radio()]) {
      track(s)
      expect(s.dropOldest).toBe(false)
      s.dropOldest = true
      expect(s.dropOldest).toBe(true)
      expect(() => ((s as {dropOldest: unknown}).dropOldest = 1)).toThrow(new TypeError("Option value must be a boolean"))
      expect(s.dropOldest).toBe(true)
    }
    expect(track(new zmq.Publisher({dropOldest: true})).dropOldest).toBe(true)
    // PUSH waits for room at the HWM, so dropping has no meaning there: an unknown option.
    expect(() => new zmq.Push({dropOldest: true} as never)).toThrow(TypeError)
    // No libzmq option id: the raw getters know nothing of it.
    const pub = track(new zmq.Publisher()) as unknown as {getBoolOption(id: number): boolean}
    expect(() => pub.getBoolOption(10_000)).toThrow(expect.objectContaining({code: "EINVAL"}))
  })
})

describe("dropOldest over inproc (exact)", () => {
  const SNDHWM = 10
  const RCVHWM = 10
  const TOTAL = 1000

  for (const dropOldest of [true, false]) {
    test(`PUB → stalled SUB, dropOldest ${dropOldest}: the SUB gets its first RCVHWM, then the ${dropOldest ? "newest" : "first"} SNDHWM`, async () => {
      const pub = track(new zmq.Publisher({sendHighWaterMark: SNDHWM, dropOldest}))
      const address = endpointFor("inproc")
      await pub.bind(address)
      const sub = track(new zmq.Subscriber({receiveHighWaterMark: RCVHWM}))
      sub.connect(address)
      sub.subscribe("")
      await subscribed(pub, sub)
      await sendAll(pub, TOTAL, 16)
      const seqs = sequence(await drain(sub), 16)
      const first = Array.from({length: RCVHWM}, (_, i) => i)
      const rest = dropOldest
        ? Array.from({length: SNDHWM}, (_, i) => TOTAL - SNDHWM + i)
        : Array.from({length: SNDHWM}, (_, i) => RCVHWM + i)
      expect(seqs).toEqual([...first, ...rest])
    })
  }

  test("XPUB → stalled SUB with a live change of the option: the newest win from then on", async () => {
    const xpub = track(new zmq.XPublisher({sendHighWaterMark: SNDHWM}))
    const address = endpointFor("inproc")
    await xpub.bind(address)
    const sub = track(new zmq.Subscriber({receiveHighWaterMark: RCVHWM}))
    sub.connect(address)
    sub.subscribe("")
    expect((await xpub.receive())[0]![0]).toBe(1) // the subscription
    await sendAll(xpub, TOTAL, 16)
    xpub.dropOldest = true
    for (let i = TOTAL; i < TOTAL + 100; i++) await xpub.send(message(i, 16))
    const seqs = sequence(await drain(sub), 16)
    expect(seqs.slice(-SNDHWM)).toEqual(Array.from({length: SNDHWM}, (_, i) => TOTAL + 100 - SNDHWM + i))
  })

  test("RADIO → stalled DISH: the newest messages of the group", async () => {
    const radio = track(new draft.Radio({sendHighWaterMark: SNDHWM, dropOldest: true}))
    const address = endpointFor("inproc")
    await radio.bind(address)
    const dish = track(new draft.Dish({receiveHighWaterMark: RCVHWM}))
    dish.connect(address)
    dish.join("g")
    await sleep(20)
    for (let i = 0; i < TOTAL; i++) {
      const body = Buffer.alloc(8)
      body.writeUInt32BE(i)
      await radio.send(body, {group: "g"})
    }
    const got = await drain(dish as unknown as Receiver)
    const seqs = got.map(m => m[0]!.readUInt32BE(0))
    expect(seqs.slice(-SNDHWM)).toEqual(Array.from({length: SNDHWM}, (_, i) => TOTAL - SNDHWM + i))
    expectIncreasing(seqs)
  })
})

describe("dropOldest over tcp: a stalled peer that resumes sees the newest SNDHWM, in order", () => {
  // 64 KiB messages, 40 MB in all: far beyond what the kernel and the engine can buffer, so the
  // pipe is full for most of the run.
  const SIZE = 64 * 1024
  const TOTAL = 600
  const SNDHWM = 10

  test("PUB → zmtp SUB", async () => {
    const pub = track(new zmq.Publisher({sendHighWaterMark: SNDHWM, dropOldest: true}))
    await pub.bind(endpointFor("tcp"))
    const sub = track(new zmq.Subscriber({receiveHighWaterMark: 10}))
    sub.connect(pub.lastEndpoint!)
    sub.subscribe("")
    await subscribed(pub, sub)
    await sendAll(pub, TOTAL, SIZE)
    const seqs = sequence(await drain(sub), SIZE)
    expect(seqs.length).toBeLessThan(TOTAL) // something was dropped: the SUB did stall
    expectIncreasing(seqs)
    expect(seqs.slice(-SNDHWM)).toEqual(Array.from({length: SNDHWM}, (_, i) => TOTAL - SNDHWM + i))
  }, 30000)

  test("ROUTER → stalled DEALER", async () => {
    const router = track(new zmq.Router({sendHighWaterMark: SNDHWM, dropOldest: true}))
    await router.bind(endpointFor("tcp"))
    const dealer = track(new zmq.Dealer({routingId: "d", receiveHighWaterMark: 10}))
    dealer.connect(router.lastEndpoint!)
    await dealer.send("hello")
    await router.receive()
    await sendAll(router, TOTAL, SIZE, Buffer.from("d"))
    const seqs = sequence(await drain(dealer), SIZE)
    expect(seqs.length).toBeLessThan(TOTAL)
    expectIncreasing(seqs)
    expect(seqs.slice(-SNDHWM)).toEqual(Array.from({length: SNDHWM}, (_, i) => TOTAL - SNDHWM + i))
  }, 30000)

  test("PUB → libzmq SUB: the peer sees ordinary ZMTP", async () => {
    const pub = track(new zmq.Publisher({sendHighWaterMark: SNDHWM, dropOldest: true}))
    await pub.bind(endpointFor("tcp"))
    const sub = new native.Subscriber({receiveHighWaterMark: 10, linger: 0})
    try {
      sub.connect(pub.lastEndpoint!)
      sub.subscribe()
      await subscribed(pub, sub)
      await sendAll(pub, TOTAL, SIZE)
      const seqs = sequence(await drain(sub), SIZE)
      expect(seqs.length).toBeLessThan(TOTAL)
      expectIncreasing(seqs)
      expect(seqs.slice(-SNDHWM)).toEqual(Array.from({length: SNDHWM}, (_, i) => TOTAL - SNDHWM + i))
    } finally {
      sub.close()
    }
  }, 30000)
})
