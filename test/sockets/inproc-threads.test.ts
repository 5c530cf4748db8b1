/**
 * inproc:// between worker threads (issue 18), beyond the pattern matrix (patterns, hwm and draft
 * tests run with their ends in two workers): a connect made before the bind in another thread,
 * names taken in one thread being EADDRINUSE in another, messages larger than the shared ring,
 * a worker that ends (by itself, or terminated) ending its peers' pipes cleanly and freeing its
 * names, and zeromq.js's proxy running in a worker between sockets of other threads.
 *
 * This thread runs the sources; the workers run the built package (test/helpers/placements.ts
 * builds it): two copies of zmtp sharing the process's inproc names.
 */
// (The pattern matrix binds first; here each pair of types is joined the other way round too.)
import {afterEach, expect, test} from "vitest"
import {join} from "node:path"
import {getEnvironmentData, Worker} from "node:worker_threads"
import * as zmq from "../../src/index.js"
import {builtDist, useThreadPlacement, zmqFor} from "../helpers/placements.js"
import {endpointFor, socketTracker, str} from "../helpers/sockets.js"

useThreadPlacement()
const track = socketTracker()
const workers: Worker[] = []

afterEach(async () => {
  await Promise.all(workers.splice(0).map(w => w.terminate()))
})

/**
 * Starts a worker running `body`, an async function of (zmq, data, post) where post(value) sends a
 * message back; resolves with the worker and a reader of what it posts.
 */
function start(body: string, data: unknown): {worker: Worker; next(): Promise<unknown>; exited: Promise<number>} {
  const code = `
    const {parentPort, workerData} = require("node:worker_threads")
    import(${JSON.stringify(join(builtDist(), "esm", "index.js"))}).then(async zmq => {
      await (${body})(zmq, workerData, value => parentPort.postMessage(value))
    })`
  const worker = new Worker(code, {eval: true, workerData: data})
  workers.push(worker)
  const inbox: unknown[] = []
  const waiting: ((v: unknown) => void)[] = []
  worker.on("message", m => (waiting.length > 0 ? waiting.shift()!(m) : inbox.push(m)))
  worker.on("error", e => {
    throw e
  })
  const exited = new Promise<number>(resolve => worker.once("exit", resolve))
  return {worker, exited, next: () => (inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise(r => waiting.push(r)))}
}

test("a connect made before the bind in another thread: what it queued arrives once the name is bound", async () => {
  const name = endpointFor("inproc")
  const push = track(new zmq.Push())
  push.connect(name)
  for (let i = 0; i < 5; i++) await push.send(["early", String(i)])
  const w = start(
    `async (zmq, {name}, post) => {
      const pull = new zmq.Pull({receiveTimeout: 5000})
      await pull.bind(name)
      const got = []
      for (let i = 0; i < 6; i++) got.push((await pull.receive()).map(String).join("/"))
      post(got)
      pull.close()
    }`,
    {name},
  )
  await push.send(["late", "5"])
  expect(await w.next()).toEqual(["early/0", "early/1", "early/2", "early/3", "early/4", "late/5"])
})

test("a socket closed with messages queued for a name not yet bound: another thread's later bind gets them", async () => {
  const name = endpointFor("inproc")
  const w = start(
    `async (zmq, {name}, post) => {
      const push = new zmq.Push()
      push.connect(name)
      for (let i = 0; i < 5; i++) await push.send("queued " + i)
      push.close()
      post("closed")
      await new Promise(r => setTimeout(r, 60_000))
    }`,
    {name},
  )
  expect(await w.next()).toBe("closed")
  const pull = track(new zmq.Pull({receiveTimeout: 3000}))
  await pull.bind(name)
  for (let i = 0; i < 5; i++) expect(str(await pull.receive())).toEqual([`queued ${i}`])
})

test("a name bound in one thread is EADDRINUSE in every other until it is unbound", async () => {
  const name = endpointFor("inproc")
  const w = start(
    `async (zmq, {name}, post) => {
      const rep = new zmq.Reply()
      await rep.bind(name)
      post("bound")
      const [what] = await rep.receive()
      if (String(what) === "unbind") await rep.unbind(name)
      await rep.send("done")
      post("unbound")
      await new Promise(r => setTimeout(r, 60_000))
    }`,
    {name},
  )
  expect(await w.next()).toBe("bound")
  const other = track(new zmq.Pull())
  await expect(other.bind(name)).rejects.toMatchObject({code: "EADDRINUSE"})
  const req = track(new zmq.Request())
  req.connect(name)
  await req.send("unbind")
  expect(str(await req.receive())).toEqual(["done"])
  expect(await w.next()).toBe("unbound")
  await other.bind(name)
})

