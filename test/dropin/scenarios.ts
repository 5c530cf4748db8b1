/**
 * Drop-in scenarios (issue 3: "a user swaps the import and their program behaves the same").
 * Each scenario is a small program written against the public zeromq.js v6 API only, taking the
 * module as its argument, and returning what that program can observe: the messages it received
 * in order, error codes and messages, option values, event sequences, socket state. dropin.test.ts
 * runs each one with `zeromq` (libzmq 4.3.5) and with zmtp and compares the normalised results.
 */
import net from "node:net"
import {once} from "node:events"
import {
  attempt,
  attemptNow,
  delivery,
  collapse,
  errInfo,
  freshName,
  hex,
  idText,
  ipcDirectory,
  pendingAfter,
  settle,
  sleep,
  str,
  TRANSPORTS,
  withEnv,
  type Loose,
  type Scenario,
  type Zmq,
} from "./harness.js"
import {lifecycleScenarios} from "./scenarios-lifecycle.js"
import {draftScenarios} from "./scenarios-draft.js"

export const scenarios: Record<string, Scenario> = {}

// ---- helpers written against the public API -------------------------------------------------

/** Whether `p` settles within `ms` (a bounded wait: a scenario never hangs). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>(r => (timer = setTimeout(() => r(false), ms)))
  const done = p.then(
    () => true,
    () => true,
  )
  const result = await Promise.race([done, timeout])
  clearTimeout(timer)
  return result
}

/** PUB → (X)SUB slow joiner: publish `${topic}sync` until one arrives, so later sends are seen. */
async function syncSubscriber(pub: Loose, sub: Loose, topic: string): Promise<boolean> {
  const saved = sub.receiveTimeout
  sub.receiveTimeout = 25
  try {
    for (let i = 0; i < 200; i++) {
      await pub.send(`${topic}sync`)
      try {
        const [m] = await sub.receive()
        if (m.toString() === `${topic}sync`) return true
      } catch (e) {
        if ((e as {code?: string}).code !== "EAGAIN") throw e
      }
    }
    return false
  } finally {
    sub.receiveTimeout = saved
  }
}

/** Receives until a message whose first frame is `end`, skipping sync messages. */
async function collectUntil(sub: Loose, end: string): Promise<string[][]> {
  const out: string[][] = []
  for (;;) {
    const msg = str(await sub.receive())
    if (msg[0]!.endsWith("sync")) continue
    out.push(msg)
    if (msg[0] === end) return out
  }
}

/** Binds to an address a closed socket just released (libzmq closes listeners asynchronously). */
async function bindRetrying(s: {bind(a: string): Promise<void>}, address: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await s.bind(address)
    } catch (e) {
      if ((e as {code?: string}).code !== "EADDRINUSE" || i > 50) throw e
      await sleep(20)
    }
  }
}

/**
 * Binds tcp on a port below Linux's ephemeral range (32768+): a peer that keeps redialling a
 * released ephemeral port can be handed that very port as its source and connect to itself,
 * which then holds it (EADDRINUSE on the rebind).
 */
