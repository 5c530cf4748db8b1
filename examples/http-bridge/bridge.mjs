#!/usr/bin/env node
/**
 * HTTP to ZeroMQ bridge (the ZeroMQ Guide's "0MQ to HTTP" idea, the other way round: HTTP
 * clients in front, ZeroMQ workers behind). Every HTTP request becomes one ZeroMQ message to a
 * worker; the worker's reply becomes the HTTP response.
 *
 *   node examples/http-bridge/bridge.mjs          then   node examples/http-bridge/worker.mjs
 *   curl -d 'hello' http://127.0.0.1:8080/echo
 *
 * The bridge binds a DEALER on BRIDGE_BACKEND; workers connect REP sockets to it. DEALER deals
 * requests round-robin to the connected workers and takes replies from any of them, so replies
 * come back in any order: each request carries an id frame, and REP hands that envelope back
 * with the reply, which is how a reply finds its HTTP request. See README.md for the frames.
 *
 * Environment: BRIDGE_HTTP_HOST (127.0.0.1), BRIDGE_HTTP_PORT (8080, 0 for any free port),
 * BRIDGE_BACKEND (tcp://127.0.0.1:5560, "tcp://127.0.0.1:*" for any free port),
 * BRIDGE_TIMEOUT_MS (5000), BRIDGE_MAX_BODY_BYTES (1048576), ZMTP_MODULE (see zmq.mjs).
 * Imported, start(options) runs it in-process and returns {url, backend, close()}.
 */
import {randomBytes} from "node:crypto"
import {createServer} from "node:http"
import {resolve} from "node:path"
import {fileURLToPath} from "node:url"

/** Request headers passed on to workers. Not all of them: cookies and credentials stay at the
 *  edge unless a deployment decides otherwise (the `forwardHeaders` option). */
export const FORWARDED_HEADERS = ["content-type", "accept", "accept-language", "user-agent", "x-request-id"]

// Headers that describe one HTTP connection rather than the response: the bridge's own HTTP
// layer sets them (content-length from the body it actually sends), so a worker's are dropped.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "te", "trailer", "proxy-connection"])

// How much of an oversize body is read (and dropped) after the 413 before the connection is cut.
const DISCARD_LIMIT = 64 << 20

const JSON_TYPE = {"content-type": "application/json; charset=utf-8"}
const problem = (error, detail, extra = {}) => JSON.stringify({error, detail, ...extra}) + "\n"

