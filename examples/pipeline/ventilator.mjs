// The ventilator: node ventilator.mjs [BIND] [COLLECTOR] [BATCHES] [SIZE]
// Binds BIND for the workers (default tcp://127.0.0.1:5557), talks to the collector at
// COLLECTOR (default tcp://127.0.0.1:5558), and sends BATCHES batches (default 5) of SIZE tasks
// (default 300), the numbers 0..SIZE-1, one after the other. Each run() ends when the collector
// says DONE, whatever happened to workers and collector meanwhile.
import {Ventilator} from "zmtp/pipeline"

const [bind = "tcp://127.0.0.1:5557", collector = "tcp://127.0.0.1:5558", batches = "5", size = "300"] = process.argv.slice(2)
const ventilator = new Ventilator({bind, collector, resendAfter: 1000, pollInterval: 200})
await ventilator.start()
console.log(`ventilator ${ventilator.id.toString("hex")} on ${ventilator.endpoint}`)
for (let b = 0; b < Number(batches); b++) {
  const tasks = Array.from({length: Number(size)}, (_, i) => String(i))
  const r = await ventilator.run(tasks)
  console.log(`batch ${r.id} done in ${Math.round(r.ms)} ms: ${r.size} tasks, ${r.resent} resent, ${r.polls} END polls`)
}
ventilator.close()