async function bindLowPort(s: {bind(a: string): Promise<void>}): Promise<string> {
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

// ---- 1. every socket type pairing over tcp, ipc and inproc ----------------------------------

for (const t of TRANSPORTS) {
  scenarios[`${t}: PAIR ↔ PAIR`] = withEnv(async (zmq, env) => {
    const a = env.track(new zmq.Pair({receiveTimeout: 3000}))
    const b = env.track(new zmq.Pair({receiveTimeout: 3000}))
    b.connect(await env.bind(a, t))
    await b.send("ping")
    await b.send(["multi", "", "part"])
    const got = [str(await a.receive()), str(await a.receive())]
    await a.send(["pong", "2"])
    got.push(str(await b.receive()))
    return got
  })

  scenarios[`${t}: REQ ↔ REP, three round trips`] = withEnv(async (zmq, env) => {
    const rep = env.track(new zmq.Reply({receiveTimeout: 3000}))
    const req = env.track(new zmq.Request({receiveTimeout: 3000}))
    req.connect(await env.bind(rep, t))
    const log: unknown[] = []
    for (let i = 0; i < 3; i++) {
      await req.send([`ping ${i}`, "x"])
      const msg = await rep.receive()
      log.push(str(msg))
      await rep.send(["pong", ...msg])
      log.push(str(await req.receive()))
    }
    return log
  })

  scenarios[`${t}: REQ → ROUTER`] = withEnv(async (zmq, env) => {
    const router = env.track(new zmq.Router({receiveTimeout: 3000}))
    const req = env.track(new zmq.Request({receiveTimeout: 3000, routingId: "req-1"}))
    req.connect(await env.bind(router, t))
    await req.send(["a", "b"])
    const [id, ...rest] = await router.receive()
    await router.send([id!, "", "ok"])
    return {id: idText(id), rest: str(rest), reply: str(await req.receive())}
  })

  scenarios[`${t}: DEALER → REP`] = withEnv(async (zmq, env) => {
    const rep = env.track(new zmq.Reply({receiveTimeout: 3000}))
    const dealer = env.track(new zmq.Dealer({receiveTimeout: 3000}))
    dealer.connect(await env.bind(rep, t))
    await dealer.send(["", "question", "2"])
    const q = str(await rep.receive())
    await rep.send("answer")
    // (Not compared: a request without the empty delimiter, which REP drops. In zeromq.js a REP
    // that drops one sometimes misses the wake-up for the next request, 2 runs in 48 under load.)
    await dealer.send(["", "second"])
    const q2 = str(await rep.receive())
    await rep.send("answer2")
    return {q, reply: str(await dealer.receive()), q2, reply2: str(await dealer.receive())}
  })

  scenarios[`${t}: DEALER ↔ ROUTER with and without routing ids`] = withEnv(async (zmq, env) => {
    const router = env.track(new zmq.Router({receiveTimeout: 3000}))
    const address = await env.bind(router, t)
    const named = env.track(new zmq.Dealer({routingId: "d1", receiveTimeout: 3000}))
    const anon = env.track(new zmq.Dealer({receiveTimeout: 3000}))
    named.connect(address)
    anon.connect(address)
    await named.send(["from", "named"])
    await anon.send(["from", "anon"])
    const msgs = [await router.receive(), await router.receive()]
    msgs.sort((x, y) => x[2]!.compare(y[2]!))
    for (const m of msgs) await router.send([m[0]!, "reply", m[2]!])
    // An unknown id is dropped silently without mandatory.
    await router.send(["nobody", "lost"])
    return {
      received: msgs.map(m => [idText(m[0]), ...str(m.slice(1))]),
      named: str(await named.receive()),
      anon: str(await anon.receive()),
      routerWritable: router.writable,
    }
  })

  scenarios[`${t}: DEALER ↔ DEALER`] = withEnv(async (zmq, env) => {
    const a = env.track(new zmq.Dealer({receiveTimeout: 3000}))
    const b = env.track(new zmq.Dealer({receiveTimeout: 3000}))
    b.connect(await env.bind(a, t))
    await b.send(["1", "2"])
    await b.send("3")
    const got = [str(await a.receive()), str(await a.receive())]
    await a.send("back")
    got.push(str(await b.receive()))
    return got
  })

  scenarios[`${t}: ROUTER ↔ ROUTER with connect({routingId})`] = withEnv(async (zmq, env) => {
    const a = env.track(new zmq.Router({routingId: "A", receiveTimeout: 3000}))
    const b = env.track(new zmq.Router({routingId: "B", receiveTimeout: 3000}))
    const address = await env.bind(a, t)
    b.connect(address, {routingId: "A"})
    // The connect()ed pipe is routable at once under the chosen id: this is queued, not dropped.
    await b.send(["A", "hello"])
    const first = await a.receive()
    await a.send([first[0]!, "back"])
    return {atA: str(first), atB: str(await b.receive())}
  })

  scenarios[`${t}: PUSH → PULL, multipart in order`] = withEnv(async (zmq, env) => {
    const pull = env.track(new zmq.Pull({receiveTimeout: 3000}))
    const push = env.track(new zmq.Push())
    push.connect(await env.bind(pull, t))
    for (let i = 0; i < 5; i++) await push.send([`m${i}`, "", String(i * i)])
    const got = []
    for (let i = 0; i < 5; i++) got.push(str(await pull.receive()))
    return got
  })

  scenarios[`${t}: PUSH (bound) → two PULLs, round robin`] = withEnv(async (zmq, env) => {
    const push = env.track(new zmq.Push())
    const address = await env.bind(push, t)
    const p1 = env.track(new zmq.Pull({receiveTimeout: 3000}))
    const p2 = env.track(new zmq.Pull({receiveTimeout: 3000}))
    p1.connect(address)
    // Wait for the first peer before the second connects, so each is known to be there.
    await push.send("probe")
    const probe = str(await p1.receive())
    // The observer must exist before the connect: libzmq's I/O thread may finish the handshake
    // before a monitor attached later could see it.
    const events = env.observe(push)
    p2.connect(address)
    if (t !== "inproc") {
      await eventsUntil(events, type => type === "handshake")
    } else {
      await sleep(20)
    }
    for (let i = 0; i < 4; i++) await push.send(`m${i}`)
    const a = [str(await p1.receive()), str(await p1.receive())]
    const b = [str(await p2.receive()), str(await p2.receive())]
    return {probe, counts: [a.length, b.length], all: [...a, ...b].flat().sort()}
  })

  scenarios[`${t}: PUB → SUB, subscribe and unsubscribe`] = withEnv(async (zmq, env) => {
    const pub = env.track(new zmq.Publisher())
    const sub = env.track(new zmq.Subscriber({receiveTimeout: 3000}))
    sub.connect(await env.bind(pub, t))
    sub.subscribe("a", "b", "s")
    const synced = await syncSubscriber(pub, sub, "s")
    for (const m of ["a1", "b1", "c1", "ab", "a2"]) await pub.send([m, "body"])
    await pub.send("s-end")
    const first = await collectUntil(sub, "s-end")
    sub.unsubscribe("b")
    sub.subscribe("t")
    const synced2 = await syncSubscriber(pub, sub, "t")
    for (const m of ["a3", "b2", "c2"]) await pub.send(m)
    await pub.send("t-end")
    const second = await collectUntil(sub, "t-end")
    return {synced, synced2, first, second}
  })

  scenarios[`${t}: PUB → SUB, subscribe to everything`] = withEnv(async (zmq, env) => {
    const pub = env.track(new zmq.Publisher())
    const sub = env.track(new zmq.Subscriber({receiveTimeout: 3000}))
    sub.connect(await env.bind(pub, t))
    sub.subscribe()
    const synced = await syncSubscriber(pub, sub, "")
    for (const m of ["x", "", "yz"]) await pub.send([m, "1"])
    await pub.send("end")
    return {synced, got: await collectUntil(sub, "end")}
  })

  scenarios[`${t}: PUB → XSUB with subscription messages`] = withEnv(async (zmq, env) => {
    const pub = env.track(new zmq.Publisher())
    const xsub = env.track(new zmq.XSubscriber({receiveTimeout: 3000}))
    xsub.connect(await env.bind(pub, t))
    await xsub.send(Buffer.from("\x01k"))
    const synced = await syncSubscriber(pub, xsub, "k")
    for (const m of ["k1", "j1", "k2"]) await pub.send(m)
    await pub.send("k-end")
    return {synced, got: await collectUntil(xsub, "k-end")}
  })

  scenarios[`${t}: XPUB ← SUB, subscription messages and unsubscription on close`] = withEnv(async (zmq, env) => {
    const xpub = env.track(new zmq.XPublisher({receiveTimeout: 3000}))
    const sub = env.track(new zmq.Subscriber({receiveTimeout: 3000}))
    sub.connect(await env.bind(xpub, t))
    sub.subscribe("a")
    const subMsg = hex(await xpub.receive())
    await xpub.send(["a1", "x"])
    await xpub.send("b1")
    await xpub.send("a2")
    const got = [str(await sub.receive()), str(await sub.receive())]
    sub.subscribe("b")
    const subMsg2 = hex(await xpub.receive())
    sub.unsubscribe("a")
    const unsubMsg = hex(await xpub.receive())
    sub.close()
    // The XPUB reports the topics the departed subscriber leaves orphaned.
    const orphaned = hex(await xpub.receive())
    return {subMsg, got, subMsg2, unsubMsg, orphaned}
  })

  scenarios[`${t}: XPUB ↔ XSUB, verbose subscriptions`] = withEnv(async (zmq, env) => {
    const xpub = env.track(new zmq.XPublisher({receiveTimeout: 3000}))
    xpub.verbosity = "allSubs"
    const address = await env.bind(xpub, t)
    const x1 = env.track(new zmq.XSubscriber({receiveTimeout: 3000}))
    const x2 = env.track(new zmq.XSubscriber({receiveTimeout: 3000}))
    x1.connect(address)
    await x1.send(Buffer.from("\x01topic"))
    const s1 = hex(await xpub.receive())
    x2.connect(address)
    await x2.send(Buffer.from("\x01topic"))
    // allSubs: the duplicate subscription is passed up too.
    const s2 = hex(await xpub.receive())
    await xpub.send(["topic", "data"])
    const r1 = str(await x1.receive())
    const r2 = str(await x2.receive())
    // Upstream data from an XSUB reaches the XPUB application.
    await x1.send(["upstream", "data"])
    const up = str(await xpub.receive())
    await x1.send(Buffer.from("\x00topic"))
    await x2.send(Buffer.from("\x00topic"))
    // Not verboser: only the last unsubscription is passed up.
    const un = hex(await xpub.receive())
    return {s1, s2, r1, r2, up, un}
  })
}

// ---- STREAM with raw net peers (tcp only) -------------------------------------------------

scenarios["tcp: STREAM (bound) with a raw net client"] = withEnv(async (zmq, env) => {
  const stream = env.track(new zmq.Stream({receiveTimeout: 3000}))
  await stream.bind("tcp://127.0.0.1:*")
  const port = Number(new URL(stream.lastEndpoint!).port)
  const client = net.connect(port, "127.0.0.1")
  env.onCleanup(() => client.destroy())
  let data = ""
  client.on("data", d => (data += d.toString()))
  const ended = once(client, "end")
  await once(client, "connect")
  const [id, notify] = await stream.receive()
  client.write("hello")
  const [id2, body] = await stream.receive()
  await stream.send([id!, "world"])
  for (let i = 0; i < 400 && data.length < 5; i++) await sleep(5)
  // An empty frame closes the connection. libzmq completes the close when the socket is next
  // used (commands are processed in the application thread): the send after it does that.
  await stream.send([id!, ""])
  // (While libzmq is still terminating the pipe, a send to it may also be EAGAIN: go on.)
  let afterClose: Record<string, unknown> = {}
  for (let i = 0; i < 100; i++) {
    afterClose = await attempt(() => stream.send([id!, "after"]))
    if ((afterClose.error as {code?: string} | undefined)?.code === "EHOSTUNREACH") break
    await sleep(10)
  }
  const clientEnded = await within(ended, 3000)
  // A client that goes away shows up as [id, ""].
  const c2 = net.connect(port, "127.0.0.1")
  env.onCleanup(() => c2.destroy())
  await once(c2, "connect")
  const [id3, n3] = await stream.receive()
  c2.end()
  const [id4, n4] = await stream.receive()
  return {
    id: idText(id),
    notify: str([notify!]),
    sameId: id!.equals(id2!),
    body: body!.toString(),
    clientGot: data,
    afterClose,
    clientEnded,
    second: {newId: !id3!.equals(id!), n3: n3!.length, sameId: id3!.equals(id4!), n4: n4!.length},
  }
})

scenarios["tcp: STREAM (connecting) to a raw net server"] = withEnv(async (zmq, env) => {
  let peer: net.Socket | null = null
  let got = ""
  const server = net.createServer(s => {
    peer = s
    s.on("data", d => (got += d.toString()))
  })
  env.onCleanup(() => {
    peer?.destroy()
    server.close()
  })
  await new Promise<void>(r => server.listen(0, "127.0.0.1", r))
  const port = (server.address() as net.AddressInfo).port
  const stream = env.track(new zmq.Stream({receiveTimeout: 3000}))
  stream.connect(`tcp://127.0.0.1:${port}`, {routingId: "srv"})
  const [id, notify] = await stream.receive()
  // Only [id, data]: libzmq takes a third frame as the next message's routing id, which leaves
  // the socket's framing off by one for every later send (zmtp concatenates the data frames).
  await stream.send(["srv", "hi "])
  await stream.send(["srv", "there"])
  for (let i = 0; i < 200 && !got.endsWith("there"); i++) await sleep(5)
  ;(peer as unknown as net.Socket).write("yo")
  const [id2, body] = await stream.receive()
  return {id: idText(id), notify: notify!.length, got, id2: idText(id2), body: body!.toString()}
})

scenarios["tcp: STREAM (connecting): closing the peer with an empty frame does not redial"] = withEnv(async (zmq, env) => {
  let connections = 0
  let ended = 0
  const peers: net.Socket[] = []
  const server = net.createServer(s => {
    connections++
    peers.push(s)
    s.on("end", () => ended++)
    s.on("error", () => {})
  })
  env.onCleanup(() => {
    for (const p of peers) p.destroy()
    server.close()
  })
  await new Promise<void>(r => server.listen(0, "127.0.0.1", r))
  const port = (server.address() as net.AddressInfo).port
  const stream = env.track(new zmq.Stream({receiveTimeout: 300, reconnectInterval: 20}))
  stream.connect(`tcp://127.0.0.1:${port}`, {routingId: "srv"})
  const first = str(await stream.receive())
  await stream.send(["srv", ""])
  for (let i = 0; i < 100; i++) {
    const r = await attempt(() => stream.send(["srv", "x"]))
    if ((r.error as {code?: string} | undefined)?.code === "EHOSTUNREACH") break
    await sleep(10)
  }
  await sleep(300)
  // libzmq's raw session ends with its pipe: no reconnect, no second [id, ""] notice.
  return {first, connections, ended, next: await attempt(() => stream.receive())}
})

// ---- inproc specifics ----------------------------------------------------------------------

scenarios["inproc: connect before bind"] = withEnv(async (zmq, env) => {
  const name = `inproc://${freshName("name")}`
  const push = env.track(new zmq.Push())
  push.connect(name)
  await push.send("early")
  const pull = env.track(new zmq.Pull({receiveTimeout: 3000}))
  await pull.bind(name)
  await push.send("late")
  return [str(await pull.receive()), str(await pull.receive())]
})

// ---- async iteration -----------------------------------------------------------------------

for (const t of TRANSPORTS) {
  scenarios[`${t}: for await ends when the socket is closed`] = withEnv(async (zmq, env) => {
    const pull = env.track(new zmq.Pull())
    const push = env.track(new zmq.Push())
    push.connect(await env.bind(pull, t))
    for (let i = 0; i < 3; i++) await push.send(["n", String(i)])
    const got: string[][] = []
    setTimeout(() => pull.close(), 100)
    let error: unknown = null
    try {
      for await (const msg of pull) got.push(str(msg))
    } catch (e) {
      error = errInfo(e)
    }
    return {got, error, closed: pull.closed}
  })
}

scenarios["for await: break, then closed from inside the loop"] = withEnv(async (zmq, env) => {
  const pull = env.track(new zmq.Pull())
  const push = env.track(new zmq.Push())
  push.connect(await env.bind(pull, "inproc"))
  for (let i = 0; i < 4; i++) await push.send(String(i))
  const got: string[] = []
  for await (const [m] of pull) {
    got.push(m!.toString())
    if (got.length === 2) break
  }
  for await (const [m] of pull) {
    got.push(m!.toString())
    if (got.length === 4) pull.close()
  }
  return got
})

scenarios["for await: an error other than EAGAIN propagates (Reply out of turn)"] = withEnv(async (zmq, env) => {
  // With receiveTimeout, the wait ends with one more receive: libzmq's EFSM (REP owes a reply).
  const rep = env.track(new zmq.Reply({receiveTimeout: 50}))
  const req = env.track(new zmq.Request())
  req.connect(await env.bind(rep, "inproc"))
  await req.send("q")
  const got: string[] = []
  try {
    for await (const [m] of rep) {
      got.push(m!.toString())
      if (got.length > 2) break
    }
  } catch (e) {
    return {got, error: errInfo(e)}
  }
  return {got, error: null}
})

scenarios["for await over the Observer ends with the socket"] = withEnv(async (zmq, env) => {
  const sock = env.track(new zmq.Dealer())
  const types: string[] = []
  const events = env.observe(sock)
  setTimeout(() => sock.close(), 50)
  for await (const event of events) types.push(event.type)
  return types
})

// ---- options: defaults, validation, read-only, unknown ---------------------------------------

export const CLASSES = ["Pair", "Publisher", "Subscriber", "Request", "Reply", "Dealer", "Router", "Pull", "Push", "XPublisher", "XSubscriber", "Stream"] as const

/**
 * zmtp's own properties, documented in README "zmtp extensions": left out of the comparison, which
 * is about what zeromq.js has. `routingId` is libzmq's ZMQ_ROUTING_ID, which zeromq.js offers on
 * REQ/REP/DEALER/ROUTER only; zmtp also offers it on SUB/XSUB for durable subscribers.
 */
export const ZMTP_ONLY_PROPERTIES = ["dropOldest", "spillDirectory", "spillBudget", "spillRecover", "durableGrace"]
// (A literal: this file also runs, copied, against zeromq.js; dropin.test.ts checks it matches
// src/sockets/extensions.ts EXTENSION_PROPERTIES.)
const ZMTP_ONLY = new Set<string>(ZMTP_ONLY_PROPERTIES)
const ZMTP_ONLY_ON: Record<string, readonly string[]> = {routingId: ["Subscriber", "XSubscriber"]}

/** Accessor properties up the prototype chain (what `socket.x` can reach), minus objects. */
function accessors(obj: object): Map<string, {get: boolean; set: boolean}> {
  const out = new Map<string, {get: boolean; set: boolean}>()
  for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(p))) {
      if (out.has(name) || !(d.get || d.set)) continue
      // CURVE is not implemented in zmtp (capability.curve false, a documented difference).
      if (name.startsWith("curve")) continue
      if (ZMTP_ONLY.has(name) || ZMTP_ONLY_ON[name]?.includes(obj.constructor.name)) continue
      out.set(name, {get: !!d.get, set: !!d.set})
    }
  }
  return out
}

