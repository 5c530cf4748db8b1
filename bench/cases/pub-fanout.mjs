/**
 * PUB→10 SUBs fan-out at 64 B over tcp: the PUB (one process) sends `count` messages with
 * `await pub.send(msg)` in a loop; 10 SUB sockets (another process, one connection each) count
 * what they get. A PUB drops for a subscriber at its high-water mark, so the result is the
 * messages actually delivered, summed over the 10 SUBs, per second from the PUB's first send to
 * the last delivery, and the share lost. Before the clock starts the PUB sends probes until every
 * SUB has seen one (the slow-joiner problem); after its loop it sends end markers until all SUBs
 * have seen one. The floor writes the same pre-framed stream to 10 net sockets (no drops) and
 * counts frames in place as they are read (bench/lib/floor.mjs).
 */
import {bindAddress, payload, sleep, wallMs} from "../lib/common.mjs"
import {FrameCounter, countingOnread, listen, connect, writeFrames} from "../lib/floor.mjs"
import {withRoles} from "../lib/proc.mjs"

const FILE = "pub-fanout.mjs"
const SUBS = 10
const SIZE = 64
const DATA = 0x44 // "D"
const PROBE = Buffer.from("P")
const END = Buffer.from("E")

export const cases = [
  {
    id: "pub-fanout-tcp-64",
    title: "PUB→10 SUB tcp 64 B",
    metric: "msgsPerSec",
    counts: {zmtp: 10_000_000, zeromq: 300_000, floor: 5_000_000},
    notes: r => (r.lossPct === undefined ? "" : `delivered msgs summed over ${SUBS} SUBs; ${r.lossPct.toFixed(1)}% dropped; PUB send loop ${fmtRate(r.sendRate)} msgs/s`),
    run: runFanout,
  },
]

function fmtRate(v) {
  return Math.round(v).toLocaleString("en-US")
}

async function runFanout(contender, count) {
  const floor = contender === "floor"
  return withRoles(async start => {
    const pub = start(FILE, floor ? "floorPub" : "pub", contender, {address: bindAddress("tcp", "fanout"), count})
    const {endpoint} = await pub.wait("ready")
    const subs = start(FILE, floor ? "floorSubs" : "subs", contender, {endpoint, count})
    await subs.wait("joined")
    pub.send("go")
    const {result: s} = await subs.wait("done")
    pub.send("stop")
    const {result: p} = await pub.wait("done")
    const elapsed = (s.lastMs - p.startMs) / 1000
    const msgsPerSec = s.delivered / elapsed
    return {
      msgsPerSec,
      mbPerSec: (msgsPerSec * SIZE) / 1048576,
      lossPct: 100 * (1 - s.delivered / (count * SUBS)),
      sendRate: count / p.sendElapsed,
      elapsed: Math.max(elapsed, p.sendElapsed),
      peakRssMB: Math.max(s.peakRssMB, p.peakRssMB),
    }
  })
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
    const msg = payload(SIZE, DATA)
    const startMs = wallMs()
    for (let i = 0; i < count; i++) await pub.send(msg)
    const sendElapsed = (wallMs() - startMs) / 1000
    while (!io.has("stop")) {
      await pub.send(END)
      await sleep(5)
    }
    pub.close()
    return {startMs, sendElapsed}
  },

  async subs(zmq, {endpoint}, io) {
    let joined = 0
    const one = async () => {
      const sub = new zmq.Subscriber()
      sub.connect(endpoint)
      sub.subscribe()
      let seen = false
      let delivered = 0
      let lastMs = 0
      for (;;) {
        const [msg] = await sub.receive()
        if (msg[0] === DATA) {
          delivered++
          lastMs = wallMs()
        } else if (msg[0] === PROBE[0]) {
          if (!seen && ++joined === SUBS) io.send("joined")
          seen = true
        } else if (msg[0] === END[0]) {
          sub.close()
          return {delivered, lastMs}
        }
      }
    }
    const results = await Promise.all(Array.from({length: SUBS}, one))
    return {delivered: results.reduce((a, r) => a + r.delivered, 0), lastMs: Math.max(...results.map(r => r.lastMs))}
  },

  async floorPub(_, {address, count}, io) {
    const socks = []
    const [server, endpoint] = await listen(address, sock => socks.push(sock))
    io.send("ready", {endpoint})
    await io.wait("go")
    while (socks.length < SUBS) await sleep(1)
    const startMs = wallMs()
    const body = payload(SIZE, DATA)
    await Promise.all(socks.map(sock => writeFrames(sock, body, count)))
    const sendElapsed = (wallMs() - startMs) / 1000
    await io.wait("stop")
    for (const s of socks) s.destroy()
    server.close()
    return {startMs, sendElapsed}
  },

  async floorSubs(_, {endpoint, count}, io) {
    const counters = []
    const done = []
    const socks = await Promise.all(
      Array.from({length: SUBS}, () => {
        let resolve
        done.push(new Promise(r => (resolve = r)))
        const counter = new FrameCounter(count, () => resolve({delivered: counter.messages, lastMs: wallMs()}))
        counters.push(counter)
        return connect(endpoint, countingOnread(counter))
      }),
    )
    io.send("joined")
    const results = await Promise.all(done)
    for (const s of socks) s.destroy()
    return {delivered: results.reduce((a, r) => a + r.delivered, 0), lastMs: Math.max(...results.map(r => r.lastMs))}
  },
}