test("messages far larger than the shared ring, multipart, arrive whole and in order both ways", async () => {
  const name = endpointFor("inproc")
  const pair = track(new zmq.Pair({receiveTimeout: 10_000}))
  await pair.bind(name)
  start(
    `async (zmq, {name}) => {
      const pair = new zmq.Pair()
      pair.connect(name)
      for (;;) {
        const msg = await pair.receive()
        await pair.send(msg.reverse())
      }
    }`,
    {name},
  )
  const big = (n: number, fill: number) => Buffer.alloc(n, fill)
  const sizes = [0, 1, 255, 256, 70_000, 1 << 20, 3 << 20]
  for (const size of sizes) await pair.send([big(size, size & 0xff), "tail", big(size >> 1, 7)])
  for (const size of sizes) {
    const [a, tail, b] = await pair.receive()
    expect([a!.length, tail!.toString(), b!.length]).toEqual([size >> 1, "tail", size])
    expect(a!.every(x => x === 7) && b!.every(x => x === (size & 0xff))).toBe(true)
  }
})

for (const how of ["exits by itself", "is terminated"] as const) {
  test(`a worker that ${how}: its peer's pipe ends after what it sent is read, and its names are free again`, async () => {
    const name = endpointFor("inproc")
    const theirs = endpointFor("inproc")
    // A PAIR takes one peer at a time: a second one is joined only once the first pipe has ended.
    const pair = track(new zmq.Pair({receiveTimeout: 5000}))
    await pair.bind(name)
    const w = start(
      `async (zmq, {name, theirs, stay}, post) => {
        const own = new zmq.Pull()
        await own.bind(theirs)
        const pair = new zmq.Pair()
        pair.connect(name)
        for (let i = 0; i < 3; i++) await pair.send("from the first " + i)
        post("sent")
        if (stay) await new Promise(r => setTimeout(r, 60_000))
      }`,
      {name, theirs, stay: how === "is terminated"},
    )
    expect(await w.next()).toBe("sent")
    if (how === "is terminated") await w.worker.terminate()
    expect(await w.exited).toBe(how === "is terminated" ? 1 : 0)
    for (let i = 0; i < 3; i++) expect(str(await pair.receive())).toEqual([`from the first ${i}`])
    const second = start(
      `async (zmq, {name}, post) => {
        const pair = new zmq.Pair()
        pair.connect(name)
        await pair.send("from the second")
        post("sent")
        await new Promise(r => setTimeout(r, 60_000))
      }`,
      {name},
    )
    await second.next()
    expect(str(await pair.receive())).toEqual(["from the second"])
    // The name the gone worker had bound can be bound here now.
    const mine = track(new zmq.Pull())
    await mine.bind(theirs)
    expect(mine.lastEndpoint).toBe(theirs)
  })
}

test("a worker that calls process.exit() right after its sends: every message send accepted arrives", async () => {
  const name = endpointFor("inproc")
  // The receiver's HWM lets 5 into the ring; the other 15 wait in the sender's pipe at the exit.
  const pull = track(new zmq.Pull({receiveHighWaterMark: 5, receiveTimeout: 3000}))
  await pull.bind(name)
  const w = start(
    `async (zmq, {name}) => {
      const push = new zmq.Push({sendHighWaterMark: 100})
      push.connect(name)
      for (let i = 0; i < 20; i++) await push.send(["m" + i, "x".repeat(i)])
      process.exit(0)
    }`,
    {name},
  )
  expect(await w.exited).toBe(0)
  for (let i = 0; i < 20; i++) expect(str(await pull.receive())).toEqual([`m${i}`, "x".repeat(i)])
})

test("a worker terminated while it held the name table's lock: the lock is taken over, binds go on", async () => {
  const w = start(`async (zmq, _, post) => post("up")`, null)
  await w.next()
  // As if it were inside the table's critical section when terminated (no finally runs then):
  // the lock word names it. The thread that started it takes the lock over when it sees it end.
  // (Without that, this thread would wait for the lock for ever: the test hangs.)
  const table = getEnvironmentData("zmtp:inproc-names:2") as SharedArrayBuffer
  Atomics.store(new Int32Array(table), 0, w.worker.threadId + 1)
  await w.worker.terminate()
  await w.exited
  const pull = track(new zmq.Pull())
  await pull.bind(endpointFor("inproc"))
  expect(Atomics.load(new Int32Array(table), 0)).toBe(0)
})

test("a terminated worker never hangs a peer that sends to it: a ROUTER with mandatory gets EHOSTUNREACH", async () => {
  const name = endpointFor("inproc")
  const router = track(new zmq.Router({mandatory: true, sendTimeout: 2000}))
  await router.bind(name)
  const w = start(
    `async (zmq, {name}, post) => {
      const dealer = new zmq.Dealer({routingId: "w", receiveHighWaterMark: 2})
      dealer.connect(name)
      await dealer.send("hello")
      post("ready")
      await new Promise(r => setTimeout(r, 60_000))
    }`,
    {name},
  )
  await w.next()
  expect(str(await router.receive())).toEqual(["w", "hello"])
  await w.worker.terminate()
  await w.exited
  // The dealer's pipe has ended: a send to it fails rather than waiting for a reader that is gone.
  router.sendTimeout = 50
  let error: unknown
  for (let tries = 0; tries < 40 && !error; tries++) await router.send(["w", "x"]).catch(e => ((e as {code?: string}).code === "EAGAIN" ? undefined : (error = e)))
  expect(error).toMatchObject({code: "EHOSTUNREACH"})
})

