/**
 * Drop-in scenarios at the level of the whole process (issue 14): the same small program runs in
 * a child process once with zeromq.js and once with zmtp (the built package), and what the user
 * sees of the process must match: whether it is still running after a while, its exit code, and
 * what it printed on stderr (zeromq.js's warning when queued messages hold the process at exit).
 */
import {afterAll, beforeAll, describe, expect, test} from "vitest"
import {execFileSync, spawn} from "node:child_process"
import {mkdtempSync, rmSync, writeFileSync} from "node:fs"
import {createRequire} from "node:module"
import {tmpdir} from "node:os"
import {join} from "node:path"
import {fileURLToPath} from "node:url"
import {freeTcpPort} from "../helpers/sockets.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), "zmtp-dropin-process-"))
const libs: Record<string, string> = {}

beforeAll(() => {
  execFileSync(process.execPath, ["scripts/build.mjs", join(scratch, "dist")], {cwd: root, stdio: "pipe"})
  libs.zmtp = join(scratch, "dist", "cjs", "index.js")
  libs["zeromq.js"] = createRequire(join(root, "package.json")).resolve("zeromq")
}, 120000)

afterAll(() => rmSync(scratch, {recursive: true, force: true}))

interface Seen {
  /** Still running when the observation window closed (then killed). */
  running: boolean
  code: number | null
  stderr: string
}

let n = 0
/** Runs `body` (CommonJS, `zmq` in scope) with each library; watches each for `windowMs`. */
async function both(body: string, windowMs: number, nodeArgs: string[] = []): Promise<Record<string, Seen>> {
  const out: Record<string, Seen> = {}
  await Promise.all(
    Object.entries(libs).map(async ([name, entry]) => {
      const file = join(scratch, `child-${++n}.cjs`)
      writeFileSync(file, `const zmq = require(${JSON.stringify(entry)})\n;(async () => {\n${body}\n})()\n`)
      const child = spawn(process.execPath, [...nodeArgs, file], {stdio: ["ignore", "ignore", "pipe"]})
      let stderr = ""
      child.stderr.on("data", d => (stderr += d))
      const exited = new Promise<number | null>(r => child.on("exit", code => r(code)))
      const timer = new Promise<"running">(r => setTimeout(() => r("running"), windowMs))
      const first = await Promise.race([exited, timer])
      if (first === "running") child.kill()
      const code = await exited
      out[name] = {running: first === "running", code: first === "running" ? null : code, stderr: stderr.replace(/\(node:\d+\)/g, "(node:PID)")}
    }),
  )
  return out
}

function expectSame(seen: Record<string, Seen>): void {
  expect(seen.zmtp).toEqual(seen["zeromq.js"])
}

