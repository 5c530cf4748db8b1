/**
 * zmtp extension "spill to disk" on real sockets and a real temp directory: past the send HWM a
 * peer's messages go to a log on disk and arrive in order once the peer reads again; at the
 * budget the socket's usual HWM action applies (PUSH blocks, PUB drops); with spillRecover a
 * socket reopened on the same directory delivers what the last one left. The 1 GB run with
 * kill -9 is spill-process.test.ts.
 */
import {afterAll, describe, expect, test} from "vitest"
import {Buffer} from "node:buffer"
import {existsSync, mkdtempSync, readdirSync, rmSync} from "node:fs"
import {tmpdir} from "node:os"
import {join} from "node:path"
import * as zmq from "../../src/index.js"
import * as native from "zeromq"
import {endpointFor, sleep, socketTracker} from "../helpers/sockets.js"
import {drain, settlesWithin, tick, twoPart, wholeSeqs} from "../helpers/blocking.js"

const track = socketTracker()
const root = mkdtempSync(join(tmpdir(), "zmtp-spill-sock-"))
afterAll(() => rmSync(root, {recursive: true, force: true}))
let n = 0
const freshDir = () => join(root, `d${++n}`)

type Receiver = {receive(): Promise<Buffer[]>; receiveTimeout: number}
const message = twoPart
/** What arrives until quiet, each message checked whole, as sequence numbers. */
const drainSeqs = async (s: Receiver, quietMs = 500) => wholeSeqs(await drain(s, quietMs), SIZE)
const SIZE = 1024

const range = (from: number, to: number) => Array.from({length: to - from}, (_, i) => from + i)
/** Files in the socket's spill directory, all peers. */
const segmentFiles = (dir: string) =>
  readdirSync(dir)
    .filter(d => d !== "lock")
    .flatMap(d => readdirSync(join(dir, d)).filter(f => f.endsWith(".seg")))

describe("spill to disk: the options", () => {
  test("off by default; validated; fixed once the socket has bound or connected; one socket per directory", async () => {
    const push = track(new zmq.Push())
    expect(push.spillDirectory).toBe(null)
    expect(push.spillBudget).toBe(1024 * 1024 * 1024)
    expect(push.spillRecover).toBe(false)
    expect(() => ((push as {spillDirectory: unknown}).spillDirectory = 5)).toThrow(TypeError)
    expect(() => (push.spillDirectory = "")).toThrow(TypeError)
    expect(() => (push.spillBudget = 0)).toThrow(expect.objectContaining({code: "EINVAL"}))
    expect(() => (push.spillBudget = 1.5)).toThrow(expect.objectContaining({code: "EINVAL"}))
    expect(() => ((push as {spillBudget: unknown}).spillBudget = "1")).toThrow(TypeError)
    // Not on a socket type that never sends data.
    expect(() => new zmq.Subscriber({spillDirectory: "/tmp/x"} as never)).toThrow(TypeError)

    const dir = freshDir()
    push.spillDirectory = dir
    push.connect(endpointFor("inproc"))
    expect(existsSync(join(dir, "lock"))).toBe(true)
    expect(() => (push.spillBudget = 100)).toThrow(expect.objectContaining({code: "EINVAL"}))
    expect(() => (push.spillDirectory = null)).toThrow(expect.objectContaining({code: "EINVAL"}))

    const other = track(new zmq.Push({spillDirectory: dir}))
    expect(() => other.connect(endpointFor("inproc"))).toThrow(expect.objectContaining({code: "EBUSY"}))
    await expect(other.bind(endpointFor("tcp"))).rejects.toMatchObject({code: "EBUSY"})
    push.close()
    expect(existsSync(join(dir, "lock"))).toBe(false)
    const third = track(new zmq.Push({spillDirectory: dir}))
    third.connect(endpointFor("inproc")) // the directory is free again
  })
})

for (const t of ["tcp", "ipc", "inproc"] as const) {
  describe(`spill to disk over ${t}`, () => {
    test("a stalled PULL: PUSH never blocks, the excess goes to disk, and all of it arrives in order", async () => {
      const dir = freshDir()
      const pull = track(new zmq.Pull({receiveHighWaterMark: 100}))
      await pull.bind(endpointFor(t))
      const push = track(new zmq.Push({sendHighWaterMark: 100, spillDirectory: dir}))
      push.connect(pull.lastEndpoint!)
      const TOTAL = 20_000
      for (let i = 0; i < TOTAL; i++) {
        // Each send completes at once: nothing waits for the stalled peer.
        expect(await settlesWithin(push.send(message(i, SIZE)), 1000)).toBe(true)
        if (i % 1000 === 999) await tick()
      }
      await sleep(50)
      expect(segmentFiles(dir).length).toBeGreaterThan(0)
      expect(await drainSeqs(pull)).toEqual(range(0, TOTAL))
      // Drained: the log has given its disk back.
      expect(segmentFiles(dir)).toEqual([])
    }, 60000)
  })
}

