// zmtp browser demo, the page: a ZeroMQ SUB socket receives live figures from the demo's Node
// process (server.mjs) over ws:// and plots them on <canvas>. Plain JavaScript, no framework.

// zmtp's browser build: the same API as the `zeromq` package (v6) on Node.
import * as zmq from "/zmtp/zmtp.js"

window.zmq = zmq // to try things in the devtools console

const WINDOW_MS = 30_000 // how much history the charts show

/** One chart per topic; each series is a key of the JSON body the server publishes. */
const CHARTS = [
  {
    topic: "lag", title: "Event-loop lag", unit: "ms", format: v => v.toFixed(v < 10 ? 2 : 1),
    series: [{key: "mean", label: "mean", color: "#3b82f6"}, {key: "max", label: "max", color: "#ef4444"}],
  },
  {
    topic: "rate", title: "Pipeline throughput", unit: "msg/s", format: v => compact.format(v),
    series: [{key: "measured", label: "measured", color: "#10b981"}, {key: "target", label: "target", color: "#a3a3a3", dash: [5, 4]}],
  },
  {
    topic: "heap", title: "V8 heap", unit: "MB", format: v => v.toFixed(1),
    series: [{key: "used", label: "used", color: "#8b5cf6"}, {key: "total", label: "total", color: "#f59e0b"}],
  },
]
const compact = new Intl.NumberFormat("en", {notation: "compact", maximumFractionDigits: 1})

// ----------------------------------------------------------------------------------------------
// ZeroMQ
// ----------------------------------------------------------------------------------------------

async function subscribe() {
  // The server tells us where its PUB socket is, e.g. {"endpoint": "ws://127.0.0.1:41234/"}.
  const {endpoint} = await (await fetch("/config.json")).json()
  document.getElementById("endpoint").textContent = `SUB ← ${endpoint}`

  // A SUB socket receives what a PUB publishes, but only the messages whose first frame starts
  // with one of its subscriptions. With no subscribe() call it would receive nothing.
  // While the server is away, connect() retries: after 250 ms, then backing off to every 2 s
  // (each failed attempt is a WebSocket error in the browser's console).
  const sub = new zmq.Subscriber({reconnectInterval: 250, reconnectMaxInterval: 2000})
  for (const chart of CHARTS) sub.subscribe(chart.topic)

  // Monitor events: "handshake" when the ZeroMQ session is up, "disconnect" when it drops.
  // Reconnecting needs no code here: a restarted server is picked up again by itself.
  sub.events.on("handshake", () => setStatus("waiting", "connected, waiting for data…"))
  sub.events.on("disconnect", () => setStatus("disconnected", "disconnected, retrying…"))

  // connect() returns at once: the WebSocket is opened in the background. A page can only
  // connect (a browser cannot listen), so the Node side binds and the page connects.
  sub.connect(endpoint)

  // Every message is [topic, body], both Uint8Array frames; the body is JSON here. The loop
  // runs for as long as the socket is open, waiting for each message in turn.
  const text = new TextDecoder()
  for await (const [topic, body] of sub) {
    const chart = byTopic.get(text.decode(topic))
    if (chart) record(chart, JSON.parse(text.decode(body)))
  }
}

// ----------------------------------------------------------------------------------------------
// Data and status
// ----------------------------------------------------------------------------------------------

const byTopic = new Map()
let lastMessageAt = -Infinity
let messages = [] // arrival times over the last second, for the rate shown in the status

function record(chart, values) {
  const now = performance.now()
  chart.points.push({at: now, values})
  chart.received++
  while (chart.points.length > 2 && chart.points[1].at < now - WINDOW_MS) chart.points.shift()
  for (const s of chart.series) s.latest.textContent = chart.format(values[s.key] ?? 0) // unit: in the title
  lastMessageAt = now
  messages.push(now)
}

let status = "connecting"
let statusText = ""
function setStatus(state, text) {
  if (state === status && text === statusText) return
  status = state
  statusText = text
  document.getElementById("status").dataset.state = state
  document.getElementById("status-text").textContent = text
}

/** Called every frame: "live" while messages flow, "waiting" when they stop. */
function updateStatus(now) {
  messages = messages.filter(t => t > now - 1000)
  const quiet = now - lastMessageAt
  if (status === "disconnected") return // until the next handshake
  if (quiet < 1000) setStatus("live", `live · ${messages.length} messages/s`)
  else if (lastMessageAt > 0) setStatus("waiting", `no data for ${Math.round(quiet / 1000)} s…`)
}

// ----------------------------------------------------------------------------------------------
// Drawing: a line chart per topic on a <canvas>, redrawn every animation frame so that the
// time axis scrolls smoothly.
// ----------------------------------------------------------------------------------------------

