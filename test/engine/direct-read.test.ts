/**
 * Large bodies are read straight into their own memory (src/transport/direct-read.ts), as libzmq's
 * decoder does; everything else goes through a scratch buffer. These tests run real engines over
 * real loopback TCP, with both ends made the way the transports make them (an accepted socket
 * moved to a reading-in-place socket, a connecting socket created with one).
 */
import {randomBytes} from "node:crypto"
import {mkdtempSync, rmSync} from "node:fs"
import net from "node:net"
import {tmpdir} from "node:os"
import {join} from "node:path"
import {afterAll, expect, test} from "vitest"
import {Pull, Push} from "../../src/index.js"
import {acceptDirect, connectDirect} from "../../src/transport/direct-read.js"
import {engineOn, until, type Harness} from "../helpers/engine.js"

const KiB = 1024
const MiB = 1024 * KiB

/** An engine pair over tcp: `server` on the accepted side, `client` on the connecting side. */
async function directPair(): Promise<{server: Harness; client: Harness; close(): void}> {
  let server!: Harness
  let client!: Harness
  let closeListener = () => {}
  const accepted = new Promise<void>(resolve => {
    const listener = net.createServer({pauseOnConnect: true}, sock => {
      server = engineOn(acceptDirect(sock), "PULL")
      resolve()
    })
    listener.listen(0, "127.0.0.1", () => {
      const port = (listener.address() as net.AddressInfo).port
      const sock = connectDirect({host: "127.0.0.1", port})
      sock.once("connect", () => (client = engineOn(sock, "PUSH")))
    })
    closeListener = () => listener.close()
  })
  await accepted
  await until(() => client !== undefined, 3000, "connect")
  await Promise.all([server.peer, client.peer])
  return {
    server,
    client,
    close() {
      server.engine.close()
      client.engine.close()
      closeListener()
    },
  }
}

/** Counts the bytes an engine gets through its read target and through its scratch chunks. */
function countReads(h: Harness): {direct: number; scratch: number} {
  const counts = {direct: 0, scratch: 0}
  const engine = h.engine as unknown as {targetFilled(n: number): void; onChunk(c: Buffer): void}
  const filled = engine.targetFilled.bind(engine)
  const chunk = engine.onChunk.bind(engine)
  engine.targetFilled = n => {
    counts.direct += n
    filled(n)
  }
  engine.onChunk = c => {
    counts.scratch += c.length
    chunk(c)
  }
  return counts
}

test("a 1 MiB body is read straight into its memory, byte for byte, between small frames", async () => {
  const {server, client, close} = await directPair()
  try {
    const counts = countReads(server)
    const bodies = [randomBytes(MiB), randomBytes(MiB)]
    client.pipe.write([Buffer.from("head"), bodies[0]!])
    client.pipe.write([Buffer.from("small")])
    client.pipe.write([bodies[1]!, Buffer.from("tail")])
    await until(() => server.received.length === 3, 5000, "three messages")
    expect(server.received[0]![0]!.toString()).toBe("head")
    expect(server.received[0]![1]!.equals(bodies[0]!)).toBe(true)
    expect(server.received[1]!.map(b => b.toString())).toEqual(["small"])
    expect(server.received[2]![0]!.equals(bodies[1]!)).toBe(true)
    expect(server.received[2]![1]!.toString()).toBe("tail")
    // Most of the 2 MiB went in place (the first read of each body lands in the scratch buffer
    // along with its header).
    expect(counts.direct).toBeGreaterThan(1.5 * MiB)
    expect(counts.direct + counts.scratch).toBe(2 * (MiB + 9) + (2 + 4) + (2 + 5) + (2 + 4))
  } finally {
    close()
  }
})

test("a run of 64 KiB messages is read in place, not copied out of the scratch buffer", async () => {
  // After a body that ended in its own memory, the next read is a small one (the next header and
  // a little of its body), so that the rest of that body is read in place too. Were the next read
  // a full scratch read, it would take most of the next body and copy it.
  const {server, client, close} = await directPair()
  try {
    const counts = countReads(server)
    const bodies = Array.from({length: 64}, () => randomBytes(64 * KiB))
    for (const body of bodies) client.pipe.write([body])
    await until(() => server.received.length === bodies.length, 5000, "64 messages")
    server.received.forEach((m, i) => expect(m[0]!.equals(bodies[i]!), `message ${i}`).toBe(true))
    expect(counts.direct + counts.scratch).toBe(bodies.length * (64 * KiB + 9))
    // At most the first read's 64 KiB and 256 bytes per later message come through the scratch.
    expect(counts.scratch).toBeLessThan(64 * KiB + bodies.length * 256)
  } finally {
    close()
  }
})

test("bodies of every size around the thresholds arrive intact, in order, on both sides", async () => {
  const {server, client, close} = await directPair()
  try {
    const sizes = [0, 1, 255, 256, 32 * KiB - 1, 32 * KiB, 32 * KiB + 1, 64 * KiB - 9, 64 * KiB, 64 * KiB + 1, 100_000, MiB - 1, MiB, MiB + 1, 3 * MiB]
    const sent = sizes.map(n => randomBytes(n))
    for (const body of sent) client.pipe.write([body])
    // ...and the other way, into the connecting side's reader.
    for (const body of sent) server.pipe.write([body])
    await until(() => server.received.length === sent.length && client.received.length === sent.length, 10000, "all bodies")
    for (const side of [server, client]) {
      expect(side.received.map(m => m.length)).toEqual(sent.map(() => 1))
      side.received.forEach((m, i) => expect(m[0]!.equals(sent[i]!), `body ${i} (${sizes[i]} B)`).toBe(true))
    }
  } finally {
    close()
  }
})

test("a small message does not keep a 64 KiB read buffer alive", async () => {
  const {server, client, close} = await directPair()
  try {
    client.pipe.write([Buffer.from("sixteen bytes!!!")])
    await until(() => server.received.length === 1, 3000, "the message")
    const msg = server.received[0]![0]!
    expect(msg.toString()).toBe("sixteen bytes!!!")
    expect(msg.buffer.byteLength).toBeLessThan(64 * KiB)
  } finally {
    close()
  }
})

const ipcDir = mkdtempSync(join(tmpdir(), "zmtp-direct-"))
afterAll(() => rmSync(ipcDir, {recursive: true, force: true}))

for (const transport of ["tcp", "ipc"] as const) {
  for (const binder of ["PULL", "PUSH"] as const) {
    test(`${transport}, ${binder} binds: PUSH→PULL of large and small messages is exact`, async () => {
      const push = new Push({linger: 0})
      const pull = new Pull({linger: 0})
      try {
        const address = transport === "tcp" ? "tcp://127.0.0.1:0" : `ipc://${ipcDir}/${binder}.ipc`
        const [bound, connecting] = binder === "PULL" ? [pull, push] : [push, pull]
        await bound.bind(address)
        connecting.connect(bound.lastEndpoint!)
        const sent = [randomBytes(MiB), randomBytes(16), randomBytes(200 * KiB), randomBytes(2 * MiB + 3)]
        for (const body of sent) await push.send([Buffer.from("k"), body])
        for (const body of sent) {
          const [k, got] = await pull.receive()
          expect(k!.toString()).toBe("k")
          expect(got!.equals(body)).toBe(true)
        }
      } finally {
        push.close()
        pull.close()
      }
    })
  }
}
