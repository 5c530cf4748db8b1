/**
 * Spill to disk at scale, with real processes (issue 20): a PUSH process sends 1 GiB of 1 KiB
 * messages (HWM 1,000, budget 2 GiB) to a PULL that does not read; its RSS stays flat while the
 * log grows, and everything arrives in order once the PULL reads. Then the crash: a PUSH with
 * spillRecover is killed with SIGKILL mid-spill, a new one is started on the same directory, and
 * the PULL gets the spilled messages whole, in order, none twice, then the new ones.
 */
import {afterAll, beforeAll, expect, test} from "vitest"
import {execFileSync, spawn, type ChildProcess} from "node:child_process"
import {mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from "node:fs"
import {tmpdir} from "node:os"
import {join} from "node:path"
import {createInterface} from "node:readline"
import {fileURLToPath} from "node:url"
import * as zmq from "../../src/index.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), "zmtp-spill-proc-"))
const dist = join(scratch, "dist")
const pusherFile = join(scratch, "pusher.mjs")

beforeAll(() => {
  execFileSync(process.execPath, ["scripts/build.mjs", dist], {cwd: root, stdio: "pipe"})
  // argv: address dir from count size recover. Prints "sent N rss BYTES" every 65,536 messages,
  // then "done", and stays (linger -1) until everything is delivered.
  writeFileSync(
    pusherFile,
    `import * as zmq from ${JSON.stringify(join(dist, "esm", "index.js"))}
const [address, dir, from, count, size, recover] = process.argv.slice(2)
const push = new zmq.Push({sendHighWaterMark: 1000, spillDirectory: dir, spillBudget: 2 * 1024 ** 3, spillRecover: recover === "1", linger: -1})
push.connect(address)
for (let i = Number(from), end = Number(from) + Number(count); i < end; i++) {
  // A Buffer given to send() belongs to the socket until it is sent (as with zeromq.js): fresh ones.
  const head = Buffer.allocUnsafe(4)
  head.writeUInt32BE(i)
  const body = Buffer.alloc(Number(size))
  body.writeUInt32BE(i)
  await push.send([head, body])
  if ((i + 1) % 65536 === 0) console.log("sent", i + 1, "rss", process.memoryUsage().rss)
}
console.log("done")
push.close()
`,
  )
}, 120000)

afterAll(() => rmSync(scratch, {recursive: true, force: true}))

/** The pusher's lines, as they come. */
function lines(child: ChildProcess): AsyncIterator<string> {
  return createInterface({input: child.stdout!})[Symbol.asyncIterator]()
}

/** The pusher, and its exit (listened for from the start: it may exit before anyone awaits it). */
function start(address: string, dir: string, from: number, count: number, recover: boolean): ChildProcess & {exited: Promise<unknown>} {
  const child = spawn(process.execPath, [pusherFile, address, dir, String(from), String(count), "1024", recover ? "1" : "0"], {stdio: ["ignore", "pipe", "inherit"]})
  return Object.assign(child, {exited: new Promise(r => child.once("exit", r))})
}

async function lineMatching(it: AsyncIterator<string>, want: (line: string) => boolean): Promise<string[]> {
  const seen: string[] = []
  for (;;) {
    const next = await it.next()
    if (next.done) throw new Error(`the pusher ended before the expected line; it printed: ${seen.slice(-5).join(" | ")}`)
    seen.push(next.value)
    if (want(next.value)) return seen
  }
}

/** Receives until `quietMs` of silence; checks every message is whole; returns the sequence numbers. */
async function receiveAll(pull: zmq.Pull, quietMs: number): Promise<number[]> {
  pull.receiveTimeout = quietMs
  const out: number[] = []
  for (;;) {
    let m: Buffer[]
    try {
      m = await pull.receive()
    } catch (e) {
      if ((e as {code?: string}).code === "EAGAIN") return out
      throw e
    }
    const seq = m[0]!.readUInt32BE(0)
    if (m.length !== 2 || m[1]!.length !== 1024 || m[1]!.readUInt32BE(0) !== seq) throw new Error(`message ${seq} is not whole`)
    out.push(seq)
  }
}

const diskUse = (dir: string) =>
  readdirSync(dir, {recursive: true, withFileTypes: true})
    .filter(e => e.isFile() && e.name.endsWith(".seg"))
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0)

