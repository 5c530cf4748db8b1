/**
 * Faults (issue 8): a peer killed with SIGKILL mid-multipart, close() at awkward moments, and
 * linger at process exit. Child processes are real `node` processes.
 */
import {afterEach, beforeAll, expect, test} from "vitest"
import {spawn, execFileSync} from "node:child_process"
import {writeFileSync} from "node:fs"
import net from "node:net"
import {join} from "node:path"
import {fileURLToPath} from "node:url"
import * as zmq from "../../src/index.js"
import {encodeGreeting} from "../../src/wire/greeting.js"
import {encodeReady} from "../../src/wire/command.js"
import {sleep, until} from "../helpers/sockets.js"
import {tempDir} from "../helpers/tmp.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const dir = tempDir("zmtp-faults-")
const built = join(dir, "dist")

beforeAll(() => {
  // Children load the package as users do: from a build (made here, so dist/ is left alone).
  execFileSync(process.execPath, ["scripts/build.mjs", built], {cwd: root, stdio: "pipe"})
}, 120000)

const open: zmq.Socket[] = []
const track = <T extends zmq.Socket>(s: T) => (open.push(s), s)
afterEach(() => {
  for (const s of open.splice(0)) s.close()
})

function child(code: string, args: string[] = []) {
  const file = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`)
  writeFileSync(file, code.replaceAll("ZMTP", JSON.stringify(join(built, "esm", "index.js"))))
  const proc = spawn(process.execPath, [file, ...args], {stdio: ["ignore", "pipe", "pipe"]})
  let out = ""
  let err = ""
  proc.stdout.on("data", d => (out += d))
  proc.stderr.on("data", d => (err += d))
  const exited = new Promise<number | null>(r => proc.on("exit", code => r(code)))
  return {proc, exited, out: () => out, err: () => err}
}

test("a peer killed with SIGKILL mid-multipart delivers nothing of that message", async () => {
  const pull = track(new zmq.Pull({linger: 0}))
  await pull.bind("tcp://127.0.0.1:*")
  const port = Number(pull.lastEndpoint!.split(":").pop())
  const greeting = encodeGreeting("NULL", false).toString("hex")
  const ready = encodeReady([["Socket-Type", Buffer.from("PUSH")]]).toString("hex")
  // The child completes the handshake, sends one whole message, then the first frame (MORE) and
  // half of the second of another, says so, and waits to be killed.
  const c = child(`
    import net from "node:net"
    const s = net.connect(${port}, "127.0.0.1", () => {
      s.write(Buffer.from("${greeting}${ready}", "hex"))
      setTimeout(() => {
        s.write(Buffer.from("000577686f6c65", "hex"))             // "whole"
        s.write(Buffer.concat([Buffer.from("01056669727374", "hex"), Buffer.from("0064", "hex"), Buffer.alloc(50, 1)]))
        setTimeout(() => console.log("half-sent"), 100)
      }, 100)
    })
    s.on("data", () => {})
    setInterval(() => {}, 1000)
  `)
  await until(() => c.out().includes("half-sent"), 10000, "child to send half a multipart")
  c.proc.kill("SIGKILL")
  await c.exited
  expect((await pull.receive()).map(f => f.toString())).toEqual(["whole"])
  await sleep(100)
  expect(pull.readable).toBe(false)
  // The socket serves the next peer normally.
  const push = track(new zmq.Push({linger: 0}))
  push.connect(pull.lastEndpoint!)
  await push.send(["after", "kill"])
  expect((await pull.receive()).map(f => f.toString())).toEqual(["after", "kill"])
})

test("close() during a handshake that never completes", async () => {
  const server = net.createServer(s => s.on("data", () => {}))
  await new Promise<void>(r => server.listen(0, "127.0.0.1", r))
  const dealer = new zmq.Dealer({linger: 0})
  const events: string[] = []
  dealer.events.on("connect", () => events.push("connect"))
  dealer.connect(`tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`)
  await until(() => events.includes("connect"))
  dealer.close()
  expect(dealer.closed).toBe(true)
  server.close()
})

test("close() during a pending send and a pending receive rejects both with EAGAIN", async () => {
  const push = new zmq.Push({linger: 0})
  push.connect("tcp://127.0.0.1:9")
  // Fill the pipe to its HWM so the next send waits.
  push.sendHighWaterMark = 1
  const pull = new zmq.Pull({linger: 0})
  const pendingReceive = pull.receive()
  await push.send("fills the pipe")
  const pendingSend = push.send("waits")
  push.close()
  pull.close()
  const [send, receive] = await Promise.allSettled([pendingSend, pendingReceive])
  expect(send).toMatchObject({status: "rejected", reason: {code: "EAGAIN"}})
  expect(receive).toMatchObject({status: "rejected", reason: {code: "EAGAIN"}})
})

test("linger at process exit: a sender that simply ends still delivers what it queued", async () => {
  const pull = track(new zmq.Pull({linger: 0}))
  await pull.bind("tcp://127.0.0.1:*")
  const c = child(`
    import * as zmq from ZMTP
    const push = new zmq.Push()
    push.connect(${JSON.stringify(pull.lastEndpoint)})
    for (let i = 0; i < 5000; i++) await push.send(String(i))
    console.log("queued")
  `)
  let n = 0
  for await (const [m] of pull) {
    expect(m!.toString()).toBe(String(n))
    if (++n === 5000) break
  }
  expect(await c.exited).toBe(0)
})

test("a pending receive keeps a process alive; an idle socket does not", async () => {
  const waiting = child(`
    import * as zmq from ZMTP
    const pull = new zmq.Pull()
    await pull.bind("tcp://127.0.0.1:*")
    console.log("waiting")
    await pull.receive()
  `)
  const idle = child(`
    import * as zmq from ZMTP
    const pull = new zmq.Pull()
    await pull.bind("tcp://127.0.0.1:*")
    const push = new zmq.Push()
    push.connect(pull.lastEndpoint)
    console.log("idle")
  `)
  expect(await idle.exited).toBe(0)
  await until(() => waiting.out().includes("waiting"), 10000)
  await sleep(750)
  expect(waiting.proc.exitCode).toBe(null)
  waiting.proc.kill()
  await waiting.exited
})
