/**
 * REQ↔REP round trip, shaped like libzmq's local_lat/remote_lat: the REP binds and echoes, the REQ
 * connects and does round trips (`await req.send(msg)` then `await req.receive()`). Reported: the
 * mean round trip in µs.
 *
 * Latency on a shared 2-core machine swings by 2× from one second to the next, so this case
 * interleaves finely: each round starts a REQ/REP pair of processes per contender, warms them up,
 * and then runs 10 bursts of each contender in turn (alternating the order), while the pairs that
 * are not in their burst sit idle. A round reports each contender's median burst.
 * The floor echoes pre-framed ZMTP frames over a bare net socket (TCP_NODELAY on both ends).
 * libzmq C is bench/c/zmq_perf.c: `lat-server` (REP, echoes until SIGTERM) and `lat-client` (REQ,
 * zmq_send() then zmq_msg_recv(); it warms up and then runs each burst it is sent on stdin).
 *
 * CPU placement (`--pin`, default "same"): on the 2-vCPU VMs this runs on, a pair whose two
 * processes the scheduler leaves on one vCPU round-trips in ~25-30 µs, and a pair it spreads over
 * both in ~60-100 µs (waking a halted vCPU is slow); the placement is chosen when the pair starts
 * and sticks, whatever the library. Unpinned, a contender's figure was mostly which of the two it
 * drew. So every contender's REQ and REP run pinned alike: "same" puts both on CPU 0, "split"
 * REP on CPU 1 and REQ on CPU 0 (as local_lat/remote_lat on two cores), "none" leaves it to the
 * scheduler.
 */
import {bindAddress, median, payload} from "../lib/common.mjs"
import {FrameParser, frame, listen, connect} from "../lib/floor.mjs"
import {canPin, procOptions, withRoles} from "../lib/proc.mjs"
import {withCProcesses} from "../lib/libzmq-c.mjs"

const FILE = "req-rep.mjs"

export const cases = []
for (const transport of ["tcp", "ipc"]) {
  for (const [tag, size] of [["16", 16], ["1k", 1024]]) {
    cases.push({
      id: `req-rep-${transport}-${tag}`,
      title: `REQ↔REP ${transport} ${size === 1024 ? "1 KiB" : `${size} B`}`,
      metric: "rttUs",
      lowerIsBetter: ["rttUs"],
      counts: {zmtp: 25_000, zeromq: 12_000, libzmq: 25_000, floor: 30_000},
      notes: r => (r.bestUs === undefined ? "" : `best burst ${r.bestUs.toFixed(1)} µs`),
      runAll: (order, counts, opts) => runLat(transport, size, order, counts, opts),
    })
  }
}
// The other placement, for the record (no target): tcp 16 B with REP and REQ on two CPUs, where
// every round trip wakes a halted vCPU twice.
cases.push({
  id: "req-rep-tcp-16-split",
  title: "REQ↔REP tcp 16 B, REP and REQ on two CPUs",
  metric: "rttUs",
  lowerIsBetter: ["rttUs"],
  counts: {zmtp: 12_000, zeromq: 8_000, libzmq: 12_000, floor: 12_000},
  notes: r => (r.bestUs === undefined ? "" : `best burst ${r.bestUs.toFixed(1)} µs`),
  runAll: (order, counts, opts) => runLat("tcp", 16, order, counts, opts, "split"),
})

/** The CPUs each role runs on, by --pin mode (see the top of this file). */
const PLACEMENT = {same: {rep: "0", req: "0"}, split: {rep: "1", req: "0"}, none: {}}

/** The placement used for a --pin mode: its CPUs, or none when that mode or taskset says so. */
function cpusFor(pin) {
  const cpus = PLACEMENT[pin]
  return cpus?.rep !== undefined && canPin(cpus.rep) && canPin(cpus.req) ? cpus : {}
}

/** How a --pin mode placed the latency pairs, for the report. */
export function placement(pin = procOptions.pin) {
  if (pin === "none") return "unpinned"
  if (cpusFor(pin).rep === undefined) return "unpinned (taskset cannot pin here)"
  return pin === "same" ? "REQ and REP pinned to CPU 0 (taskset)" : "REP pinned to CPU 1, REQ to CPU 0 (taskset)"
}