function makeCard(chart) {
  const card = document.createElement("section")
  card.className = "card"
  card.innerHTML = `<h2>${chart.title} <span class="unit">(${chart.unit})</span></h2><div class="legend"></div><canvas></canvas>`
  for (const s of chart.series) {
    const item = document.createElement("span")
    item.innerHTML = `<span class="swatch"></span>${s.label}<span class="value">–</span>`
    item.querySelector(".swatch").style.background = s.color
    s.latest = item.querySelector(".value")
    card.querySelector(".legend").append(item)
  }
  chart.canvas = card.querySelector("canvas")
  chart.canvas.dataset.topic = chart.topic
  chart.points = []
  chart.received = 0
  chart.plotted = 0
  document.getElementById("charts").append(card)
  byTopic.set(chart.topic, chart)
}

/** A round axis maximum (1, 2, 2.5 or 5 × 10ⁿ per step) with `ticks` steps. */
function niceScale(max, ticks = 4) {
  const raw = Math.max(max, 1e-9) / ticks
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map(m => m * magnitude).find(s => s >= raw)
  return {step, max: step * ticks}
}

function draw(chart, now, theme) {
  const {canvas} = chart
  const ctx = canvas.getContext("2d")
  const dpr = window.devicePixelRatio || 1
  const width = canvas.clientWidth
  const height = canvas.clientHeight
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr)
    canvas.height = Math.round(height * dpr)
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.clearRect(0, 0, width, height)

  const pad = {left: 44, right: 8, top: 8, bottom: 22}
  const plotW = width - pad.left - pad.right
  const plotH = height - pad.top - pad.bottom
  const x = at => pad.left + plotW * (1 - (now - at) / WINDOW_MS)
  const visible = chart.points.filter(p => p.at >= now - WINDOW_MS - 1000)
  const peak = Math.max(0, ...visible.flatMap(p => chart.series.map(s => p.values[s.key] ?? 0)))
  const scale = niceScale(peak)
  const y = v => pad.top + plotH * (1 - v / scale.max)

  // Grid, y labels (values) and x labels (seconds ago).
  ctx.font = "11px system-ui, sans-serif"
  ctx.lineWidth = 1
  ctx.fillStyle = theme.muted
  ctx.textAlign = "right"
  ctx.textBaseline = "middle"
  for (let v = 0; v <= scale.max + scale.step / 2; v += scale.step) {
    const py = Math.round(y(v)) + 0.5
    ctx.strokeStyle = v === 0 ? theme.axis : theme.grid
    ctx.beginPath()
    ctx.moveTo(pad.left, py)
    ctx.lineTo(pad.left + plotW, py)
    ctx.stroke()
    ctx.fillText(v >= 1000 ? compact.format(v) : String(Number(v.toPrecision(3))), pad.left - 6, py)
  }
  ctx.textAlign = "center"
  ctx.textBaseline = "top"
  for (let ago = 0; ago <= WINDOW_MS; ago += 5000) {
    ctx.fillText(ago === 0 ? "now" : `−${ago / 1000}s`, Math.min(x(now - ago), width - 14), pad.top + plotH + 6)
  }

  // The series, clipped to the plot area.
  ctx.save()
  ctx.beginPath()
  ctx.rect(pad.left, pad.top - 2, plotW, plotH + 4)
  ctx.clip()
  ctx.lineWidth = 2
  ctx.lineJoin = "round"
  for (const s of chart.series) {
    ctx.strokeStyle = s.color
    ctx.setLineDash(s.dash ?? [])
    ctx.beginPath()
    visible.forEach((p, i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, x(p.at), y(p.values[s.key] ?? 0)))
    ctx.stroke()
  }
  ctx.restore()
  chart.plotted = visible.length

  if (visible.length === 0) {
    ctx.fillStyle = theme.muted
    ctx.textAlign = "center"
    ctx.textBaseline = "middle"
    ctx.font = "13px system-ui, sans-serif"
    ctx.fillText("waiting for data…", pad.left + plotW / 2, pad.top + plotH / 2)
  }
}

function frame() {
  const now = performance.now()
  const css = getComputedStyle(document.documentElement)
  const theme = {muted: css.getPropertyValue("--muted"), grid: css.getPropertyValue("--grid"), axis: css.getPropertyValue("--axis")}
  for (const chart of CHARTS) draw(chart, now, theme)
  updateStatus(now)
  requestAnimationFrame(frame)
}

// ----------------------------------------------------------------------------------------------

for (const chart of CHARTS) makeCard(chart)

/** Read-only counts for the demo's test (test/browser/demo.test.ts) and the curious. */
window.demo = Object.freeze({
  get received() {
    return Object.fromEntries(CHARTS.map(c => [c.topic, c.received]))
  },
  get plotted() {
    return Object.fromEntries(CHARTS.map(c => [c.topic, c.plotted]))
  },
  get status() {
    return status
  },
})

requestAnimationFrame(frame)
subscribe().catch(e => {
  setStatus("disconnected", `error: ${e.message}`)
  throw e
})
