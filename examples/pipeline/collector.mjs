// The collector: node collector.mjs [BIND] [STATE_DIR]
// Binds BIND (default tcp://127.0.0.1:5558); with STATE_DIR, partial results and the record of
// completed batches survive a restart (kill it and start it again: no batch completes twice).
import {Collector} from "zmtp/pipeline"

const [bind = "tcp://127.0.0.1:5558", stateDir] = process.argv.slice(2)
const collector = new Collector({bind, stateDir})
collector.on("batch", batch => {
  // The example's tasks are the numbers 0..n-1 and a result is the square: check the sum.
  const n = batch.results.length
  const sum = batch.results.reduce((s, r) => s + Number(r), 0)
  const expected = ((n - 1) * n * (2 * n - 1)) / 6
  console.log(`batch ${batch.id}: ${n} results, sum of squares ${sum} (${sum === expected ? "correct" : `WRONG, expected ${expected}`})`)
})
collector.on("error", e => console.error(`collector: ${e.message}`))
await collector.start()
console.log(`collecting on ${collector.endpoint}${stateDir ? `, state in ${stateDir}` : " (memory only)"}`)
process.on("SIGINT", async () => {
  await collector.close()
  const {results, duplicates, completed} = collector.stats
  console.log(`stopping: ${completed} batches, ${results} results kept, ${duplicates} duplicates dropped`)
  process.exit(0)
})