test("zeromq.js's proxy in a worker, between REQ clients in this thread and REP workers in another", async () => {
  const front = endpointFor("inproc")
  const back = endpointFor("inproc")
  const proxy = start(
    `async (zmq, {front, back}, post) => {
      const frontend = new zmq.Router()
      const backend = new zmq.Dealer()
      await frontend.bind(front)
      await backend.bind(back)
      post("bound")
      const proxy = new zmq.Proxy(frontend, backend)
      await proxy.run()
      post("proxy ended")
    }`,
    {front, back},
  )
  expect(await proxy.next()).toBe("bound")
  start(
    `async (zmq, {back}) => {
      const rep = new zmq.Reply()
      rep.connect(back)
      for await (const [msg] of rep) await rep.send("re " + msg)
    }`,
    {back},
  )
  const clients = [0, 1, 2].map(() => track(new zmq.Request()))
  for (const c of clients) c.connect(front)
  const replies = await Promise.all(
    clients.map(async (c, i) => {
      const got: string[] = []
      for (let k = 0; k < 20; k++) {
        await c.send(`c${i}-${k}`)
        got.push(str(await c.receive())[0]!)
      }
      return got
    }),
  )
  replies.forEach((got, i) => expect(got).toEqual(Array.from({length: 20}, (_, k) => `re c${i}-${k}`)))
})

/** Every pair of socket types inproc joins, connected in one worker before the other binds. */
const PAIRS = [
  ["Push", "Pull"],
  ["Dealer", "Router"],
  ["Request", "Reply"],
  ["Pair", "Pair"],
  ["Subscriber", "Publisher"],
  ["XSubscriber", "XPublisher"],
  ["Client", "Server"],
  ["Scatter", "Gather"],
  ["Radio", "Dish"],
  ["Peer", "Peer"],
  ["Channel", "Channel"],
] as const

for (const [connecting, binding] of PAIRS) {
  test(`connect before bind, in two workers: ${connecting.toUpperCase()} → ${binding.toUpperCase()}`, async () => {
    // The host workers make zmtp's and the draft classes alike by name.
    const Z = zmqFor("threads") as unknown as Record<string, new (o?: object) => Remote>
    const name = endpointFor("inproc")
    // The first socket made goes to one host worker, the second to the other.
    const receives = (type: string) => !["Push", "Scatter", "Radio", "Publisher"].includes(type)
    const c = track(new Z[connecting]!(receives(connecting) ? {receiveTimeout: 3000} : {}))
    const peerId = c.connect(name)
    if (connecting === "Subscriber") c.subscribe("")
    if (connecting === "XSubscriber") await c.send(Buffer.from([1]))
    const b = track(new Z[binding]!(receives(binding) ? {receiveTimeout: 3000} : {}))
    if (binding === "Dish") b.join("g")
    await b.bind(name)
    // Messages from the connecting side (to the bound one), except where only the bound side speaks.
    if (connecting === "Radio") {
      for (let i = 0; i < 50; i++) {
        await c.send("hi", {group: "g"})
        const got = await b.receive().catch(() => null)
        if (got) return expect(String(got[0])).toBe("hi")
      }
      throw new Error("nothing arrived")
    }
    if (connecting === "Subscriber" || connecting === "XSubscriber") {
      for (let i = 0; i < 50; i++) {
        await b.send("news")
        c.receiveTimeout = 20
        const got = await c.receive().catch(() => null)
        if (got) return expect(str(got)).toEqual(["news"])
      }
      throw new Error("nothing arrived")
    }
    if (connecting === "Peer") await c.send("hello", {routingId: peerId})
    else await c.send(connecting === "Request" || connecting === "Client" || connecting === "Scatter" || connecting === "Channel" ? "hello" : ["hello"])
    const got = await b.receive()
    const body = binding === "Router" ? got.slice(1) : binding === "Server" || binding === "Peer" ? [got[0]] : got
    expect(str(body as Buffer[])).toEqual(["hello"])
  })
}

/** A socket in a host worker, as these tests use it. */
interface Remote {
  closed: boolean
  linger: number
  receiveTimeout: number
  close(): void
  connect(address: string): number
  bind(address: string): Promise<void>
  subscribe(topic: string): void
  join(group: string): void
  send(msg: unknown, options?: object): Promise<void>
  receive(): Promise<Buffer[]>
}
