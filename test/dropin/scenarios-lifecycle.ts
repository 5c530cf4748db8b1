/**
 * Drop-in scenarios for issue 14 (zeromq.js's contract where users observe it): constructor
 * misuse, close() around a pending bind or unbind, EBUSY, the errors of disconnect and unbind
 * with bad addresses, pending operations interrupted by close, ZAP failures and a mechanism
 * mismatch with a ZAP handler, and STREAM as an HTTP client. Merged into scenarios.ts's record;
 * the process-level items (exit warnings, the process kept alive) are in process.test.ts.
 */
import {createServer, type Server} from "node:http"
import {once} from "node:events"
import net from "node:net"
import {attempt, attemptNow, errInfo, freshName, ipcDirectory, settle, sleep, TRANSPORTS, withEnv, type Loose, type Scenario, type Transport, type Zmq} from "./harness.js"

export const lifecycleScenarios: Record<string, Scenario> = {}
const scenarios = lifecycleScenarios

/** What calling fn synchronously throws: its class and message (or "returned"). */
function thrown(fn: () => unknown): Record<string, unknown> | string {
  try {
    fn()
    return "returned"
  } catch (e) {
    return errInfo(e)
  }
}

scenarios["construction: the native classes misused"] = withEnv(async (zmq, env) => {
  const z = zmq as Loose
  const ctx = new z.Context()
  const a = env.track(new zmq.Dealer())
  const b = env.track(new zmq.Dealer())
  return {
    socketAsFunction: thrown(() => z.Socket(1, ctx)),
    contextAsFunction: thrown(() => z.Context()),
    proxyAsFunction: thrown(() => z.Proxy()),
    observerAsFunction: thrown(() => z.Observer()),
    dealerAsFunction: thrown(() => z.Dealer()),
    socketTooMany: thrown(() => new z.Socket(1, ctx, 2)),
    contextTooMany: thrown(() => new z.Context({}, 2)),
    proxyTooMany: thrown(() => new z.Proxy(a, b, a)),
    socketNoType: thrown(() => new z.Socket()),
    socketBadOptions: thrown(() => new z.Socket(3, 1)),
    contextBadOptions: thrown(() => new z.Context(1)),
    readonlySocketOption: thrown(() => new z.Dealer({securityMechanism: 1})),
    unknownSocketOption: thrown(() => new z.Dealer({doesNotExist: 1})),
    badSocketOptionValue: thrown(() => new z.Dealer({recoveryInterval: "hello"})),
    readonlyContextOption: thrown(() => new z.Context({maxSocketsLimit: 1})),
    unknownContextOption: thrown(() => new z.Context({doesNotExist: 1})),
    badContextOptionValue: thrown(() => new z.Context({ioThreads: "hello"})),
  }
})

/** An address of transport t nothing is bound to (the counter in it is normalised away). */
function unusedAddress(t: Transport): string {
  if (t === "tcp") return `tcp://127.0.0.1:${30000 + Math.floor(Math.random() * 20000)}`
  if (t === "ipc") return `ipc://${ipcDirectory}/${freshName("sock")}`
  return `inproc://${freshName("name")}`
}

