/**
 * Lifecycle (zmtp only, with libzmq/zeromq.js behaviour as the rule): reconnecting to a peer that
 * restarts on the same endpoint, close() while a send or receive waits, ZMQ_LINGER on close, and
 * which sockets keep the Node process alive (checked in child processes running the built package).
 */
import {afterAll, beforeAll, describe, expect, test} from "vitest"
import {execFileSync, spawn, type ChildProcess} from "node:child_process"
import {mkdtempSync, rmSync, writeFileSync} from "node:fs"
import {tmpdir} from "node:os"
import {join} from "node:path"
import {fileURLToPath} from "node:url"
import * as zmq from "../../src/index.js"
import {endpointFor, sleep, socketTracker, str} from "../helpers/sockets.js"

const track = socketTracker()

let ipcN = 0
const ipcDir = mkdtempSync(join(tmpdir(), "zmtp-lifecycle-"))

/**
 * A fixed endpoint a socket can bind, be closed, and be bound again. tcp ports come from below
 * Linux's ephemeral range: a peer redialling a released ephemeral port can be given that very
 * port as its source and connect to itself, which then holds it.
 */
async function bindFixed(s: zmq.Socket & {bind(a: string): Promise<void>}, t: "tcp" | "ipc"): Promise<string> {
  if (t === "ipc") {
    const address = `ipc://${ipcDir}/s${++ipcN}.ipc`
    await s.bind(address)
    return address
  }
  for (;;) {
    const address = `tcp://127.0.0.1:${20000 + Math.floor(Math.random() * 10000)}`
    try {
      await s.bind(address)
      return address
    } catch (e) {
      if ((e as {code?: string}).code !== "EADDRINUSE") throw e
    }
  }
}

// ---- reconnect after the peer restarts on the same endpoint ------------------------------------

for (const t of ["tcp", "ipc"] as const) {
  describe(`reconnect over ${t}`, () => {
    test("PUSH → PULL: the PULL restarts; messages sent while it is down arrive after", async () => {
      const pull1 = track(new zmq.Pull({receiveTimeout: 3000}))
      const address = await bindFixed(pull1, t)
      const push = track(new zmq.Push({reconnectInterval: 20}))
      push.connect(address)
      await push.send("before")
      expect(str(await pull1.receive())).toEqual(["before"])
      pull1.close()
      await sleep(50)
      // The connect()ed pipe outlives the connection (immediate=0): this is queued.
      await push.send(["while", "down"])
      const pull2 = track(new zmq.Pull({receiveTimeout: 3000}))
      await pull2.bind(address)
      await push.send("after")
      expect(str(await pull2.receive())).toEqual(["while", "down"])
      expect(str(await pull2.receive())).toEqual(["after"])
    })

    test("DEALER → ROUTER: the ROUTER restarts and knows the dealer by its routing id again", async () => {
      const r1 = track(new zmq.Router({receiveTimeout: 3000}))
      const address = await bindFixed(r1, t)
      const dealer = track(new zmq.Dealer({routingId: "worker-1", reconnectInterval: 20, receiveTimeout: 3000}))
      dealer.connect(address)
      await dealer.send("one")
      expect(str(await r1.receive())).toEqual(["worker-1", "one"])
      r1.close()
      await sleep(50)
      const r2 = track(new zmq.Router({receiveTimeout: 3000, mandatory: true}))
      await r2.bind(address)
      await dealer.send("two")
      expect(str(await r2.receive())).toEqual(["worker-1", "two"])
      await r2.send(["worker-1", "reply"])
      expect(str(await dealer.receive())).toEqual(["reply"])
    })

    test("SUB → PUB: the PUB restarts and the SUB's subscriptions are sent again", async () => {
      const p1 = track(new zmq.Publisher())
      const address = await bindFixed(p1, t)
      const sub = track(new zmq.Subscriber({reconnectInterval: 20, receiveTimeout: 50}))
      sub.connect(address)
      sub.subscribe("news")
      const firstFrom = async (pub: zmq.Publisher, text: string) => {
        for (let i = 0; i < 100; i++) {
          await pub.send(["news", text])
          await pub.send(["other", text])
          try {
            return str(await sub.receive())
          } catch {
            // not subscribed yet (slow joiner)
          }
        }
        throw new Error("nothing arrived")
      }
      expect(await firstFrom(p1, "one")).toEqual(["news", "one"])
      p1.close()
      await sleep(50)
      const p2 = track(new zmq.Publisher())
      await p2.bind(address)
      let got = await firstFrom(p2, "two")
      // A message from the first publisher may still be queued: skip to the second's.
      while (got[1] === "one") got = str(await sub.receive())
      expect(got).toEqual(["news", "two"])
    })

    test("REQ → REP: the REP restarts; a relaxed REQ sends a new request to it", async () => {
      const rep1 = track(new zmq.Reply({receiveTimeout: 3000}))
      const address = await bindFixed(rep1, t)
      const req = track(new zmq.Request({relaxed: true, correlate: true, reconnectInterval: 20, receiveTimeout: 3000}))
      req.connect(address)
      await req.send("q1")
      expect(str(await rep1.receive())).toEqual(["q1"])
      rep1.close() // the reply never comes
      await sleep(50)
      const rep2 = track(new zmq.Reply({receiveTimeout: 3000}))
      await rep2.bind(address)
      await req.send("q2")
      expect(str(await rep2.receive())).toEqual(["q2"])
      await rep2.send("a2")
      expect(str(await req.receive())).toEqual(["a2"])
    })

    test("the connecting side's Observer sees disconnect, retries and a new handshake", async () => {
      const pull1 = track(new zmq.Pull())
      const address = await bindFixed(pull1, t)
      const push = track(new zmq.Push({reconnectInterval: 20}))
      const events = push.events
      push.connect(address)
      const seen: string[] = []
      const waitFor = async (type: string) => {
        for (;;) {
          const e = await events.receive()
          seen.push(e.type)
          if (e.type === type) return
        }
      }
      await waitFor("handshake")
      pull1.close()
      await waitFor("disconnect")
      await waitFor("connect:retry")
      const pull2 = track(new zmq.Pull({receiveTimeout: 3000}))
      await pull2.bind(address)
      await waitFor("handshake")
      await push.send("again")
      expect(str(await pull2.receive())).toEqual(["again"])
      expect(seen.indexOf("disconnect")).toBeGreaterThan(seen.indexOf("handshake"))
      events.close()
    })
  })
}