describe("spill to disk at its budget", () => {
  test("PUSH blocks once memory and the budget are full, and goes on as the peer reads, in order", async () => {
    const dir = freshDir()
    const pull = track(new zmq.Pull({receiveHighWaterMark: 10}))
    await pull.bind(endpointFor("inproc"))
    const push = track(new zmq.Push({sendHighWaterMark: 10, spillDirectory: dir, spillBudget: 64 * 1024}))
    push.connect(pull.lastEndpoint!)
    let sent = 0
    let blocked: Promise<void> | null = null
    for (; sent < 10_000; sent++) {
      const p = push.send(message(sent, SIZE))
      if (!(await settlesWithin(p, 200))) {
        blocked = p
        break
      }
    }
    expect(blocked).not.toBe(null)
    // 10 in PULL's queue, 10 in PUSH's, ~64 KiB of 1 KiB messages on disk.
    expect(sent).toBeGreaterThan(70)
    expect(sent).toBeLessThan(100)
    const reading = drainSeqs(pull)
    await blocked
    sent++
    for (; sent < 500; sent++) await push.send(message(sent, SIZE))
    expect(await reading).toEqual(range(0, 500))
  })

  test("PUB drops the new message once its subscriber's log is at the budget; what it kept arrives in order", async () => {
    const dir = freshDir()
    const pub = track(new zmq.Publisher({sendHighWaterMark: 10, spillDirectory: dir, spillBudget: 32 * 1024}))
    await pub.bind(endpointFor("inproc"))
    const sub = track(new zmq.Subscriber({receiveHighWaterMark: 10}))
    sub.connect(pub.lastEndpoint!)
    sub.subscribe("")
    await sleep(20)
    for (let i = 0; i < 1000; i++) await pub.send(message(i, SIZE))
    const got = await drainSeqs(sub)
    // 10 + 10 in the queues and ~32 of 1 KiB on disk: the first ~52, the rest dropped.
    expect(got).toEqual(range(0, got.length))
    expect(got.length).toBeGreaterThan(45)
    expect(got.length).toBeLessThan(60)
  })
})

describe("spill to disk across restarts", () => {
  test("with spillRecover, a PUSH reopened on the same directory delivers what the last one left, first", async () => {
    const dir = freshDir()
    const pull = track(new zmq.Pull({receiveHighWaterMark: 10}))
    await pull.bind(endpointFor("tcp"))
    const address = pull.lastEndpoint!
    // The PULL stops reading: it has what fits in its queue and the kernel; the rest is spilled.
    const first = track(new zmq.Push({sendHighWaterMark: 10, spillDirectory: dir, spillRecover: true, linger: 0}))
    first.connect(address)
    // 20 MB: more than the kernel's socket buffers hold.
    for (let i = 0; i < 20_000; i++) {
      await first.send(message(i, SIZE))
      if (i % 1000 === 999) await tick()
    }
    await sleep(100)
    first.close() // linger 0: what is in memory is lost, what is on disk stays
    await sleep(50)
    expect(segmentFiles(dir).length).toBeGreaterThan(0)
    const before = await drainSeqs(pull, 300)
    expect(before).toEqual(range(0, before.length))

    const second = track(new zmq.Push({sendHighWaterMark: 10, spillDirectory: dir, spillRecover: true}))
    second.connect(address)
    for (let i = 10_000; i < 10_010; i++) await second.send(message(i, SIZE))
    const after = await drainSeqs(pull)
    // The spilled messages, in order and with none twice, then the new ones.
    expect(after.slice(-10)).toEqual(range(10_000, 10_010))
    const recovered = after.slice(0, -10)
    expect(recovered.length).toBeGreaterThan(5000)
    for (let i = 1; i < recovered.length; i++) expect(recovered[i]).toBe(recovered[i - 1]! + 1)
    expect(recovered[recovered.length - 1]).toBe(19_999)
    expect(recovered[0]!).toBeGreaterThan(before[before.length - 1]!)
  })

  test("without spillRecover, what the last socket left is removed, not delivered", async () => {
    const dir = freshDir()
    const pull = track(new zmq.Pull({receiveHighWaterMark: 10}))
    await pull.bind(endpointFor("tcp"))
    const first = track(new zmq.Push({sendHighWaterMark: 10, spillDirectory: dir, spillRecover: true, linger: 0}))
    first.connect(pull.lastEndpoint!)
    for (let i = 0; i < 20_000; i++) {
      await first.send(message(i, SIZE))
      if (i % 1000 === 999) await tick()
    }
    first.close()
    expect(segmentFiles(dir).length).toBeGreaterThan(0)
    await drainSeqs(pull, 300)
    const second = track(new zmq.Push({sendHighWaterMark: 10, spillDirectory: dir}))
    second.connect(pull.lastEndpoint!)
    expect(segmentFiles(dir)).toEqual([])
    await second.send(message(7777, SIZE))
    expect(await drainSeqs(pull)).toEqual([7777])
  })
})

describe("spill to disk with a libzmq peer", () => {
  test("a stalled libzmq PULL gets everything, in order: the peer sees ordinary ZMTP", async () => {
    const pull = new native.Pull({receiveHighWaterMark: 100, linger: 0})
    try {
      await pull.bind("tcp://127.0.0.1:*")
      const push = track(new zmq.Push({sendHighWaterMark: 100, spillDirectory: freshDir()}))
      push.connect(pull.lastEndpoint!)
      for (let i = 0; i < 20_000; i++) {
        await push.send(message(i, SIZE))
        if (i % 1000 === 999) await tick()
      }
      expect(await drainSeqs(pull)).toEqual(range(0, 20_000))
    } finally {
      pull.close()
    }
  }, 60000)
})
