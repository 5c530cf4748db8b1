/**
 * FileMQ under faults (issue 8): the server and the client, as real `filemq` processes, are
 * killed with SIGKILL at random moments while a tree syncs. After each restart the sync goes on;
 * in the end the inbox is identical to the source (SHA-1 of every file), and at no moment is a
 * partial file visible under its real name in the inbox.
 */
import {afterAll, beforeAll, expect, test} from "vitest"
import {execFileSync, spawn, type ChildProcess} from "node:child_process"
import {createHash, randomBytes} from "node:crypto"
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs"
import {tmpdir} from "node:os"
import {join, relative} from "node:path"
import {fileURLToPath} from "node:url"
import {freeTcpPort} from "../helpers/sockets.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const work = mkdtempSync(join(tmpdir(), "zmtp-fmq-faults-"))
const cli = join(work, "dist", "esm", "filemq", "cli.js")
const source = join(work, "source")
const inbox = join(work, "inbox")
const digests = new Map<string, string>()

const sha1 = (data: Buffer) => createHash("sha1").update(data).digest("hex")

beforeAll(async () => {
  execFileSync(process.execPath, ["scripts/build.mjs", join(work, "dist")], {cwd: root, stdio: "pipe"})
  // A tree of 60 files, 0 B to 4 MB, in nested folders: about 120 MB.
  for (let i = 0; i < 60; i++) {
    const dir = join(source, `d${i % 4}`, `e${i % 3}`)
    mkdirSync(dir, {recursive: true})
    const size = i === 0 ? 0 : 1_000_000 + Math.floor((i * 7919) % 3_000_000)
    const data = randomBytes(size)
    writeFileSync(join(dir, `f${i}.bin`), data)
    digests.set(relative(source, join(dir, `f${i}.bin`)), sha1(data))
  }
  mkdirSync(inbox)
}, 120000)

afterAll(() => rmSync(work, {recursive: true, force: true}))

function filesIn(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, {withFileTypes: true})) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out.push(relative(dir, p))
    }
  }
  walk(dir)
  return out
}

/** Every file visible under its own name must be complete: its digest is the source's. */
function checkNoPartialVisible(): void {
  for (const rel of filesIn(inbox)) {
    // The client's own bookkeeping (.filemq/) and its hidden part files are not inbox content.
    if (rel.split("/").some(part => part.startsWith("."))) continue
    const expected = digests.get(rel)
    expect(expected, `unexpected file ${rel}`).toBeDefined()
    let data: Buffer
    try {
      data = readFileSync(join(inbox, rel))
    } catch {
      continue // renamed away meanwhile
    }
    expect(sha1(data), `partial or corrupt file visible: ${rel} (${statSync(join(inbox, rel), {throwIfNoEntry: false})?.size} bytes)`).toBe(expected)
  }
}

const start = (args: string[]): ChildProcess => spawn(process.execPath, [cli, ...args], {stdio: "ignore"})

test("server and client killed at random moments; the inbox converges, never showing a partial file", async () => {
  const port = await freeTcpPort()
  const endpoint = `tcp://127.0.0.1:${port}`
  const serve = () => start(["serve", source, "--bind", endpoint, "--stable", "50"])
  const sync = () => start(["sync", endpoint, inbox, "--credit", "262144"])
  let server = serve()
  let client = sync()
  let violation: unknown = null
  const progress: number[] = []
  const watcher = setInterval(() => {
    try {
      checkNoPartialVisible()
    } catch (e) {
      violation ??= e
    }
  }, 25)
  try {
    for (let round = 0; round < 10; round++) {
      await new Promise(r => setTimeout(r, 250 + Math.floor(Math.random() * 500)))
      // Kill one side, or both, at a random moment.
      const victim = round % 3
      if (victim !== 1) {
        server.kill("SIGKILL")
        server = serve()
      }
      if (victim !== 0) {
        client.kill("SIGKILL")
        client = sync()
      }
      checkNoPartialVisible()
      progress.push(filesIn(inbox).filter(f => !f.split("/").some(part => part.startsWith("."))).length)
    }
    // Then let them finish.
    const deadline = Date.now() + 60000
    const done = () => {
      const got = filesIn(inbox).filter(f => !f.split("/").some(part => part.startsWith(".")))
      return got.length === digests.size && got.every(f => sha1(readFileSync(join(inbox, f))) === digests.get(f))
    }
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`not converged: ${filesIn(inbox).length} files in the inbox`)
      await new Promise(r => setTimeout(r, 100))
    }
  } finally {
    clearInterval(watcher)
    server.kill("SIGKILL")
    client.kill("SIGKILL")
  }
  console.log(`files complete in the inbox after each kill: ${progress.join(", ")} of ${digests.size}`)
  if (violation) throw violation
  checkNoPartialVisible()
  const visible = filesIn(inbox).filter(f => !f.split("/").some(part => part.startsWith(".")))
  expect(visible.sort()).toEqual([...digests.keys()].sort())
}, 120000)
