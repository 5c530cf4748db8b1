#!/usr/bin/env node
/**
 * zmtp browser demo, the Node side: a PUB socket on ws:// publishes live figures about this
 * process every 100 ms, and a small HTTP server serves the page (index.html, app.js) that
 * subscribes to them from the browser with zmtp's browser build.
 *
 *   npm run demo:browser                     then open the URL it prints
 *   DEMO_HTTP_PORT=9000 DEMO_WS_PORT=5555 npm run demo:browser
 *
 * Topics (each message is two frames: the topic, then a JSON object of numbers):
 *   "lag"   event-loop lag in ms, {mean, max}, from perf_hooks.monitorEventLoopDelay
 *   "rate"  messages/s through an internal inproc:// PUSH/PULL pipeline, {target, measured}
 *   "heap"  V8 heap in MB, {used, total}
 * The pipeline is a synthetic workload whose load rises and falls on a 30 s cycle, so that the
 * charts have something to show: watch the lag follow the message rate.
 *
 * Run directly, it builds zmtp first (scripts/build.mjs, a few seconds) and stops on Ctrl-C.
 * Imported, start({httpPort, wsPort}) runs it in-process and returns {url, wsEndpoint, close()}.
 */
import {execFileSync} from "node:child_process"
import {existsSync, readFileSync} from "node:fs"
import {createServer} from "node:http"
import {extname, join, resolve, sep} from "node:path"
import {monitorEventLoopDelay} from "node:perf_hooks"
import {fileURLToPath, pathToFileURL} from "node:url"

const here = fileURLToPath(new URL(".", import.meta.url))
const root = resolve(here, "..", "..")
const dist = join(root, "dist")

const TICK_MS = 100 // how often the figures are published
const CYCLE_MS = 30_000 // the synthetic load's period
const LOW_RATE = 10_000 // its messages/s at the quietest...
const PEAK_RATE = 300_000 // ...and at the busiest
const SLOT_MS = 50 // the pipeline sends its messages in one batch per slot
const LAG_RESOLUTION_MS = 10

const TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".map": "application/json"}

/** Builds dist/ (esm, cjs and browser/zmtp.js) with the repository's own build script. */
export function build() {
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs"), dist], {cwd: root, stdio: "inherit"})
}

/**
 * Starts the demo. httpPort defaults to 8080 and wsPort to any free port (0 means any free port
 * for both). `zmq` (the Node API) and `zmtpBrowserDir` (the folder holding zmtp.js) default to
 * dist/, which is built first if it is missing; the tests pass the sources and a fresh build.
 */