function construct(zmq: Zmq, cls: (typeof CLASSES)[number], options?: unknown): Loose {
  return new (zmq as Loose)[cls](options)
}

function readAll(sock: Loose): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, d] of [...accessors(sock)].sort(([a], [b]) => a.localeCompare(b))) {
    if (name === "events" || name === "context") continue
    if (!d.get) {
      out[name] = `set-only (${String(sock[name])})`
      continue
    }
    try {
      out[name] = sock[name]
    } catch (e) {
      out[name] = errInfo(e)
    }
  }
  return out
}

for (const cls of CLASSES) {
  scenarios[`options: ${cls} defaults of every property`] = withEnv(async (zmq, env) => {
    const sock = env.track(construct(zmq, cls))
    return {values: readAll(sock), contextIsGlobal: sock.context === zmq.context, eventsSame: sock.events === sock.events}
  })

  scenarios[`options: ${cls} setting odd values on every writable property`] = withEnv(async zmq => {
    const probe = construct(zmq, cls)
    const names = [...accessors(probe)].filter(([, d]) => d.set).map(([n]) => n).sort()
    probe.close()
    const values: unknown[] = [-2, -1, 0, 1, 1.5, 2 ** 31, "x", "", true, false, null, Buffer.from("b"), undefined, {}]
    const out: Record<string, unknown[]> = {}
    // One socket per option, the values set one after the other (libzmq reaps closed sockets
    // asynchronously: a socket per value would run into the context's maxSockets).
    for (const name of names) {
      const row: unknown[] = []
      const sock = construct(zmq, cls)
      for (const v of values) {
        try {
          sock[name] = v
          let back: unknown
          try {
            back = sock[name]
          } catch (e) {
            back = errInfo(e)
          }
          row.push({ok: back})
        } catch (e) {
          row.push(errInfo(e))
        }
      }
      sock.close()
      out[name] = row
    }
    return out
  })
}

scenarios["options: constructor validation"] = withEnv(async zmq => {
  const Z = zmq as Loose
  const cases: Record<string, () => unknown> = {
    unknown: () => new Z.Dealer({doesNotExist: 1}),
    readOnly: () => new Z.Dealer({securityMechanism: "plain"}),
    readOnlyType: () => new Z.Router({type: 3}),
    wrongType: () => new Z.Dealer({sendHighWaterMark: "x"}),
    wrongBool: () => new Z.Dealer({immediate: 1}),
    wrongString: () => new Z.Dealer({routingId: 5}),
    outOfRange: () => new Z.Dealer({sendHighWaterMark: -5}),
    notAnObject: () => new Z.Dealer(5),
    nullOptions: () => new Z.Dealer(null),
    optionOfOtherClass: () => new Z.Pull({sendHighWaterMark: 5}),
    badContext: () => new Z.Dealer({context: {}}),
    socketNoType: () => new Z.Socket(),
    socketBadType: () => new Z.Socket(99),
    socketStringType: () => new Z.Socket("x"),
    contextBadOption: () => new Z.Context({nope: 1}),
    contextBadValue: () => new Z.Context({ioThreads: "x"}),
  }
  const out: Record<string, unknown> = {}
  for (const [name, fn] of Object.entries(cases)) {
    try {
      const s = fn() as {close?: () => void}
      out[name] = "constructed"
      s?.close?.()
    } catch (e) {
      out[name] = errInfo(e)
    }
  }
  // Valid constructor options are applied.
  const d = new Z.Dealer({sendHighWaterMark: 5, routingId: "abc", linger: 7, immediate: true})
  out.applied = [d.sendHighWaterMark, d.routingId, d.linger, d.immediate]
  d.close()
  const sub = new Z.Subscriber({receiveHighWaterMark: 3})
  out.subscriberApplied = [sub.receiveHighWaterMark, sub.linger]
  sub.close()
  return out
})

scenarios["options: read-only properties and properties after close"] = withEnv(async zmq => {
  const Z = zmq as Loose
  const s = new Z.Router()
  const out: Record<string, unknown> = {}
  for (const name of ["type", "lastEndpoint", "securityMechanism", "threadSafe", "closed", "readable", "writable", "events", "context"]) {
    out[`set ${name}`] = await attempt(() => {
      s[name] = 1
    })
  }
  out.mandatoryRead = await attempt(() => s.mandatory)
  out.tcpAcceptFilterRead = await attempt(() => s.tcpAcceptFilter)
  s.close()
  out.closeTwice = await attempt(() => s.close())
  for (const name of ["linger", "sendHighWaterMark", "routingId", "closed", "readable", "writable", "type"]) {
    out[`after close get ${name}`] = await attempt(() => s[name])
  }
  out["after close set linger"] = await attempt(() => {
    s.linger = 5
  })
  out["after close subscribe"] = await attempt(() => {
    const sub = new Z.Subscriber()
    sub.close()
    sub.subscribe("x")
  })
  return out
})

scenarios["context: options and defaults"] = withEnv(async zmq => {
  const Z = zmq as Loose
  const c = new Z.Context({ioThreads: 2})
  const out: Record<string, unknown> = {}
  for (const name of ["ioThreads", "maxSockets", "maxSocketsLimit", "maxMessageSize", "ipv6", "blocky", "threadPriority", "threadSchedulingPolicy"]) {
    out[name] = await attempt(() => c[name])
  }
  out.setMaxSockets0 = await attempt(() => (c.maxSockets = 0))
  out.setIoThreadsNeg = await attempt(() => (c.ioThreads = -1))
  out.setPriority = await attempt(() => (c.threadPriority = 1))
  out.setBlocky = await attempt(() => (c.blocky = "no"))
  const nb = new Z.Context({blocky: false})
  const d = new Z.Dealer({context: nb})
  const sub = new Z.Subscriber({context: nb})
  out.nonBlockyLinger = [d.linger, sub.linger, d.context === nb]
  d.close()
  sub.close()
  const small = new Z.Context({maxSockets: 2})
  const made = [new Z.Pair({context: small}), new Z.Pair({context: small})]
  out.tooMany = await attempt(() => new Z.Pair({context: small}))
  for (const s of made) s.close()
  // libzmq releases a closed socket's slot asynchronously (its reaper thread).
  await sleep(100)
  out.afterFree = await attempt(() => new Z.Pair({context: small}).close())
  return out
})

scenarios["module: exports, version, capability shape"] = withEnv(async zmq => {
  const Z = zmq as Loose
  return {
    exports: Object.keys(zmq).sort(),
    version: zmq.version,
    capabilityKeys: Object.keys(zmq.capability).sort(),
    ipc: zmq.capability.ipc,
    keyPair: (() => {
      const k = zmq.curveKeyPair()
      return [typeof k.publicKey, k.publicKey.length, typeof k.secretKey, k.secretKey.length]
    })(),
    classTypes: CLASSES.map(c => {
      const s = new Z[c]()
      const r = [c, s.type, s instanceof zmq.Socket, typeof s.send, typeof s.receive]
      s.close()
      return r
    }),
  }
})

