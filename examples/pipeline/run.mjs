// The whole pipeline as separate processes, with faults: node examples/pipeline/run.mjs
// Starts a collector (with a state directory), three workers and a ventilator, then kills one
// worker and later the collector with SIGKILL and starts a new collector on the same port and
// directory. Every batch still completes exactly once. Run `npm run build` first.
import {spawn} from "node:child_process"
import {mkdtempSync, rmSync} from "node:fs"
import {tmpdir} from "node:os"
import {join} from "node:path"
import {fileURLToPath} from "node:url"

const here = fileURLToPath(new URL(".", import.meta.url))
const state = mkdtempSync(join(tmpdir(), "pipeline-example-"))
const sleep = ms => new Promise(r => setTimeout(r, ms))

function start(name, script, args = []) {
  const child = spawn(process.execPath, [join(here, script), ...args], {stdio: ["ignore", "pipe", "inherit"]})
  let rest = ""
  child.stdout.on("data", d => {
    const lines = (rest + d).split("\n")
    rest = lines.pop()
    for (const l of lines) console.log(`${name.padEnd(11)}| ${l}`)
  })
  return child
}

const collect = () => start("collector", "collector.mjs", ["tcp://127.0.0.1:5558", state])
let collector = collect()
const workers = [1, 2, 3].map(i => start(`worker ${i}`, "worker.mjs"))
await sleep(300)
const ventilator = start("ventilator", "ventilator.mjs", ["tcp://127.0.0.1:5557", "tcp://127.0.0.1:5558", "5", "300"])
const finished = new Promise(r => ventilator.on("exit", r))

await sleep(700)
console.log("-- run.mjs: kill -9 worker 1 (its queued tasks are lost)")
workers[0].kill("SIGKILL")
await sleep(900)
console.log("-- run.mjs: kill -9 the collector, and start a new one on the same port and state directory")
collector.kill("SIGKILL")
await sleep(300)
collector = collect()

await finished
for (const w of workers.slice(1)) w.kill("SIGINT")
collector.kill("SIGINT")
await sleep(500)
rmSync(state, {recursive: true, force: true})