test("1 GiB of 1 KiB messages to a stalled PULL: the PUSH's RSS stays flat, and all of it arrives in order", async () => {
  const dir = join(scratch, "big")
  const pull = new zmq.Pull({receiveHighWaterMark: 1000, linger: 0})
  try {
    await pull.bind("tcp://127.0.0.1:*")
    const TOTAL = Number(process.env.SPILL_TOTAL ?? 1024 * 1024)
    const child = start(pull.lastEndpoint!, dir, 0, TOTAL, false)
    const it = lines(child)
    const printed = await lineMatching(it, l => l === "done")
    const rss = printed.filter(l => l.startsWith("sent")).map(l => Number(l.split(" ")[3]))
    // Samples every 64 MiB sent: after the first (the program and its first buffers), flat.
    expect(rss.length).toBe(Math.floor(TOTAL / 65536))
    const growth = Math.max(...rss.slice(1)) - rss[1]!
    console.info(`spill 1 GiB: pusher RSS ${(rss[1]! / 2 ** 20).toFixed(0)} MiB at 128 MiB sent, +${(growth / 2 ** 20).toFixed(1)} MiB by 1 GiB; log on disk ${(diskUse(dir) / 2 ** 20).toFixed(0)} MiB`)
    expect(growth).toBeLessThan(64 * 2 ** 20)
    expect(diskUse(dir)).toBeGreaterThan(TOTAL * 800)

    const got = await receiveAll(pull, 3000)
    expect(got.length).toBe(TOTAL)
    for (let i = 0; i < TOTAL; i++) if (got[i] !== i) throw new Error(`message ${i} arrived as ${got[i]}`)
    await child.exited
    expect(diskUse(dir)).toBe(0)
  } finally {
    pull.close()
  }
}, 300000)

test("kill -9 mid-spill, restart on the same directory: the spilled messages arrive whole, in order, none twice, then the new ones", async () => {
  const dir = join(scratch, "crash")
  const pull = new zmq.Pull({receiveHighWaterMark: 1000, linger: 0})
  try {
    await pull.bind("tcp://127.0.0.1:*")
    const address = pull.lastEndpoint!
    const first = start(address, dir, 0, 1_000_000, true)
    await lineMatching(lines(first), l => l.startsWith("sent 262144"))
    first.kill("SIGKILL")
    await first.exited
    const before = await receiveAll(pull, 1000)
    // What reached the PULL before the crash: a run from 0 (its queue and the kernel's buffers).
    expect(before.length).toBeGreaterThan(0)
    for (let i = 0; i < before.length; i++) expect(before[i]).toBe(i)

    const second = start(address, dir, 2_000_000, 10, true)
    await lineMatching(lines(second), l => l === "done")
    const after = await receiveAll(pull, 3000)
    await second.exited
    expect(after.slice(-10)).toEqual(Array.from({length: 10}, (_, i) => 2_000_000 + i))
    const recovered = after.slice(0, -10)
    // Lost with the process: what it held in memory (up to its HWM) and the last tick's appends.
    // Everything on disk comes back, as one run: no gap inside it, nothing seen before.
    expect(recovered.length).toBeGreaterThan(100_000)
    expect(recovered[0]!).toBeGreaterThan(before[before.length - 1]!)
    for (let i = 1; i < recovered.length; i++) if (recovered[i] !== recovered[i - 1]! + 1) throw new Error(`gap or repeat after ${recovered[i - 1]}: ${recovered[i]}`)
    console.info(`spill crash: ${before.length} before the kill, ${recovered.length} recovered from disk (${recovered[0]}..${recovered[recovered.length - 1]}), lost in memory ${recovered[0]! - before.length}`)
  } finally {
    pull.close()
  }
}, 300000)