// ---- errors ----------------------------------------------------------------------------------

scenarios["errors: which calls throw synchronously and which reject"] = withEnv(async (zmq, env) => {
  const Z = zmq as Loose
  const out: Record<string, string> = {}
  const pushNoPeer = env.track(new Z.Push())
  await pushNoPeer.bind(`inproc://${freshName("name")}`)
  const pendingSend = pushNoPeer.send("a")
  out["send while a send is pending (EBUSY)"] = await delivery(() => pushNoPeer.send("b"))
  const pull = env.track(new Z.Pull())
  const pendingRecv = pull.receive()
  out["receive while a receive is pending (EBUSY)"] = await delivery(() => pull.receive())
  pushNoPeer.close()
  pull.close()
  await settle(pendingSend)
  await settle(pendingRecv)

  const binding = env.track(new Z.Dealer())
  const bindP = binding.bind("tcp://127.0.0.1:*")
  const during: Record<string, Promise<string>> = {
    bind: delivery(() => binding.bind("tcp://127.0.0.1:*")),
    unbind: delivery(() => binding.unbind("tcp://127.0.0.1:1")),
    connect: delivery(() => binding.connect("tcp://127.0.0.1:1")),
    disconnect: delivery(() => binding.disconnect("tcp://127.0.0.1:1")),
    send: delivery(() => binding.send("x")),
    receive: delivery(() => binding.receive()),
  }
  for (const [k, p] of Object.entries(during)) out[`${k} during a bind (EBUSY)`] = await p
  await bindP

  const closed: Loose = new Z.Dealer()
  closed.close()
  for (const [k, fn] of Object.entries<() => unknown>({
    send: () => closed.send("x"),
    receive: () => closed.receive(),
    bind: () => closed.bind("tcp://127.0.0.1:*"),
    unbind: () => closed.unbind("tcp://127.0.0.1:1"),
    connect: () => closed.connect("tcp://127.0.0.1:1"),
    disconnect: () => closed.disconnect("tcp://127.0.0.1:1"),
    bindSync: () => closed.bindSync("tcp://127.0.0.1:*"),
    "set option": () => (closed.linger = 1),
  })) {
    out[`${k} after close`] = await delivery(fn)
  }

  const s = env.track(new Z.Dealer({sendTimeout: 0}))
  for (const [k, fn] of Object.entries<() => unknown>({
    "bind(5)": () => s.bind(5),
    "unbind(5)": () => s.unbind(5),
    "connect(5)": () => s.connect(5),
    "disconnect(5)": () => s.disconnect(5),
    "bind(bad address)": () => s.bind("foo"),
    "connect(bad address)": () => s.connect("foo"),
    "unbind(unknown)": () => s.unbind("inproc://nope"),
    "disconnect(unknown)": () => s.disconnect("inproc://nope"),
    "send()": () => s.send(),
    "send, sendTimeout 0, no peer (EAGAIN)": () => s.send("x"),
  })) {
    out[k] = await delivery(fn)
  }
  const a = env.track(new Z.Pull())
  const taken = await env.bind(a, "tcp")
  out["bind(address in use)"] = await delivery(() => env.track(new Z.Pull()).bind(taken))
  const rep = env.track(new Z.Reply({sendTimeout: 0}))
  out["Reply.send before receive (EFSM)"] = await delivery(() => rep.send("x"))

  const watched = env.track(new Z.Pull())
  const ev = env.observe(watched)
  const evPending = ev.receive()
  out["Observer.receive while one is pending (EBUSY)"] = await delivery(() => ev.receive())
  watched.close()
  await settle(evPending)
  out["Observer.receive after it ended (EBADF)"] = await delivery(() => ev.receive())
  out["new Observer(non-socket)"] = await delivery(() => new Z.Observer({}))

  const r = env.track(new Z.Router())
  const d = env.track(new Z.Dealer())
  out["Proxy.run with unbound sockets (EINVAL)"] = await delivery(() => new Z.Proxy(r, d).run())
  out["Proxy.terminate before run (EBADF)"] = await delivery(() => new Z.Proxy(r, d).terminate())
  return out
})

scenarios["errors: EBUSY for a second pending send and a second pending receive"] = withEnv(async (zmq, env) => {
  const push = env.track(new zmq.Push())
  await env.bind(push, "tcp")
  const first = push.send("a")
  const second = await attempt(() => push.send("b"))
  const pull = env.track(new zmq.Pull())
  await env.bind(pull, "tcp")
  const r1 = pull.receive()
  const r2 = await attempt(() => pull.receive())
  const stillPending = [await pendingAfter(first, 30), await pendingAfter(r1, 0)]
  push.close()
  pull.close()
  return {second, r2, stillPending, first: await settle(first), r1: await settle(r1)}
})

scenarios["errors: EBUSY while a bind is pending"] = withEnv(async (zmq, env) => {
  const s = env.track(new zmq.Dealer()) as Loose
  const p = s.bind("tcp://127.0.0.1:*")
  // Every call made before the bind completes (no await in between).
  const calls = {
    bind: attemptNow(() => s.bind("tcp://127.0.0.1:*")),
    unbind: attemptNow(() => s.unbind("tcp://127.0.0.1:1")),
    connect: attemptNow(() => s.connect("tcp://127.0.0.1:1")),
    disconnect: attemptNow(() => s.disconnect("tcp://127.0.0.1:1")),
    send: attemptNow(() => s.send("x")),
    receive: attemptNow(() => s.receive()),
  }
  const out: Record<string, unknown> = {}
  for (const [name, get] of Object.entries(calls)) out[name] = await get()
  out.first = await settle(p)
  out.afterwards = await attempt(() => s.connect("inproc://" + freshName("name")))
  return out
})

scenarios["errors: EFSM from Reply.send before receive (sendTimeout 0)"] = withEnv(async (zmq, env) => {
  const rep = env.track(new zmq.Reply({sendTimeout: 0}))
  await env.bind(rep, "inproc")
  const r = await attempt(() => rep.send("x"))
  return {r, writable: rep.writable, readable: rep.readable}
})

scenarios["errors: EFSM from Request.send twice with sendTimeout set"] = withEnv(async (zmq, env) => {
  const rep = env.track(new zmq.Reply())
  const req = env.track(new zmq.Request({sendTimeout: 50}))
  req.connect(await env.bind(rep, "tcp"))
  const first = await attempt(() => req.send("one"))
  const state = {writable: req.writable, readable: req.readable}
  const second = await attempt(() => req.send("two"))
  return {first, state, second, got: str(await rep.receive())}
})

scenarios["errors: Request.receive before send with receiveTimeout, Reply.receive twice"] = withEnv(async (zmq, env) => {
  const req = env.track(new zmq.Request({receiveTimeout: 30}))
  const rep = env.track(new zmq.Reply({receiveTimeout: 30}))
  await env.bind(rep, "inproc")
  req.connect(rep.lastEndpoint!)
  const early = await attempt(() => req.receive())
  await req.send("q")
  const got = str(await rep.receive())
  const again = await attempt(() => rep.receive())
  return {early, got, again}
})

scenarios["errors: EBADF after close, for everything"] = withEnv(async zmq => {
  const Z = zmq as Loose
  const s = new Z.Dealer()
  await s.bind("inproc://" + freshName("name"))
  s.close()
  const out: Record<string, unknown> = {closed: s.closed}
  out.send = await attempt(() => s.send("x"))
  out.receive = await attempt(() => s.receive())
  out.bind = await attempt(() => s.bind("tcp://127.0.0.1:*"))
  out.bindSync = await attempt(() => s.bindSync("tcp://127.0.0.1:*"))
  out.unbind = await attempt(() => s.unbind("tcp://127.0.0.1:1"))
  out.unbindSync = await attempt(() => s.unbindSync("tcp://127.0.0.1:1"))
  out.connect = await attempt(() => s.connect("tcp://127.0.0.1:1"))
  out.disconnect = await attempt(() => s.disconnect("tcp://127.0.0.1:1"))
  const sub = new Z.Subscriber()
  sub.close()
  out.subscribe = await attempt(() => sub.subscribe("a"))
  return out
})

scenarios["errors: EAGAIN on sendTimeout and receiveTimeout"] = withEnv(async (zmq, env) => {
  const push = env.track(new zmq.Push({sendTimeout: 30}))
  await env.bind(push, "tcp")
  const pull = env.track(new zmq.Pull({receiveTimeout: 30}))
  await env.bind(pull, "tcp")
  const out: Record<string, unknown> = {}
  out.send = await attempt(() => push.send("x"))
  out.receive = await attempt(() => pull.receive())
  push.sendTimeout = 0
  pull.receiveTimeout = 0
  out.send0 = await attempt(() => push.send("x"))
  out.receive0 = await attempt(() => pull.receive())
  // A connect()ed PUSH queues before any connection exists (immediate false).
  const push2 = env.track(new zmq.Push({sendTimeout: 0}))
  push2.connect("tcp://127.0.0.1:1")
  out.queuedWithoutPeer = await attempt(() => push2.send("y"))
  const push3 = env.track(new zmq.Push({sendTimeout: 0, immediate: true}))
  push3.connect("tcp://127.0.0.1:1")
  out.immediateWithoutPeer = await attempt(() => push3.send("y"))
  out.states = [push.writable, push2.writable, push3.writable, pull.readable]
  return out
})