export async function start({httpPort = 8080, wsPort = 0, zmq, zmtpBrowserDir, log = console.log} = {}) {
  if (!zmq || !zmtpBrowserDir) {
    if (!existsSync(join(dist, "esm", "index.js")) || !existsSync(join(dist, "browser", "zmtp.js"))) build()
  }
  zmq ??= await import(pathToFileURL(join(dist, "esm", "index.js")).href)
  zmtpBrowserDir = resolve(zmtpBrowserDir ?? join(dist, "browser"))

  // --- ZeroMQ: the publisher the page subscribes to ------------------------------------------
  // A PUB socket sends every message to every connected subscriber whose subscription (a topic
  // prefix) matches the first frame. Binding to ws:// makes it reachable from a browser's
  // WebSocket; "*" asks for any free port, and lastEndpoint tells which one it got.
  const pub = new zmq.Publisher({linger: 0})
  const address = `ws://127.0.0.1:${wsPort || "*"}`
  try {
    await pub.bind(address)
  } catch (e) {
    pub.close()
    e.message = `cannot bind ${address}: ${e.message} (set DEMO_WS_PORT to another port, or 0 for any free one)`
    throw e
  }
  const wsEndpoint = pub.lastEndpoint

  // --- ZeroMQ: the synthetic workload, an inproc:// PUSH/PULL pipeline ------------------------
  // inproc:// connects sockets inside one process without any network; PUSH hands each message
  // to one PULL. The producer sends batches sized to follow a slow wave of target rates; the
  // consumer counts what arrives, which is the "measured" rate.
  const push = new zmq.Push({linger: 0})
  const pull = new zmq.Pull({linger: 0})
  await push.bind("inproc://demo-workload")
  pull.connect("inproc://demo-workload")
  const started = performance.now()
  const targetRate = () => LOW_RATE + ((PEAK_RATE - LOW_RATE) * (1 - Math.cos((2 * Math.PI * (performance.now() - started)) / CYCLE_MS))) / 2
  let running = true
  let received = 0
  const consumer = (async () => {
    for await (const _ of pull) received++
  })().catch(e => {
    if (running) throw e
  })
  const producer = (async () => {
    const payload = Buffer.alloc(64, 0x2a)
    while (running) {
      const batch = Math.round((targetRate() * SLOT_MS) / 1000)
      for (let i = 0; i < batch && running; i++) await push.send(payload)
      await new Promise(r => setTimeout(r, SLOT_MS))
    }
  })().catch(e => {
    if (running) throw e
  })

  // --- The figures, published every TICK_MS -------------------------------------------------
  // monitorEventLoopDelay samples how late a LAG_RESOLUTION_MS timer fires; its readings
  // include the timer's own interval, which is taken off so that an idle loop reads about 0.
  const loopDelay = monitorEventLoopDelay({resolution: LAG_RESOLUTION_MS})
  loopDelay.enable()
  const lagMs = ns => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS) : 0)
  const round = (x, digits) => Number(x.toFixed(digits))
  // The measured rate is taken over the last second, which smooths out the batches.
  const counts = [{at: performance.now(), received: 0}]
  let publishing = Promise.resolve()
  const ticker = setInterval(() => {
    const now = performance.now()
    counts.push({at: now, received})
    while (counts.length > 2 && counts[1].at <= now - 1000) counts.shift()
    const rate = ((received - counts[0].received) * 1000) / (now - counts[0].at)
    const heap = process.memoryUsage()
    const figures = {
      lag: {mean: round(lagMs(loopDelay.mean), 2), max: round(lagMs(loopDelay.max), 2)},
      rate: {target: Math.round(targetRate()), measured: Math.round(rate)},
      heap: {used: round(heap.heapUsed / 2 ** 20, 1), total: round(heap.heapTotal / 2 ** 20, 1)},
    }
    loopDelay.reset()
    // A multipart message: [topic, body]. Subscribers filter on the first frame. PUB never
    // blocks: with no subscriber connected (or a slow one past its high-water mark) messages
    // are dropped, which is what live figures want. Sends are chained so that one socket never
    // has two sends in flight.
    publishing = publishing.then(async () => {
      for (const [topic, body] of Object.entries(figures)) {
        if (running) await pub.send([topic, JSON.stringify(body)])
      }
    }).catch(e => {
      if (running) log(`publish failed: ${e.message}`)
    })
  }, TICK_MS)

  // --- HTTP: the page, zmtp's browser build, and /config.json telling the page where the PUB is
  const pages = {"/": resolve(here), "/zmtp/": zmtpBrowserDir}
  const http = createServer((req, res) => {
    let path
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)
    } catch {
      return res.writeHead(400, {"content-type": "text/plain"}).end("bad request\n")
    }
    if (path === "/config.json") {
      res.writeHead(200, {"content-type": "application/json", "cache-control": "no-store"})
      return res.end(JSON.stringify({endpoint: wsEndpoint, tickMs: TICK_MS}))
    }
    const prefix = path.startsWith("/zmtp/") ? "/zmtp/" : "/"
    const dir = pages[prefix]
    const file = resolve(dir, "." + sep + (path.slice(prefix.length) || "index.html"))
    // Only files inside the folder, and from examples/browser/ only the page's (not server.mjs).
    const servable = file.startsWith(dir + sep) && (prefix === "/zmtp/" || /\.(html|js|css)$/.test(file))
    if (req.method !== "GET" || !servable || !existsSync(file)) return res.writeHead(404, {"content-type": "text/plain"}).end("not found\n")
    res.writeHead(200, {"content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-cache"})
    res.end(readFileSync(file))
  })
  try {
    await new Promise((ok, fail) => http.once("error", fail).listen(httpPort, "127.0.0.1", ok))
  } catch (e) {
    await stop()
    if (e.code === "EADDRINUSE") e.message = `port ${httpPort} is in use: set DEMO_HTTP_PORT to another port (0 for any free one)`
    throw e
  }
  const url = `http://127.0.0.1:${http.address().port}/`

  async function stop() {
    if (!running) return
    running = false
    clearInterval(ticker)
    loopDelay.disable()
    await publishing
    for (const s of [pub, push, pull]) s.close()
    await Promise.all([consumer, producer])
    http.closeAllConnections?.()
    await new Promise(r => (http.listening ? http.close(() => r()) : r()))
  }
  return {url, wsEndpoint, close: stop}
}

// Run directly (`node examples/browser/server.mjs`, `npm run demo:browser`).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = (name, fallback) => {
    const v = process.env[name]
    if (v === undefined || v === "") return fallback
    if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`${name} must be a port number (0 for any free one), not ${JSON.stringify(v)}`)
    return Number(v)
  }
  let demo
  try {
    const httpPort = port("DEMO_HTTP_PORT", 8080)
    const wsPort = port("DEMO_WS_PORT", 0)
    console.log("building zmtp (scripts/build.mjs)…")
    build()
    demo = await start({httpPort, wsPort})
  } catch (e) {
    console.error(`demo:browser: ${e.message}`)
    process.exit(1)
  }
  console.log(`\nzmtp browser demo: open ${demo.url}`)
  console.log(`  publishing lag, rate and heap on ${demo.wsEndpoint} every ${TICK_MS} ms; Ctrl-C to stop`)
  const shutdown = signal => {
    console.log(`\n${signal}: closing`)
    // If something still held the process open, do not leave the user waiting.
    setTimeout(() => process.exit(0), 2000).unref()
    demo.close().then(
      () => (process.exitCode = 0),
      e => {
        console.error(e)
        process.exitCode = 1
      },
    )
  }
  process.once("SIGINT", shutdown)
  process.once("SIGTERM", shutdown)
}
