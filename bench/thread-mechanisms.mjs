/**
 * How fast can bytes move from the main thread to one worker thread, per mechanism? A
 * microbenchmark to choose how zmtp's inproc crosses threads: `node bench/thread-mechanisms.mjs`
 * prints a markdown table of msgs/s (median of 3 runs of ~1 s) for 16 B and 1 KiB messages.
 *
 *   (a) port      MessagePort.postMessage per message: a fresh Uint8Array each, cloned
 *   (b) batch     MessagePort.postMessage of one ArrayBuffer per turn, messages packed as
 *                 [u32 length][bytes] (up to 64 KiB), transferred
 *   (c) broadcast BroadcastChannel.postMessage of the same batches (cloned: it cannot transfer)
 *   (d) ring      a single-producer single-consumer byte ring of 64 KiB in a SharedArrayBuffer,
 *                 [u32 length][bytes] records, Int32 head/tail counters under Atomics; the
 *                 consumer sleeps with Atomics.waitAsync when the ring is empty and the producer
 *                 notifies only when the consumer said it sleeps; a producer that finds the ring
 *                 full waits with Atomics.waitAsync until half of it is free
 *
 * The producer behaves like an async program: it writes one "turn" of messages (as many as fit
 * in 64 KiB with their 4-byte headers), then awaits setImmediate, never spinning or blocking.
 * (a)-(c) have flow control: the consumer acks every turn and at most 4 turns are unacked.
 * The consumer turns every message into a Uint8Array: (a) gets one, (b) and (c) take views of
 * the batch, (d) copies out of the ring (the ring is reused). The clock runs from the worker's
 * "ready" to its "done" after the end marker, and the byte count is checked.
 * `node bench/thread-mechanisms.mjs ring batch` runs only those; RING_KIB=256 resizes the ring.
 */
import {BroadcastChannel, MessageChannel, Worker, isMainThread, parentPort, workerData} from "node:worker_threads"
import {setImmediate as nextTurn} from "node:timers/promises"

const TURN_BYTES = 64 * 1024 // per turn: one batch, or one ring's worth of records
const RING = 1024 * Number(process.env.RING_KIB ?? 64) // ring bytes, a power of two (position = counter & MASK)
const MASK = RING - 1
const WINDOW = 4 // unacked turns before a producer of (a)-(c) waits
const RUN_MS = 1000
const RUNS = 3
const SIZES = [16, 1024]
const MECHANISMS = {
  port: "(a) MessagePort, one cloned Uint8Array per message",
  batch: "(b) MessagePort, 64 KiB batches transferred",
  broadcast: "(c) BroadcastChannel, 64 KiB batches cloned",
  ring: `(d) SharedArrayBuffer SPSC ring of ${RING / 1024} KiB + Atomics.waitAsync`,
}
// Ring header words (Int32): the producer's and consumer's byte counters (they wrap at 2^32, and
// differences are taken with | 0), the consumer's "I sleep" flag, the producer's "I wait" flag
// and the tail value it waits for, each on its own 64-byte cache line (no measurable change here).
const HEAD = 0, TAIL = 16, SLEEPING = 32, WAITING = 48, WANT = 49, HEADER_WORDS = 64
const SKIP = -1 // length word: the rest of the ring is unused, go on at position 0
const END = -2 // length word: no more messages

const align4 = n => (n + 3) & ~3
const perTurn = size => Math.floor(TURN_BYTES / (4 + align4(size)))
const payload = size => new Uint8Array(size).fill(0x61)

// ---- producers (main thread): each sends until the deadline and returns how many it sent ------

/** Flow control for (a)-(c): `sent` and `acked` count turns; room() is a promise when 4 are unacked. */
class Window {
  sent = 0; acked = 0; wake = null
  ack(turns) {
    this.acked = turns
    if (this.wake) this.wake = this.wake() // resolve, and clear
  }
  room() {
    return this.sent - this.acked < WINDOW ? null : new Promise(resolve => (this.wake = resolve))
  }
}

