// One program that uses zmtp the way an application does, for every runtime the package claims
// (runtimes.test.ts runs it under node, bun and deno): tcp, ipc, inproc, CURVE, ws://, large
// bodies, bindSync, the draft sockets and udp. All peers are zmtp: libzmq's addon (the zeromq
// package) is exactly what does not load on these runtimes.
//
//   <runtime> representative.mjs <built dist dir> <scratch dir>   imports <dist>/esm/index.js
//   <runtime> representative.mjs zmtp <scratch dir>               imports "zmtp", "zmtp/draft"
//
// The second form resolves the package by name (its exports map, under the runtime's own
// conditions), from a node_modules beside this file. The scratch directory holds the ipc files
// (passed in, not os.tmpdir(): Deno would need the TMPDIR variable for that).
//
// Prints "ok <check>" per check and "all ok" at the end, and then exits by itself: every socket is
// closed, so nothing may keep the event loop alive. Exits 1 on the first failure, 3 when a check
// hangs (20 s) and 4 when the process does not end by itself within 5 s of "all ok".
import {join} from "node:path"
import {pathToFileURL} from "node:url"
import {createHash} from "node:crypto"
import {Buffer} from "node:buffer"

const [target, scratch] = process.argv.slice(2)
if (!target || !scratch) {
  console.error("usage: representative.mjs <dist dir | zmtp> <scratch dir>")
  process.exit(2)
}
const entry = sub => (target === "zmtp" ? `zmtp${sub ? `/${sub}` : ""}` : pathToFileURL(join(target, "esm", `${sub || "index"}.js`)).href)
const watchdog = setTimeout(() => {
  console.error("timed out")
  process.exit(3)
}, 20_000)
const zmq = await import(entry(""))
// zmtp/draft itself (not draft-sockets.js): loading it calls process.emitWarning, as zeromq.js does.
const draft = await import(entry("draft"))

const text = frames => frames.map(f => new TextDecoder().decode(f))
const opened = []
const track = s => (opened.push(s), s)
const check = async (name, fn) => {
  try {
    await fn()
    console.log(`ok ${name}`)
  } catch (e) {
    console.error(`FAIL ${name}: ${e?.stack ?? e}`)
    process.exit(1)
  }
}
const equal = (a, b) => {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`)
}

await check("push/pull over tcp", async () => {
  const pull = track(new zmq.Pull())
  await pull.bind("tcp://127.0.0.1:*")
  const push = track(new zmq.Push())
  push.connect(pull.lastEndpoint)
  for (let i = 0; i < 100; i++) await push.send(["n", String(i)])
  for (let i = 0; i < 100; i++) equal(text(await pull.receive()), ["n", String(i)])
})

await check("req/rep over ipc", async () => {
  const rep = track(new zmq.Reply())
  await rep.bind(`ipc://${join(scratch, "rt.ipc")}`)
  const req = track(new zmq.Request())
  req.connect(rep.lastEndpoint)
  await req.send("ping")
  equal(text(await rep.receive()), ["ping"])
  await rep.send("pong")
  equal(text(await req.receive()), ["pong"])
})

await check("pub/sub with filtering over inproc", async () => {
  const pub = track(new zmq.Publisher())
  await pub.bind("inproc://rt-pubsub")
  const sub = track(new zmq.Subscriber())
  sub.subscribe("a")
  sub.connect("inproc://rt-pubsub")
  await new Promise(r => setTimeout(r, 20))
  await pub.send(["b", "no"])
  await pub.send(["a", "yes"])
  equal(text(await sub.receive()), ["a", "yes"])
})

await check("dealer/router multipart", async () => {
  const router = track(new zmq.Router())
  await router.bind("tcp://127.0.0.1:*")
  const dealer = track(new zmq.Dealer({routingId: "d"}))
  dealer.connect(router.lastEndpoint)
  await dealer.send(["", "a", "b"])
  const [id, ...rest] = await router.receive()
  equal([...text([id]), ...text(rest)], ["d", "", "a", "b"])
  await router.send([id, "back"])
  equal(text(await dealer.receive()), ["back"])
})

await check("curve", async () => {
  const server = zmq.curveKeyPair()
  const client = zmq.curveKeyPair()
  const router = track(new zmq.Router({curveServer: true, curveSecretKey: server.secretKey}))
  await router.bind("tcp://127.0.0.1:*")
  const dealer = track(new zmq.Dealer({curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey}))
  dealer.connect(router.lastEndpoint)
  await dealer.send("secret")
  const [id, body] = await router.receive()
  equal(text([body]), ["secret"])
  await router.send([id, "ok"])
  equal(text(await dealer.receive()), ["ok"])
})