export async function start({
  zmq,
  httpHost = "127.0.0.1",
  httpPort = 8080,
  backend = "tcp://127.0.0.1:5560",
  timeoutMs = 5000,
  maxBodyBytes = 1 << 20,
  maxPending = 10_000,
  forwardHeaders = FORWARDED_HEADERS,
  log = console.log,
} = {}) {
  // --- ZeroMQ side ---------------------------------------------------------------------------
  // linger 0: on shutdown, requests not yet taken by a worker are dropped, their HTTP clients
  // having been answered already.
  const dealer = new zmq.Dealer({linger: 0})
  try {
    await dealer.bind(backend)
  } catch (e) {
    dealer.close()
    e.message = `cannot bind ${backend}: ${e.message} (set BRIDGE_BACKEND, e.g. "tcp://127.0.0.1:*" for any free port)`
    throw e
  }
  const backendEndpoint = dealer.lastEndpoint

  // Ids are unique across restarts too (the random prefix): a worker still holding a request
  // from a previous bridge process can never answer a request of this one.
  const idPrefix = randomBytes(4).toString("hex")
  let counter = 0
  /** id -> {finish(status, headers, body), sent}; an id leaves the map when its HTTP request is
   *  answered (reply, timeout, client gone), so a reply whose id is absent is late: dropped. */
  const pending = new Map()
  let running = true

  // A socket has at most one send in flight (zeromq.js v6 rule; a second is EBUSY), and a
  // DEALER's send waits while no worker is connected, so requests queue here in order.
  const outbox = []
  let pumping = false
  async function pump() {
    if (pumping) return
    pumping = true
    while (running && outbox.length > 0) {
      const {id, frames} = outbox.shift()
      // Timed out (or the client left) while queued: no worker should spend time on it.
      if (!pending.has(id)) continue
      try {
        // [id, "", ...]: the empty delimiter makes this a request envelope that a REP worker
        // strips before its application code sees the message, and puts back on the reply.
        await dealer.send([id, "", ...frames])
        const entry = pending.get(id)
        if (entry) entry.sent = true
      } catch (e) {
        if (!running) break
        pending.get(id)?.finish(502, JSON_TYPE, problem("Bad Gateway", `could not pass the request to a worker: ${e.message}`))
      }
    }
    pumping = false
  }

  function onReply(frames) {
    const id = frames[0]?.toString() ?? ""
    const entry = pending.get(id)
    if (!entry) {
      // Its request timed out (504 already sent) or its client went away. Never hand it to
      // another request: the id says whose it is.
      log(`discarded a late reply to request ${id}`)
      return
    }
    const [, delimiter, status, headers, body] = frames
    const code = status === undefined ? NaN : Number(status.toString())
    let parsed
    try {
      parsed = JSON.parse(headers?.toString() ?? "")
    } catch {}
    const validHeaders = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) && Object.values(parsed).every(v => typeof v === "string")
    if (frames.length !== 5 || delimiter.length !== 0 || !Number.isInteger(code) || code < 200 || code > 599 || !validHeaders) {
      entry.finish(502, JSON_TYPE, problem("Bad Gateway", "the worker's reply is not [status, headers JSON, body] (examples/http-bridge/README.md)"))
      return
    }
    const out = {}
    for (const [name, value] of Object.entries(parsed)) if (!HOP_BY_HOP.has(name.toLowerCase())) out[name] = value
    entry.finish(code, out, body)
  }

  const receiving = (async () => {
    for await (const frames of dealer) onReply(frames)
  })().catch(e => {
    if (running) log(`receiving replies failed: ${e.message}`)
  })

  // --- HTTP side -----------------------------------------------------------------------------
  function refuseTooLarge(req, res) {
    res.writeHead(413, JSON_TYPE).end(problem("Payload Too Large", `the request body is over the limit of ${maxBodyBytes} bytes`, {maxBodyBytes}))
    // The rest of the body is read and thrown away rather than the connection closed at once:
    // a client still sending (fetch does not wait for "100 Continue") would otherwise see its
    // connection reset (EPIPE) before it reads the 413. Up to a bound, past which it is closed.
    let discarded = 0
    req.on("data", chunk => {
      discarded += chunk.length
      if (discarded > DISCARD_LIMIT) req.socket.destroy()
    })
    req.resume()
  }
  const declaredTooLarge = req => Number(req.headers["content-length"] ?? 0) > maxBodyBytes

  function onRequest(req, res) {
    if (!running) return res.writeHead(503, JSON_TYPE).end(problem("Service Unavailable", "the bridge is shutting down"))
    if (declaredTooLarge(req)) return refuseTooLarge(req, res)
    // A chunked body has no length up front: count as it arrives and stop at the limit.
    const chunks = []
    let size = 0
    let refused = false
    req.on("data", chunk => {
      if (refused) return
      size += chunk.length
      if (size > maxBodyBytes) {
        refused = true
        chunks.length = 0
        refuseTooLarge(req, res)
      } else chunks.push(chunk)
    })
    req.on("error", () => {}) // the client went away mid-body: nothing to answer
    req.on("end", () => {
      if (!refused) forward(req, res, Buffer.concat(chunks))
    })
  }

  function forward(req, res, body) {
    if (pending.size >= maxPending) {
      return res.writeHead(503, {...JSON_TYPE, "retry-after": "1"}).end(problem("Service Unavailable", `${maxPending} requests are already waiting for workers`))
    }
    const id = `${idPrefix}-${(++counter).toString(36)}`
    const headers = {}
    for (const name of forwardHeaders) {
      const value = req.headers[name]
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value
    }

    const timer = setTimeout(() => {
      const sent = pending.get(id)?.sent
      // 504 either way; the detail tells "no worker is connected" from "a worker took it and
      // did not answer in time", which is the first thing an operator wants to know.
      const detail = sent
        ? `no worker answered within ${timeoutMs} ms`
        : `no worker answered within ${timeoutMs} ms: none was connected to ${backendEndpoint} to take the request`
      finish(504, JSON_TYPE, problem("Gateway Timeout", detail, {timeoutMs}))
    }, timeoutMs)

    function finish(status, headers, body) {
      if (!pending.delete(id)) return // answered already
      clearTimeout(timer)
      if (res.headersSent || res.destroyed) return
      try {
        // A length rather than chunked encoding: the whole body is at hand.
        res.writeHead(status, {...headers, "content-length": Buffer.byteLength(body)})
      } catch (e) {
        // A header name or value HTTP cannot carry (writeHead validates before writing).
        res.writeHead(502, JSON_TYPE).end(problem("Bad Gateway", `the worker's reply has a header HTTP cannot carry: ${e.message}`))
        return
      }
      res.end(body)
    }
    // The client hung up before the answer: forget the request, so its reply counts as late.
    res.on("close", () => {
      if (pending.delete(id)) clearTimeout(timer)
    })

    pending.set(id, {finish, sent: false})
    outbox.push({id, frames: [req.method ?? "GET", req.url ?? "/", JSON.stringify(headers), body]})
    void pump()
  }

  const http = createServer(onRequest)
  // curl and others ask before sending a large body ("Expect: 100-continue"): refuse an
  // oversize one before it is sent at all.
  http.on("checkContinue", (req, res) => {
    if (!declaredTooLarge(req)) res.writeContinue()
    onRequest(req, res)
  })
  try {
    await new Promise((ok, fail) => http.once("error", fail).listen(httpPort, httpHost, ok))
  } catch (e) {
    await close()
    if (e.code === "EADDRINUSE") e.message = `port ${httpPort} is in use: set BRIDGE_HTTP_PORT to another port (0 for any free one)`
    throw e
  }
  const address = http.address()
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}/`

  async function close() {
    if (!running) return
    running = false
    for (const entry of [...pending.values()]) entry.finish(503, JSON_TYPE, problem("Service Unavailable", "the bridge is shutting down"))
    outbox.length = 0
    dealer.close()
    await receiving
    http.closeAllConnections?.()
    await new Promise(r => (http.listening ? http.close(() => r()) : r()))
  }
  return {url, backend: backendEndpoint, close}
}

// Run directly: `node examples/http-bridge/bridge.mjs`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const env = process.env
  const number = (name, fallback, max = Number.MAX_SAFE_INTEGER) => {
    const v = env[name]
    if (v === undefined || v === "") return fallback
    if (!/^\d+$/.test(v) || Number(v) > max) throw new Error(`${name} must be a whole number up to ${max}, not ${JSON.stringify(v)}`)
    return Number(v)
  }
  let bridge
  try {
    const {loadZmq} = await import("./zmq.mjs")
    const options = {
      httpHost: env.BRIDGE_HTTP_HOST || "127.0.0.1",
      httpPort: number("BRIDGE_HTTP_PORT", 8080, 65535),
      backend: env.BRIDGE_BACKEND || "tcp://127.0.0.1:5560",
      timeoutMs: number("BRIDGE_TIMEOUT_MS", 5000),
      maxBodyBytes: number("BRIDGE_MAX_BODY_BYTES", 1 << 20),
    }
    bridge = await start({...options, zmq: await loadZmq({buildIfMissing: true})})
    // The test reads these two lines to find the ports.
    console.log(`http bridge listening on ${bridge.url}`)
    console.log(`workers connect to ${bridge.backend} (timeout ${options.timeoutMs} ms, body limit ${options.maxBodyBytes} bytes); Ctrl-C to stop`)
  } catch (e) {
    console.error(`http bridge: ${e.message}`)
    process.exit(1)
  }
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => void bridge.close().then(() => process.exit(0)))
}
