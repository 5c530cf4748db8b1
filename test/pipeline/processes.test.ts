/**
 * The reliable pipeline with real processes (spec/pipeline.md §7): workers and collectors are
 * child processes running the built package (children/*.mjs), ventilators run here, all over tcp
 * on 127.0.0.1. Workers and the collector are killed with SIGKILL in the middle of a batch, and
 * every batch must still complete exactly once at the collector, with every task's result.
 */
import {afterAll, afterEach, beforeAll, expect, test} from "vitest"
import {execFileSync, spawn, type ChildProcess} from "node:child_process"
import {createHash} from "node:crypto"
import {mkdtempSync, readdirSync, rmSync} from "node:fs"
import {tmpdir} from "node:os"
import {join} from "node:path"
import {createInterface} from "node:readline"
import {fileURLToPath} from "node:url"
import {Ventilator, type BatchReport} from "../../src/pipeline/index.js"
import {freeTcpPort, sleep, until} from "../helpers/sockets.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const here = fileURLToPath(new URL(".", import.meta.url))
const work = mkdtempSync(join(tmpdir(), "zmtp-pipeline-"))
let pipelineModule = ""

beforeAll(() => {
  // Children load the package as users do: from a build (made here, so dist/ is left alone).
  execFileSync(process.execPath, ["scripts/build.mjs", join(work, "dist")], {cwd: root, stdio: "pipe"})
  pipelineModule = join(work, "dist", "esm", "pipeline", "index.js")
}, 120000)

afterAll(() => rmSync(work, {recursive: true, force: true}))

/** A child process and every line it printed so far. */
interface Child {
  proc: ChildProcess
  lines: string[]
}

const children: Child[] = []
const ventilators: Ventilator[] = []

afterEach(() => {
  for (const c of children.splice(0)) c.proc.kill("SIGKILL")
  for (const v of ventilators.splice(0)) v.close()
})

async function start(script: string, args: string[]): Promise<Child> {
  const proc = spawn(process.execPath, [join(here, "children", script), ...args], {
    env: {...process.env, ZMTP_PIPELINE: pipelineModule},
    stdio: ["ignore", "pipe", "pipe"],
  })
  const child: Child = {proc, lines: []}
  createInterface({input: proc.stdout!}).on("line", l => child.lines.push(l))
  let stderr = ""
  proc.stderr!.on("data", d => (stderr += d))
  children.push(child)
  await until(() => child.lines.some(l => l.startsWith("ready")) || proc.exitCode !== null, 10000, `${script} ready`)
  if (proc.exitCode !== null) throw new Error(`${script} exited: ${stderr}`)
  return child
}

async function kill9(child: Child): Promise<void> {
  const exited = new Promise(r => child.proc.once("exit", r))
  child.proc.kill("SIGKILL")
  await exited
}

const collector = (port: number, stateDir = "") => start("collector.mjs", [`tcp://127.0.0.1:${port}`, stateDir])
const worker = (ventilators: string[], delayMs: number) => start("worker.mjs", [ventilators.join(","), String(delayMs)])

async function ventilator(collectorPort: number, id?: string): Promise<Ventilator> {
  const v = new Ventilator({bind: "tcp://127.0.0.1:*", collector: `tcp://127.0.0.1:${collectorPort}`, id, resendAfter: 600, pollInterval: 100, timeout: 30000})
  ventilators.push(v)
  await v.start()
  return v
}

const tasks = (tag: string, n: number) => Array.from({length: n}, (_, i) => `${tag}-${i}`)
/** What the collector child prints for a batch of `tasks(tag, n)` done by children/worker.mjs. */
const digest = (tag: string, n: number) =>
  createHash("sha1")
    .update(tasks(tag, n).map(t => `done:${t}`).join("\n"))
    .digest("hex")

/** Every COMPLETE line of every collector incarnation: batch id → [count, digest][]. */
function completions(collectors: Child[]): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const c of collectors)
    for (const l of c.lines) {
      const m = /^COMPLETE (\S+) (\d+) ([0-9a-f]{40})$/.exec(l)
      if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), `${m[2]} ${m[3]}`])
    }
  return out
}

const tasksDone = (w: Child) => w.lines.filter(l => l.startsWith("T ")).length
const accepted = (c: Child) => Number(c.lines.filter(l => l.startsWith("S ")).at(-1)?.split(" ")[1] ?? 0)