// Bodies of 4 MiB each way over tcp and ipc: the accepted side reads them through the handle
// taken from the accepted socket (node-internals.ts, where the runtime has it) and the connecting
// side through net.connect's `onread`, both straight into the body's memory.
await check("large bodies over tcp and ipc", async () => {
  const digest = b => createHash("sha256").update(b).digest("hex")
  const body = Buffer.alloc(4 << 20)
  for (let i = 0; i < body.length; i += 997) body[i] = i & 0xff
  for (const address of ["tcp://127.0.0.1:*", `ipc://${join(scratch, "rt-large.ipc")}`]) {
    const bound = track(new zmq.Pair())
    await bound.bind(address)
    const connected = track(new zmq.Pair())
    connected.connect(bound.lastEndpoint)
    for (const [from, to] of [[connected, bound], [bound, connected]]) {
      await from.send([body, "end"])
      const [got, end] = await to.receive()
      equal([got.length, digest(got), ...text([end])], [body.length, digest(body), "end"])
    }
  }
})

// bindSync: libzmq binds before returning; zmtp does it through net._createServerHandle where the
// runtime has it (Node, Deno) and through a listen() that binds at once where it does not (Bun).
await check("bindSync", async () => {
  const pull = track(new zmq.Pull())
  pull.bindSync("tcp://127.0.0.1:*")
  if (!/^tcp:\/\/127\.0\.0\.1:\d+$/.test(pull.lastEndpoint)) throw new Error(`lastEndpoint ${pull.lastEndpoint}`)
  const busy = track(new zmq.Pull())
  let code = ""
  try {
    busy.bindSync(pull.lastEndpoint)
  } catch (e) {
    code = e.code
  }
  equal(code, "EADDRINUSE")
  const push = track(new zmq.Push())
  push.connect(pull.lastEndpoint)
  await push.send("bound")
  equal(text(await pull.receive()), ["bound"])
})

// ---- ws:// ------------------------------------------------------------------------------------
// The WebSocket transport's place (its own engineer extends it: wss://, ZWS2.0 subprotocols, a
// browser-style bare ZWS2.0 peer). A check added here must also be listed in CHECKS in
// runtimes.test.ts.
await check("ws://", async () => {
  const router = track(new zmq.Router())
  await router.bind("ws://127.0.0.1:*")
  const dealer = track(new zmq.Dealer({routingId: "w"}))
  dealer.connect(router.lastEndpoint)
  await dealer.send(["over", "websocket"])
  const [id, ...rest] = await router.receive()
  equal(text(rest), ["over", "websocket"])
  await router.send([id, "back"])
  equal(text(await dealer.receive()), ["back"])
})
// ---- end of ws:// -----------------------------------------------------------------------------

await check("client/server (draft) over tcp", async () => {
  const server = track(new draft.Server())
  await server.bind("tcp://127.0.0.1:*")
  const client = track(new draft.Client())
  client.connect(server.lastEndpoint)
  await client.send("hi")
  const [msg, {routingId}] = await server.receive()
  equal(text([msg]), ["hi"])
  await server.send("re", {routingId})
  equal(text(await client.receive()), ["re"])
})

await check("radio/dish (draft) over udp", async () => {
  // udp:// has no wildcard port: try a few random ones in case one is taken.
  let dish
  let address = ""
  for (let attempt = 0; ; attempt++) {
    address = `udp://127.0.0.1:${20000 + Math.floor(Math.random() * 20000)}`
    dish = new draft.Dish({receiveTimeout: 100})
    try {
      await dish.bind(address)
      break
    } catch (e) {
      dish.close()
      if (e.code !== "EADDRINUSE" || attempt > 5) throw e
    }
  }
  track(dish)
  dish.join("g")
  const radio = track(new draft.Radio())
  radio.connect(address)
  // Datagrams sent before the dish's socket is up are lost, as with libzmq: send until one arrives.
  for (let i = 0; ; i++) {
    await radio.send("other", {group: "h"})
    await radio.send("datagram", {group: "g"})
    try {
      const [msg, {group}] = await dish.receive()
      equal(text([msg, group]), ["datagram", "g"])
      return
    } catch (e) {
      if (e.code !== "EAGAIN" || i > 50) throw e
    }
  }
})

for (const s of opened) {
  s.linger = 0
  s.close()
}
clearTimeout(watchdog)
console.log("all ok")
// Everything is closed: the runtime must now end the process by itself.
setTimeout(() => {
  console.error("still running 5 s after every socket was closed")
  process.exit(4)
}, 5_000).unref()
