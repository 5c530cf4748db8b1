/**
 * "Send, then close" delivers everything (issue 14): a socket that queues towards a connect()
 * holds what it sends before any connection exists and, closed with the default linger (-1),
 * keeps dialling until it has delivered it, as libzmq's session does (session_base.cpp
 * process_term). The sender is a child process running the built package that connects, sends N
 * messages, closes and simply ends; the bound receiver is this process, libzmq (zeromq.js) and
 * zmtp in turn, and must get all N in order. inproc has no second process: there the sender
 * closes before the bind, or while blocked on its HWM, in this process.
 */
import {afterAll, beforeAll, describe, expect, test} from "vitest"
import {execFileSync, spawn} from "node:child_process"
import {mkdtempSync, rmSync, writeFileSync} from "node:fs"
import net from "node:net"
import {tmpdir} from "node:os"
import {join} from "node:path"
import {fileURLToPath} from "node:url"
import * as zeromq from "zeromq"
import * as zmtp from "../../src/index.js"
import {freeTcpPort, sleep} from "../helpers/sockets.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), "zmtp-send-close-"))
const dist = join(scratch, "dist")
const childFile = join(scratch, "child.mjs")

beforeAll(() => {
  execFileSync(process.execPath, ["scripts/build.mjs", dist], {cwd: root, stdio: "pipe"})
  writeFileSync(
    childFile,
    `import * as zmq from ${JSON.stringify(join(dist, "esm", "index.js"))}
const [type, address, n] = process.argv.slice(2)
const s = new zmq[type]()
s.connect(address)
console.log("connected")
for (let i = 0; i < Number(n); i++) await s.send(String(i))
s.close()
console.log("closed")
`,
  )
}, 120000)

afterAll(() => rmSync(scratch, {recursive: true, force: true}))

type Sender = "Push" | "Dealer" | "Pair" | "Request"
/** The socket each sender talks to; the message body is the last frame it receives. */
const RECEIVER: Record<Sender, "Pull" | "Router" | "Pair"> = {Push: "Pull", Dealer: "Router", Pair: "Pair", Request: "Router"}
/** REQ sends one request and then waits for its reply. */
const COUNTS: Record<Sender, number[]> = {Push: [1, 1000, 200000], Dealer: [1, 1000, 200000], Pair: [1, 1000, 200000], Request: [1]}

interface Receiver {
  bind(address: string): Promise<void>
  receive(): Promise<Buffer[]>
  close(): void
  receiveTimeout: number
  linger: number
}

/** Receives n messages; returns how many came in order before the first gap, timeout or error. */
async function receiveInOrder(sock: Receiver, n: number): Promise<number> {
  for (let i = 0; i < n; i++) {
    let msg: Buffer[]
    try {
      msg = await sock.receive()
    } catch {
      return i
    }
    if (msg[msg.length - 1]!.toString() !== String(i)) return i
  }
  return n
}

let ipcN = 0
for (const transport of ["tcp", "ipc"] as const) {
  for (const lib of ["libzmq", "zmtp"] as const) {
    describe(`a child sends over ${transport}, closes and exits; ${lib} receives`, () => {
      for (const type of Object.keys(RECEIVER) as Sender[]) {
        for (const n of COUNTS[type]) {
          test(`${type}, ${n} messages`, async () => {
            const address = transport === "tcp" ? `tcp://127.0.0.1:${await freeTcpPort()}` : `ipc://${scratch}/r${++ipcN}.ipc`
            const child = spawn(process.execPath, [childFile, type, address, String(n)], {stdio: ["ignore", "pipe", "pipe"]})
            let out = ""
            let err = ""
            child.stdout.on("data", d => (out += d))
            child.stderr.on("data", d => (err += d))
            const exited = new Promise<number | null>(r => child.on("exit", r))
            // Up to the HWM (1,000) the child closes before anything listens; beyond it, its sends
            // wait for the connection, so the receiver binds while it is blocked.
            const until = n <= 1000 ? "closed" : "connected"
            const deadline = Date.now() + 10000
            while (!out.includes(until) && Date.now() < deadline && child.exitCode === null) await sleep(10)
            expect(out).toContain(until)
            if (n > 1000) await sleep(100)
            const zmq = (lib === "libzmq" ? zeromq : zmtp) as unknown as Record<string, new () => Receiver>
            const receiver = new zmq[RECEIVER[type]]!()
            receiver.receiveTimeout = 5000
            receiver.linger = 0
            try {
              await receiver.bind(address)
              expect(await receiveInOrder(receiver, n)).toBe(n)
              expect(await exited).toBe(0)
              // zeromq.js's exit warning may come (a slow reader holds the child over 500 ms).
              expect(err.replace(/\(node:\d+\) WARNING: Waiting for queued ZeroMQ messages to be delivered\..*\n/, "")).toBe("")
            } finally {
              receiver.close()
              child.kill()
            }
          }, 30000)
        }
      }
    })
  }
}

describe("inproc: what a closed sender queued reaches a later bind", () => {
  for (const type of Object.keys(RECEIVER) as Sender[]) {
    for (const n of COUNTS[type]) {
      test(`${type}, ${n} messages`, async () => {
        const address = `inproc://send-then-close-${type}-${n}`
        const sender = new (zmtp as unknown as Record<string, new () => zmtp.Socket & {send(m: string): Promise<void>; connect(a: string): void}>)[type]!()
        sender.connect(address)
        // Up to the HWM the sends complete with nothing bound; beyond, the bind comes mid-loop.
        const sending = (async () => {
          for (let i = 0; i < n; i++) await sender.send(String(i))
          sender.close()
        })()
        if (n <= 1000) await sending
        else await sleep(20)
        const receiver = new (zmtp as unknown as Record<string, new () => Receiver>)[RECEIVER[type]]!()
        receiver.receiveTimeout = 2000
        try {
          await receiver.bind(address)
          expect(await receiveInOrder(receiver, n)).toBe(n)
          await sending
          expect(sender.closed).toBe(true)
        } finally {
          receiver.close()
        }
      }, 30000)
    }
  }
})

describe("STREAM", () => {
  test("a response sent right before close() reaches a slow raw client in full (linger)", async () => {
    const stream = new zmtp.Stream()
    await stream.bind("tcp://127.0.0.1:*")
    const port = Number(stream.lastEndpoint!.split(":").pop())
    const client = net.connect(port, "127.0.0.1")
    client.pause()
    let got = 0
    client.on("data", (d: Buffer) => (got += d.length))
    const closed = new Promise(r => client.on("close", r))
    const [id] = await stream.receive() // the connection notice
    // More than the kernel's buffers hold, so most of it is still queued in zmtp at close().
    const body = Buffer.alloc(8 * 1024 * 1024, 7)
    await stream.send([id!, body])
    stream.close()
    await sleep(200)
    client.resume()
    await closed
    expect(got).toBe(body.length)
  }, 20000)
})
