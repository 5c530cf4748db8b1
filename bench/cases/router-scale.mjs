/**
 * Scale: one ROUTER with 10,000 concurrent DEALER connections over tcp (127.0.0.1), each DEALER
 * doing one round trip (issue 19, item 4).
 *
 * The ROUTER (one process) binds and notes its RSS. Two more processes hold 5,000 DEALERs each
 * (one process would need 10,000 sockets and, for libzmq, as many mailbox eventfds again); when
 * both are ready the orchestrator tells them to go. Each creates its DEALERs, connects them all,
 * and has every one send a hello and await its answer, all at once. The ROUTER answers each hello
 * as it arrives. Reported, all from the first DEALER's creation (the earlier of the two
 * processes' wall-clock starts):
 *
 * - connectMs: until the ROUTER got the 10,000th hello;
 * - answeredMs: until the last DEALER got its answer;
 * - routerKBPerConn: the ROUTER process's RSS over its baseline, after 1 s idle and a GC (as in
 *   router-dealers-tcp-1000), per connection;
 * - answered: how many DEALERs got their answer. A run that misses any fails: the ROUTER fails
 *   when it has not got every hello within DEADLINE_MS, each DEALER process when not every one of
 *   its DEALERs has its answer by then, each saying how many it got.
 *
 * zmtp and zeromq.js raise the context's maxSockets above its 1023 default; every role process is
 * started with its soft RLIMIT_NOFILE raised (lib/proc.mjs, `nofile`). The floor does the same
 * round trips with bare net sockets (pre-framed hello and answer, no handshake).
 */
import fs from "node:fs"
import {bindAddress, settle, sleep, wallMs} from "../lib/common.mjs"
import {FrameParser, frame, listen, connect} from "../lib/floor.mjs"
import {openFilesLimit, withRoles} from "../lib/proc.mjs"

const FILE = "router-scale.mjs"
const N = 10_000
/** DEALER processes; N is split evenly among them. */
const DEALER_PROCS = 2
const HELLO = Buffer.from("hi")
const ANSWER = Buffer.from("ok")
const IDLE_MS = 1000
/** Every DEALER must have its answer (and the ROUTER every hello) within this, from the start. */
const DEADLINE_MS = 60_000
/** Listen backlog for all three contenders. Linux clamps it to net.core.somaxconn (4096 on the
 * machine this was written on); a smaller one overflows the accept queue in the connect burst and
 * the timing then measures TCP's 1 s SYN retransmits. */
const BACKLOG = N
/** Soft RLIMIT_NOFILE asked for in every role process (capped at the hard limit). */
const NOFILE = 65536
/** The context's socket limit, for zmtp and zeromq.js alike (default 1023). */
const MAX_SOCKETS = 2 * N

export const cases = [
  {
    id: "router-dealers-tcp-10000",
    title: "ROUTER + 10,000 DEALERs tcp, one round trip each",
    metric: "connectMs",
    extraMetrics: ["answeredMs", "routerKBPerConn"],
    lowerIsBetter: ["connectMs", "answeredMs", "routerKBPerConn"],
    fixedCount: true,
    counts: {zmtp: () => N, zeromq: () => N, floor: () => N},
    notes: r =>
      r.connectMs === undefined
        ? ""
        : `${r.answered.toLocaleString("en-US")} of ${N.toLocaleString("en-US")} answered; all hellos in ${r.connectMs.toFixed(0)} ms, all answered in ${r.answeredMs.toFixed(0)} ms; ROUTER +${r.routerGrowthMB.toFixed(1)} MB = ${r.routerKBPerConn.toFixed(1)} KB/conn (JS heap +${r.routerHeapMB.toFixed(1)} MB, Buffers +${r.routerBuffersMB.toFixed(1)} MB); DEALER processes +${r.dealersGrowthMB.toFixed(1)} MB together (${((r.dealersGrowthMB * 1024) / N).toFixed(1)} KB/socket); listen queue overflows ${Number.isNaN(r.listenOverflows) ? "unknown" : fmtN(r.listenOverflows)} (host-wide); open files limit ${r.nofile}`,
    run: runScale,
  },
]