test("a worker killed with SIGKILL mid-batch: its queued tasks are resent, the batch completes once", async () => {
  const port = await freeTcpPort()
  const col = await collector(port)
  const v = await ventilator(port)
  const workers = await Promise.all([0, 1, 2].map(() => worker([v.endpoint], 3)))
  const running = v.run(tasks("w", 600))
  await until(() => tasksDone(workers[0]!) >= 20, 10000, "the first worker mid-batch")
  await kill9(workers[0]!)
  const report = await running
  const done = completions([col])
  expect([...done.keys()]).toEqual([report.id])
  expect(done.get(report.id)).toEqual([`600 ${digest("w", 600)}`])
  // The killed worker held tasks (one in hand, more in its queue): they had to be sent again.
  expect(report.resent).toBeGreaterThan(0)
  expect(tasksDone(workers[0]!)).toBeLessThan(200)
}, 30000)

for (const persist of [true, false])
  test(`the collector killed with SIGKILL mid-batch and restarted (${persist ? "state directory" : "memory only"}): the batch completes once`, async () => {
    const port = await freeTcpPort()
    const stateDir = persist ? mkdtempSync(join(work, "state-")) : ""
    const first = await collector(port, stateDir)
    const v = await ventilator(port)
    await Promise.all([0, 1].map(() => worker([v.endpoint], 2)))
    const running = v.run(tasks("c", 500))
    await until(() => accepted(first) >= 150, 10000, "the collector mid-batch")
    await kill9(first)
    const before = accepted(first)
    expect(before).toBeLessThan(500) // really mid-batch
    const second = await collector(port, stateDir)
    const report = await running
    // And a batch after the restart, on the same sockets.
    const next = await v.run(tasks("d", 100))
    const done = completions([first, second])
    expect(new Set(done.keys())).toEqual(new Set([report.id, next.id]))
    expect(done.get(report.id)).toEqual([`500 ${digest("c", 500)}`])
    expect(done.get(next.id)).toEqual([`100 ${digest("d", 100)}`])
    // Results accepted by the second collector: with the state directory only what the first
    // had not written (its part file came back; the last few appends may not have been), in
    // memory everything again.
    await sleep(50) // the child prints its count every 10 ms
    const again = accepted(second)
    if (persist) {
      expect(again).toBeLessThan(600 - before / 2)
      expect(readdirSync(stateDir).sort()).toEqual([`${report.id}.batch`, `${next.id}.batch`].sort())
    } else {
      expect(again).toBe(600)
    }
  }, 30000)

test("two ventilators share one worker pool; a worker dies meanwhile; every batch completes once", async () => {
  const port = await freeTcpPort()
  const col = await collector(port)
  const a = await ventilator(port, "vent-a")
  const b = await ventilator(port, "vent-b")
  const workers = await Promise.all([0, 1, 2].map(() => worker([a.endpoint, b.endpoint], 1)))
  const runs: Promise<BatchReport>[] = []
  const expected = new Map<number, string>()
  for (const [v, name] of [[a, "a"], [b, "b"]] as const)
    for (let k = 0; k < 3; k++) {
      const tag = `${name}${k}`
      const n = 150 + 50 * k
      const p = v.run(tasks(tag, n))
      runs.push(p)
      expected.set(runs.length - 1, `${n} ${digest(tag, n)}`)
    }
  await until(() => tasksDone(workers[1]!) >= 30, 10000, "a worker mid-batch")
  await kill9(workers[1]!)
  const reports = await Promise.all(runs)
  const done = completions([col])
  expect(done.size).toBe(6)
  reports.forEach((r, i) => expect(done.get(r.id)).toEqual([expected.get(i)]))
  // Batch ids are unique per ventilator: the id is its 8 octets, then the sequence.
  expect(reports.map(r => r.id).sort()).toEqual(
    ["76656e742d610000-0", "76656e742d610000-1", "76656e742d610000-2", "76656e742d620000-0", "76656e742d620000-1", "76656e742d620000-2"],
  )
  // The surviving workers served both ventilators.
  for (const w of [workers[0]!, workers[2]!]) {
    const seen = new Set(w.lines.filter(l => l.startsWith("T ")).map(l => l.split(" ")[1]!.split("-")[0]))
    expect(seen).toEqual(new Set(["76656e742d610000", "76656e742d620000"]))
  }
}, 30000)