async function runLat(transport, size, order, counts, opts, pin = procOptions.pin) {
  const bursts = opts.quick ? 5 : 10
  const warmup = opts.quick ? 200 : 1000
  return withRoles(start => withCProcesses(async startC => {
    const pairs = {}
    const cpus = cpusFor(pin)
    for (const c of order) {
      const address = bindAddress(transport, `lat-${c}`)
      pairs[c] = {...(c === "libzmq" ? await startPairC(startC, address, size, warmup, cpus) : await startPair(start, c, address, size, warmup, cpus)), rtts: [], elapsed: 0}
    }
    for (let b = 0; b < bursts; b++) {
      for (const c of b % 2 ? [...order].reverse() : order) {
        const p = pairs[c]
        const n = Math.max(1, Math.round(counts[c] / bursts))
        const elapsed = await p.burst(n)
        p.rtts.push((elapsed * 1e6) / n)
        p.elapsed += elapsed
      }
    }
    const results = {}
    for (const c of order) {
      const p = pairs[c]
      results[c] = {rttUs: median(p.rtts), bestUs: Math.min(...p.rtts), elapsed: p.elapsed, peakRssMB: await p.finish()}
    }
    return results
  }))
}

/** A warmed-up REQ/REP pair of worker processes: burst(n) → seconds, finish() → peak RSS MB. */
async function startPair(start, c, address, size, warmup, cpus) {
  const floor = c === "floor"
  const rep = start(FILE, floor ? "floorEcho" : "rep", c, {address}, {cpus: cpus.rep})
  const {endpoint} = await rep.wait("ready")
  const req = start(FILE, floor ? "floorClient" : "req", c, {endpoint, size, warmup}, {cpus: cpus.req})
  await req.wait("warm")
  return {
    async burst(n) {
      req.send("burst", {n})
      return (await req.wait("burst-done")).elapsed
    },
    async finish() {
      req.send("burst", {n: 0})
      const {result: r} = await req.wait("done")
      rep.send("stop")
      const {result: e} = await rep.wait("done")
      return Math.max(r.peakRssMB, e.peakRssMB)
    },
  }
}

/** The same pair as two zmq_perf processes (libzmq C), driven over their stdin/stdout. */
async function startPairC(startC, address, size, warmup, cpus) {
  const rep = startC(["lat-server", address, size, 0], {cpus: cpus.rep})
  const {endpoint} = await rep.wait("endpoint")
  const req = startC(["lat-client", endpoint, size, 0, warmup], {cpus: cpus.req})
  await req.wait("warm")
  return {
    async burst(n) {
      req.write(n)
      return (await req.wait("burst")).elapsed
    },
    async finish() {
      req.write(0)
      const r = await req.wait("done")
      rep.signal("SIGTERM")
      const e = await rep.wait("echoed")
      return Math.max(r.maxrss_kb, e.maxrss_kb) / 1024
    },
  }
}

// ---- roles (run inside bench/worker.mjs) --------------------------------------------------------

export const roles = {
  async rep(zmq, {address}, io) {
    const rep = new zmq.Reply()
    await rep.bind(address)
    io.send("ready", {endpoint: rep.lastEndpoint})
    io.wait("stop").then(() => rep.close())
    try {
      for (;;) {
        const msg = await rep.receive()
        await rep.send(msg)
      }
    } catch (e) {
      if (!rep.closed) throw e
    }
  },

  async req(zmq, {endpoint, size, warmup}, io) {
    const req = new zmq.Request()
    req.connect(endpoint)
    const msg = payload(size)
    const burst = async n => {
      const t0 = performance.now()
      for (let i = 0; i < n; i++) {
        await req.send(msg)
        const [reply] = await req.receive()
        if (reply.length !== size) throw new Error(`reply of ${reply.length} bytes`)
      }
      return (performance.now() - t0) / 1000
    }
    await burst(warmup)
    io.send("warm")
    for (;;) {
      const {n} = await io.wait("burst")
      if (n === 0) break
      io.send("burst-done", {elapsed: await burst(n)})
    }
    req.close()
  },

  async floorEcho(_, {address}, io) {
    const socks = []
    const [server, endpoint] = await listen(address, sock => {
      socks.push(sock)
      const parser = new FrameParser((flags, body) => sock.write(frame(body, flags)))
      sock.on("data", chunk => parser.push(chunk))
    })
    io.send("ready", {endpoint})
    await io.wait("stop")
    for (const s of socks) s.destroy()
    server.close()
  },

  async floorClient(_, {endpoint, size, warmup}, io) {
    const sock = await connect(endpoint)
    const request = frame(payload(size))
    let onReply = null
    const parser = new FrameParser((flags, body) => {
      if (body.length !== size) throw new Error(`reply of ${body.length} bytes`)
      onReply()
    })
    sock.on("data", chunk => parser.push(chunk))
    const burst = n =>
      new Promise(resolve => {
        let left = n
        const t0 = performance.now()
        onReply = () => {
          if (--left === 0) resolve((performance.now() - t0) / 1000)
          else sock.write(request)
        }
        sock.write(request)
      })
    await burst(warmup)
    io.send("warm")
    for (;;) {
      const {n} = await io.wait("burst")
      if (n === 0) break
      io.send("burst-done", {elapsed: await burst(n)})
    }
    sock.destroy()
  },
}
