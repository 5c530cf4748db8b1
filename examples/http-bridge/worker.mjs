#!/usr/bin/env node
/**
 * A sample worker for the HTTP bridge: a REP socket connected to the bridge's DEALER. It answers
 * every request with JSON describing what it received, so you can see the frames go through.
 *
 *   node examples/http-bridge/worker.mjs                       (connects to tcp://127.0.0.1:5560)
 *   WORKER_BACKEND=tcp://10.0.0.5:5560 WORKER_NAME=w2 node examples/http-bridge/worker.mjs
 *
 * Start as many as you like: the bridge deals requests to them in turn. A REP socket handles
 * one request at a time, in the order they come. Two query parameters help try the bridge out:
 *   ?delay=MS    answer after MS milliseconds (past the bridge's timeout, the reply is late)
 *   ?status=NNN  answer with that HTTP status (200 to 599)
 */
import {loadZmq} from "./zmq.mjs"

const backend = process.env.WORKER_BACKEND || "tcp://127.0.0.1:5560"
const name = process.env.WORKER_NAME || `worker-${process.pid}`
const MAX_DELAY_MS = 60_000

let zmq, rep
try {
  zmq = await loadZmq()
  // linger 0: at Ctrl-C a reply not yet written would go to a bridge that stopped waiting anyway.
  rep = new zmq.Reply({linger: 0})
  // Reported so that whoever starts the worker (a person or the test) sees it join; connect()
  // itself returns before the connection exists, and ZeroMQ reconnects on its own if it drops.
  rep.events.on("connect", ({address}) => console.log(`${name} connected to ${address}`))
  rep.connect(backend)
} catch (e) {
  console.error(`worker: ${e.message}${zmq ? ` (connecting to ${JSON.stringify(backend)}, WORKER_BACKEND)` : ""}`)
  process.exit(1)
}
console.log(`${name} connecting to ${backend}`)

const stop = () => {
  rep.close()
  process.exit(0)
}
process.once("SIGINT", stop)
process.once("SIGTERM", stop)

// REP has already taken off the bridge's envelope ([request id, ""]) and will put it back on
// the reply: the request is [method, path, headers JSON, body], the reply [status, headers
// JSON, body].
for await (const frames of rep) {
  await rep.send(await handle(frames))
}

async function handle(frames) {
  if (frames.length !== 4) return reply(400, {error: `expected 4 frames [method, path, headers, body], got ${frames.length}`})
  const [method, path, headersJson, body] = frames.map((f, i) => (i === 3 ? f : f.toString()))
  let headers
  try {
    headers = JSON.parse(headersJson)
  } catch {
    return reply(400, {error: "the headers frame is not JSON"})
  }
  const query = new URL(path, "http://bridge").searchParams
  const delay = Math.min(Number(query.get("delay")) || 0, MAX_DELAY_MS)
  if (delay > 0) await new Promise(r => setTimeout(r, delay))
  const status = Number(query.get("status")) || 200
  return reply(status >= 200 && status <= 599 ? status : 400, {
    worker: name,
    method,
    path,
    headers,
    body: body.toString("utf8"),
    bytes: body.length,
  })
}

function reply(status, value) {
  return [String(status), JSON.stringify({"content-type": "application/json; charset=utf-8", "x-worker": name}), JSON.stringify(value) + "\n"]
}
