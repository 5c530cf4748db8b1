/**
 * PUSH→PULL throughput, shaped like libzmq's local_thr/remote_thr: the receiver binds, the sender
 * connects and sends `count` messages of `size` bytes with `await push.send(msg)` in a loop; the
 * receiver reads with `for await (const [msg] of pull)` as zeromq.js's README shows for PULL
 * (`--recv=receive` switches to `await pull.receive()`); its clock starts at the first message
 * and stops at the last.
 * tcp and ipc run sender and receiver in two processes; inproc runs both in one process.
 * libzmq C (tcp and ipc only) is bench/c/zmq_perf.c: `thr-recv` binds a PULL and times the same
 * way, `thr-send` connects a PUSH, sends with zmq_send() in a loop and, like the JS senders,
 * closes only when told (its stdin ends) after the receiver is done.
 */
import {bindAddress, payload} from "../lib/common.mjs"
import {FrameCounter, countingOnread, listen, connect, writeFrames} from "../lib/floor.mjs"
import {withRoles} from "../lib/proc.mjs"
import {withCProcesses} from "../lib/libzmq-c.mjs"

const FILE = "push-pull.mjs"
const KiB = 1024
const MiB = 1024 * 1024

/** Starting message counts per contender (run.mjs resizes them so a run takes ~1.5 s). */
const SIZES = [
  {tag: "16", size: 16, counts: {zmtp: 4_000_000, zeromq: 600_000, libzmq: 8_000_000, floor: 100_000_000}},
  {tag: "1k", size: KiB, counts: {zmtp: 700_000, zeromq: 300_000, libzmq: 1_200_000, floor: 5_000_000}},
  {tag: "64k", size: 64 * KiB, counts: {zmtp: 25_000, zeromq: 35_000, libzmq: 40_000, floor: 70_000}},
  {tag: "1m", size: MiB, counts: {zmtp: 2_500, zeromq: 3_000, libzmq: 3_000, floor: 5_000}},
]

export const cases = []
for (const transport of ["tcp", "ipc"]) {
  for (const s of SIZES) {
    cases.push({
      id: `push-pull-${transport}-${s.tag}`,
      title: `PUSH→PULL ${transport} ${s.size >= MiB ? s.size / MiB + " MiB" : s.size >= KiB ? s.size / KiB + " KiB" : s.size + " B"}`,
      metric: s.size >= 64 * KiB ? "mbPerSec" : "msgsPerSec",
      counts: s.counts,
      run: (contender, count, opts) => runThr(transport, s.size, contender, count, opts.recv),
    })
  }
}
// CURVE (issue 7): the same PUSH→PULL at 1 KiB and 64 KiB with every frame in a MESSAGE box. No floor: the
// raw socket has no encryption to compare with.
cases.push({
  id: "curve-push-pull-tcp-1k",
  title: "CURVE PUSH→PULL tcp 1 KiB",
  metric: "msgsPerSec",
  counts: {zmtp: 100_000, zeromq: 100_000},
  run: (contender, count, opts) => runThr("tcp", KiB, contender, count, opts.recv, true),
})
cases.push({
  id: "curve-push-pull-tcp-64k",
  title: "CURVE PUSH→PULL tcp 64 KiB",
  metric: "mbPerSec",
  counts: {zmtp: 5_000, zeromq: 5_000},
  run: (contender, count, opts) => runThr("tcp", 64 * KiB, contender, count, opts.recv, true),
})

cases.push({
  id: "push-pull-inproc-16",
  title: "PUSH→PULL inproc 16 B",
  metric: "msgsPerSec",
  counts: {zmtp: 6_000_000, zeromq: 500_000, floor: 12_000_000},
  run: async (contender, count, opts) =>
    withRoles(async start => {
      const r = start(FILE, "inproc", contender, {count, size: 16, recv: opts.recv})
      const {result} = await r.wait("done")
      return thrResult(result, 16)
    }),
})

/** Fixed test keys (libzmq's doc/zmq_curve.txt), so both processes agree without talking. */
const CURVE = {
  server: {publicKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", secretKey: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"},
  client: {publicKey: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID", secretKey: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"},
}

async function runThr(transport, size, contender, count, recv, curve = false) {
  if (contender === "libzmq") return runThrC(transport, size, count)
  const floor = contender === "floor"
  return withRoles(async start => {
    const rx = start(FILE, floor ? "floorReceiver" : "receiver", contender, {address: bindAddress(transport, "thr"), count, size, recv, curve})
    const {endpoint} = await rx.wait("ready")
    const tx = start(FILE, floor ? "floorSender" : "sender", contender, {endpoint, count, size, curve})
    const {result: r} = await rx.wait("done")
    tx.send("stop")
    const {result: s} = await tx.wait("done")
    return {...thrResult(r, size), peakRssMB: Math.max(r.peakRssMB, s.peakRssMB)}
  })
}

