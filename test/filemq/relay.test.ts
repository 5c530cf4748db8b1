/**
 * FileMQ relays (issue 21 item 3), as real `filemq` processes on loopback and temp directories: a
 * server, two relays mirroring it, and four clients, two on each relay, converge to the server's
 * tree; a deletion and a truncation at the server flow down both levels; a relay killed (SIGKILL)
 * in the middle of its mirror and started again keeps what it had and converges, with its client.
 */
import {afterAll, afterEach, beforeAll, expect, test} from "vitest"
import {execFileSync, spawn, type ChildProcess} from "node:child_process"
import {truncateSync, unlinkSync} from "node:fs"
import {join} from "node:path"
import {fileURLToPath} from "node:url"
import {blob, digests, put, removeTempDirs, tempDir, until} from "./helpers.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
let cli = ""
const running = new Set<ChildProcess>()

beforeAll(() => {
  const dist = join(tempDir("dist"), "dist")
  execFileSync(process.execPath, ["scripts/build.mjs", dist], {cwd: root, stdio: "pipe"})
  cli = join(dist, "esm", "filemq", "cli.js")
}, 120_000)
afterEach(async () => {
  await Promise.all([...running].map(c => stop(c)))
})
afterAll(removeTempDirs)

interface Proc {
  child: ChildProcess
  out: {text: string}
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [cli, ...args], {stdio: ["ignore", "pipe", "pipe"]})
  running.add(child)
  child.once("exit", () => running.delete(child))
  const out = {text: ""}
  child.stdout!.on("data", d => (out.text += d))
  child.stderr!.on("data", d => (out.text += d))
  return {child, out}
}

/** Stops a process; a SIGTERM must end it within 5 s (the CLI closes cleanly on it). */
function stop(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${child.spawnargs.slice(2, 4).join(" ")} did not end within 5 s of ${signal}`))
    }, 5000)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill(signal)
  })
}

/** The tcp endpoint a `serve` or `relay` process printed. */
async function endpointOf(p: Proc): Promise<string> {
  await until(() => / on (tcp:\/\/\S+)/.test(p.out.text), 15_000, `an endpoint in: ${p.out.text}`)
  return / on (tcp:\/\/\S+)/.exec(p.out.text)![1]!
}

const same = (a: Map<string, string>, b: Map<string, string>) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v)
const receivedNames = (p: Proc) => (p.out.text.match(/^received (\S+)/gm) ?? []).map(l => l.slice("received ".length))

test("server → 2 relays → 4 clients: every mirror converges, and a deletion and a truncation flow down", async () => {
  const src = tempDir("src")
  put(src, "a.txt", "alpha")
  put(src, "docs/b.txt", "bravo")
  put(src, "docs/deep/c.bin", blob(2_500_000))
  put(src, "empty", "")
  const server = start(["serve", src, "--bind", "tcp://127.0.0.1:*", "--stable", "0"])
  const upstream = await endpointOf(server)
  const relays = [tempDir("relay1"), tempDir("relay2")].map(dir => ({dir, proc: start(["relay", upstream, dir, "--bind", "tcp://127.0.0.1:*"])}))
  const clients: string[] = []
  for (const r of relays) {
    const endpoint = await endpointOf(r.proc)
    for (let i = 0; i < 2; i++) {
      const dir = tempDir("client")
      clients.push(dir)
      start(["sync", endpoint, dir])
    }
  }
  const want = () => digests(src)
  const all = () => [...relays.map(r => r.dir), ...clients]
  await until(() => all().every(d => same(want(), digests(d))), 30_000, "every mirror")

  unlinkSync(join(src, "docs/b.txt"))
  truncateSync(join(src, "docs/deep/c.bin"), 1000)
  await until(() => all().every(d => same(want(), digests(d))), 30_000, "the deletion and the truncation, everywhere")
  for (const d of all()) {
    expect(digests(d).has("docs/b.txt")).toBe(false)
    expect(digests(d).get("docs/deep/c.bin")).toBe(want().get("docs/deep/c.bin"))
  }
}, 90_000)

test("a relay killed in the middle of its mirror keeps what it had when started again, and it and its client converge", async () => {
  const src = tempDir("src")
  for (let i = 0; i < 6; i++) put(src, `big${i}.bin`, blob(20_000_000 + i))
  const server = start(["serve", src, "--bind", "tcp://127.0.0.1:*", "--stable", "0"])
  const upstream = await endpointOf(server)
  const dir = tempDir("relay")
  let relay = start(["relay", upstream, dir, "--bind", "tcp://127.0.0.1:*", "--credit", "2000000"])
  const endpoint = await endpointOf(relay)
  const client = tempDir("client")
  start(["sync", endpoint, client])
  // Killed once it has two files and has had time to record them (the manifest is saved within
  // 200 ms of a file).
  await until(() => receivedNames(relay).length >= 2, 30_000, "two files at the relay")
  const firstTwo = receivedNames(relay).slice(0, 2)
  await new Promise(r => setTimeout(r, 800))
  await stop(relay.child, "SIGKILL")
  relay = start(["relay", upstream, dir, "--bind", endpoint, "--credit", "2000000"])
  await until(() => same(digests(src), digests(dir)) && same(digests(src), digests(client)), 60_000, "the relay and its client")
  const again = receivedNames(relay)
  expect(again.length).toBeLessThan(6)
  for (const rel of firstTwo) expect(again).not.toContain(rel)
}, 120_000)
