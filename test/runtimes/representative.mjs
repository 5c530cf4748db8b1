// One program that exercises zmtp the way an application does, for every runtime the package
// claims (runtimes.test.ts runs it under node, bun and deno): tcp, ipc, inproc, CURVE, ws://,
// the draft sockets and udp. All peers are zmtp (the native addon is what cannot load there).
// Prints "ok <check>" per check and exits non-zero on the first failure or after 20 s.
//
//   <runtime> test/runtimes/representative.mjs <built dist dir>
import {tmpdir} from "node:os"
import {join} from "node:path"

const dist = process.argv[2]
const zmq = await import(join(dist, "esm", "index.js"))
const draft = await import(join(dist, "esm", "draft-sockets.js"))
const watchdog = setTimeout(() => {
  console.error("timed out")
  process.exit(3)
}, 20_000)
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
  await rep.bind(`ipc://${join(tmpdir(), `zmtp-rt-${process.pid}-${Date.now()}.ipc`)}`)
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
  const port = 20000 + Math.floor(Math.random() * 20000)
  const dish = track(new draft.Dish({receiveTimeout: 100}))
  dish.join("g")
  await dish.bind(`udp://127.0.0.1:${port}`)
  const radio = track(new draft.Radio())
  radio.connect(`udp://127.0.0.1:${port}`)
  for (let i = 0; ; i++) {
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