test("close() also ends connections still in their handshake, bound and connected", async () => {
  const {createServer, connect} = await import("node:net")
  // A raw peer that sends nothing: our side stays in the greeting.
  const server = createServer()
  const accepted = new Promise<import("node:net").Socket>(r => server.once("connection", r))
  await new Promise<void>(r => server.listen(0, "127.0.0.1", r))
  const push = track(new zmq.Push())
  push.connect(`tcp://127.0.0.1:${(server.address() as {port: number}).port}`)
  const toPush = (await accepted).resume()
  const pull = track(new zmq.Pull())
  await pull.bind("tcp://127.0.0.1:*")
  const toPull = connect(Number(pull.lastEndpoint!.split(":").pop()), "127.0.0.1")
  await new Promise(r => toPull.once("data", r)) // our greeting's first bytes: the engine is up
  const ended = (s: import("node:net").Socket) => new Promise(r => (s.destroyed ? r(null) : s.once("close", r)))
  push.close()
  pull.close()
  await Promise.all([ended(toPush), ended(toPull)])
  server.close()
})

test("inproc: a connect made before the bind completes when the name is bound", async () => {
  const name = endpointFor("inproc")
  const push = track(new zmq.Push())
  push.connect(name)
  await push.send("early")
  const pull = track(new zmq.Pull({receiveTimeout: 1000}))
  await pull.bind(name)
  expect(str(await pull.receive())).toEqual(["early"])
})

// ---- close() while an operation waits ---------------------------------------------------------