scenarios["errors: close() during a pending send and receive gives EAGAIN"] = withEnv(async (zmq, env) => {
  const push = env.track(new zmq.Push())
  await env.bind(push, "ipc")
  const pull = env.track(new zmq.Pull())
  await env.bind(pull, "ipc")
  const s = push.send("x")
  const r = pull.receive()
  await sleep(10)
  push.close()
  pull.close()
  return {s: await settle(s), r: await settle(r)}
})

for (const t of TRANSPORTS) {
  scenarios[`${t}: errors: ENOENT for unbind/disconnect of unknown endpoints`] = withEnv(async (zmq, env) => {
    const s = env.track(new zmq.Dealer()) as Loose
    const address = await env.bind(s, t)
    const out: Record<string, unknown> = {}
    const other = t === "tcp" ? "tcp://127.0.0.1:1" : t === "ipc" ? `ipc://${ipcDirectory}/${freshName("sock")}` : `inproc://${freshName("name")}`
    out.unbindUnknown = await attempt(() => s.unbind(other))
    out.disconnectUnknown = await attempt(() => s.disconnect(other))
    s.connect(other)
    out.disconnectKnown = await attempt(() => s.disconnect(other))
    out.disconnectAgain = await attempt(() => s.disconnect(other))
    out.unbindKnown = await attempt(() => s.unbind(address))
    out.unbindAgain = await attempt(() => s.unbind(address))
    out.badType = await attempt(() => s.unbind(5))
    out.badTypeDisconnect = await attempt(() => s.disconnect(5))
    return out
  })
}

scenarios["disconnect() of a bound endpoint unbinds it (libzmq term_endpoint)"] = withEnv(async (zmq, env) => {
  const s = env.track(new zmq.Pull())
  const address = await env.bind(s, "tcp")
  const disconnect = await attempt(() => s.disconnect(address))
  const unbind = await attempt(() => s.unbind(address))
  return {disconnect, unbind}
})

scenarios["tcp: unbind by the wildcard address is ENOENT, by lastEndpoint works"] = withEnv(async (zmq, env) => {
  const s = env.track(new zmq.Pull())
  await s.bind("tcp://127.0.0.1:*")
  const wildcard = await attempt(() => s.unbind("tcp://127.0.0.1:*"))
  const byLast = await attempt(() => s.unbind(s.lastEndpoint!))
  return {wildcard, byLast, last: s.lastEndpoint}
})

scenarios["errors: EADDRINUSE on tcp, ipc and inproc"] = withEnv(async (zmq, env) => {
  const a = env.track(new zmq.Pull())
  const b = env.track(new zmq.Pull()) as Loose
  const out: Record<string, unknown> = {}
  const tcp = await env.bind(a, "tcp")
  out.tcp = await attempt(() => b.bind(tcp))
  const inproc = `inproc://${freshName("name")}`
  await a.bind(inproc)
  out.inproc = await attempt(() => b.bind(inproc))
  out.inprocSameSocket = await attempt(() => a.bind(inproc))
  out.tcpSameSocket = await attempt(() => a.bind(tcp))
  return out
})

scenarios["ipc: a second bind to the same path takes it over (libzmq unlinks the file)"] = withEnv(async (zmq, env) => {
  const a = env.track(new zmq.Pull({receiveTimeout: 2000}))
  const b = env.track(new zmq.Pull({receiveTimeout: 2000}))
  const address = await env.bind(a, "ipc")
  const second = await attempt(() => b.bind(address))
  const push = env.track(new zmq.Push())
  push.connect(address)
  await push.send("who")
  const atB = await attempt(() => b.receive())
  return {second, atB}
})

scenarios["errors: EINVAL and EPROTONOSUPPORT on bad addresses"] = withEnv(async (zmq, env) => {
  const s = env.track(new zmq.Dealer()) as Loose
  const out: Record<string, unknown> = {}
  const addresses = ["foo-bar", "tcp://", "tcp://127.0.0.1", "tcp://127.0.0.1:", "tcp://127.0.0.1:port", "bad://x", "pgm://x", "epgm://x", "norm://x", "vmci://1:1", "inproc:/x", "inproc://", "ipc://", ""]
  for (const a of addresses) {
    out[`bind ${a}`] = await attempt(() => s.bind(a))
    out[`connect ${a}`] = await attempt(() => s.connect(a))
  }
  out.bindNumber = await attempt(() => s.bind(5))
  out.connectNumber = await attempt(() => s.connect(5))
  out.bindNoArgs = await attempt(() => s.bind())
  return out
})

scenarios["errors: addresses libzmq reads its own way (port > 65535, udp)"] = withEnv(async (zmq, env) => {
  const s = env.track(new zmq.Dealer()) as Loose
  const out: Record<string, unknown> = {}
  // (tipc:// and ws:// are left out: this libzmq build has both transports, zmtp neither.)
  // 96536 is 31000 in 16 bits: below the ephemeral range, where nothing else here binds.
  for (const a of ["tcp://127.0.0.1:96536", "udp://127.0.0.1:5555"]) {
    out[`bind ${a}`] = await attempt(() => s.bind(a))
    out[`connect ${a}`] = await attempt(() => s.connect(a))
  }
  return out
})

scenarios["errors: Router mandatory, EHOSTUNREACH and pending without peers"] = withEnv(async (zmq, env) => {
  const router = env.track(new zmq.Router({mandatory: true, sendTimeout: 50, receiveTimeout: 3000}))
  const out: Record<string, unknown> = {}
  out.noPeers = await attempt(() => router.send(["nobody", "x"]))
  const dealer = env.track(new zmq.Dealer({routingId: "d"}))
  dealer.connect(await env.bind(router, "tcp"))
  await dealer.send("hi")
  out.got = str(await router.receive())
  out.unknown = await attempt(() => router.send(["nobody", "x"]))
  out.known = await attempt(() => router.send(["d", "x"]))
  router.sendTimeout = -1
  out.unknownNoTimeout = await attempt(() => router.send(["nobody", "x"]))
  out.writable = router.writable
  return out
})

scenarios["errors: send() argument validation"] = withEnv(async (zmq, env) => {
  const push = env.track(new zmq.Push()) as Loose
  push.connect(`inproc://${freshName("name")}`)
  return {
    none: await attempt(() => push.send()),
    undef: await attempt(() => push.send(undefined)),
    emptyArray: await attempt(() => push.send([])),
    arrayWithUndefined: await attempt(() => push.send(["a", undefined])),
  }
})

scenarios["errors: sending on Pull and Subscriber, receiving on Push and Publisher"] = withEnv(async (zmq, env) => {
  // The methods exist on every class at runtime; where the type cannot do it, the call waits.
  const Z = zmq as Loose
  const out: Record<string, unknown> = {}
  for (const [cls, method] of [
    ["Pull", "send"],
    ["Subscriber", "send"],
    ["Push", "receive"],
    ["Publisher", "receive"],
  ] as const) {
    const s = env.track(new Z[cls]())
    await s.bind(`inproc://${freshName("name")}`)
    out[`${cls}.${method} exists`] = typeof s[method]
    const p = method === "send" ? s.send("x") : s.receive()
    out[`${cls}.${method} pending`] = await pendingAfter(p, 20)
    out[`${cls} writable/readable`] = [s.writable, s.readable]
    s.close()
    out[`${cls}.${method}`] = await settle(p)
  }
  return out
})

// ---- lastEndpoint, readable/writable ----------------------------------------------------------

scenarios["lastEndpoint after binds and unbinds"] = withEnv(async (zmq, env) => {
  const s = env.track(new zmq.Pull())
  const out: unknown[] = [s.lastEndpoint]
  await s.bind("tcp://127.0.0.1:*")
  const tcp = s.lastEndpoint!
  out.push(tcp, /^tcp:\/\/127\.0\.0\.1:\d+$/.test(tcp))
  const ipc = `ipc://${ipcDirectory}/${freshName("sock")}`
  await s.bind(ipc)
  out.push(s.lastEndpoint)
  const inproc = `inproc://${freshName("name")}`
  await s.bind(inproc)
  out.push(s.lastEndpoint)
  await s.unbind(inproc)
  out.push(s.lastEndpoint)
  s.connect("tcp://127.0.0.1:1")
  out.push(s.lastEndpoint)
  await s.bind("tcp://*:*")
  out.push(s.lastEndpoint!.replace(/:\d+$/, ":PORT"))
  return out
})

scenarios["readable and writable as messages come and go"] = withEnv(async (zmq, env) => {
  const pull = env.track(new zmq.Pull({receiveTimeout: 2000}))
  const push = env.track(new zmq.Push())
  const states: unknown[] = [["fresh", pull.readable, push.writable]]
  const address = await env.bind(pull, "inproc")
  states.push(["bound", pull.readable])
  push.connect(address)
  states.push(["connected", push.writable])
  await push.send("x")
  await sleep(10)
  states.push(["message waiting", pull.readable])
  await pull.receive()
  states.push(["taken", pull.readable])
  const dealer = env.track(new zmq.Dealer())
  states.push(["dealer fresh", dealer.writable, dealer.readable])
  await dealer.bind(`inproc://${freshName("name")}`)
  states.push(["dealer bound, no peer", dealer.writable])
  const router = env.track(new zmq.Router())
  states.push(["router", router.writable, router.readable])
  const pub = env.track(new zmq.Publisher())
  states.push(["pub", pub.writable])
  const sub = env.track(new zmq.Subscriber())
  states.push(["sub", sub.writable, sub.readable])
  pull.close()
  states.push(["closed", pull.readable, pull.closed])
  return states
})

// ---- Observer ------------------------------------------------------------------------------