/** (a) with `batched` false: one postMessage per message; (b), (c): one packed batch per turn. */
async function producePosts(post, win, size, deadline, batched, transfer) {
  const src = payload(size), n = perTurn(size), rec = 4 + align4(size)
  const reused = new ArrayBuffer(n * rec) // a cloned batch can be refilled at once
  let sent = 0
  while (performance.now() < deadline) {
    for (let wait; (wait = win.room()); ) await wait
    if (!batched) for (let i = 0; i < n; i++) post(src.slice())
    else {
      const buf = transfer ? new ArrayBuffer(n * rec) : reused
      const dv = new DataView(buf), bytes = new Uint8Array(buf)
        for (let i = 0, off = 0; i < n; i++, off += rec) dv.setUint32(off, size, true), bytes.set(src, off + 4)
      transfer ? post(buf, [buf]) : post(buf)
    }
    sent += n
    win.sent++
    await nextTurn()
  }
  return sent
}

const ringViews = sab => [new Int32Array(sab, 0, HEADER_WORDS), new Int32Array(sab, HEADER_WORDS * 4, RING / 4), new Uint8Array(sab, HEADER_WORDS * 4, RING)]

async function produceRing(sab, size, deadline) {
  const [hdr, words, data] = ringViews(sab)
  const src = payload(size), n = perTurn(size)
  let head = 0
  /** Waits until the consumer's tail reaches `want`: flag WAITING, look again, sleep. */
  async function waitFor(want) {
    Atomics.store(hdr, WANT, want)
    for (;;) {
      Atomics.store(hdr, WAITING, 1) // (every time: the consumer clears it when it notifies)
      const tail = Atomics.load(hdr, TAIL)
      if (((tail - want) | 0) >= 0) break
      const w = Atomics.waitAsync(hdr, TAIL, tail)
      if (w.async) await w.value
    }
    Atomics.store(hdr, WAITING, 0)
  }
  /** Appends a record (`len` bytes of src, or END) and publishes it; a promise only if it had to wait. */
  function put(len) {
    const rec = 4 + align4(Math.max(len, 0))
    let pos = head & MASK
    const need = RING - pos < rec ? RING - pos + rec : rec // counting the skipped end if it wraps
    if (RING - ((head - Atomics.load(hdr, TAIL)) | 0) < need) {
      // Full: wait for room for this record and half the ring, so as not to wake per record.
      return waitFor((head + Math.max(need, RING >> 1) - RING) | 0).then(() => put(len))
    }
    if (RING - pos < rec) {
      words[pos >> 2] = SKIP
      head = (head + RING - pos) | 0
      pos = 0
    }
    words[pos >> 2] = len
    if (len > 0) data.set(src, pos + 4)
    head = (head + rec) | 0
    Atomics.store(hdr, HEAD, head)
    if (Atomics.load(hdr, SLEEPING)) Atomics.notify(hdr, HEAD)
    return null
  }
  const keepAlive = setInterval(() => {}, 1e9) // a pending waitAsync does not keep Node alive
  let sent = 0
  while (performance.now() < deadline) {
    for (let i = 0, wait; i < n; i++) if ((wait = put(size))) await wait
    sent += n
    await nextTurn()
  }
  await put(END)
  clearInterval(keepAlive)
  return sent
}

// ---- consumers (worker thread): each calls done({got, bytes}) after the end marker ------------

function consume({mechanism, port, channel, sab}, done) {
  let got = 0, bytes = 0, turns = 0
  const eatBatch = buf => {
    const dv = new DataView(buf), all = new Uint8Array(buf)
    for (let off = 0, len; off < buf.byteLength; off += 4 + align4(len), got++) {
      len = dv.getUint32(off, true)
      bytes += all.subarray(off + 4, off + 4 + len).length // the message, a view of the batch
    }
    return ++turns
  }
  if (mechanism === "port") {
    port.on("message", m => {
      if (!(m instanceof Uint8Array)) return done({got, bytes})
      bytes += m.length
      if (++got % workerData.perTurn === 0) port.postMessage(++turns) // ack every turn's worth
    })
  } else if (mechanism === "batch") {
    port.on("message", m => (m instanceof ArrayBuffer ? port.postMessage(eatBatch(m)) : done({got, bytes})))
  } else if (mechanism === "broadcast") {
    const bc = new BroadcastChannel(channel)
    bc.onmessage = ({data}) => (data instanceof ArrayBuffer ? bc.postMessage(eatBatch(data)) : (bc.close(), done({got, bytes})))
  } else {
    consumeRing(sab).then(done)
  }
}