describe("close() during a pending operation", () => {
  const cases: Array<[string, () => zmq.Socket & {send?(m: unknown): Promise<void>; receive?(): Promise<Buffer[]>}, "send" | "receive"]> = [
    ["Push.send without peers", () => new zmq.Push(), "send"],
    ["Dealer.send without peers", () => new zmq.Dealer(), "send"],
    ["Pair.send without peers", () => new zmq.Pair(), "send"],
    ["Request.send without peers", () => new zmq.Request(), "send"],
    ["Pull.receive", () => new zmq.Pull(), "receive"],
    ["Dealer.receive", () => new zmq.Dealer(), "receive"],
    ["Router.receive", () => new zmq.Router(), "receive"],
    ["Subscriber.receive", () => new zmq.Subscriber(), "receive"],
    ["Reply.receive", () => new zmq.Reply(), "receive"],
    ["XPublisher.receive", () => new zmq.XPublisher(), "receive"],
  ]
  for (const [name, make, op] of cases) {
    test(`${name} rejects with EAGAIN, then the socket is closed (EBADF)`, async () => {
      const s = track(make()) as zmq.Socket & {send(m: unknown): Promise<void>; receive(): Promise<Buffer[]>}
      await s.bind(endpointFor("tcp"))
      const p = op === "send" ? s.send("x") : s.receive()
      let settled = false
      p.then(
        () => (settled = true),
        () => (settled = true),
      )
      await sleep(30)
      expect(settled).toBe(false)
      s.close()
      await expect(p).rejects.toMatchObject({code: "EAGAIN", message: "Operation was not possible or timed out"})
      expect(s.closed).toBe(true)
      expect(() => (op === "send" ? s.send("x") : s.receive())).toThrow(expect.objectContaining({code: "EBADF"}))
    })
  }

  test("a for await loop over a socket ends when another task closes it", async () => {
    const pull = track(new zmq.Pull())
    const address = await pull.bind(endpointFor("inproc")).then(() => pull.lastEndpoint!)
    const push = track(new zmq.Push())
    push.connect(address)
    await push.send("1")
    await push.send("2")
    setTimeout(() => pull.close(), 50)
    const got: string[] = []
    for await (const [m] of pull) got.push(m!.toString())
    expect(got).toEqual(["1", "2"])
  })
})

// ---- linger ------------------------------------------------------------------------------------

/**
 * A PUSH queues `count` large messages for a PULL that is not reading yet (so they stay in the
 * PUSH's pipe), closes, and only then the PULL reads. Returns how many it got.
 */
async function queuedThenClosed(t: "tcp" | "ipc" | "inproc", linger: number, readAfterMs: number, count = 50): Promise<number> {
  const pull = track(new zmq.Pull({receiveHighWaterMark: 10}))
  await pull.bind(endpointFor(t))
  const push = new zmq.Push({sendHighWaterMark: 1000, linger})
  push.connect(pull.lastEndpoint!)
  if (t !== "inproc") {
    const events = push.events
    while ((await events.receive()).type !== "handshake");
    events.close()
  }
  const big = Buffer.alloc(64 * 1024)
  for (let i = 0; i < count; i++) await push.send(big)
  push.close()
  await sleep(readAfterMs)
  pull.receiveTimeout = 500
  let n = 0
  for (;;) {
    try {
      await pull.receive()
      n++
    } catch {
      return n
    }
  }
}

describe("linger", () => {
  for (const t of ["tcp", "ipc"] as const) {
    test(`${t}: linger -1 (the default): messages queued before close are all delivered`, async () => {
      expect(await queuedThenClosed(t, -1, 300)).toBe(50)
    })
    test(`${t}: a positive linger that is long enough delivers them too`, async () => {
      expect(await queuedThenClosed(t, 5000, 300)).toBe(50)
    })
    test(`${t}: linger 0 drops what is still queued`, async () => {
      expect(await queuedThenClosed(t, 0, 300)).toBeLessThan(50)
    })
    test(`${t}: a linger that runs out before the peer reads drops the rest`, async () => {
      // More than the kernel's socket buffers hold (tcp autotunes them up to tens of MB).
      expect(await queuedThenClosed(t, 100, 600, 1000)).toBeLessThan(1000)
    }, 30000)
  }

  // libzmq's inproc pipe is one queue shared by both sockets, bounded by SNDHWM + RCVHWM: what
  // the closing socket wrote is there for the peer to read, whatever the linger (zeromq.js 6.8.0
  // delivers all 50 with linger -1, 300 and 0).
  for (const linger of [-1, 0]) {
    test(`inproc: messages queued before close are still read by the peer (linger ${linger})`, async () => {
      expect(await queuedThenClosed("inproc", linger, 50)).toBe(50)
    })
  }
})

// ---- keeping the process alive (child processes running the built package) ---------------------

const root = fileURLToPath(new URL("../..", import.meta.url))
let dist = ""
const scratch = mkdtempSync(join(tmpdir(), "zmtp-lifecycle-build-"))
afterAll(() => {
  rmSync(scratch, {recursive: true, force: true})
  rmSync(ipcDir, {recursive: true, force: true})
})

beforeAll(() => {
  // Built into a temporary folder, so that dist/ (which others may be using) is left alone.
  dist = join(scratch, "dist")
  execFileSync(process.execPath, ["scripts/build.mjs", dist], {cwd: root, stdio: "pipe"})
}, 120000)