/** The same run with the two zmq_perf processes of libzmq C. */
async function runThrC(transport, size, count) {
  return withCProcesses(async start => {
    const rx = start(["thr-recv", bindAddress(transport, "thr"), size, count])
    const {endpoint} = await rx.wait("endpoint")
    const tx = start(["thr-send", endpoint, size, count])
    const r = await rx.wait("elapsed")
    tx.child.stdin.end() // now it may close (see thr-send in zmq_perf.c)
    const s = await tx.wait("sent")
    return {...thrResult({count: r.count, elapsed: r.elapsed}, size), peakRssMB: Math.max(r.maxrss_kb, s.maxrss_kb) / 1024}
  })
}

export function thrResult(r, size) {
  const msgsPerSec = (r.count - 1) / r.elapsed
  return {msgsPerSec, mbPerSec: (msgsPerSec * size) / MiB, elapsed: r.elapsed, peakRssMB: r.peakRssMB}
}

// ---- roles (run inside bench/worker.mjs) --------------------------------------------------------

/** Receives `count` messages; the clock starts at the first. Returns [seconds, bytes]. */
export async function receiveAll(pull, count, recv = "iter") {
  let t0 = 0
  let got = 0
  let bytes = 0
  if (recv === "receive") {
    for (; got < count; got++) {
      const [msg] = await pull.receive()
      if (got === 0) t0 = performance.now()
      bytes += msg.length
    }
  } else {
    for await (const [msg] of pull) {
      if (got === 0) t0 = performance.now()
      bytes += msg.length
      if (++got === count) break
    }
  }
  return [(performance.now() - t0) / 1000, bytes]
}

export const roles = {
  async receiver(zmq, {address, count, size, recv, curve}, io) {
    const pull = new zmq.Pull(curve ? {curveServer: true, curveSecretKey: CURVE.server.secretKey, curvePublicKey: CURVE.server.publicKey} : {})
    await pull.bind(address)
    io.send("ready", {endpoint: pull.lastEndpoint})
    const [elapsed, bytes] = await receiveAll(pull, count, recv)
    if (bytes !== count * size) throw new Error(`received ${bytes} bytes, expected ${count * size}`)
    pull.close()
    return {elapsed, count}
  },

  async sender(zmq, {endpoint, count, size, curve}, io) {
    const push = new zmq.Push(curve ? {curveServerKey: CURVE.server.publicKey, curveSecretKey: CURVE.client.secretKey, curvePublicKey: CURVE.client.publicKey} : {})
    push.connect(endpoint)
    const msg = payload(size)
    for (let i = 0; i < count; i++) await push.send(msg)
    await io.wait("stop")
    push.close()
  },

  async floorReceiver(_, {address, count, size}, io) {
    let counter
    let server
    const done = new Promise(resolve => {
      counter = new FrameCounter(count, resolve)
      listen(address, () => {}, 511, () => countingOnread(counter)).then(([s, endpoint]) => {
        server = s
        io.send("ready", {endpoint})
      })
    })
    await done
    if (counter.bytes !== count * size) throw new Error(`received ${counter.bytes} bytes, expected ${count * size}`)
    server.close()
    return {elapsed: (counter.t1 - counter.t0) / 1000, count}
  },

  async floorSender(_, {endpoint, count, size}, io) {
    const sock = await connect(endpoint)
    await writeFrames(sock, payload(size), count)
    await io.wait("stop")
    sock.destroy()
  },

  /** Both ends in this process: zmtp or zeromq.js over inproc, or (floor) a bare async queue. */
  async inproc(zmq, {count, size, recv}) {
    let push, pull
    if (zmq) {
      pull = new zmq.Pull()
      await pull.bind(bindAddress("inproc", "thr"))
      push = new zmq.Push()
      push.connect(pull.lastEndpoint)
    } else {
      push = pull = new AsyncChannel(1000)
    }
    const msg = payload(size)
    const receiving = receiveAll(pull, count, recv)
    for (let i = 0; i < count; i++) await push.send(msg)
    const [elapsed] = await receiving
    push.close?.()
    pull.close?.()
    return {elapsed, count}
  },
}

/**
 * The inproc floor: the least a promise-based queue with a high-water mark can do. send() resolves
 * at once below the HWM and waits above it; receive() resolves at once when a message is queued.
 */
class AsyncChannel {
  constructor(hwm) {
    this.hwm = hwm
    this.queue = []
    this.head = 0
    this.reader = null
    this.writer = null
  }

  get length() {
    return this.queue.length - this.head
  }

  send(msg) {
    const frames = [msg]
    if (this.reader) {
      const r = this.reader
      this.reader = null
      r(frames)
      return Promise.resolve()
    }
    if (this.length < this.hwm) {
      this.queue.push(frames)
      return Promise.resolve()
    }
    return new Promise(resolve => {
      this.writer = () => {
        this.queue.push(frames)
        resolve()
      }
    })
  }

  [Symbol.asyncIterator]() {
    return {next: () => (this.length > 0 ? Promise.resolve({value: this.take(), done: false}) : this.receive().then(value => ({value, done: false})))}
  }

  receive() {
    if (this.length === 0) return new Promise(resolve => (this.reader = resolve))
    return Promise.resolve(this.take())
  }

  take() {
    const msg = this.queue[this.head++]
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
    if (this.writer) {
      const w = this.writer
      this.writer = null
      w()
    }
    return msg
  }
}
