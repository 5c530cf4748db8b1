/**
 * Drop-in scenarios for the draft sockets (issue 16): the same program against `zeromq/draft`
 * and zmtp's draft module must observe the same exports, options, errors (thrown or rejected,
 * with code, errno and message), message shapes and routing. Merged into scenarios.ts's record.
 */
import {createSocket} from "node:dgram"
import {attempt, errInfo, sleep, TRANSPORTS, withEnv, type Loose, type Scenario} from "./harness.js"

export const draftScenarios: Record<string, Scenario> = {}
const scenarios = draftScenarios

/** What calling fn synchronously throws: its class and message (or "returned"). */
function thrown(fn: () => unknown): Record<string, unknown> | string {
  try {
    const r = fn()
    if (r instanceof Promise) r.catch(() => {})
    return "returned"
  } catch (e) {
    return errInfo(e)
  }
}

scenarios["draft: exports, types, defaults and option properties"] = withEnv(async (zmq, env, draft) => {
  const d = draft as Loose
  const names = ["Server", "Client", "Radio", "Dish", "Gather", "Scatter", "Datagram"]
  const out: Record<string, unknown> = {exports: Object.keys(draft).sort(), draftCapability: zmq.capability.draft}
  for (const name of names) {
    const s = env.track(new d[name]()) as Loose
    out[name] = {
      type: s.type,
      threadSafe: s.threadSafe,
      linger: s.linger,
      isSocket: s instanceof zmq.Socket,
      sendHighWaterMark: "sendHighWaterMark" in s ? s.sendHighWaterMark : "absent",
      receiveHighWaterMark: "receiveHighWaterMark" in s ? s.receiveHighWaterMark : "absent",
      conflate: "conflate" in s ? "present" : "absent",
      join: typeof s.join,
      asFunction: thrown(() => d[name]()),
    }
  }
  return out
})

scenarios["draft: errors of send, join and leave"] = withEnv(async (zmq, env, draft) => {
  const server = env.track(new draft.Server()) as Loose
  const client = env.track(new draft.Client()) as Loose
  const radio = env.track(new draft.Radio()) as Loose
  const dish = env.track(new draft.Dish()) as Loose
  const scatter = env.track(new draft.Scatter()) as Loose
  client.connect("inproc://draft-errors-nowhere")
  scatter.connect("inproc://draft-errors-nowhere-2")
  const out: Record<string, unknown> = {}
  out.serverNoOptions = thrown(() => server.send("x"))
  out.serverOptionsNotObject = thrown(() => server.send("x", 5))
  out.serverNoRoutingId = thrown(() => server.send("x", {}))
  out.serverRoutingIdZero = thrown(() => server.send("x", {routingId: 0}))
  out.serverUnknownId = await attempt(() => server.send("x", {routingId: 12345}))
  out.serverMultipart = await attempt(() => server.send(["a", "b"], {routingId: 12345}))
  out.clientMultipart = await attempt(() => client.send(["a", "b"]))
  out.scatterMultipart = await attempt(() => scatter.send(["a", "b"]))
  out.radioNoGroup = thrown(() => radio.send("x", {}))
  out.radioLongGroup = await attempt(() => radio.send("x", {group: "g".repeat(256)}))
  out.radioMultipart = await attempt(() => radio.send(["a", "b"], {group: "g"}))
  out.joinTwice = thrown(() => dish.join("a", "a"))
  out.leaveUnknown = thrown(() => dish.leave("zz"))
  out.joinCutAtNul = thrown(() => dish.join("b\0x", "b"))
  out.joinLong = thrown(() => dish.join("g".repeat(256)))
  out.udpOnPush = await attempt(() => env.track(new zmq.Push()).bind("udp://127.0.0.1:5555"))
  out.udpBindRadio = await attempt(() => radio.bind("udp://127.0.0.1:5555"))
  out.udpConnectDish = thrown(() => dish.connect("udp://127.0.0.1:5555"))
  out.udpUnicastWithInterface = thrown(() => radio.connect("udp://127.0.0.1;127.0.0.2:5555"))
  const udpDish = env.track(new draft.Dish()) as Loose
  await udpDish.bind("udp://127.0.0.1:*")
  out.udpLastEndpoint = udpDish.lastEndpoint
  dish.close()
  out.joinClosed = thrown(() => dish.join("c"))
  radio.close()
  out.sendClosed = thrown(() => radio.send("x", {group: "g"}))
  return out
})

