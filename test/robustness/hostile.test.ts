/**
 * Hostile peers (issue 8): a fast-check-driven raw TCP peer connects to a zmtp socket and sends
 * random and malformed greetings, old protocol versions, wrong mechanisms, absurd frame sizes,
 * truncated and unknown commands, garbage metadata, traffic before the handshake. Every
 * connection must end (or stay up) without hurting the process, memory stays bounded, and the
 * same socket keeps serving a well-behaved peer throughout.
 */
import {afterAll, beforeAll, expect, test} from "vitest"
import fc from "fast-check"
import net from "node:net"
import * as zmq from "../../src/index.js"
import {encodeGreeting} from "../../src/wire/greeting.js"
import {encodeCommand, encodeReady} from "../../src/wire/command.js"
import {encodeMessage} from "../../src/wire/frame.js"

const CASES = Number(process.env.ZMTP_FUZZ_CASES ?? 10000)
const CONCURRENCY = 64

let pull: zmq.Pull
let push: zmq.Push
let port = 0
const seen = new Map<string, number>()

beforeAll(async () => {
  pull = new zmq.Pull({maxMessageSize: 1 << 20, handshakeInterval: 2000})
  pull.events.on("handshake:error:protocol", e => {
    const code = (e.error as {code?: string} | undefined)?.code ?? e.type
    seen.set(code, (seen.get(code) ?? 0) + 1)
  })
  pull.events.on("handshake:error:other", e => seen.set(e.type, (seen.get(e.type) ?? 0) + 1))
  pull.events.on("disconnect", () => seen.set("disconnect", (seen.get("disconnect") ?? 0) + 1))
  await pull.bind("tcp://127.0.0.1:*")
  port = Number(pull.lastEndpoint!.split(":").pop())
  push = new zmq.Push()
  push.connect(pull.lastEndpoint!)
})

afterAll(() => {
  push.close()
  pull.close()
})

const GREETING = encodeGreeting("NULL", false)
const READY_PUSH = encodeReady([["Socket-Type", Buffer.from("PUSH")]])

const bytes = (max: number) => fc.uint8Array({maxLength: max}).map(a => Buffer.from(a))
const frameHeader = fc.oneof(
  fc.tuple(fc.integer({min: 0, max: 255}), fc.integer({min: 0, max: 255})).map(([f, s]) => Buffer.from([f & ~0x02, s])),
  fc.tuple(fc.integer({min: 0, max: 255}), fc.bigInt({min: 0n, max: (1n << 64n) - 1n})).map(([f, size]) => {
    const b = Buffer.alloc(9)
    b[0] = f | 0x02
    b.writeBigUInt64BE(size, 1)
    return b
  }),
)
const command = fc.tuple(fc.constantFrom("READY", "ERROR", "PING", "PONG", "SUBSCRIBE", "CANCEL", "HELLO", "X"), bytes(40)).map(([name, data]) => encodeCommand(name, data))
const greetingVariant = fc.oneof(
  fc.constant(GREETING),
  bytes(64),
  fc.constant(encodeGreeting("PLAIN", false)),
  fc.constant(encodeGreeting("CURVE", true)),
  fc.constant(Buffer.from("ff00000000000000017f0105", "hex")), // ZMTP 2.0
  fc.constant(Buffer.from("ff00000000000000017f00", "hex")), // ZMTP 1.0 revision
  fc.constant(Buffer.from("0500", "hex")), // ZMTP 1.0 unversioned
  fc.tuple(fc.integer({min: 0, max: 63}), bytes(64)).map(([at, junk]) => Buffer.concat([GREETING.subarray(0, at), junk])),
)
const afterGreeting = fc.array(fc.oneof(command, frameHeader, bytes(300), fc.constant(READY_PUSH), fc.constant(encodeMessage([Buffer.from("x")]))), {maxLength: 6}).map(parts => Buffer.concat(parts))
const hostile = fc.tuple(greetingVariant, afterGreeting, fc.array(fc.nat({max: 400}), {maxLength: 4}))

/** Sends `data` (cut at the given points) and waits until the server closes or 300 ms pass. */
function attack(data: Buffer, cuts: number[]): Promise<void> {
  return new Promise(resolve => {
    const s = net.connect(port, "127.0.0.1")
    const timer = setTimeout(() => s.destroy(), 300)
    s.on("connect", () => {
      let prev = 0
      for (const c of [...new Set(cuts.map(c => c % (data.length + 1)))].sort((a, b) => a - b)) {
        s.write(data.subarray(prev, c))
        prev = c
      }
      s.write(data.subarray(prev))
    })
    s.on("data", () => {})
    s.on("error", () => {})
    s.on("close", () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

test(`${CASES} hostile connections: no crash, bounded memory, and a good peer is served throughout`, async () => {
  const samples = fc.sample(hostile, CASES)
  const rssBefore = process.memoryUsage().rss
  let served = 0
  const good = (async () => {
    // A well-behaved peer keeps sending the whole time; every message must arrive, in order.
    for (let i = 0; i < 200; i++) await push.send(`good ${i}`)
  })()
  let next = 0
  const worker = async () => {
    while (next < samples.length) {
      const [greeting, rest, cuts] = samples[next++]!
      await attack(Buffer.concat([greeting, rest]), cuts)
    }
  }
  const workers = Array.from({length: CONCURRENCY}, worker)
  const reader = (async () => {
    for (let i = 0; i < 200; i++) {
      const msg = await pull.receive()
      // Hostile peers that complete a handshake as PUSH may inject messages; the good ones are in order.
      if (msg.length === 1 && msg[0]!.toString().startsWith("good ")) {
        expect(msg[0]!.toString()).toBe(`good ${served}`)
        served++
      } else {
        i--
      }
    }
  })()
  await Promise.all([...workers, good])
  await reader
  expect(served).toBe(200)
  const growth = process.memoryUsage().rss - rssBefore
  // Tens of thousands of connections later, the process has not grown without bound.
  expect(growth).toBeLessThan(200 * 1024 * 1024)
  // Protocol errors were seen and reported as typed events, not crashes.
  expect(seen.get("disconnect") ?? 0).toBeGreaterThan(0)
  console.log(`hostile cases: ${CASES}; events: ${JSON.stringify(Object.fromEntries(seen))}; rss growth ${(growth / 1048576).toFixed(1)} MiB`)
}, 60000 + CASES * 20)