for (const t of TRANSPORTS) {
  scenarios[`${t}: close() while a bind or unbind is pending takes effect when it settles`] = withEnv(async (zmq, env) => {
    const out: Record<string, unknown> = {}
    const run = async (name: string, prepare: (s: Loose) => Promise<string | void>, op: (s: Loose, address: string) => Promise<void>) => {
      const s = env.track(new zmq.Dealer()) as Loose
      const address = (await prepare(s)) ?? unusedAddress(t)
      const p = op(s, address)
      s.close()
      const closedAtOnce = s.closed
      const result = await settle(p)
      out[name] = {closedAtOnce, result, closedAfter: s.closed}
    }
    await run("successfulBind", async () => {}, (s, a) => s.bind(a))
    await run(
      "failedBind",
      async s => {
        const a = unusedAddress(t)
        await s.bind(a)
        return s.lastEndpoint
      },
      (s, a) => s.bind(a),
    )
    await run(
      "successfulUnbind",
      async s => {
        await s.bind(unusedAddress(t))
        return s.lastEndpoint
      },
      (s, a) => s.unbind(a),
    )
    await run("failedUnbind", async () => {}, (s, a) => s.unbind(a))
    return out
  })

  scenarios[`${t}: a bind or unbind while another is pending is EBUSY`] = withEnv(async (zmq, env) => {
    const s = env.track(new zmq.Dealer()) as Loose
    const first = s.bind(unusedAddress(t))
    const bindDuringBind = await attemptNow(() => s.bind(unusedAddress(t)))()
    const unbindDuringBind = await attemptNow(() => s.unbind(unusedAddress(t)))()
    await first
    const address = s.lastEndpoint
    const unbinding = s.unbind(address)
    const unbindDuringUnbind = await attemptNow(() => s.unbind(address))()
    const bindDuringUnbind = await attemptNow(() => s.bind(unusedAddress(t)))()
    return {bindDuringBind, unbindDuringBind, unbindDuringUnbind, bindDuringUnbind, first: "ok", unbind: await settle(unbinding)}
  })
}

scenarios["disconnect() and unbind() with malformed addresses and unknown protocols"] = withEnv(async (zmq, env) => {
  const s = env.track(new zmq.Dealer()) as Loose
  const out: Record<string, unknown> = {}
  // libzmq's term_endpoint checks the scheme only: a bad host or port is just not found (ENOENT).
  const odd = ["tcp://x", "tcp://127.0.0.1", "tcp://127.0.0.1:abc", "tcp://127.0.0.1:70000", "tcp://[::1]:5", "tcp://", "ipc://", "inproc://"]
  for (const address of ["foo-bar", "foo://bar", "tcp:/127.0.0.1:5555", "tipc://x", "udp://127.0.0.1:5555", ...odd]) {
    out[`disconnect ${address}`] = await attempt(() => s.disconnect(address))
    out[`unbind ${address}`] = await attempt(() => s.unbind(address))
  }
  return out
})

scenarios["close() during a pending receive: REQ before its request rejects with EFSM"] = withEnv(async (zmq, env) => {
  const req = env.track(new zmq.Request())
  const pending = req.receive()
  await sleep(5)
  req.close()
  return {req: await settle(pending)}
})

scenarios["close() ends for await, except where the receive itself fails (REQ: EFSM)"] = withEnv(async zmq => {
  const iterate = async (s: Loose) => {
    process.nextTick(() => s.close())
    const got: string[] = []
    try {
      for await (const [m] of s) got.push(String(m))
      return {ended: got}
    } catch (e) {
      return {threw: errInfo(e)}
    }
  }
  return {dealer: await iterate(new zmq.Dealer()), request: await iterate(new zmq.Request())}
})

scenarios["close() with a message waiting: the pending receive still gets it"] = withEnv(async (zmq, env) => {
  const pull = env.track(new zmq.Pull())
  const push = env.track(new zmq.Push())
  await pull.bind("inproc://" + freshName("name"))
  push.connect(pull.lastEndpoint!)
  const r = pull.receive()
  await push.send("last")
  pull.close()
  return {r: await settle(r)}
})

/** The first `type` event of an observer (bounded: undefined after 3 s). */
async function firstEvent(events: Loose, type: string): Promise<Record<string, unknown> | undefined> {
  const deadline = Date.now() + 3000
  while (Date.now() < deadline) {
    const timeout = sleep(deadline - Date.now()).then(() => undefined)
    const event = await Promise.race([events.receive(), timeout])
    if (event === undefined) return undefined
    if (event.type === type) return {type: event.type, message: event.error?.message, code: event.error?.code, status: event.error?.status}
  }
  return undefined
}

/** A ZAP handler that answers every request with reply(request frames). */
async function zapHandler(zmq: Zmq, env: {track<T>(s: T): T}, reply: (frames: Buffer[]) => unknown[]): Promise<void> {
  const handler = env.track(new zmq.Router()) as Loose
  await handler.bind("inproc://zeromq.zap.01")
  void (async () => {
    try {
      for await (const frames of handler) await handler.send(reply(frames))
    } catch {
      // closed
    }
  })()
}