async function eventsUntil(events: Loose, stop: (type: string) => boolean, limit = 3000): Promise<Array<{type: string; address?: string; hasInterval?: boolean; error?: unknown}>> {
  const out: Array<{type: string; address?: string; hasInterval?: boolean; error?: unknown}> = []
  const deadline = Date.now() + limit
  for (;;) {
    const left = deadline - Date.now()
    if (left <= 0) {
      out.push({type: "<timeout>"})
      return out
    }
    const e = await Promise.race([events.receive(), sleep(left).then(() => null)])
    if (!e) {
      out.push({type: "<timeout>"})
      return out
    }
    const item: {type: string; address?: string; hasInterval?: boolean; error?: unknown} = {type: e.type}
    if (e.address !== undefined) item.address = e.address
    if (e.interval !== undefined) item.hasInterval = typeof e.interval === "number"
    if (e.error !== undefined) item.error = {code: e.error.code, errno: e.error.errno}
    out.push(item)
    if (stop(e.type)) return out
  }
}

for (const t of ["tcp", "ipc"] as const) {
  scenarios[`${t}: Observer events, DEALER connects to ROUTER, ROUTER closes`] = withEnv(async (zmq, env) => {
    const router = env.track(new zmq.Router())
    const dealer = env.track(new zmq.Dealer())
    const re = env.observe(router)
    const de = env.observe(dealer)
    const address = await env.bind(router, t)
    const routerBound = await eventsUntil(re, type => type === "bind")
    dealer.connect(address)
    const dealerUp = await eventsUntil(de, type => type === "handshake")
    const routerUp = await eventsUntil(re, type => type === "handshake")
    router.close()
    const routerDown = await eventsUntil(re, type => type === "end")
    const dealerDown = await eventsUntil(de, type => type === "connect:retry")
    dealer.close()
    const dealerEnd = await eventsUntil(de, type => type === "end")
    return {
      routerBound,
      dealerUp,
      routerUp,
      routerDown,
      dealerDown,
      // What follows the first retry depends on timing (redials); only the ending is fixed.
      dealerEndsWith: dealerEnd[dealerEnd.length - 1],
      closedAfterEnd: de.closed,
    }
  })
}

scenarios["tcp: Observer events for a refused connect"] = withEnv(async (zmq, env) => {
  const probe = new net.Server()
  await new Promise<void>(r => probe.listen(0, "127.0.0.1", r))
  const port = (probe.address() as net.AddressInfo).port
  await new Promise(r => probe.close(r))
  const dealer = env.track(new zmq.Dealer({reconnectInterval: 50}))
  const de = env.observe(dealer)
  dealer.connect(`tcp://127.0.0.1:${port}`)
  const first = await eventsUntil(de, type => type === "connect:retry")
  return collapse(first.map(e => e.type))
})

scenarios["tcp: Observer events for bind errors and unbind"] = withEnv(async (zmq, env) => {
  const a = env.track(new zmq.Pull())
  const b = env.track(new zmq.Pull())
  const address = await env.bind(a, "tcp")
  const be = env.observe(b)
  const failed = await attempt(() => b.bind(address))
  const bEvents = await eventsUntil(be, type => type === "bind:error")
  const ae = env.observe(a)
  await a.unbind(address)
  const aEvents = await eventsUntil(ae, type => type === "close")
  return {failed, bEvents, aEvents}
})

scenarios["Observer: EBUSY, emitter mode, close"] = withEnv(async (zmq, env) => {
  const s = env.track(new zmq.Pull())
  const ev = env.observe(s) as Loose
  const r1 = ev.receive()
  const r2 = await attempt(() => ev.receive())
  // The socket is closed, not the observer: Observer.close() with a receive pending rejects it
  // with ENOTSOCK in zeromq.js and leaves libzmq unable to finish closing sockets afterwards
  // (a later bind to a port a closed socket released fails with EADDRINUSE for good).
  s.close()
  const r1Result = await settle(r1)
  const afterClose = await attempt(() => ev.receive())
  const s2 = env.track(new zmq.Pull()) as Loose
  const seen: string[] = []
  // Not env.observe(): closing an observer in emitter mode makes zeromq.js's own read loop
  // reject unhandled (ENOTSOCK); closing the socket ends that loop cleanly.
  env.keep(s2.events)
  s2.events.on("bind", (e: {type: string}) => seen.push(e.type))
  const receiveInEmitterMode = await attempt(() => s2.events.receive())
  await s2.bind(`tcp://127.0.0.1:*`)
  await sleep(30)
  return {r2, r1Result, closed: ev.closed, afterClose, seen, receiveInEmitterMode}
})

scenarios["Observer and Proxy given objects that are not sockets"] = withEnv(async (zmq, env) => {
  const Z = zmq as Loose
  const b = env.track(new Z.Dealer())
  return {
    observerNull: await attempt(() => new Z.Observer(null)),
    observerObject: await attempt(() => new Z.Observer({})),
    proxyObject: await attempt(() => new Z.Proxy({}, b)),
    proxyNull: await attempt(() => new Z.Proxy(b, null)),
  }
})

scenarios["Observer: events of a socket that is already closed"] = withEnv(async zmq => {
  const s = new zmq.Dealer()
  s.close()
  return await attempt(() => s.events.receive())
})

scenarios["Observer: a fresh socket closed at once emits only end"] = withEnv(async (zmq, env) => {
  const s = env.track(new zmq.Dealer())
  const ev = env.observe(s)
  s.close()
  return await eventsUntil(ev, type => type === "end")
})

// ---- Proxy ---------------------------------------------------------------------------------

scenarios["Proxy: ROUTER/DEALER broker between REQ and REP"] = withEnv(async (zmq, env) => {
  const front = env.track(new zmq.Router())
  const back = env.track(new zmq.Dealer())
  const frontAddr = await env.bind(front, "tcp")
  const backAddr = await env.bind(back, "tcp")
  const proxy = new zmq.Proxy(front, back)
  const before = {pause: await attempt(() => proxy.pause()), terminate: await attempt(() => proxy.terminate())}
  const done = proxy.run()
  const req = env.track(new zmq.Request({receiveTimeout: 3000}))
  const rep = env.track(new zmq.Reply({receiveTimeout: 3000}))
  req.connect(frontAddr)
  rep.connect(backAddr)
  const log: unknown[] = []
  for (let i = 0; i < 3; i++) {
    await req.send(["q", String(i)])
    const q = await rep.receive()
    log.push(str(q))
    await rep.send(["a", ...q])
    log.push(str(await req.receive()))
  }
  proxy.terminate()
  const result = await settle(done)
  return {before, log, result, closed: [front.closed, back.closed], again: await attempt(() => proxy.terminate())}
})

scenarios["Proxy: PULL/PUSH pipeline"] = withEnv(async (zmq, env) => {
  const front = env.track(new zmq.Pull())
  const back = env.track(new zmq.Push())
  const frontAddr = await env.bind(front, "ipc")
  const backAddr = await env.bind(back, "ipc")
  const proxy = new zmq.Proxy(front, back)
  const done = proxy.run()
  const src = env.track(new zmq.Push())
  const sink = env.track(new zmq.Pull({receiveTimeout: 3000}))
  src.connect(frontAddr)
  sink.connect(backAddr)
  const got: unknown[] = []
  for (const m of ["one", "two", "three"]) {
    await src.send([m, "x"])
    got.push(str(await sink.receive()))
  }
  // What pause() and resume() do is not compared: with libzmq 4.3.5 PAUSE does not hold messages
  // and RESUME stops them (fixed later in libzmq PR #4600); zmtp does what the names say.
  const calls = [await attempt(() => proxy.pause()), await attempt(() => proxy.resume())]
  proxy.terminate()
  return {got, calls, result: await settle(done), closed: [front.closed, back.closed, proxy.frontEnd === front]}
})

scenarios["Proxy: XSUB/XPUB forwarder"] = withEnv(async (zmq, env) => {
  const front = env.track(new zmq.XSubscriber())
  const back = env.track(new zmq.XPublisher())
  const frontAddr = await env.bind(front, "inproc")
  const backAddr = await env.bind(back, "inproc")
  const proxy = new zmq.Proxy(front, back)
  const done = proxy.run()
  const pub = env.track(new zmq.Publisher())
  const sub = env.track(new zmq.Subscriber({receiveTimeout: 3000}))
  pub.connect(frontAddr)
  sub.connect(backAddr)
  sub.subscribe("w")
  const synced = await syncSubscriber(pub, sub, "w")
  await pub.send(["w1", "x"])
  await pub.send("v1")
  await pub.send("w-end")
  const got = await collectUntil(sub, "w-end")
  proxy.terminate()
  return {synced, got, result: await settle(done)}
})

scenarios["Proxy: run() with sockets that are neither bound nor connected"] = withEnv(async (zmq, env) => {
  const a = env.track(new zmq.Router())
  const b = env.track(new zmq.Dealer())
  const p1 = await attempt(() => new zmq.Proxy(a, b).run())
  await a.bind(`inproc://${freshName("name")}`)
  const p2 = await attempt(() => new zmq.Proxy(a, b).run())
  const p4 = await attempt(() => new (zmq as Loose).Proxy(a, null))
  return {p1, p2, p4}
})

// ---- Message coercions ----------------------------------------------------------------------