interface Child {
  proc: ChildProcess
  stdout: string
  stderr: string
  exited: Promise<number | null>
  /** Resolves with the first stdout line containing `text`. */
  line(text: string): Promise<void>
}

function runChild(body: string): Child {
  const dir = mkdtempSync(join(scratch, "child-"))
  const file = join(dir, "child.mjs")
  writeFileSync(file, `import * as zmq from ${JSON.stringify(join(dist, "esm", "index.js"))}\n${body}\n`)
  const proc = spawn(process.execPath, [file], {stdio: ["ignore", "pipe", "pipe"]})
  const child: Child = {
    proc,
    stdout: "",
    stderr: "",
    exited: new Promise(r => proc.on("exit", code => r(code))),
    line: text =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (child.stdout.includes(text)) resolve()
        }
        proc.stdout!.on("data", check)
        proc.on("exit", () => (child.stdout.includes(text) ? resolve() : reject(new Error(`child exited without "${text}": ${child.stderr}`))))
        check()
      }),
  }
  proc.stdout!.on("data", d => (child.stdout += d))
  proc.stderr!.on("data", d => (child.stderr += d))
  return child
}

async function exitsWithin(child: Child, ms: number): Promise<boolean> {
  const timer = new Promise<"alive">(r => setTimeout(() => r("alive"), ms))
  const result = await Promise.race([child.exited.then(() => "exited" as const), timer])
  return result === "exited"
}

