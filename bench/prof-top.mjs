/**
 * Prints the functions with the most self time in a V8 CPU profile, e.g. one written by
 * `npm run bench -- --case push-pull-tcp-16 --only zmtp --cpu-prof=zmtp:receiver`:
 *
 *   node bench/prof-top.mjs bench/prof/<file>.cpuprofile [how many, default 25]
 */
import fs from "node:fs"
import path from "node:path"

const [file, topArg] = process.argv.slice(2)
if (!file) {
  console.error("usage: node bench/prof-top.mjs FILE.cpuprofile [N]")
  process.exit(2)
}
const prof = JSON.parse(fs.readFileSync(file, "utf8"))
const byId = new Map(prof.nodes.map(n => [n.id, n]))
const dt = new Map()
// samples[i] was taken timeDeltas[i] after the previous one; charge each delta to its sample's node.
for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0))
const total = [...dt.values()].reduce((a, b) => a + b, 0)
const self = new Map()
for (const [id, us] of dt) {
  const {callFrame: f} = byId.get(id)
  const where = f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : ""
  const key = `${f.functionName || "(anonymous)"} ${where}`.trim()
  self.set(key, (self.get(key) ?? 0) + us)
}
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25))
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`)
console.log("self ms    self %  function")
for (const [key, us] of top) console.log(`${(us / 1000).toFixed(1).padStart(8)}  ${((100 * us) / total).toFixed(1).padStart(6)}%  ${key}`)
