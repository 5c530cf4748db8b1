/**
 * One ROUTER with 1,000 DEALER connections over tcp. The ROUTER (one process) binds and notes its
 * RSS; another process creates 1,000 DEALER sockets, each connecting and sending one hello. The
 * clock runs from the first DEALER's creation to the ROUTER's receipt of the 1,000th hello (the
 * two processes compare wall-clock times). Then everything idles for a second and both processes
 * collect garbage and report their RSS over their baseline: the memory 1,000 idle connections cost.
 * The floor does the same with bare net sockets (one pre-framed hello each, no handshake).
 */
import {bindAddress, settle, sleep, wallMs} from "../lib/common.mjs"
import {FrameParser, frame, listen, connect} from "../lib/floor.mjs"
import {withRoles} from "../lib/proc.mjs"

const FILE = "router-dealers.mjs"
const N = 1000
const HELLO = Buffer.from("hi")
const IDLE_MS = 1000
/** Listen backlog for all three contenders (libzmq's default is 100): with a smaller one, a burst
 * of 1,000 connects overflows the accept queue and the timing measures TCP's 1 s SYN retransmit. */
const BACKLOG = 1024

export const cases = [
  {
    id: "router-dealers-tcp-1000",
    title: "ROUTER + 1,000 DEALERs tcp",
    metric: "connectMs",
    extraMetrics: ["routerGrowthMB"],
    lowerIsBetter: ["connectMs", "routerGrowthMB"],
    fixedCount: true,
    counts: {zmtp: () => N, zeromq: () => N, floor: () => N},
    notes: r =>
      r.connectMs === undefined
        ? ""
        : `connect all ${r.connectMs.toFixed(0)} ms; ROUTER +${r.routerGrowthMB.toFixed(1)} MB (${((r.routerGrowthMB * 1024) / N).toFixed(1)} KB/conn, of which JS heap +${r.routerHeapMB.toFixed(1)} MB, Buffers +${r.routerBuffersMB.toFixed(1)} MB); DEALER process +${r.dealersGrowthMB.toFixed(1)} MB (${((r.dealersGrowthMB * 1024) / N).toFixed(1)} KB/socket)`,
    run: runRouter,
  },
]

async function runRouter(contender) {
  const floor = contender === "floor"
  return withRoles(async start => {
    const router = start(FILE, floor ? "floorRouter" : "router", contender, {address: bindAddress("tcp", "router")})
    const {endpoint} = await router.wait("ready")
    const dealers = start(FILE, floor ? "floorDealers" : "dealers", contender, {endpoint})
    const {startMs} = await dealers.wait("started")
    const r = await router.wait("measured")
    dealers.send("measure")
    const d = await dealers.wait("measured")
    router.send("stop")
    dealers.send("stop")
    const {result: rr} = await router.wait("done")
    const {result: dr} = await dealers.wait("done")
    return {
      connectMs: r.lastMs - startMs,
      routerGrowthMB: r.afterMB - r.baselineMB,
      routerHeapMB: r.heapGrowthMB,
      routerBuffersMB: r.buffersGrowthMB,
      dealersGrowthMB: d.afterMB - d.baselineMB,
      elapsed: (r.lastMs - startMs) / 1000,
      peakRssMB: Math.max(rr.peakRssMB, dr.peakRssMB),
    }
  })
}

/** Where the memory is: V8 heap and Buffer/ArrayBuffer memory next to RSS. */
function memory() {
  const m = process.memoryUsage()
  return {rss: m.rss / 1048576, heap: m.heapUsed / 1048576, buffers: m.arrayBuffers / 1048576}
}

async function idleAndMeasure(io, fields) {
  await sleep(IDLE_MS)
  await settle(300)
  const m = memory()
  io.send("measured", {...fields, afterMB: m.rss, heapGrowthMB: m.heap - fields.baseline.heap, buffersGrowthMB: m.buffers - fields.baseline.buffers})
}

// ---- roles (run inside bench/worker.mjs) --------------------------------------------------------

export const roles = {
  async router(zmq, {address}, io) {
    const router = new zmq.Router({backlog: BACKLOG})
    await router.bind(address)
    await settle(300)
    const baseline = memory()
    const baselineMB = baseline.rss
    io.send("ready", {endpoint: router.lastEndpoint})
    const peers = new Set()
    for (let i = 0; i < N; i++) {
      const [id] = await router.receive()
      peers.add(id.toString("hex"))
    }
    const lastMs = wallMs()
    if (peers.size !== N) throw new Error(`${peers.size} distinct peers`)
    await idleAndMeasure(io, {baselineMB, baseline, lastMs})
    await io.wait("stop")
    router.close()
  },

  async dealers(zmq, {endpoint}, io) {
    const context = new zmq.Context({maxSockets: 4 * N})
    await settle(300)
    const baseline = memory()
    const baselineMB = baseline.rss
    const startMs = wallMs()
    const sockets = []
    for (let i = 0; i < N; i++) {
      const d = new zmq.Dealer({context, linger: 0})
      d.connect(endpoint)
      sockets.push(d)
    }
    io.send("started", {startMs})
    for (const d of sockets) await d.send(HELLO)
    await io.wait("measure")
    await idleAndMeasure(io, {baselineMB, baseline})
    await io.wait("stop")
    for (const d of sockets) d.close()
  },

  async floorRouter(_, {address}, io) {
    let lastMs = 0
    const conns = []
    let server
    await settle(300)
    const baseline = memory()
    const baselineMB = baseline.rss
    await new Promise(resolve => {
      let hellos = 0
      listen(address, sock => {
        conns.push(sock)
        const parser = new FrameParser(() => {
          if (++hellos === N) {
            lastMs = wallMs()
            resolve()
          }
        })
        sock.on("data", chunk => parser.push(chunk))
      }, BACKLOG).then(([s, endpoint]) => {
        server = s
        io.send("ready", {endpoint})
      })
    })
    await idleAndMeasure(io, {baselineMB, baseline, lastMs})
    await io.wait("stop")
    for (const s of conns) s.destroy()
    server.close()
  },

  async floorDealers(_, {endpoint}, io) {
    await settle(300)
    const baseline = memory()
    const baselineMB = baseline.rss
    const startMs = wallMs()
    const hello = frame(HELLO)
    const socks = await Promise.all(
      Array.from({length: N}, async () => {
        const s = await connect(endpoint)
        s.write(hello)
        return s
      }),
    )
    io.send("started", {startMs})
    await io.wait("measure")
    await idleAndMeasure(io, {baselineMB, baseline})
    await io.wait("stop")
    for (const s of socks) s.destroy()
  },
}
