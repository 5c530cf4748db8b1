/**
 * inproc between threads when a wake-up is lost (engine/thread-watch.ts): the ring's waker cleared
 * the sleeper's WAITING word, yet the sleeper's Atomics.waitAsync never settles. That is what a
 * stalled link looked like under load; here the same state is made on purpose, by clearing the
 * WAITING word before the other side publishes, so that no notify is sent at all. Two real
 * ThreadEngines joined by real rings, in this thread (a ring does not care which thread reads it).
 */
import {afterEach, expect, test} from "vitest"
import {Buffer} from "node:buffer"
import {Pipe, type PipeOwner} from "../../src/engine/pipe.js"
import {ThreadEngine} from "../../src/engine/thread-engine.js"
import {newRing, RingReader, RingWriter} from "../../src/engine/thread-ring.js"
import {WATCH_MS} from "../../src/engine/thread-watch.js"
import {sleep} from "../helpers/sockets.js"

// Control words (thread-ring.ts Ctl).
const READER_WAITING = 2
const WRITER_WAITING = 4

const engines: ThreadEngine[] = []
afterEach(() => {
  for (const e of engines.splice(0)) e.abort()
})

/** A PUSH-like end (`a`, send HWM 1, the peer's receive HWM 1) linked to a PULL-like end (`b`). */
function link() {
  const ab = newRing()
  const ba = newRing()
  const owner: PipeOwner = {pipeReadable: () => {}, pipeWritable: () => {}, pipeTerminated: () => {}}
  const a = new ThreadEngine(new RingWriter(ab), new RingReader(ba), 1, [], () => {})
  const b = new ThreadEngine(new RingWriter(ba), new RingReader(ab), 1000, [], () => {})
  engines.push(a, b)
  const sender = new Pipe(owner, 1, 1000, "inproc://watch")
  const receiver = new Pipe(owner, 1000, 1, "inproc://watch")
  const peer = {identity: Buffer.alloc(0), minor: 1, address: "inproc://watch"}
  a.attach(sender, {...peer, socketType: "PULL"})
  b.attach(receiver, {...peer, socketType: "PUSH"})
  return {sender, receiver, ctl: new Int32Array(ab, 0, 16)}
}

/** Reads the receiver's next message, waiting up to `ms`. */
async function next(receiver: Pipe, ms: number): Promise<string | null> {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(5)) {
    const msg = receiver.read()
    if (msg) return msg.map(String).join("|")
  }
  return null
}

test("a reader whose wake-up was lost still reads what was written, within two looks of the watch", async () => {
  const {sender, receiver, ctl} = link()
  await sleep(20) // the reader has found its ring empty and sleeps
  expect(Atomics.load(ctl, READER_WAITING)).toBe(1)
  // As when the writer's notify was lost: WAITING cleared, so the writer's publish notifies no one.
  Atomics.store(ctl, READER_WAITING, 0)
  expect(sender.write([Buffer.from("lost"), Buffer.from("wake")])).toBe(true)
  expect(await next(receiver, WATCH_MS / 4)).toBeNull()
  expect(await next(receiver, 4 * WATCH_MS)).toBe("lost|wake")
  // And the link goes on as usual afterwards.
  expect(sender.write([Buffer.from("after")])).toBe(true)
  expect(await next(receiver, WATCH_MS / 2)).toBe("after")
})

test("a writer whose credit wake-up was lost still writes when the reader took its message", async () => {
  const {sender, receiver, ctl} = link()
  expect(sender.write([Buffer.from("one")])).toBe(true)
  expect(await next(receiver, 1000)).toBe("one")
  // The receiver's RCVHWM (1) is used by "two" until it is read; "three" waits in the sender's pipe.
  expect(sender.write([Buffer.from("two")])).toBe(true)
  await sleep(20)
  expect(sender.write([Buffer.from("three")])).toBe(true)
  await sleep(20)
  expect(Atomics.load(ctl, WRITER_WAITING)).toBe(1)
  Atomics.store(ctl, WRITER_WAITING, 0)
  // Reading "two" gives credit back without a notify: only the watch can send "three" on.
  expect(await next(receiver, 1000)).toBe("two")
  expect(await next(receiver, WATCH_MS / 4)).toBeNull()
  expect(await next(receiver, 4 * WATCH_MS)).toBe("three")
})