async function runScale(contender) {
  const floor = contender === "floor"
  return withRoles(async start => {
    const router = start(FILE, floor ? "floorRouter" : "router", contender, {address: bindAddress("tcp", "router")}, {nofile: NOFILE})
    const {endpoint, nofile} = await router.wait("ready")
    const dealers = Array.from({length: DEALER_PROCS}, (_, i) => {
      const n = Math.floor(N / DEALER_PROCS) + (i < N % DEALER_PROCS ? 1 : 0)
      return start(FILE, floor ? "floorDealers" : "dealers", contender, {endpoint, n, tag: `${i + 1}/${DEALER_PROCS}`}, {nofile: NOFILE})
    })
    await Promise.all(dealers.map(d => d.wait("ready")))
    const overflows0 = listenOverflows()
    for (const d of dealers) d.send("go")
    const started = await Promise.all(dealers.map(d => d.wait("started")))
    const startMs = Math.min(...started.map(s => s.startMs))
    // Every role either reports or fails by itself after DEADLINE_MS; gather all their verdicts.
    const timeout = DEADLINE_MS + 30_000
    const settled = await Promise.allSettled([router.wait("hellos", timeout), ...dealers.map(d => d.wait("answered", timeout))])
    const failures = settled.filter(s => s.status === "rejected").map(s => s.reason.message.split("\n")[0])
    const overflows = listenOverflows() - overflows0
    if (failures.length) throw new Error(failures.join("; ") + (Number.isNaN(overflows) ? "" : ` (listen queue overflows meanwhile, host-wide: ${fmtN(overflows)})`))
    const [h, ...answers] = settled.map(s => s.value)
    const answered = answers.reduce((sum, a) => sum + a.answered, 0)
    if (answered !== N || h.hellos !== N) throw new Error(`${answered} of ${N} DEALERs answered, ROUTER got ${h.hellos} hellos`)
    for (const r of [router, ...dealers]) r.send("measure")
    const [r, ...ds] = await Promise.all([router, ...dealers].map(x => x.wait("measured")))
    for (const x of [router, ...dealers]) x.send("stop")
    const done = await Promise.all([router, ...dealers].map(x => x.wait("done")))
    const routerGrowthMB = r.afterMB - r.baselineMB
    return {
      connectMs: h.lastHelloMs - startMs,
      answeredMs: Math.max(...answers.map(a => a.lastMs)) - startMs,
      answered,
      routerGrowthMB,
      routerKBPerConn: (routerGrowthMB * 1024) / N,
      routerHeapMB: r.heapGrowthMB,
      routerBuffersMB: r.buffersGrowthMB,
      dealersGrowthMB: ds.reduce((sum, d) => sum + d.afterMB - d.baselineMB, 0),
      nofile,
      listenOverflows: overflows,
      elapsed: (Math.max(...answers.map(a => a.lastMs)) - startMs) / 1000,
      peakRssMB: Math.max(...done.map(d => d.result.peakRssMB)),
    }
  })
}

/**
 * The kernel's count of connections dropped because a listen queue was full (TcpExt
 * ListenOverflows in /proc/net/netstat), NaN where unreadable. It covers the whole network
 * namespace, so other programs' listeners count too; nonzero during a run means some DEALERs
 * waited for a SYN or ACK retransmit (1 s at first).
 */
function listenOverflows() {
  try {
    const lines = fs.readFileSync("/proc/net/netstat", "utf8").split("\n").filter(l => l.startsWith("TcpExt:"))
    const names = lines[0].split(/\s+/)
    const values = lines[1].split(/\s+/)
    return Number(values[names.indexOf("ListenOverflows")])
  } catch {
    return NaN
  }
}

