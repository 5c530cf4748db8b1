/**
 * Never starve the event loop (issue 14): a loop of awaited sends or receives on a socket that is
 * always ready still lets timers fire, I/O be read and the socket's own connections progress. As
 * in zeromq.js (socket.cc max_sync_operations), after 512 operations in a row that completed at
 * once, the next one waits for the event loop's check phase.
 */
import {describe, expect, test} from "vitest"
import * as zmq from "../../src/index.js"
import {endpointFor, socketTracker} from "../helpers/sockets.js"

const track = socketTracker()

/** Runs fn while counting check-phase turns (setImmediate) and timer runs (setInterval 0). */
async function counting(fn: () => Promise<void>): Promise<{turns: number; timers: number; longestGapMs: number; ms: number}> {
  let turns = 0
  let timers = 0
  let last = performance.now()
  let longestGapMs = 0
  let running = true
  const turn = () => {
    if (!running) return
    turns++
    setImmediate(turn)
  }
  const interval = setInterval(() => {
    timers++
    const now = performance.now()
    longestGapMs = Math.max(longestGapMs, now - last)
    last = now
  }, 0)
  await new Promise(setImmediate)
  setImmediate(turn)
  const start = (last = performance.now())
  await fn()
  const ms = performance.now() - start
  running = false
  clearInterval(interval)
  longestGapMs = Math.max(longestGapMs, performance.now() - last)
  return {turns, timers, longestGapMs, ms}
}

async function connectedPair(t: "tcp" | "ipc" | "inproc", hwm: number): Promise<{push: zmq.Push; pull: zmq.Pull}> {
  const pull = track(new zmq.Pull({receiveHighWaterMark: hwm}))
  await pull.bind(endpointFor(t))
  const push = track(new zmq.Push({sendHighWaterMark: hwm}))
  push.connect(pull.lastEndpoint!)
  await push.send("hello")
  await pull.receive()
  return {push, pull}
}

for (const t of ["tcp", "inproc"] as const) {
  describe(`over ${t}`, () => {
    test("2,500 awaited sends and 2,500 awaited receives each give the event loop at least 4 turns", async () => {
      const {push, pull} = await connectedPair(t, 5000)
      const sends = await counting(async () => {
        for (let i = 0; i < 2500; i++) await push.send("x")
      })
      const receives = await counting(async () => {
        for (let i = 0; i < 2500; i++) await pull.receive()
      })
      // 2,500 / 513: a turn after every 512 operations done at once (zeromq.js: "4 under most
      // circumstances", counted with a timer that its slower operations let fire each turn).
      expect(sends.turns).toBeGreaterThanOrEqual(4)
      expect(receives.turns).toBeGreaterThanOrEqual(4)
    })

    test("a timer keeps firing through long loops of sends, receives and for await", async () => {
      const {push, pull} = await connectedPair(t, 0)
      const msg = Buffer.from("x")
      let queued = 0
      const sent = await counting(async () => {
        const end = performance.now() + 40
        while (performance.now() < end) {
          await push.send(msg)
          queued++
        }
      })
      // Receive what was sent, in two halves: with receive(), then with for await.
      const half = queued >> 1
      const received = await counting(async () => {
        for (let i = 0; i < half; i++) await pull.receive()
      })
      let left = queued - half
      const iterated = await counting(async () => {
        for await (const _ of pull) if (--left === 0) break
      })
      for (const r of [sent, received, iterated]) {
        // A 1 ms interval: about one run per ms when nothing blocks; a starved loop gets none.
        expect(r.timers).toBeGreaterThanOrEqual(Math.floor(r.ms / 4))
        expect(r.longestGapMs).toBeLessThan(25)
      }
    })
  })
}

test("a connection completes while a send loop runs (HWM 0), and the peer reads during it", async () => {
  const pull = track(new zmq.Pull())
  await pull.bind(endpointFor("tcp"))
  const push = track(new zmq.Push({sendHighWaterMark: 0}))
  let received = 0
  let loopDone = false
  let receivedDuringLoop = 0
  void (async () => {
    for await (const _ of pull) {
      received++
      if (!loopDone) receivedDuringLoop = received
    }
  })()
  push.connect(pull.lastEndpoint!)
  const msg = Buffer.from("m")
  for (let i = 0; i < 300_000; i++) await push.send(msg)
  loopDone = true
  expect(receivedDuringLoop).toBeGreaterThan(0)
  const deadline = Date.now() + 10000
  while (received < 300_000 && Date.now() < deadline) await new Promise(r => setTimeout(r, 10))
  expect(received).toBe(300_000)
}, 20000)
