/**
 * The v5 scenarios: each is one test body, declared once per library by v5Scenarios(zmq) and run
 * by two files, v5-compat.test.ts (zmtp/v5-compat, src/v5-compat.ts) and zeromq.test.ts
 * (zeromq.js's own `zeromq/v5-compat` over native libzmq), checking what a v5 program observes
 * (callbacks and their arguments, events, frames, option values, what throws) against the same
 * expectations. zeromq.js's compat suite itself runs through scripts/conformance.mjs.
 */
import {expect, test} from "vitest"
import type * as zmtp from "../../src/v5-compat.js"

export type V5 = typeof zmtp
type Sock = zmtp.Socket

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms))

/** bind(address, cb) as a promise of the error the callback got (undefined on success). */
const bindCb = (s: Sock, address: string) => new Promise<Error | undefined>(resolve => s.bind(address, err => resolve(err)))

/** The next "message" event's frames, as strings. */
const nextMessage = (s: Sock) => new Promise<string[]>(resolve => s.once("message", (...frames: Buffer[]) => resolve(frames.map(f => f.toString()))))

/** A socket with linger 0 (set through the v5 options argument), closed by the returned closer. */
function sockets(zmq: V5) {
  const open: Sock[] = []
  return {
    make(type: zmtp.SocketType, options: Record<string, unknown> = {}) {
      const s = zmq.socket(type, {linger: 0, ...options})
      open.push(s)
      return s
    },
    close() {
      for (const s of open) if (!s.closed) s.close()
    },
  }
}

const errorShape = (e: unknown) => (e instanceof Error ? {error: true, code: (e as {code?: string}).code, message: e.message} : {error: false, value: e})