for (const t of ["tcp", "inproc"] as const) {
  scenarios[`${t}: message coercions as received by the peer`] = withEnv(async (zmq, env) => {
    const pull = env.track(new zmq.Pull({receiveTimeout: 3000}))
    const push = env.track(new zmq.Push()) as Loose
    push.connect(await env.bind(pull, t))
    const ab = new ArrayBuffer(4)
    new Uint8Array(ab).set([1, 2, 3, 4])
    const sab = new SharedArrayBuffer(2)
    new Uint8Array(sab).set([9, 8])
    const big = new Uint8Array(1000).fill(7).subarray(10, 20)
    const cases: Record<string, unknown> = {
      string: "héllo",
      emptyString: "",
      number: 42,
      float: 1.5,
      negative: -0,
      nan: NaN,
      null: null,
      uint8array: new Uint8Array([0, 255, 16]),
      subarray: big,
      int16array: new Int16Array([1, -1]),
      float64array: new Float64Array([1]),
      arrayBuffer: ab,
      sharedArrayBuffer: sab,
      dataView: new DataView(ab, 1, 2),
      buffer: Buffer.from("buf"),
      true: true,
      false: false,
      object: {a: 1},
      array: ["x", 1, null, new Uint8Array([65])],
      bigint: 10n,
      symbolLike: Symbol.iterator.description,
    }
    const out: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(cases)) {
      const sent = await attempt(() => push.send(value))
      if ("error" in sent) {
        out[name] = sent
        continue
      }
      const frames = await pull.receive()
      out[name] = hex(frames)
    }
    return out
  })
}

scenarios["tcp: a small buffer mutated after send"] = withEnv(async (zmq, env) => {
  const pull = env.track(new zmq.Pull({receiveTimeout: 3000}))
  const push = env.track(new zmq.Push())
  push.connect(await env.bind(pull, "tcp"))
  const small = Buffer.from("abc")
  await push.send(small)
  small.write("xyz")
  return str(await pull.receive())
})

scenarios["tcp: small buffers reused between sends once connected (single and multipart, PUSH and DEALER)"] = withEnv(async (zmq, env) => {
  const pull = env.track(new zmq.Pull({receiveTimeout: 3000}))
  const push = env.track(new zmq.Push())
  push.connect(await env.bind(pull, "tcp"))
  await push.send("hello")
  await pull.receive() // connected: from here on small sends may be framed straight into the pipe
  const part = Buffer.alloc(16)
  const head = Buffer.from("h")
  for (let i = 0; i < 600; i++) {
    part.writeUInt32BE(i)
    head[0] = 65 + (i % 26)
    await push.send(i % 3 === 0 ? [head, part, Buffer.alloc(0)] : part)
  }
  part.fill(0xff)
  const seen: string[] = []
  for (let i = 0; i < 600; i++) {
    const msg = await pull.receive()
    seen.push(msg.map(f => f.toString("hex")).join("|"))
  }
  const router = env.track(new zmq.Router({receiveTimeout: 3000}))
  const dealer = env.track(new zmq.Dealer({routingId: "d"}))
  dealer.connect(await env.bind(router, "tcp"))
  await dealer.send("hello")
  await router.receive()
  const buf = Buffer.from("one")
  await dealer.send(buf)
  buf.write("two")
  await dealer.send([buf, buf])
  buf.write("xxx")
  const r1 = str(await router.receive())
  const r2 = str(await router.receive())
  return {count: seen.length, first: seen.slice(0, 4), last: seen[599], r1, r2}
})

scenarios["large multipart message over tcp"] = withEnv(async (zmq, env) => {
  const pull = env.track(new zmq.Pull({receiveTimeout: 5000}))
  const push = env.track(new zmq.Push())
  push.connect(await env.bind(pull, "tcp"))
  const big = Buffer.alloc(3 * 1024 * 1024)
  for (let i = 0; i < big.length; i++) big[i] = i % 251
  await push.send([big, "tail", Buffer.alloc(300, 1)])
  const msg = await pull.receive()
  return {sizes: msg.map(f => f.length), same: msg[0]!.equals(big), tail: msg[1]!.toString()}
})

// ---- socket options that change routing ------------------------------------------------------

for (const t of ["tcp", "inproc"] as const) {
  scenarios[`${t}: REQ with correlate and relaxed`] = withEnv(async (zmq, env) => {
    const router = env.track(new zmq.Router({receiveTimeout: 3000}))
    const req = env.track(new zmq.Request({correlate: true, relaxed: true, receiveTimeout: 3000}))
    req.connect(await env.bind(router, t))
    await req.send("first")
    const m1 = await router.receive()
    // relaxed: a second request before the reply; the first reply is then stale.
    await req.send("second")
    const m2 = await router.receive()
    // Replies carry the request id frame back; the stale one (m1's) is dropped by the REQ.
    await router.send([...m1.slice(0, 3), "reply to first"])
    await router.send([...m2.slice(0, 3), "reply to second"])
    // Both replies are there before the REQ reads: when libzmq's REQ drops a stale reply inside
    // a receive and the good one is not there yet, zeromq.js may miss the next wake-up (its
    // descriptor is edge-triggered), and the receive times out.
    await sleep(50)
    return {
      shape: [m1.length, m1[1]!.length, m1[2]!.length, str(m1.slice(3)), m2.length, str(m2.slice(3))],
      idsDiffer: !m1[1]!.equals(m2[1]!),
      reply: str(await req.receive()),
    }
  })

  scenarios[`${t}: DEALER and ROUTER with probeRouter`] = withEnv(async (zmq, env) => {
    const router = env.track(new zmq.Router({receiveTimeout: 3000}))
    const dealer = env.track(new zmq.Dealer({routingId: "probe", probeRouter: true, receiveTimeout: 3000}))
    dealer.connect(await env.bind(router, t))
    const probe = str(await router.receive())
    await dealer.send("after")
    return {probe, after: str(await router.receive())}
  })

  scenarios[`${t}: ROUTER handover and duplicate routing ids`] = withEnv(async (zmq, env) => {
    const out: Record<string, unknown> = {}
    for (const handover of [false, true]) {
      const router = env.track(new zmq.Router({handover, receiveTimeout: 300}))
      const address = await env.bind(router, t)
      const d1 = env.track(new zmq.Dealer({routingId: "same", receiveTimeout: 300}))
      d1.connect(address)
      await d1.send("from d1")
      const first = str(await router.receive())
      const d2 = env.track(new zmq.Dealer({routingId: "same", receiveTimeout: 300}))
      d2.connect(address)
      await d2.send("from d2")
      const second = await attempt(() => router.receive())
      await router.send(["same", "to same"])
      out[`handover ${handover}`] = {first, second, d1: await attempt(() => d1.receive()), d2: await attempt(() => d2.receive())}
    }
    return out
  })

  scenarios[`${t}: XPUB welcome message and manual subscriptions`] = withEnv(async (zmq, env) => {
    const xpub = env.track(new zmq.XPublisher({welcomeMessage: "welcome", manual: true, receiveTimeout: 3000}))
    const address = await env.bind(xpub, t)
    const sub = env.track(new zmq.Subscriber({receiveTimeout: 3000}))
    sub.connect(address)
    sub.subscribe("welcome")
    sub.subscribe("a")
    // manual: the XPUB application sees each subscription and decides what to subscribe to.
    // (Read first: libzmq attaches the new pipe, and so sends the welcome message, only when the
    // XPUB's own thread processes its commands, i.e. when the application uses the XPUB.)
    const s1 = hex(await xpub.receive())
    const s2 = hex(await xpub.receive())
    const welcome = str(await sub.receive())
    // zeromq.js has no XPublisher.subscribe(): ZMQ_SUBSCRIBE (6) through the raw accessor
    // subscribes the pipe of the last subscription received (here: "a"'s) to "a".
    ;(xpub as unknown as {setStringOption(id: number, v: string): void}).setStringOption(6, "a")
    await sleep(10)
    for (const m of ["b1", "a1", "welcome again"]) await xpub.send(m)
    await xpub.send("a-end")
    return {welcome, s1, s2, got: await collectUntil(sub, "a-end")}
  })

  scenarios[`${t}: SUB and PUB with invertMatching`] = withEnv(async (zmq, env) => {
    const pub = env.track(new zmq.Publisher({invertMatching: true}))
    const sub = env.track(new zmq.Subscriber({invertMatching: true, receiveTimeout: 3000}))
    sub.connect(await env.bind(pub, t))
    // Inverted: the SUB gets what does NOT start with a subscribed prefix.
    sub.subscribe("skip")
    const synced = await syncSubscriber(pub, sub, "")
    for (const m of ["skip-1", "keep-1", "skipper", "keep-2"]) await pub.send(m)
    await pub.send("end")
    return {synced, got: await collectUntil(sub, "end")}
  })

  scenarios[`${t}: overlapping subscriptions deliver once; unknown unsubscribe is harmless`] = withEnv(async (zmq, env) => {
    const pub = env.track(new zmq.Publisher())
    const sub = env.track(new zmq.Subscriber({receiveTimeout: 3000}))
    sub.connect(await env.bind(pub, t))
    sub.subscribe("a", "ab", "abc", "s")
    sub.unsubscribe("never-subscribed")
    sub.subscribe("a") // twice
    sub.unsubscribe("a") // once: "a" is still subscribed (libzmq SUB counts)
    const synced = await syncSubscriber(pub, sub, "s")
    for (const m of ["abcd", "ab", "a", "b", "xa"]) await pub.send(m)
    await pub.send("s-end")
    return {synced, got: await collectUntil(sub, "s-end")}
  })

  scenarios[`${t}: conflate on a bound PULL keeps the newest message only`] = withEnv(async (zmq, env) => {
    const pull = env.track(new zmq.Pull({conflate: true, receiveTimeout: 3000}))
    const push = env.track(new zmq.Push())
    push.connect(await env.bind(pull, t))
    await push.send("first")
    const first = str(await pull.receive())
    for (let i = 0; i < 20; i++) await push.send(`m${i}`)
    await sleep(100)
    const got = str(await pull.receive())
    pull.receiveTimeout = 100
    return {first, got, more: await attempt(() => pull.receive())}
  })

  scenarios[`${t}: conflate on a connecting PULL keeps the newest message only`] = withEnv(async (zmq, env) => {
    const push = env.track(new zmq.Push())
    const pull = env.track(new zmq.Pull({conflate: true, receiveTimeout: 3000}))
    pull.connect(await env.bind(push, t))
    await push.send("first")
    const first = str(await pull.receive())
    for (let i = 0; i < 20; i++) await push.send(`m${i}`)
    await sleep(100)
    const got = str(await pull.receive())
    pull.receiveTimeout = 100
    return {first, got, more: await attempt(() => pull.receive())}
  })

  scenarios[`${t}: PUB with no subscribers; SUB with no subscription`] = withEnv(async (zmq, env) => {
    const pub = env.track(new zmq.Publisher())
    const address = await env.bind(pub, t)
    const r1 = await attempt(() => pub.send("into the void"))
    const sub = env.track(new zmq.Subscriber({receiveTimeout: 100}))
    sub.connect(address)
    await sleep(50)
    for (let i = 0; i < 5; i++) await pub.send("x")
    return {r1, r2: await attempt(() => sub.receive()), readable: sub.readable}
  })
}