describe("the process, as zeromq.js leaves it", () => {
  for (const blocky of [true, false]) {
    test(`queued messages hold the process at exit for linger, with zeromq.js's warning (blocky ${blocky})`, async () => {
      const seen = await both(
        `zmq.context.blocky = ${blocky}
        const s = new zmq.Dealer({linger: 1000})
        s.connect("tcp://127.0.0.1:${await freeTcpPort()}")
        await s.send(null)`,
        4000,
      )
      expectSame(seen)
      expect(seen.zmtp!.stderr).toContain("WARNING: Waiting for queued ZeroMQ messages to be delivered.")
    })
  }

  test("a short linger ends the wait before the warning", async () => {
    const seen = await both(
      `const s = new zmq.Dealer({linger: 50})
      s.connect("tcp://127.0.0.1:${await freeTcpPort()}")
      await s.send(null)`,
      4000,
    )
    expectSame(seen)
    expect(seen.zmtp).toEqual({running: false, code: 0, stderr: ""})
  })

  test("a closed socket's queued messages hold the process the same way", async () => {
    const seen = await both(
      `const s = new zmq.Push({linger: 700})
      s.connect("tcp://127.0.0.1:${await freeTcpPort()}")
      await s.send("x")
      s.close()`,
      4000,
    )
    expectSame(seen)
  })

  /**
   * A PUSH fills up toward a PULL of the same process that stopped reading (at its receive HWM),
   * and the program ends. The PUSH's last write stays pending in libuv (the kernel's buffers are
   * full), and a pending write holds the event loop although the connection is unreferenced:
   * engine/stalled-exit.ts notices when such writes are all that is left.
   */
  function stalledPush(o: {pushBinds: boolean; close: boolean; size: number; sendHwm: number; receiveHwm: number}): string {
    const [binds, connects] = o.pushBinds ? ["push", "pull"] : ["pull", "push"]
    // process.stderr made, as in any program that has logged: a pipe here, listed among the
    // process's resources from then on.
    return `void process.stderr
      const push = new zmq.Push({sendHighWaterMark: ${o.sendHwm}, sendTimeout: 0})
      const pull = new zmq.Pull({receiveHighWaterMark: ${o.receiveHwm}})
      await ${binds}.bind("tcp://127.0.0.1:*")
      ${connects}.connect(${binds}.lastEndpoint)
      await new Promise(r => setTimeout(r, 100))
      const big = Buffer.alloc(${o.size})
      for (;;) { try { await push.send(big) } catch { break } }
      ${o.close ? "push.close()" : ""}`
  }

  // A bound PUSH's pipe ends with the connection: at exit zeromq.js closes the PULL, and that ends
  // the wait. 100 kB messages leave the last write pending only sometimes (the kernel's buffers
  // grow); 16 MiB ones always.
  for (const [what, o] of [
    ["a closed socket", {close: true, size: 100_000, sendHwm: 10, receiveHwm: 10}],
    ["a closed socket, messages larger than the kernel's buffers,", {close: true, size: 16 << 20, sendHwm: 2, receiveHwm: 1}],
    ["an open socket, messages larger than the kernel's buffers,", {close: false, size: 16 << 20, sendHwm: 2, receiveHwm: 1}],
  ] as const) {
    test(`${what} whose peer in the same process stopped reading lets the process end`, async () => {
      const seen = await both(stalledPush({pushBinds: true, ...o}), 4000)
      expectSame(seen)
      expect(seen.zmtp).toEqual({running: false, code: 0, stderr: ""})
    })
  }

  // libzmq keeps a dialling socket's pipe across reconnects, so its linger waits for ever.
  for (const close of [false, true]) {
    test(`a dialling PUSH ${close ? "closed" : "left open"} whose reader in the same process stopped reading waits at exit, with the warning`, async () => {
      const seen = await both(stalledPush({pushBinds: false, close, size: 16 << 20, sendHwm: 2, receiveHwm: 1}), 2500)
      expectSame(seen)
      expect(seen.zmtp!.running).toBe(true)
      expect(seen.zmtp!.stderr).toContain("WARNING: Waiting for queued ZeroMQ messages to be delivered.")
    })
  }

  test("reading socket.events keeps the process alive", async () => {
    const seen = await both(
      `const s = new zmq.Dealer()
      for await (const event of s.events) {}`,
      1000,
    )
    expectSame(seen)
    expect(seen.zmtp!.running).toBe(true)
  })

  test("reading events of a socket that closes lets the process end", async () => {
    const seen = await both(
      `const s = new zmq.Dealer()
      const reading = (async () => { for await (const event of s.events) {} })()
      s.close()
      await reading`,
      3000,
    )
    expectSame(seen)
    expect(seen.zmtp).toEqual({running: false, code: 0, stderr: ""})
  })

  test("a send blocked without peers keeps the process alive; an idle socket does not", async () => {
    const blocked = await both(`const s = new zmq.Dealer()\nawait s.send("test")`, 1000)
    const idle = await both(`const s = new zmq.Publisher()\nawait s.send("test")\nnew zmq.Router()`, 3000)
    expectSame(blocked)
    expectSame(idle)
    expect(blocked.zmtp!.running).toBe(true)
    expect(idle.zmtp!.running).toBe(false)
  })

  for (const t of ["tcp", "ipc", "inproc"]) {
    test(`a closed socket lets its Context be garbage collected (${t}, connected and sent to)`, async () => {
      const address = t === "tcp" ? `tcp://127.0.0.1:${await freeTcpPort()}` : t === "ipc" ? `ipc://${scratch}/gc-${++n}.ipc` : "inproc://gc"
      const seen = await both(
        `let ref
        await (async () => {
          const context = new zmq.Context()
          const socket = new zmq.Dealer({context, linger: 0})
          ref = new WeakRef(context)
          socket.connect(${JSON.stringify(address)})
          await socket.send("foo")
          socket.close()
        })()
        await gc({type: "major", execution: "async"})
        console.error(ref.deref() === undefined ? "released" : "still referenced")`,
        5000,
        ["--expose-gc"],
      )
      expectSame(seen)
      expect(seen.zmtp!.stderr).toBe("released\n")
    })
  }
})