for (const t of TRANSPORTS) {
  scenarios[`${t}: draft CLIENT/SERVER, RADIO/DISH, SCATTER/GATHER deliver as zeromq.js`] = withEnv(async (_zmq, env, draft) => {
    const out: Record<string, unknown> = {}
    const server = env.track(new draft.Server())
    const address = await env.bind(server, t)
    const a = env.track(new draft.Client())
    const b = env.track(new draft.Client())
    a.connect(address)
    b.connect(address)
    await a.send("a1")
    await b.send("b1")
    const seen: unknown[] = []
    for (let i = 0; i < 2; i++) {
      const [msg, meta] = await server.receive()
      seen.push([msg.toString(), Object.keys(meta), typeof meta.routingId])
      await server.send(`re ${msg}`, {routingId: meta.routingId})
    }
    out.server = seen.sort()
    out.replies = [(await a.receive()).map(String), (await b.receive()).map(String)]

    const dish = env.track(new draft.Dish())
    dish.join("fo\0ba", "ba\0fo")
    dish.leave("fo")
    const dishAt = await env.bind(dish, t)
    // A libzmq DISH sends its JOINs to a new connection only while a receive is pending (they are
    // commands its application thread processes), so the receive starts first, as in zeromq.js's
    // own radio-dish test.
    const receiving = (async () => {
      const got: unknown[] = []
      for (let i = 0; i < 2; i++) {
        const [msg, meta] = await dish.receive()
        got.push([msg.toString(), Object.keys(meta), Buffer.isBuffer(meta.group), meta.group.toString()])
      }
      return got
    })()
    const radio = env.track(new draft.Radio())
    radio.connect(dishAt)
    await sleep(100)
    for (const m of ["foo", "bar", "baz", "qux"]) await radio.send(m, {group: Buffer.from(m.slice(0, 2))})
    const got = await receiving
    out.dish = got

    const gather = env.track(new draft.Gather())
    const gatherAt = await env.bind(gather, t)
    const scatter = env.track(new draft.Scatter())
    scatter.connect(gatherAt)
    for (let i = 0; i < 20; i++) await scatter.send(String(i))
    const gathered: string[] = []
    for (let i = 0; i < 20; i++) gathered.push((await gather.receive()).map(String).join("|"))
    out.gather = gathered
    return out
  })
}

scenarios["udp: DATAGRAM echoes to a plain UDP socket; its address frame"] = withEnv(async (_zmq, env, draft) => {
  const probe = createSocket("udp4")
  await new Promise<void>(r => probe.bind(0, "127.0.0.1", r))
  const port = probe.address().port
  probe.close()
  const dgram = env.track(new draft.Datagram()) as Loose
  await dgram.bind(`udp://127.0.0.1:${port}`)
  const client = createSocket("udp4")
  await new Promise<void>(r => client.bind(0, "127.0.0.1", r))
  const reply = new Promise<Buffer>(r => client.once("message", r))
  // libzmq opens the DATAGRAM's udp socket in its I/O thread, after bind() has returned: a ping
  // sent before that is lost (port unreachable), so ping until the first one is received.
  const ping = () => client.send("ping", port, "127.0.0.1")
  ping()
  const again = setInterval(ping, 200)
  const [from, body] = await dgram.receive().finally(() => clearInterval(again))
  await dgram.send([from, "pong"])
  const answer = await reply
  const fromText = from.toString("latin1")
  const result = {
    parts: 2,
    endsWithNul: fromText.endsWith("\0"),
    fromIsClient: fromText === `127.0.0.1:${client.address().port}\0`,
    body: body.toString(),
    answer: answer.toString(),
    singlePart: await attempt(() => dgram.send(["only"])),
  }
  client.close()
  return result
})