for (const t of ["tcp", "ipc"] as const) {
  for (const [name, reply] of [
    ["a ZAP reply with the wrong version", (f: Buffer[]) => [f[0], f[1], "9.9", f[4], "200", "OK", null, null]],
    ["a ZAP reply with too few frames", (f: Buffer[]) => [f[0], f[1], null, null]],
    ["a ZAP reply with an invalid status", (f: Buffer[]) => [f[0], f[1], "1.0", f[4], "999", "?", null, null]],
    ["a ZAP refusal (400)", (f: Buffer[]) => [f[0], f[1], "1.0", f[4], "400", "No", null, null]],
  ] as const) {
    scenarios[`${t}: PLAIN with ${name}: the events on both sides`] = withEnv(async (zmq, env) => {
      await zapHandler(zmq, env, reply)
      const server = env.track(new zmq.Pair({plainServer: true, zapDomain: "test"})) as Loose
      const client = env.track(new zmq.Pair({plainUsername: "user", plainPassword: "pass"})) as Loose
      const serverEvents = env.observe(server)
      const clientEvents = env.observe(client)
      await server.bind(t === "tcp" ? "tcp://127.0.0.1:*" : `ipc://${ipcDirectory}/${freshName("sock")}`)
      client.connect(server.lastEndpoint)
      const [s, c] = await Promise.all([firstEvent(serverEvents, name.includes("400") ? "handshake:error:auth" : "handshake:error:protocol"), firstEvent(clientEvents, "handshake:error:auth")])
      return {server: s, client: name.includes("400") ? c : "not compared"}
    })
  }

  scenarios[`${t}: a mechanism mismatch with a ZAP handler bound: the events on both sides`] = withEnv(async (zmq, env) => {
    await zapHandler(zmq, env, f => [f[0], f[1], "1.0", f[4], "200", "OK", null, null])
    const a = env.track(new zmq.Pair({plainServer: true, zapDomain: "test"})) as Loose
    const b = env.track(new zmq.Pair({curveServer: true})) as Loose
    const aEvents = env.observe(a)
    const bEvents = env.observe(b)
    await a.bind(t === "tcp" ? "tcp://127.0.0.1:*" : `ipc://${ipcDirectory}/${freshName("sock")}`)
    b.connect(a.lastEndpoint)
    const [ea, eb] = await Promise.all([firstEvent(aEvents, "handshake:error:protocol"), firstEvent(bEvents, "handshake:error:protocol")])
    return {bound: ea, connecting: eb}
  })
}

scenarios["tcp: STREAM as a client of an HTTP server, sending right after connect()"] = withEnv(async (zmq, env) => {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, {"Content-Type": "text/plain", "Content-Length": 12})
    res.end("Hello world!")
  })
  server.listen(0, "127.0.0.1")
  await once(server, "listening")
  env.onCleanup(() => server.close())
  const port = (server.address() as net.AddressInfo).port
  const stream = env.track(new zmq.Stream()) as Loose
  const routingId = "abcdef1234567890"
  stream.connect(`tcp://127.0.0.1:${port}`, {routingId})
  const sent = await attempt(() => stream.send([routingId, `GET /foo HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`]))
  stream.receiveTimeout = 3000
  const seen: string[] = []
  let body = ""
  for (let i = 0; i < 5 && !body.includes("Hello world!"); i++) {
    const [id, data] = await stream.receive()
    seen.push(`${id.toString()}:${data.length === 0 ? "<empty>" : "data"}`)
    body += data.toString()
  }
  return {sent, seen: [...new Set(seen)], body: body.split("\r\n\r\n").pop()}
})

scenarios["tcp: STREAM: a connect()ed routing id that never connected goes without a notice"] = withEnv(async (zmq, env) => {
  const stream = env.track(new zmq.Stream({receiveTimeout: 300})) as Loose
  const address = `tcp://127.0.0.1:${30000 + Math.floor(Math.random() * 20000)}`
  stream.connect(address, {routingId: "peer1"})
  const sent = await attempt(() => stream.send(["peer1", "queued"]))
  stream.disconnect(address)
  const received = await attempt(() => stream.receive())
  return {sent, received}
})