/** Declares the scenarios for one library (each test file passes its own, so each runs in its own process). */
export function v5Scenarios(zmq: V5): void {
  test("push/pull with callbacks: bind cb and event, send cb, message event", async () => {
    const s = sockets(zmq)
    try {
      const pull = s.make("pull")
      const push = s.make("push")
      const seen: unknown[] = []
      pull.on("bind", (address: string) => seen.push(["bind event", address]))
      const err = await bindCb(pull, "tcp://127.0.0.1:*")
      seen.push(["bind cb", err])
      const endpoint = pull.last_endpoint as string
      expect(endpoint).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
      expect(pull.getsockopt(zmq.ZMQ_LAST_ENDPOINT)).toBe(endpoint)
      expect(push.connect(endpoint)).toBe(push)
      const got = nextMessage(pull)
      const sent = new Promise<unknown[]>(resolve => push.send("hello", 0, (...args) => resolve(args)))
      expect(await sent).toEqual([])
      expect(await got).toEqual(["hello"])
      expect(seen).toEqual([
        ["bind event", "tcp://127.0.0.1:*"],
        ["bind cb", undefined],
      ])
    } finally {
      s.close()
    }
  })

  test("req/rep with on('message'), multi-frame messages as several arguments", async () => {
    const s = sockets(zmq)
    try {
      const rep = s.make("rep")
      const req = s.make("req")
      rep.on("message", (...frames: Buffer[]) => rep.send(frames.map(f => f.toString().toUpperCase())))
      rep.bindSync("tcp://127.0.0.1:*")
      req.connect(rep.getsockopt(zmq.ZMQ_LAST_ENDPOINT))
      const replies: string[][] = []
      for (const text of ["one", "two"]) {
        const got = nextMessage(req)
        req.send([text, "x"])
        replies.push(await got)
      }
      expect(replies).toEqual([
        ["ONE", "X"],
        ["TWO", "X"],
      ])
    } finally {
      s.close()
    }
  })

  test("pub/sub: subscribe and unsubscribe filter by prefix", async () => {
    const s = sockets(zmq)
    try {
      const pub = s.make("pub")
      const sub = s.make("sub")
      pub.bindSync("tcp://127.0.0.1:*")
      expect(sub.subscribe("a")).toBe(sub)
      sub.connect(pub.getsockopt(zmq.ZMQ_LAST_ENDPOINT))
      const got: string[] = []
      sub.on("message", (m: Buffer) => got.push(m.toString()))
      // The subscription reaches the publisher some time after connecting: publish until it has.
      for (let i = 0; i < 200 && !got.length; i++) {
        pub.send("b-ignored")
        pub.send("a-first")
        await sleep(10)
      }
      expect(got.length).toBeGreaterThan(0)
      expect(got.every(m => m === "a-first")).toBe(true)
      sub.unsubscribe("a")
      sub.subscribe("c")
      got.length = 0
      for (let i = 0; i < 200 && !got.includes("c-later"); i++) {
        pub.send("a-dropped")
        pub.send("c-later")
        await sleep(10)
      }
      expect(got).toContain("c-later")
      // a-dropped messages sent after the unsubscribe reached the publisher are filtered out; any
      // before it are the only ones that can appear, and only ahead of the first c-later.
      expect(got.slice(got.indexOf("c-later")).every(m => m === "c-later")).toBe(true)
      expect(() => s.make("push").subscribe("x")).toThrow("Subscriber socket required")
    } finally {
      s.close()
    }
  })

  test("ZMQ_SNDMORE gathers frames until a send without it; other flags are ignored", async () => {
    const s = sockets(zmq)
    try {
      const pull = s.make("pull")
      const push = s.make("push")
      pull.bindSync("tcp://127.0.0.1:*")
      push.connect(pull.getsockopt(zmq.ZMQ_LAST_ENDPOINT))
      const got = nextMessage(pull)
      const calls: string[] = []
      push.send("a", zmq.ZMQ_SNDMORE, () => calls.push("cb of a")) // not called: only the last part's cb is
      push.send(["b", "c"], zmq.ZMQ_SNDMORE)
      push.send("d", 0, err => calls.push(`cb of d ${err}`))
      expect(await got).toEqual(["a", "b", "c", "d"])
      const got2 = nextMessage(pull)
      push.send(Buffer.from("e"), null)
      expect(await got2).toEqual(["e"])
      const got3 = nextMessage(pull)
      push.send("f", 1 /* ZMQ_DONTWAIT in libzmq; the v5 layer ignores it */)
      expect(await got3).toEqual(["f"])
      expect(calls).toEqual(["cb of d undefined"])
    } finally {
      s.close()
    }
  })

  test("bindSync, unbind with callback and event, bindSync again on the freed endpoint", async () => {
    const s = sockets(zmq)
    try {
      const a = s.make("dealer")
      expect(a.bindSync("tcp://127.0.0.1:*")).toBeUndefined()
      const endpoint = a.getsockopt(zmq.ZMQ_LAST_ENDPOINT) as string
      const events: unknown[] = []
      a.on("unbind", (address: string) => events.push(address === endpoint ? "unbind event" : address))
      const err = await new Promise<Error | undefined>(resolve => a.unbind(endpoint, e => resolve(e)))
      expect(err).toBeUndefined()
      expect(events).toEqual(["unbind event"])
      const b = s.make("dealer")
      b.bindSync(endpoint)
      expect(b.getsockopt(zmq.ZMQ_LAST_ENDPOINT)).toBe(endpoint)
      // A second bind to the same endpoint throws synchronously from bindSync.
      let thrown: unknown
      try {
        s.make("dealer").bindSync(endpoint)
      } catch (e) {
        thrown = e
      }
      expect(errorShape(thrown)).toMatchObject({error: true, code: "EADDRINUSE"})
    } finally {
      s.close()
    }
  })

  test("pause holds messages, resume delivers them in order", async () => {
    const s = sockets(zmq)
    try {
      const pull = s.make("pull")
      const push = s.make("push")
      pull.bindSync("tcp://127.0.0.1:*")
      push.connect(pull.getsockopt(zmq.ZMQ_LAST_ENDPOINT))
      const got: string[] = []
      pull.on("message", (m: Buffer) => got.push(m.toString()))
      pull.pause()
      for (const m of ["1", "2", "3"]) push.send(m)
      await sleep(150)
      expect(got).toEqual([])
      pull.resume()
      for (let i = 0; i < 100 && got.length < 3; i++) await sleep(10)
      expect(got).toEqual(["1", "2", "3"])
    } finally {
      s.close()
    }
  })

  test("errors: to the callback when there is one, as an 'error' event otherwise, thrown by synchronous calls", async () => {
    const s = sockets(zmq)
    try {
      // bind: the callback gets the error...
      const a = s.make("pull")
      expect(errorShape(await bindCb(a, "foo://bar"))).toMatchObject({error: true, code: "EPROTONOSUPPORT"})
      // ...or, without one, an "error" event.
      const b = s.make("pull")
      const evented = new Promise<unknown>(resolve => b.once("error", resolve))
      b.bind("foo://bar")
      expect(errorShape(await evented)).toMatchObject({error: true, code: "EPROTONOSUPPORT"})

      // send: a ROUTER with ZMQ_ROUTER_MANDATORY refuses an unknown peer, through the callback
      // (with no peer at all it is not writable, so without a send timeout the send would wait).
      const router = s.make("router")
      router.setsockopt(zmq.ZMQ_ROUTER_MANDATORY, 1)
      router.setsockopt(zmq.ZMQ_SNDTIMEO, 50)
      router.bindSync("tcp://127.0.0.1:*")
      const sendErr = await new Promise<Error | undefined>(resolve => router.send(["nobody", "hi"], 0, resolve))
      expect(errorShape(sendErr)).toMatchObject({error: true, code: "EHOSTUNREACH"})
      const sendEvent = new Promise<unknown>(resolve => router.once("error", resolve))
      router.send(["nobody", "hi"])
      expect(errorShape(await sendEvent)).toMatchObject({error: true, code: "EHOSTUNREACH"})

      // Synchronous calls throw.
      const thrown = (f: () => unknown) => {
        try {
          f()
        } catch (e) {
          return errorShape(e)
        }
        return {error: false}
      }
      expect(thrown(() => s.make("push").connect("nonsense"))).toMatchObject({error: true, code: "EINVAL"})
      expect(thrown(() => zmq.socket("bogus" as zmtp.SocketType))).toEqual({error: true, code: undefined, message: "Invalid socket type: bogus"})
      expect(thrown(() => new zmq.Context())).toMatchObject({error: true, message: "Context cannot be instantiated in compatibility mode"})
      expect(thrown(() => router.setsockopt(9999, 1))).toMatchObject({error: true, message: "Unknown option"})
      expect(thrown(() => router.getsockopt(zmq.ZMQ_RCVMORE))).toMatchObject({error: true, message: "ZMQ_RCVMORE is not supported in compatibility mode"})
      expect(thrown(() => router.read())).toMatchObject({error: true})
    } finally {
      s.close()
    }
  })

  test("options: ids, v5 names, property aliases and the creation options", () => {
    const s = sockets(zmq)
    try {
      const d = s.make("dealer", {identity: "abc", backlog: 42})
      expect(d.getsockopt(zmq.ZMQ_IDENTITY)).toBe("abc")
      expect(d.identity).toBe("abc")
      expect(d.getsockopt("backlog")).toBe(42)
      expect(d.linger).toBe(0)
      expect(d.setsockopt(zmq.ZMQ_SNDHWM, 7)).toBe(d)
      expect(d.getsockopt(zmq.ZMQ_SNDHWM)).toBe(7)
      d.reconnect_ivl = 250
      expect(d.getsockopt(zmq.ZMQ_RECONNECT_IVL)).toBe(250)
      expect(d.getsockopt(zmq.ZMQ_IPV4ONLY)).toBe(true)
      d.setsockopt(zmq.ZMQ_IPV6, 1)
      expect([d.getsockopt(zmq.ZMQ_IPV6), d.getsockopt(zmq.ZMQ_IPV4ONLY)]).toEqual([1, false])
      expect(d.getsockopt(zmq.ZMQ_TYPE)).toBe(zmq.ZMQ_DEALER)
      expect(d.getsockopt(zmq.ZMQ_MECHANISM)).toBe(0)
      expect(d.getsockopt(zmq.ZMQ_EVENTS)).toBe(0)
      expect(d.type).toBe("dealer")
      const r = s.make("xrep")
      expect(r.type).toBe("xrep")
      expect(r.getsockopt(zmq.ZMQ_TYPE)).toBe(zmq.ZMQ_ROUTER)
      // libzmq's ZMQ_ROUTER_MANDATORY can only be written: reading it fails with EINVAL.
      expect(r.setsockopt(zmq.ZMQ_ROUTER_MANDATORY, true)).toBe(r)
      expect(() => r.getsockopt(zmq.ZMQ_ROUTER_MANDATORY)).toThrow(expect.objectContaining({code: "EINVAL"}))
      // ZMQ_ROUTER_HANDOVER and ZMQ_TCP_ACCEPT_FILTER are write-only in the v5 layer itself.
      expect(() => r.getsockopt(zmq.ZMQ_ROUTER_HANDOVER)).toThrow("Unknown option")
      expect(zmq.options.linger).toBe(zmq.ZMQ_LINGER)
      expect(zmq.socket).toBe(zmq.createSocket)
      const kp = zmq.curveKeypair()
      expect([kp.public.length, kp.secret.length]).toEqual([40, 40])
    } finally {
      s.close()
    }
  })

  test("proxy forwards push -> pull/push -> pull and refuses other pairs", async () => {
    const s = sockets(zmq)
    try {
      const front = s.make("pull")
      const back = s.make("push")
      front.bindSync("tcp://127.0.0.1:*")
      back.bindSync("tcp://127.0.0.1:*")
      zmq.proxy(front, back)
      const producer = s.make("push")
      const consumer = s.make("pull")
      producer.connect(front.getsockopt(zmq.ZMQ_LAST_ENDPOINT))
      consumer.connect(back.getsockopt(zmq.ZMQ_LAST_ENDPOINT))
      const got = nextMessage(consumer)
      producer.send(["x", "y"])
      expect(await got).toEqual(["x", "y"])
      expect(() => zmq.proxy(s.make("req"), s.make("rep"))).toThrow("This socket type order is not supported in compatibility mode")
    } finally {
      s.close()
    }
  })

  // Last: after this scenario, zeromq.js 6.8.0 (native) stops connecting anything in the same
  // process (its I/O went deaf in every later scenario that was tried), zmtp does not.
  test("monitor: listen, accept and connect events; bind_error with an Error", async () => {
    const s = sockets(zmq)
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.message)
    process.on("warning", onWarning)
    try {
      const rep = s.make("rep")
      const req = s.make("req")
      const events: Array<[string, unknown]> = []
      for (const name of ["listen", "accept"]) rep.on(name, (_value: unknown, address: string) => events.push([`rep ${name}`, address]))
      req.on("connect", (_value: unknown, address: string) => events.push(["req connect", address]))
      expect(rep.monitor()).toBe(rep)
      req.monitor()
      await bindCb(rep, "tcp://127.0.0.1:*")
      const endpoint = rep.getsockopt(zmq.ZMQ_LAST_ENDPOINT) as string
      req.connect(endpoint)
      for (let i = 0; i < 200 && events.length < 3; i++) await sleep(10)
      expect(events.sort()).toEqual([
        ["rep accept", endpoint],
        ["rep listen", endpoint],
        ["req connect", endpoint],
      ])

      const twice = s.make("rep")
      twice.monitor(10, 1) // the arguments are ignored, with a warning
      const bindError = new Promise<unknown[]>(resolve => twice.on("bind_error", (...args: unknown[]) => resolve(args)))
      const cbErr = await bindCb(twice, endpoint)
      expect(errorShape(cbErr)).toMatchObject({error: true, code: "EADDRINUSE"})
      const [errno, address, error] = await bindError
      expect(typeof errno).toBe("number")
      expect(address).toBe(endpoint.replace("tcp://", "")) // the v6 event's address: no scheme for bind errors
      expect(error).toBeInstanceOf(Error)
      await sleep(0)
      expect(warnings.some(w => /monitor\(\)/.test(w))).toBe(true)
      // Stop monitoring before closing: zeromq.js's compat monitor loop keeps spinning on a socket
      // closed while monitored (its observer's receive rejects at once, forever), starving the
      // event loop of the rest of this process.
      for (const m of [rep, req, twice]) expect(m.unmonitor()).toBe(m)
    } finally {
      process.off("warning", onWarning)
      s.close()
    }
  })
}
