// A worker: node worker.mjs [VENTILATOR,...]
// Pulls tasks from each ventilator (default tcp://127.0.0.1:5557), squares the number in each,
// slowly (5 ms), and sends the result to the collector the task names. Start as many as you like.
import {Worker} from "zmtp/pipeline"

const [endpoints = "tcp://127.0.0.1:5557"] = process.argv.slice(2)
let done = 0
const worker = new Worker({
  connect: endpoints.split(","),
  // Idempotent, as the pattern requires: a task may run twice after a crash or a slow answer.
  handler: async payload => {
    await new Promise(r => setTimeout(r, 5))
    done++
    return String(Number(payload) ** 2)
  },
})
console.log(`worker ${process.pid} pulling from ${endpoints}`)
process.on("SIGINT", async () => {
  await worker.close()
  console.log(`worker ${process.pid}: ${done} tasks`)
  process.exit(0)
})
