/**
 * The HTTP bridge example (examples/http-bridge/): the bridge and its workers run as real
 * processes, as a user starts them (`node examples/http-bridge/bridge.mjs`), on zmtp built from
 * these sources into a temporary folder (ZMTP_MODULE points them there, so dist/, which others
 * may be using, is left alone), with free ports on 127.0.0.1. Requests are plain fetch() calls.
 *
 * Three bridges, so that each case has the workers it needs and no more:
 *   main   two workers, 2 s timeout, 64 KiB body limit: replies, concurrency, 413
 *   late   one worker, 1 s timeout: a reply that arrives after its request's 504
 *   empty  no worker at first, 0.5 s timeout: 504; then a libzmq worker (zeromq.js) joins
 */
import {afterAll, beforeAll, expect, test} from "vitest"
import {execFileSync, spawn, type ChildProcess} from "node:child_process"
import {mkdtempSync, rmSync} from "node:fs"
import {tmpdir} from "node:os"
import {join} from "node:path"
import {fileURLToPath} from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const example = join(root, "examples", "http-bridge")
const scratch = mkdtempSync(join(tmpdir(), "zmtp-http-bridge-"))
const zmtpModule = join(scratch, "dist", "esm", "index.js")

/** A child process whose output lines are kept, so a test can wait for one. */
class Proc {
  readonly child: ChildProcess
  readonly lines: string[] = []
  private waiters: Array<() => void> = []
  constructor(file: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [join(example, file)], {env: {...process.env, ...env}, stdio: ["ignore", "pipe", "pipe"]})
    let partial = ""
    const onData = (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split("\n")
      partial = parts.pop()!
      this.lines.push(...parts)
      for (const wake of this.waiters.splice(0)) wake()
    }
    this.child.stdout!.on("data", onData)
    this.child.stderr!.on("data", onData)
    this.child.on("exit", () => {
      for (const wake of this.waiters.splice(0)) wake()
    })
  }
  /** The first line matching `pattern`, waiting up to `ms` for it. */
  async waitFor(pattern: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms
    for (;;) {
      for (const line of this.lines) {
        const m = line.match(pattern)
        if (m) return m
      }
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no line matching ${pattern} (exit code ${this.child.exitCode}); output:\n${this.lines.join("\n")}`)
      }
      await new Promise<void>(r => {
        this.waiters.push(r)
        setTimeout(r, 100)
      })
    }
  }
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise(r => this.child.once("exit", r))
    this.child.kill("SIGTERM")
    await exited
  }
}

const procs: Proc[] = []
function run(file: string, env: Record<string, string>): Proc {
  const p = new Proc(file, {ZMTP_MODULE: zmtpModule, ...env})
  procs.push(p)
  return p
}

async function startBridge(timeoutMs: number, maxBodyBytes = 1 << 20): Promise<{proc: Proc; url: string; backend: string}> {
  const proc = run("bridge.mjs", {
    BRIDGE_HTTP_PORT: "0",
    BRIDGE_BACKEND: "tcp://127.0.0.1:*",
    BRIDGE_TIMEOUT_MS: String(timeoutMs),
    BRIDGE_MAX_BODY_BYTES: String(maxBodyBytes),
  })
  const [, url] = await proc.waitFor(/listening on (http:\/\/\S+)/)
  const [, backend] = await proc.waitFor(/workers connect to (tcp:\/\/\S+)/)
  return {proc, url: url!, backend: backend!}
}

async function startWorker(backend: string, name: string, env: Record<string, string> = {}): Promise<Proc> {
  const proc = run("worker.mjs", {WORKER_BACKEND: backend, WORKER_NAME: name, ...env})
  await proc.waitFor(/ connected to /)
  return proc
}

interface Echo {
  worker: string
  method: string
  path: string
  headers: Record<string, string>
  body: string
}
type Bridge = Awaited<ReturnType<typeof startBridge>>
let main: Bridge, late: Bridge, empty: Bridge

beforeAll(async () => {
  execFileSync(process.execPath, ["scripts/build.mjs", join(scratch, "dist")], {cwd: root, stdio: "pipe"})
  ;[main, late, empty] = await Promise.all([startBridge(2000, 64 << 10), startBridge(1000), startBridge(500)])
  await Promise.all([startWorker(main.backend, "w1"), startWorker(main.backend, "w2"), startWorker(late.backend, "w3")])
}, 120_000)

afterAll(async () => {
  await Promise.all(procs.map(p => p.stop()))
  rmSync(scratch, {recursive: true, force: true})
})

const post = (url: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(url, {method: "POST", body, headers, signal: AbortSignal.timeout(15_000)})

test("a request gets the worker's reply: method, path, body and the chosen headers go through", async () => {
  const res = await post(main.url + "orders/42?full=1", "ping", {"content-type": "text/plain", "x-request-id": "abc", cookie: "session=secret"})
  expect(res.status).toBe(200)
  expect(res.headers.get("content-type")).toMatch(/^application\/json/)
  const echo = (await res.json()) as Echo
  expect(echo).toMatchObject({method: "POST", path: "/orders/42?full=1", body: "ping"})
  expect(res.headers.get("x-worker")).toBe(echo.worker)
  expect(echo.headers["content-type"]).toBe("text/plain")
  expect(echo.headers["x-request-id"]).toBe("abc")
  // Not on the forwarded list: credentials stay at the edge.
  expect(echo.headers.cookie).toBeUndefined()

  // The worker's status is the response's status.
  expect((await fetch(main.url + "missing?status=404")).status).toBe(404)
})

test("20 concurrent requests each get their own reply, dealt to both workers", async () => {
  const replies = await Promise.all(
    Array.from({length: 20}, async (_, i) => {
      // Uneven delays make replies come back out of order.
      const res = await post(main.url + `item/${i}?delay=${(i * 37) % 120}`, `body ${i}`)
      expect(res.status).toBe(200)
      return (await res.json()) as Echo
    }),
  )
  replies.forEach((echo, i) => {
    expect(echo.path).toBe(`/item/${i}?delay=${(i * 37) % 120}`)
    expect(echo.body).toBe(`body ${i}`)
  })
  expect(new Set(replies.map(r => r.worker))).toEqual(new Set(["w1", "w2"]))
})

test("an oversize body is refused with 413, with or without a content-length", async () => {
  const declared = await post(main.url + "upload", Buffer.alloc(256 << 10, 0x61))
  expect(declared.status).toBe(413)
  expect(await declared.json()).toMatchObject({error: "Payload Too Large", maxBodyBytes: 64 << 10})

  // Chunked: no length up front, the bridge counts as it reads.
  const chunk = new Uint8Array(16 << 10)
  let sent = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 16) controller.enqueue(chunk)
      else controller.close()
    },
  })
  const chunked = await fetch(main.url + "upload", {method: "POST", body: stream, duplex: "half", signal: AbortSignal.timeout(15_000)} as RequestInit)
  expect(chunked.status).toBe(413)

  // Just under the limit goes through.
  const fits = await post(main.url + "upload", Buffer.alloc(64 << 10, 0x61))
  expect(fits.status).toBe(200)
  expect(((await fits.json()) as {bytes: number}).bytes).toBe(64 << 10)
})

test("a reply after its request's timeout is discarded, not given to the next request", async () => {
  // The only worker is a REP socket: it answers in order, so the slow request's reply (at
  // ~1.5 s) arrives while the next request (sent at ~1 s) waits for its own.
  const slow = await post(late.url + "slow?delay=1500", "first")
  expect(slow.status).toBe(504)
  expect(await slow.json()).toMatchObject({error: "Gateway Timeout", detail: "no worker answered within 1000 ms", timeoutMs: 1000})

  const next = await post(late.url + "next", "second")
  expect(next.status).toBe(200)
  expect(await next.json()).toMatchObject({worker: "w3", path: "/next", body: "second"})
  await late.proc.waitFor(/discarded a late reply to request \S+/)
})

test("with no worker a request gets 504 within the timeout; a worker that joins later answers new ones", async () => {
  const started = performance.now()
  const res = await post(empty.url + "anyone", "hello?")
  const elapsed = performance.now() - started
  expect(res.status).toBe(504)
  expect(await res.json()).toMatchObject({error: "Gateway Timeout", timeoutMs: 500, detail: expect.stringMatching(/^no worker answered within 500 ms: none was connected/)})
  expect(elapsed).toBeGreaterThanOrEqual(480)
  expect(elapsed).toBeLessThan(2000)

  // A worker on zeromq.js (libzmq) this time: the same worker.mjs, the other implementation.
  // The timed-out request is still queued for the first worker to connect; its reply is late.
  await startWorker(empty.backend, "libzmq", {ZMTP_MODULE: "zeromq"})
  const after = await post(empty.url + "again", "now")
  expect(after.status).toBe(200)
  expect(await after.json()).toMatchObject({worker: "libzmq", path: "/again", body: "now"})
})
