// A pipeline worker process for test/pipeline/: pulls from the ventilators given as the first
// argument (comma-separated), takes DELAY ms per task (second argument), and returns
// "done:<payload>" so the collector's results can be checked. One line per task on stdout, so
// the test knows when it is in the middle of a batch.
const {Worker} = await import(process.env.ZMTP_PIPELINE)
const [endpoints, delay = "0"] = process.argv.slice(2)
const worker = new Worker({
  connect: endpoints.split(","),
  handler: async (payload, info) => {
    if (Number(delay) > 0) await new Promise(r => setTimeout(r, Number(delay)))
    process.stdout.write(`T ${info.batch} ${info.task}\n`)
    return `done:${payload}`
  },
})
process.stdout.write("ready\n")
process.on("SIGTERM", () => void worker.close().then(() => process.exit(0)))
