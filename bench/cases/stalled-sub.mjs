/**
 * A PUB with a stalled SUB over tcp: the SUB (another process) connects, reads one probe so we
 * know its subscription arrived, then never reads again. The PUB then sends 10 M messages of 64 B
 * with `await pub.send(msg)` (1 M with --quick) and samples its RSS every 64 Ki sends. Reported:
 * the PUB's RSS growth over its baseline (peak sample during the loop), its RSS after a GC at the
 * end, and its send rate. A PUB must drop for a subscriber at its HWM, so the growth must stay
 * flat. The floor is a bare net writer that drops a frame whenever the socket already holds
 * 256 KiB (what a PUB does at its HWM).
 */
import {bindAddress, payload, rssMB, settle, sleep} from "../lib/common.mjs"
import {frame, listen, connect} from "../lib/floor.mjs"
import {withRoles} from "../lib/proc.mjs"

const FILE = "stalled-sub.mjs"
const SIZE = 64
const SAMPLE_EVERY = 65536
const PROBE = Buffer.from("P")

const sends = opts => (opts.quick ? 1_000_000 : 10_000_000)

export const cases = [
  {
    id: "stalled-sub-tcp",
    title: "PUB + stalled SUB tcp 64 B",
    metric: "growthMB",
    extraMetrics: ["msgsPerSec"],
    lowerIsBetter: ["growthMB"],
    fixedCount: true,
    counts: {zmtp: sends, zeromq: sends, floor: sends},
    notes: r => (r.growthMB === undefined ? "" : `${(r.count / 1e6).toFixed(0)} M sends; PUB RSS +${r.growthMB.toFixed(1)} MB peak, +${r.finalGrowthMB.toFixed(1)} MB after GC`),
    run: runStalled,
  },
]

async function runStalled(contender, count) {
  const floor = contender === "floor"
  return withRoles(async start => {
    const pub = start(FILE, floor ? "floorPub" : "pub", contender, {address: bindAddress("tcp", "stalled"), count})
    const {endpoint} = await pub.wait("ready")
    const sub = start(FILE, floor ? "floorSub" : "sub", contender, {endpoint})
    await sub.wait("joined")
    pub.send("go")
    const {result: p} = await pub.wait("done")
    sub.send("stop")
    await sub.wait("done")
    return {
      growthMB: p.peakMB - p.baselineMB,
      finalGrowthMB: p.finalMB - p.baselineMB,
      msgsPerSec: count / p.elapsed,
      mbPerSec: (count * SIZE) / p.elapsed / 1048576,
      count,
      elapsed: p.elapsed,
      peakRssMB: p.peakRssMB,
    }
  })
}

/** Runs `send(i)` count times, sampling RSS; returns the numbers the case reports. */
async function measuredLoop(count, send) {
  await settle(300)
  const baselineMB = rssMB()
  let peakMB = baselineMB
  const t0 = performance.now()
  for (let i = 0; i < count; i++) {
    await send()
    if ((i & (SAMPLE_EVERY - 1)) === 0) peakMB = Math.max(peakMB, rssMB())
  }
  const elapsed = (performance.now() - t0) / 1000
  peakMB = Math.max(peakMB, rssMB())
  await settle(300)
  return {baselineMB, peakMB, finalMB: rssMB(), elapsed}
}

// ---- roles (run inside bench/worker.mjs) --------------------------------------------------------

export const roles = {
  async pub(zmq, {address, count}, io) {
    const pub = new zmq.Publisher()
    await pub.bind(address)
    io.send("ready", {endpoint: pub.lastEndpoint})
    while (!io.has("go")) {
      await pub.send(PROBE)
      await sleep(5)
    }
    await io.wait("go")
    const msg = payload(SIZE)
    const result = await measuredLoop(count, () => pub.send(msg))
    pub.close()
    return result
  },

  async sub(zmq, {endpoint}, io) {
    const sub = new zmq.Subscriber()
    sub.connect(endpoint)
    sub.subscribe()
    await sub.receive()
    io.send("joined")
    // Stalled: never reads again.
    await io.wait("stop")
    sub.close()
  },

  async floorPub(_, {address, count}, io) {
    let sock
    const [server, endpoint] = await listen(address, s => (sock = s))
    io.send("ready", {endpoint})
    await io.wait("go")
    while (!sock) await sleep(1)
    const one = frame(payload(SIZE))
    const batch = Buffer.allocUnsafe(64 * 1024)
    let used = 0
    const result = await measuredLoop(count, () => {
      if (sock.writableLength + used >= 256 * 1024) return // drop, like a PUB at its HWM
      one.copy(batch, used)
      used += one.length
      if (used + one.length > batch.length) {
        sock.write(Buffer.from(batch.subarray(0, used)))
        used = 0
      }
    })
    sock.destroy()
    server.close()
    return result
  },

  async floorSub(_, {endpoint}, io) {
    const sock = await connect(endpoint)
    sock.pause()
    io.send("joined")
    await io.wait("stop")
    sock.destroy()
  },
}