/** Where the memory is: V8 heap and Buffer/ArrayBuffer memory next to RSS. */
function memory() {
  const m = process.memoryUsage()
  return {rss: m.rss / 1048576, heap: m.heapUsed / 1048576, buffers: m.arrayBuffers / 1048576}
}

async function baselineAndReady(io, fields = {}) {
  await settle(300)
  const baseline = memory()
  io.send("ready", {...fields, nofile: openFilesLimit()?.soft})
  return baseline
}

async function idleAndMeasure(io, baseline) {
  await sleep(IDLE_MS)
  await settle(300)
  const m = memory()
  io.send("measured", {baselineMB: baseline.rss, afterMB: m.rss, heapGrowthMB: m.heap - baseline.heap, buffersGrowthMB: m.buffers - baseline.buffers})
}

/** Resolves after `ms` with the value `onTimeout()` returns then (a timer that does not hold the process open). */
function deadline(ms, onTimeout) {
  return new Promise(resolve => setTimeout(() => resolve(onTimeout()), ms).unref())
}

const fmtN = n => n.toLocaleString("en-US")

// ---- roles (run inside bench/worker.mjs) --------------------------------------------------------

export const roles = {
  async router(zmq, {address}, io) {
    zmq.context.maxSockets = MAX_SOCKETS
    const router = new zmq.Router({backlog: BACKLOG})
    await router.bind(address)
    const baseline = await baselineAndReady(io, {endpoint: router.lastEndpoint})
    const peers = new Set()
    let hellos = 0
    let late = false
    const loop = (async () => {
      while (hellos < N) {
        const [id, body] = await router.receive()
        if (late) return
        if (!HELLO.equals(body)) throw new Error(`ROUTER got ${JSON.stringify(body.toString())} instead of a hello`)
        hellos++
        peers.add(id.toString("hex"))
        await router.send([id, ANSWER])
      }
    })()
    const TIMED_OUT = Symbol("timeout")
    const first = await Promise.race([loop, deadline(DEADLINE_MS + 5000, () => TIMED_OUT)])
    if (first === TIMED_OUT) {
      late = true
      loop.catch(() => {})
      router.close()
      throw new Error(`ROUTER got ${fmtN(hellos)} of ${fmtN(N)} hellos within ${(DEADLINE_MS + 5000) / 1000} s of its start`)
    }
    const lastHelloMs = wallMs()
    if (peers.size !== N) throw new Error(`ROUTER got ${fmtN(N)} hellos from ${fmtN(peers.size)} distinct peers`)
    io.send("hellos", {hellos, lastHelloMs})
    await io.wait("measure")
    await idleAndMeasure(io, baseline)
    await io.wait("stop")
    router.close()
  },

  async dealers(zmq, {endpoint, n, tag}, io) {
    const context = new zmq.Context({maxSockets: MAX_SOCKETS})
    const baseline = await baselineAndReady(io)
    await io.wait("go")
    const startMs = wallMs()
    const sockets = []
    for (let i = 0; i < n; i++) {
      const d = new zmq.Dealer({context, linger: 0})
      d.connect(endpoint)
      sockets.push(d)
    }
    io.send("started", {startMs})
    let sent = 0
    let answered = 0
    let lastMs = 0
    const all = Promise.all(
      sockets.map(async d => {
        await d.send(HELLO)
        sent++
        const [body] = await d.receive()
        if (!ANSWER.equals(body)) throw new Error(`a DEALER got ${JSON.stringify(body.toString())} instead of its answer`)
        answered++
        lastMs = wallMs()
      }),
    )
    const TIMED_OUT = Symbol("timeout")
    const first = await Promise.race([all, deadline(DEADLINE_MS, () => TIMED_OUT)])
    if (first === TIMED_OUT) {
      all.catch(() => {})
      for (const d of sockets) d.close()
      throw new Error(`DEALER process ${tag}: ${fmtN(answered)} of ${fmtN(n)} DEALERs answered within ${DEADLINE_MS / 1000} s (${fmtN(sent)} hellos sent)`)
    }
    io.send("answered", {answered, lastMs})
    await io.wait("measure")
    await idleAndMeasure(io, baseline)
    await io.wait("stop")
    for (const d of sockets) d.close()
  },

  async floorRouter(_, {address}, io) {
    const conns = []
    const answer = frame(ANSWER)
    let hellos = 0
    let server
    let baseline
    let lastHelloMs = 0
    const allHellos = new Promise((resolve, reject) => {
      listen(
        address,
        sock => {
          conns.push(sock)
          sock.on("error", () => {})
          const parser = new FrameParser((_flags, body) => {
            if (!HELLO.equals(body)) return reject(new Error(`ROUTER got ${JSON.stringify(body.toString())} instead of a hello`))
            sock.write(answer)
            if (++hellos === N) {
              lastHelloMs = wallMs()
              resolve()
            }
          })
          sock.on("data", chunk => parser.push(chunk))
        },
        BACKLOG,
      ).then(async ([s, endpoint]) => {
        server = s
        baseline = await baselineAndReady(io, {endpoint})
      }, reject)
    })
    const TIMED_OUT = Symbol("timeout")
    const first = await Promise.race([allHellos, deadline(DEADLINE_MS + 5000, () => TIMED_OUT)])
    if (first === TIMED_OUT) throw new Error(`ROUTER got ${fmtN(hellos)} of ${fmtN(N)} hellos within ${(DEADLINE_MS + 5000) / 1000} s of its start (${fmtN(conns.length)} connections accepted)`)
    io.send("hellos", {hellos, lastHelloMs})
    await io.wait("measure")
    await idleAndMeasure(io, baseline)
    await io.wait("stop")
    for (const s of conns) s.destroy()
    server.close()
  },

  async floorDealers(_, {endpoint, n, tag}, io) {
    const baseline = await baselineAndReady(io)
    await io.wait("go")
    const hello = frame(HELLO)
    let connected = 0
    let answered = 0
    let lastMs = 0
    const errors = new Map()
    const startMs = wallMs()
    const socks = []
    const all = Promise.all(
      Array.from({length: n}, async () => {
        let s
        try {
          s = await connect(endpoint)
        } catch (e) {
          errors.set(e.code ?? e.message, (errors.get(e.code ?? e.message) ?? 0) + 1)
          throw e
        }
        socks.push(s)
        connected++
        await new Promise((resolve, reject) => {
          const parser = new FrameParser((_flags, body) => {
            if (!ANSWER.equals(body)) return reject(new Error(`a DEALER got ${JSON.stringify(body.toString())} instead of its answer`))
            answered++
            lastMs = wallMs()
            resolve()
          })
          s.on("data", chunk => parser.push(chunk))
          s.write(hello)
        })
      }),
    )
    io.send("started", {startMs})
    const TIMED_OUT = Symbol("timeout")
    all.catch(() => {})
    const first = await Promise.race([all.then(() => null, () => null), deadline(DEADLINE_MS, () => TIMED_OUT)])
    if (first === TIMED_OUT || answered !== n) {
      for (const s of socks) s.destroy()
      const why = [...errors].map(([code, count]) => `${fmtN(count)}× ${code}`).join(", ")
      throw new Error(`DEALER process ${tag}: ${fmtN(answered)} of ${fmtN(n)} DEALERs answered within ${DEADLINE_MS / 1000} s (${fmtN(connected)} connected${why ? `; connect errors: ${why}` : ""})`)
    }
    io.send("answered", {answered, lastMs})
    await io.wait("measure")
    await idleAndMeasure(io, baseline)
    await io.wait("stop")
    for (const s of socks) s.destroy()
  },
}