describe("the process stays alive while, and only while, something waits", () => {
  test("a pending receive keeps the process alive", async () => {
    const child = runChild(`
      const pull = new zmq.Pull()
      await pull.bind("tcp://127.0.0.1:*")
      console.log("ready")
      await pull.receive()
      console.log("received")
    `)
    await child.line("ready")
    expect(await exitsWithin(child, 750)).toBe(false)
    child.proc.kill()
    await child.exited
  })

  test("a pending send keeps the process alive", async () => {
    const child = runChild(`
      const push = new zmq.Push()
      await push.bind("tcp://127.0.0.1:*")
      console.log("ready")
      await push.send("nobody is there")
    `)
    await child.line("ready")
    expect(await exitsWithin(child, 750)).toBe(false)
    child.proc.kill()
    await child.exited
  })

  test("idle sockets, bound and connected but never closed, do not keep it alive", async () => {
    const child = runChild(`
      const pull = new zmq.Pull()
      await pull.bind("tcp://127.0.0.1:*")
      const push = new zmq.Push()
      push.connect(pull.lastEndpoint)
      const sub = new zmq.Subscriber()
      sub.connect("tcp://127.0.0.1:1")
      const dealer = new zmq.Dealer()
      dealer.connect("ipc:///tmp/zmtp-nothing-here-" + process.pid)
      await push.send("delivered")
      console.log(String(await pull.receive()))
    `)
    expect(await exitsWithin(child, 3000)).toBe(true)
    expect(await child.exited).toBe(0)
    expect(child.stdout).toContain("delivered")
  })

  test("closed sockets do not keep it alive", async () => {
    const child = runChild(`
      const rep = new zmq.Reply()
      await rep.bind("tcp://127.0.0.1:*")
      const req = new zmq.Request()
      req.connect(rep.lastEndpoint)
      await req.send("q")
      await rep.receive()
      await rep.send("a")
      await req.receive()
      rep.close()
      req.close()
      console.log("closed")
    `)
    expect(await exitsWithin(child, 3000)).toBe(true)
    expect(await child.exited).toBe(0)
  })

  test("a pending receive ended by close() lets the process exit (EAGAIN)", async () => {
    const child = runChild(`
      const pull = new zmq.Pull()
      await pull.bind("tcp://127.0.0.1:*")
      setTimeout(() => pull.close(), 200)
      try {
        await pull.receive()
      } catch (e) {
        console.log("rejected " + e.code)
      }
    `)
    expect(await exitsWithin(child, 3000)).toBe(true)
    expect(child.stdout).toContain("rejected EAGAIN")
  })

  test("a receive with receiveTimeout keeps it alive only until the timeout", async () => {
    const child = runChild(`
      const pull = new zmq.Pull({receiveTimeout: 300})
      await pull.bind("tcp://127.0.0.1:*")
      const t = Date.now()
      try {
        await pull.receive()
      } catch (e) {
        console.log("rejected " + e.code + " after " + (Date.now() - t))
      }
    `)
    expect(await exitsWithin(child, 3000)).toBe(true)
    expect(child.stdout).toMatch(/rejected EAGAIN after \d+/)
  })

  /**
   * A child whose PUSH queued 1000 × 64 KiB (more than the kernel's socket buffers hold) for this
   * process's PULL, which does not read yet, and then simply ended without close().
   */
  async function exitWithQueued(linger: number): Promise<{child: Child; pull: zmq.Pull}> {
    const pull = track(new zmq.Pull({receiveHighWaterMark: 5}))
    await pull.bind(endpointFor("tcp"))
    const child = runChild(`
      const push = new zmq.Push({sendHighWaterMark: 10000, linger: ${linger}})
      push.connect(${JSON.stringify(pull.lastEndpoint)})
      const events = push.events
      while ((await events.receive()).type !== "handshake");
      events.close()
      for (let i = 0; i < 1000; i++) await push.send(Buffer.alloc(64 * 1024, i % 256))
      console.log("sent")
    `)
    await child.line("sent")
    return {child, pull}
  }

  async function readAll(pull: zmq.Pull, n: number): Promise<number> {
    pull.receiveTimeout = 3000
    let got = 0
    try {
      while (got < n) {
        const [m] = await pull.receive()
        if (m![0] !== got % 256) throw new Error(`message ${got} out of order`)
        got++
      }
    } catch (e) {
      if ((e as {code?: string}).code !== "EAGAIN") throw e
    }
    return got
  }

  test("at exit, messages still queued for a live peer are delivered first (linger -1)", async () => {
    const {child, pull} = await exitWithQueued(-1)
    // This process has not read anything: the child must still be there, holding the messages.
    expect(await exitsWithin(child, 700)).toBe(false)
    expect(await readAll(pull, 1000)).toBe(1000)
    expect(await exitsWithin(child, 3000)).toBe(true)
  }, 30000)

  // zeromq.js prints this when terminating the context at exit takes over 500 ms (module.h).
  // zmtp waits, but because the engine's pending socket writes keep Node's event loop alive, so
  // 'beforeExit' (where socket.ts honours linger and warns) never comes.
  test.fails("at exit, waiting for queued messages prints zeromq.js's warning [bug: socket.ts lingerAtExit never runs while writes are pending]", async () => {
    const {child, pull} = await exitWithQueued(-1)
    await sleep(700)
    await readAll(pull, 1000)
    await child.exited
    expect(child.stderr).toContain("WARNING: Waiting for queued ZeroMQ messages to be delivered. Set 'context.blocky = false' to change this behaviour.")
  }, 30000)

  // zeromq.js: with linger 0 the child exits at once (the peer gets what the kernel had, 84 of
  // the 1000 in a run here); with linger 100 after about 100 ms. zmtp waits for all 1000.
  for (const linger of [0, 100]) {
    test.fails(`at exit, linger ${linger} does not wait for a peer that is not reading [bug: pending engine writes keep the process alive regardless of linger]`, async () => {
      const {child, pull} = await exitWithQueued(linger)
      try {
        expect(await exitsWithin(child, 1500)).toBe(true)
        expect(child.stderr).not.toContain("WARNING")
      } finally {
        await readAll(pull, 1000)
        await child.exited
      }
    }, 30000)
  }

  // zeromq.js 6.8.0 (run here): its poll on the monitor socket holds the process while events are
  // read, in emitter mode too, until the socket is closed.
  test("reading events keeps the process alive (for await and emitter mode) until the socket closes", async () => {
    const iterating = runChild(`
      const s = new zmq.Dealer()
      console.log("reading")
      for await (const e of s.events) {}
    `)
    const emitter = runChild(`
      const s = new zmq.Dealer()
      s.events.on("connect:retry", () => {})
      s.connect("tcp://127.0.0.1:1")
      console.log("reading")
    `)
    const closing = runChild(`
      const s = new zmq.Dealer()
      s.events.on("connect:retry", () => {})
      s.connect("tcp://127.0.0.1:1")
      setTimeout(() => s.close(), 200)
    `)
    await iterating.line("reading")
    await emitter.line("reading")
    expect(await exitsWithin(iterating, 750)).toBe(false)
    expect(await exitsWithin(emitter, 10)).toBe(false)
    iterating.proc.kill()
    emitter.proc.kill()
    expect(await exitsWithin(closing, 3000)).toBe(true)
    expect(await closing.exited).toBe(0)
  })
})