async function consumeRing(sab) {
  const [hdr, words, data] = ringViews(sab)
  let tail = 0, got = 0, bytes = 0
  setInterval(() => {}, 1e9) // a pending waitAsync does not keep Node alive (terminate() ends it)
  for (;;) {
    const head = Atomics.load(hdr, HEAD)
    if (head === tail) {
      // Empty: say so, then sleep (waitAsync returns at once if HEAD has moved meanwhile).
      Atomics.store(hdr, SLEEPING, 1)
      const w = Atomics.waitAsync(hdr, HEAD, tail)
      if (w.async) await w.value
      Atomics.store(hdr, SLEEPING, 0)
      continue
    }
    while (tail !== head) {
      const pos = tail & MASK, len = words[pos >> 2]
      if (len === END) return {got, bytes}
      if (len === SKIP) { tail = (tail + RING - pos) | 0; continue } // prettier-ignore
      bytes += data.slice(pos + 4, pos + 4 + len).length // the message, copied out of the ring
      got++
      tail = (tail + 4 + align4(len)) | 0
      Atomics.store(hdr, TAIL, tail)
      if (Atomics.load(hdr, WAITING) && ((tail - Atomics.load(hdr, WANT)) | 0) >= 0) {
        Atomics.store(hdr, WAITING, 0)
        Atomics.notify(hdr, TAIL)
      }
    }
  }
}

// ---- one run: a fresh worker, ~RUN_MS of sending, msgs/s --------------------------------------

async function run(mechanism, size) {
  const {port1, port2} = new MessageChannel()
  const channel = `thread-mechanisms-${process.pid}-${Math.random()}`
  const sab = new SharedArrayBuffer(HEADER_WORDS * 4 + RING)
  const worker = new Worker(new URL(import.meta.url), {workerData: {mechanism, port: port2, channel, sab, perTurn: perTurn(size)}, transferList: [port2]})
  const replies = {}
  const reply = type => new Promise((resolve, reject) => ((replies[type] = resolve), worker.once("error", reject)))
  worker.on("message", m => replies[m.type](m))
  await reply("ready")
  const finished = reply("done")
  const win = new Window()
  const bc = mechanism === "broadcast" ? new BroadcastChannel(channel) : null
  bc ? (bc.onmessage = ({data}) => win.ack(data)) : port1.on("message", turns => win.ack(turns))
  const t0 = performance.now(), deadline = t0 + RUN_MS
  let sent
  if (mechanism === "port") sent = await producePosts(m => port1.postMessage(m), win, size, deadline, false)
  else if (mechanism === "batch") sent = await producePosts((b, t) => port1.postMessage(b, t), win, size, deadline, true, true)
  else if (mechanism === "broadcast") sent = await producePosts(b => bc.postMessage(b), win, size, deadline, true, false)
  else sent = await produceRing(sab, size, deadline)
  if (mechanism === "broadcast") bc.postMessage("end")
  else if (mechanism !== "ring") port1.postMessage("end")
  const {got, bytes} = await finished
  const elapsed = (performance.now() - t0) / 1000
  bc?.close()
  port1.close()
  await worker.terminate()
  if (got !== sent || bytes !== sent * size) throw new Error(`${mechanism} ${size} B: sent ${sent}, received ${got} (${bytes} bytes)`)
  return got / elapsed
}

const median = v => [...v].sort((a, b) => a - b)[v.length >> 1]
const fmt = v => Math.round(v).toLocaleString("en-US")

if (isMainThread) {
  const rows = []
  const only = process.argv.slice(2) // e.g. `ring batch`: just these
  for (const [mechanism, label] of Object.entries(MECHANISMS).filter(([m]) => !only.length || only.includes(m))) {
    const cells = []
    for (const size of SIZES) {
      const runs = []
      for (let i = 0; i < RUNS; i++) runs.push(await run(mechanism, size))
      process.stderr.write(`${mechanism} ${size} B: ${runs.map(fmt).join(", ")} msgs/s\n`)
      cells.push(median(runs))
    }
    rows.push(`| ${label} | ${cells.map(fmt).join(" | ")} | ${cells.map((v, i) => ((v * SIZES[i]) / 1048576).toFixed(0)).join(" | ")} |`)
  }
  const head = `| mechanism | ${SIZES.map(s => `${s} B msgs/s`).join(" | ")} | ${SIZES.map(s => `${s} B MB/s`).join(" | ")} |`
  console.log(`Node ${process.version}, main thread → 1 worker thread, median of ${RUNS} runs of ~${RUN_MS / 1000} s\n`)
  console.log([head, `| --- |${" ---: |".repeat(SIZES.length * 2)}`, ...rows].join("\n"))
} else {
  consume(workerData, result => parentPort.postMessage({type: "done", ...result}))
  parentPort.postMessage({type: "ready"})
}