scenarios["tcp: DEALER load-balances over two ROUTERs and fair-queues their replies"] = withEnv(async (zmq, env) => {
  const r1 = env.track(new zmq.Router({receiveTimeout: 3000}))
  const r2 = env.track(new zmq.Router({receiveTimeout: 3000}))
  const a1 = await env.bind(r1, "tcp")
  const a2 = await env.bind(r2, "tcp")
  const dealer = env.track(new zmq.Dealer({routingId: "d", receiveTimeout: 3000, immediate: true}))
  const ev = env.observe(dealer)
  dealer.connect(a1)
  dealer.connect(a2)
  let handshakes = 0
  while (handshakes < 2) if ((await ev.receive()).type === "handshake") handshakes++
  for (let i = 0; i < 6; i++) await dealer.send(`m${i}`)
  const at1 = [str(await r1.receive()), str(await r1.receive()), str(await r1.receive())]
  const at2 = [str(await r2.receive()), str(await r2.receive()), str(await r2.receive())]
  for (const m of at1) await r1.send(["d", `r1:${m[1]}`])
  for (const m of at2) await r2.send(["d", `r2:${m[1]}`])
  await sleep(50)
  const replies: string[] = []
  for (let i = 0; i < 6; i++) replies.push(str(await dealer.receive())[0]!)
  // Which peer got the even messages depends on which connection completed first.
  const split = [at1, at2].map(list => list.map(m => Number(m[1]!.slice(1)) % 2)).sort()
  return {split, repliesPerRouter: [replies.filter(r => r.startsWith("r1")).length, replies.filter(r => r.startsWith("r2")).length], interleaved: replies[0]!.slice(0, 2) !== replies[1]!.slice(0, 2)}
})

scenarios["tcp: immediate: a connect()ed PUSH holds no queue before the connection exists"] = withEnv(async (zmq, env) => {
  const probe = new net.Server()
  await new Promise<void>(r => probe.listen(0, "127.0.0.1", r))
  const port = (probe.address() as net.AddressInfo).port
  await new Promise(r => probe.close(r))
  const push = env.track(new zmq.Push({immediate: true, sendTimeout: 50, reconnectInterval: 20}))
  push.connect(`tcp://127.0.0.1:${port}`)
  const before = await attempt(() => push.send("early"))
  const pull = env.track(new zmq.Pull({receiveTimeout: 3000}))
  await pull.bind(`tcp://127.0.0.1:${port}`)
  push.sendTimeout = 3000
  await push.send("after")
  return {before, writable: push.writable, got: str(await pull.receive())}
})

scenarios["tcp: maxMessageSize drops the connection of a peer that exceeds it"] = withEnv(async (zmq, env) => {
  const pull = env.track(new zmq.Pull({maxMessageSize: 100, receiveTimeout: 300}))
  const address = await env.bind(pull, "tcp")
  const push = env.track(new zmq.Push({reconnectInterval: 20}))
  const ev = env.observe(push)
  push.connect(address)
  await push.send(Buffer.alloc(50))
  const small = (await pull.receive())[0]!.length
  await push.send(Buffer.alloc(101))
  // The PULL drops that connection; the PUSH sees it go, redials, and its next message arrives.
  const pushEvents = (await eventsUntil(ev, type => type === "disconnect")).map(e => e.type)
  await push.send("after the big one")
  pull.receiveTimeout = 3000
  const next = await attempt(() => pull.receive())
  return {small, pushEvents: collapse(pushEvents).filter(t => t !== "connect:retry" && t !== "connect:delay"), next}
})

scenarios["option values after setting them (round trip through the properties)"] = withEnv(async (zmq, env) => {
  const d = env.track(new zmq.Dealer()) as Loose
  const settings: Record<string, unknown> = {
    routingId: "abc",
    sendHighWaterMark: 7,
    receiveHighWaterMark: 0,
    linger: 250,
    sendTimeout: 20,
    receiveTimeout: 30,
    reconnectInterval: 200,
    reconnectMaxInterval: 1000,
    maxMessageSize: 1 << 20,
    immediate: true,
    heartbeatInterval: 1000,
    heartbeatTimeToLive: 3000,
    heartbeatTimeout: 2000,
    handshakeInterval: 5000,
    connectTimeout: 100,
    tcpKeepalive: 1,
    tcpKeepaliveIdle: 30,
    tcpKeepaliveCount: 5,
    tcpKeepaliveInterval: 10,
    backlog: 10,
    ipv6: true,
    zapDomain: "dom",
    plainUsername: "u",
    typeOfService: 8,
    affinity: 3,
    rate: 50,
    sendBufferSize: 65536,
    receiveBufferSize: 65536,
    socksProxy: "127.0.0.1:1080",
    interface: "lo",
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(settings)) {
    try {
      d[k] = v
      out[k] = d[k]
    } catch (e) {
      out[k] = errInfo(e)
    }
  }
  out.securityMechanismAfterPlainUsername = d.securityMechanism
  out.routingIdNull = await attempt(() => (d.routingId = null))
  out.routingIdEmpty = await attempt(() => (d.routingId = ""))
  out.routingIdLong = await attempt(() => (d.routingId = "x".repeat(256)))
  out.routingIdBuffer = await attempt(() => {
    d.routingId = Buffer.from([1, 2, 3])
    return hex([Buffer.from(d.routingId, "latin1")])
  })
  return out
})

// ---- Behaviour around peers that come and go ---------------------------------------------------

scenarios["tcp: messages queued on a connect()ed PUSH before the peer binds"] = withEnv(async (zmq, env) => {
  // A free port: listen, read it, close.
  const probe = new net.Server()
  await new Promise<void>(r => probe.listen(0, "127.0.0.1", r))
  const port = (probe.address() as net.AddressInfo).port
  await new Promise(r => probe.close(r))
  const address = `tcp://127.0.0.1:${port}`
  const push = env.track(new zmq.Push({reconnectInterval: 20, sendTimeout: 0}))
  push.connect(address)
  const queued = [await attempt(() => push.send("q1")), await attempt(() => push.send(["q2", "x"]))]
  await sleep(50)
  const pull = env.track(new zmq.Pull({receiveTimeout: 3000}))
  await pull.bind(address)
  return {queued, got: [str(await pull.receive()), str(await pull.receive())]}
})

scenarios["tcp: REQ keeps waiting for a reply when its REP restarts"] = withEnv(async (zmq, env) => {
  const rep1 = env.track(new zmq.Reply({receiveTimeout: 3000}))
  const address = await bindLowPort(rep1)
  const req = env.track(new zmq.Request({receiveTimeout: 300, reconnectInterval: 20}))
  req.connect(address)
  await req.send("one")
  const a = str(await rep1.receive())
  rep1.close()
  await sleep(50)
  const rep2 = env.track(new zmq.Reply({receiveTimeout: 500}))
  await bindRetrying(rep2, address)
  // The REQ still waits for the reply the first REP never sent.
  const waiting = await attempt(() => req.receive())
  const second = await attempt(() => rep2.receive())
  return {a, waiting, second}
})

scenarios["tcp: PUSH to a PULL that restarts on the same endpoint"] = withEnv(async (zmq, env) => {
  const pull1 = env.track(new zmq.Pull({receiveTimeout: 3000}))
  const address = await bindLowPort(pull1)
  const push = env.track(new zmq.Push({reconnectInterval: 20}))
  push.connect(address)
  await push.send("before")
  const a = str(await pull1.receive())
  pull1.close()
  await sleep(50)
  await push.send("while down")
  const pull2 = env.track(new zmq.Pull({receiveTimeout: 3000}))
  await bindRetrying(pull2, address)
  await push.send("after")
  return {a, b: str(await pull2.receive()), c: str(await pull2.receive())}
})

scenarios["disconnect() then the endpoint's queued messages"] = withEnv(async (zmq, env) => {
  const pull = env.track(new zmq.Pull({receiveTimeout: 200}))
  const address = await env.bind(pull, "tcp")
  const push = env.track(new zmq.Push({sendTimeout: 0}))
  push.connect(address)
  await push.send("x")
  const got = str(await pull.receive())
  push.disconnect(address)
  await sleep(30)
  const after = await attempt(() => push.send("y"))
  const received = await attempt(() => pull.receive())
  return {got, after, received, writable: push.writable}
})

// ---- bindSync / unbindSync ---------------------------------------------------------------------

scenarios["bindSync and unbindSync on inproc and tcp"] = withEnv(async (zmq, env) => {
  const s = env.track(new zmq.Pull()) as Loose
  const name = `inproc://${freshName("name")}`
  const out: Record<string, unknown> = {}
  out.bindSync = await attempt(() => s.bindSync(name))
  out.last = s.lastEndpoint
  // (zeromq.js 6.8.0 registers unbindSync as a second bindSync, socket.cc: not compared.)
  out.again = await attempt(() => s.bindSync(name))
  out.bad = await attempt(() => s.bindSync("nope"))
  return out
})

Object.assign(scenarios, lifecycleScenarios, draftScenarios)
