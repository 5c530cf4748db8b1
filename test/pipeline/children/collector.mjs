// A pipeline collector process for test/pipeline/: binds the first argument, keeps its state
// in the second (optional; none means memory only). Prints "ready", then "S <results>" whenever
// the count of accepted results changes (polled: the test's signal that a batch is half in),
// and "COMPLETE <id> <count> <sha1 of the results joined by newlines>" once per completed batch.
import {createHash} from "node:crypto"
const {Collector} = await import(process.env.ZMTP_PIPELINE)
const [bind, stateDir] = process.argv.slice(2)
const collector = new Collector({bind, stateDir: stateDir || undefined})
collector.on("batch", b => {
  const digest = createHash("sha1").update(b.results.map(String).join("\n")).digest("hex")
  process.stdout.write(`COMPLETE ${b.id} ${b.results.length} ${digest}\n`)
})
collector.on("error", e => process.stderr.write(`collector error: ${e.message}\n`))
await collector.start()
process.stdout.write(`ready ${collector.endpoint}\n`)
let last = -1
setInterval(() => {
  if (collector.stats.results === last) return
  last = collector.stats.results
  process.stdout.write(`S ${last} ${collector.stats.duplicates}\n`)
}, 10)
process.on("SIGTERM", () => void collector.close().then(() => process.exit(0)))
