/**
 * bench/RESULTS.svg: a horizontal grouped bar chart of a run's results, each contender relative to
 * zeromq.js (= 1.0), higher is better throughout. Throughput is contender ÷ zeromq.js; a metric
 * where lower is better (round trip, connect time, RSS growth) is inverted: zeromq.js ÷ contender.
 * The axis is logarithmic (the floor and zeromq.js are two orders of magnitude apart at 16 B), and
 * bars grow from 1.0: right is ahead of zeromq.js, left behind it.
 *
 * Input is the run's saved results (RESULTS.json, see `resultsJson`), so a chart can be redrawn
 * without rerunning: `node bench/run.mjs --svg-from bench/RESULTS.json`. Contender ids are taken
 * from the results as they come (zmtp, zeromq, floor, libzmq, or any other), each with a color.
 * Plain string building, no dependencies.
 */

/** Fixed colors for the known contenders; any other id takes the next color of PALETTE. */
export const CONTENDER_COLORS = {zmtp: "#1f77b4", zeromq: "#ff7f0e", floor: "#8c8c8c", libzmq: "#2ca02c"}
const PALETTE = ["#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]

export const METRIC_LABEL = {msgsPerSec: "msgs/s", mbPerSec: "MB/s", rttUs: "round trip", connectMs: "connect time", answeredMs: "time until all answered", growthMB: "PUB RSS growth", routerGrowthMB: "ROUTER RSS growth", routerKBPerConn: "ROUTER RSS per connection"}
const METRIC_UNIT = {msgsPerSec: "msgs/s", mbPerSec: "MB/s", rttUs: "µs", connectMs: "ms", answeredMs: "ms", growthMB: "MB", routerGrowthMB: "MB", routerKBPerConn: "KB"}

/**
 * The results of a run as saved beside the report (RESULTS.json): every case's definition fields
 * the chart needs and its per-contender medians (all keys, as run.mjs computed them).
 */
export function resultsJson({date, meta, defs, all, contenderOrder, contenderLabel}) {
  const seen = new Set()
  for (const def of defs) for (const c of Object.keys(all[def.id] ?? {})) seen.add(c)
  const contenders = [...contenderOrder.filter(c => seen.has(c)), ...[...seen].filter(c => !contenderOrder.includes(c))]
  return {
    format: "zmtp-bench-results/1",
    date,
    ...meta,
    baseline: "zeromq",
    contenders,
    labels: Object.fromEntries(contenders.map(c => [c, contenderLabel[c] ?? c])),
    cases: defs.map(def => ({
      id: def.id,
      title: def.title,
      metric: def.metric,
      extraMetrics: def.extraMetrics ?? [],
      lowerIsBetter: def.lowerIsBetter ?? [],
      ...(def.labels ? {labels: def.labels} : {}),
      results: all[def.id] ?? {},
    })),
  }
}

const esc = s =>
  String(s).replace(/[&<>"]/g, ch => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})[ch])

function fmtRatio(r) {
  if (r >= 100) return `${Math.round(r)}×`
  if (r >= 10) return `${r.toFixed(0)}×`
  if (r >= 1) return `${r.toFixed(2)}×`
  return `${r.toPrecision(2)}×`
}

function fmtValue(v, metric) {
  const unit = METRIC_UNIT[metric] ?? ""
  const n = Math.abs(v) >= 1000 ? Math.round(v).toLocaleString("en-US") : Math.abs(v) >= 10 ? v.toFixed(1) : v.toPrecision(3)
  return `${n} ${unit}`.trim()
}

function tickLabel(t) {
  if (t >= 1) return `${Number(t.toPrecision(3)).toLocaleString("en-US")}×`
  return `${Number(t.toPrecision(3))}×`
}

/** The rows to draw: one group per (case, metric) where zeromq.js has a value. */
function groups(data) {
  const base = data.baseline ?? "zeromq"
  const out = []
  const skipped = []
  for (const c of data.cases) {
    const metrics = [c.metric, ...(c.extraMetrics ?? [])]
    for (const metric of metrics) {
      const b = c.results?.[base]?.[metric]
      const label = metrics.length > 1 ? `${c.title} · ${METRIC_LABEL[metric] ?? metric}` : c.title
      if (typeof b !== "number" || !(b > 0)) {
        skipped.push(label)
        continue
      }
      const inverted = (c.lowerIsBetter ?? []).includes(metric)
      const bars = []
      for (const id of data.contenders) {
        const r = c.results?.[id]
        if (!r) continue
        if (r.error) {
          bars.push({id, error: r.error})
          continue
        }
        const v = r[metric]
        if (typeof v !== "number" || !(v > 0)) continue
        bars.push({id, ratio: inverted ? b / v : v / b, value: v})
      }
      if (bars.length === 0) continue
      out.push({label, metric, inverted, baseValue: b, labels: c.labels ?? {}, bars})
    }
  }
  return {rows: out, skipped}
}

/** Log-axis ticks between lo and hi (both > 0): 1-2-5 per decade, fewer when the range is wide. */
function ticks(lo, hi) {
  const decades = Math.log10(hi / lo)
  const steps = decades <= 2.2 ? [1, 2, 5] : decades <= 4.5 ? [1, 3] : [1]
  const out = []
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const s of steps) {
      const t = s * 10 ** e
      if (t >= lo * 0.999 && t <= hi * 1.001) out.push(t)
    }
  }
  return out
}

/** The chart as an SVG document (a string). */
export function renderSvg(data) {
  const base = data.baseline ?? "zeromq"
  const baseLabel = data.labels?.[base] ?? base
  const {rows, skipped} = groups(data)
  const colors = {}
  let extra = 0
  for (const id of data.contenders) colors[id] = CONTENDER_COLORS[id] ?? PALETTE[extra++ % PALETTE.length]

  // Axis range: every ratio and 1.0, widened a little and snapped to 1-2-5 steps.
  const ratios = rows.flatMap(g => g.bars.filter(b => b.ratio !== undefined).map(b => b.ratio))
  let lo = Math.min(1, ...ratios) / 1.3
  let hi = Math.max(1, ...ratios) * 1.3
  const snapDown = v => {
    const p = 10 ** Math.floor(Math.log10(v))
    return [5, 2, 1].map(s => s * p).find(t => t <= v) ?? p
  }
  const snapUp = v => {
    const p = 10 ** Math.floor(Math.log10(v))
    return [1, 2, 5, 10].map(s => s * p).find(t => t >= v)
  }
  lo = snapDown(lo)
  hi = snapUp(hi)

  const W = 1000
  const labelRight = 330
  const plotL = 345
  const plotR = W - 70
  const x = r => plotL + ((Math.log10(r) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (plotR - plotL)
  const barH = 11
  const barGap = 2
  const groupGap = 14

  const date = data.date ? String(data.date).replace("T", " ").replace(/\.\d+Z$/, " UTC") : "unknown date"
  const head = []
  head.push(`<text x="20" y="30" class="title">zmtp benchmark: each contender relative to ${esc(baseLabel)} (= 1.0), higher is better</text>`)
  const sub = [
    `Run ${date}${data.mode ? `, ${data.mode} mode` : ""}${data.rounds ? `, median of ${data.rounds} round${data.rounds > 1 ? "s" : ""}` : ""}${data.zmtp ? `; zmtp ${data.zmtp}` : ""}${data.node ? `; Node ${data.node}` : ""}${data.zeromqVersion ? `; zeromq.js ${data.zeromqVersion}` : ""}`,
    `Throughput: contender ÷ ${baseLabel}. Round trip, connect time and RSS growth (lower is better) are inverted: ${baseLabel} ÷ contender. Log scale; bars grow from 1.0.`,
  ]
  if (data.machine) sub.push(`Machine: ${data.machine}`)
  sub.forEach((s, i) => head.push(`<text x="20" y="${50 + i * 16}" class="sub">${esc(s)}</text>`))
  let y = 50 + sub.length * 16 + 8

  // Legend
  let lx = 20
  for (const id of data.contenders) {
    const label = data.labels?.[id] ?? id
    head.push(`<rect x="${lx}" y="${y}" width="14" height="14" fill="${colors[id]}"/>`)
    head.push(`<text x="${lx + 20}" y="${y + 11.5}" class="legend">${esc(label)}</text>`)
    lx += 20 + label.length * 7.5 + 24
  }
  y += 44

  const axisTop = y
  const body = []
  for (const g of rows) {
    const h = g.bars.length * (barH + barGap) - barGap
    const mid = y + h / 2
    body.push(`<text x="${labelRight}" y="${mid - 1}" class="label" text-anchor="end">${esc(g.label)}</text>`)
    body.push(`<text x="${labelRight}" y="${mid + 11}" class="note" text-anchor="end">${esc(`${baseLabel} = ${fmtValue(g.baseValue, g.metric)}${g.inverted ? " (inverted)" : ""}`)}</text>`)
    g.bars.forEach((b, i) => {
      const by = y + i * (barH + barGap)
      const name = g.labels[b.id] ?? data.labels?.[b.id] ?? b.id
      if (b.error) {
        body.push(`<text x="${x(1) + 4}" y="${by + barH - 2}" class="value" style="fill: ${colors[b.id]}">${esc(`${name}: error`)}</text>`)
        return
      }
      const x0 = x(1)
      const x1 = x(b.ratio)
      const left = Math.min(x0, x1)
      const width = Math.max(2, Math.abs(x1 - x0))
      const rx = b.id === base ? x0 - 1 : left
      body.push(`<rect x="${rx.toFixed(1)}" y="${by}" width="${width.toFixed(1)}" height="${barH}" fill="${colors[b.id]}"><title>${esc(`${name}: ${fmtRatio(b.ratio)} (${fmtValue(b.value, g.metric)})`)}</title></rect>`)
      const vx = x1 >= x0 ? Math.max(x1, x0 + 1) + 4 : x1 - 4
      body.push(`<text x="${vx.toFixed(1)}" y="${by + barH - 2}" class="value" text-anchor="${x1 >= x0 ? "start" : "end"}">${esc(fmtRatio(b.ratio))}</text>`)
    })
    y += h + groupGap
  }
  const axisBottom = y - groupGap + 6

  // Grid, ticks and the 1.0 line (drawn under the bars).
  const grid = []
  for (const t of ticks(lo, hi)) {
    const tx = x(t).toFixed(1)
    grid.push(`<line x1="${tx}" y1="${axisTop - 4}" x2="${tx}" y2="${axisBottom}" class="${t === 1 ? "one" : "grid"}"/>`)
    grid.push(`<text x="${tx}" y="${axisBottom + 16}" class="tick" text-anchor="middle">${tickLabel(t)}</text>`)
    grid.push(`<text x="${tx}" y="${axisTop - 8}" class="tick" text-anchor="middle">${tickLabel(t)}</text>`)
  }
  grid.push(`<line x1="${plotL}" y1="${axisBottom}" x2="${plotR}" y2="${axisBottom}" class="axis"/>`)
  const foot = [`<text x="${(plotL + plotR) / 2}" y="${axisBottom + 36}" class="axislabel" text-anchor="middle">${esc(`relative to ${baseLabel} (log scale; ← behind ${baseLabel} · ahead of ${baseLabel} →)`)}</text>`]
  let H = axisBottom + 50
  if (skipped.length) {
    foot.push(`<text x="20" y="${H}" class="note">${esc(`Not drawn (no ${baseLabel} result): ${skipped.join("; ")}`)}</text>`)
    H += 16
  }
  if (rows.length === 0) foot.push(`<text x="20" y="${axisTop + 20}" class="label">${esc(`No case has a ${baseLabel} result to compare with.`)}</text>`)
  H += 10

  const style = `<style>
text { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; fill: #222; }
.title { font-size: 17px; font-weight: 600; }
.sub { font-size: 11.5px; fill: #555; }
.legend { font-size: 12.5px; }
.label { font-size: 12px; }
.note { font-size: 10px; fill: #777; }
.value { font-size: 10px; fill: #333; }
.tick { font-size: 10.5px; fill: #555; }
.axislabel { font-size: 12px; fill: #333; }
.grid { stroke: #e3e3e3; stroke-width: 1; }
.one { stroke: #444; stroke-width: 1.2; }
.axis { stroke: #999; stroke-width: 1; }
</style>`
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<title>zmtp benchmark results relative to ${esc(baseLabel)}, ${esc(date)}</title>`,
    style,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`,
    ...head,
    ...grid,
    ...body,
    ...foot,
    `</svg>`,
    "",
  ].join("\n")
}
