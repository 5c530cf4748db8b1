/**
 * Lossless PUB→10 SUBs at 64 B over tcp (issue 19 item 3): the highest *paced* send rate at which
 * every SUB receives every message, found by a rate search.
 *
 * Two processes live for the whole search: the PUB (binds) and 10 SUB sockets (one process, one
 * connection each). Each trial:
 *   1. the orchestrator arms the SUBs for trial t (they reset their counters);
 *   2. the PUB sends probes of trial t every 5 ms until every SUB has seen one (the slow joiner;
 *      over a PUB's in-order pipes, it also means nothing of an earlier trial is still queued);
 *   3. the PUB sends N = rate × duration messages, each carrying (t, seq), paced: every turn of
 *      the event loop it sends what is due by the clock (at most MAX_BURST), then yields with
 *      setImmediate if it is still behind, or sleeps 1 ms (setTimeout) if it is not. It never
 *      busy-waits and never holds the loop for more than one burst;
 *   4. it then sends end markers (t, N) every 5 ms until told otherwise; each SUB checks that it
 *      got seq 0..N-1 in order (any gap, or a short count at the end marker, is loss).
 * A trial passes when no SUB lost anything and the PUB kept pace (its sends took no more than
 * duration / 0.95: a sender that cannot reach the rate has not shown the rate lossless).
 *
 * The search: start at the contender's guess; double while trials pass (halve while they fail)
 * until one passes and one fails; then bisect (geometric midpoint) between the highest passing and
 * the lowest failing rate with the trials left. 7 trials of 3 s (full), 6 of 1 s (--quick).
 *
 * zmtp and zeromq.js use `await pub.send(msg)` with a fresh 64 B Buffer per message (the PUB
 * drops at its HWM, 1000 by default, which the SUBs see as a gap) and `await sub.receive()`. The
 * floor writes the same frames with bare net: each burst is framed once into one Buffer written to
 * all 10 sockets, and like a PUB at its HWM it drops a burst for a socket whose user-space queue
 * (`writableLength`) already holds 1000 messages; its SUBs parse the frames in place from one
 * preallocated buffer (net's `onread`) and check the sequence numbers the same way.
 */
import {bindAddress, sleep} from "../lib/common.mjs"
import {listen, connect} from "../lib/floor.mjs"
import {withRoles} from "../lib/proc.mjs"

const FILE = "pub-fanout-lossless.mjs"
const SUBS = 10
const SIZE = 64
const FRAME = 2 + SIZE // a short ZMTP frame: flags, size, body
const DATA = 0x44 // "D"
const PROBE = 0x50 // "P"
const END = 0x45 // "E"
/** Messages sent at most per event-loop turn. */
const MAX_BURST = 2048
/** A trial must send its N messages within duration / KEEP_PACE. */
const KEEP_PACE = 0.95
/** The floor drops a burst for a socket whose unflushed queue exceeds this (as a PUB at SNDHWM 1000). */
const FLOOR_HWM_BYTES = 1000 * FRAME
const SEARCH = {full: {trials: 7, durationMs: 3000}, quick: {trials: 6, durationMs: 1000}}

export const cases = [
  {
    id: "pub-fanout-lossless-tcp-64",
    title: "PUB→10 SUB tcp 64 B lossless",
    metric: "msgsPerSec",
    fixedCount: true,
    // The "count" is the search's first rate (msgs/s sent), near what quick runs on the 2-vCPU VM found (2026-12-05: zmtp 400 k, zeromq.js 71 k, floor 1.6 M).
    counts: {zmtp: () => 250_000, zeromq: () => 50_000, floor: () => 1_000_000},
    notes: r =>
      r.msgsPerSec === undefined
        ? ""
        : `highest lossless paced rate: ${fmtRate(r.msgsPerSec)} msgs/s sent, ${fmtRate(r.deliveredPerSec)} delivered over ${SUBS} SUBs; trials of ${r.trialSeconds} s: ${r.trials}`,
    run: runSearch,
  },
]

function fmtRate(v) {
  return Math.round(v).toLocaleString("en-US")
}

function fmtK(v) {
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : `${Math.round(v / 1000)} k`
}

async function runSearch(contender, guess, opts) {
  const floor = contender === "floor"
  const {trials: budget, durationMs} = opts.quick ? SEARCH.quick : SEARCH.full
  const t0 = performance.now()
  return withRoles(async start => {
    const pub = start(FILE, floor ? "floorPub" : "pub", contender, {address: bindAddress("tcp", "lossless")})
    const {endpoint} = await pub.wait("ready")
    const subs = start(FILE, floor ? "floorSubs" : "subs", contender, {endpoint})
    await subs.wait("ready")
    const log = []
    const trial = async rate => {
      const t = log.length + 1
      subs.send("cmd", {op: "arm", trial: t})
      await subs.wait("armed")
      pub.send("cmd", {op: "probe", trial: t})
      await subs.wait("joined")
      pub.send("cmd", {op: "go", trial: t, rate, durationMs})
      const sent = await pub.wait("sent")
      const res = await subs.wait("result")
      const lost = res.subs.reduce((a, s) => a + s.lost, 0)
      const disorder = res.subs.reduce((a, s) => a + s.disorder, 0)
      const achieved = sent.count / (sent.sendMs / 1000)
      const paced = sent.sendMs <= durationMs / KEEP_PACE
      const pass = lost === 0 && disorder === 0 && paced
      let why = ""
      if (lost > 0) why = `lost ${fmtRate(lost)} of ${fmtRate(sent.count * SUBS)} in ${res.subs.filter(s => s.lost > 0).length} SUBs`
      else if (disorder > 0) why = `${disorder} out of order`
      if (!paced) why += `${why ? ", " : ""}PUB reached only ${fmtK(achieved)}/s`
      log.push({rate, pass, text: `${fmtK(rate)} ${pass ? "ok" : `LOSSY (${why})`}`})
      process.stderr.write(`    trial ${t}: ${fmtK(rate)} msgs/s → ${pass ? "lossless" : why}\n`)
      return pass
    }
    // Bracket: double from the guess while it passes, halve while it fails.
    let lo = 0 // highest passing rate
    let hi = Infinity // lowest failing rate
    let rate = guess
    while (log.length < budget && (lo === 0 || hi === Infinity)) {
      if (await trial(rate)) lo = Math.max(lo, rate)
      else hi = Math.min(hi, rate)
      rate = hi === Infinity ? lo * 2 : lo === 0 ? Math.max(1, Math.round(hi / 2)) : rate
    }
    // Bisect (geometric midpoint) with the trials left.
    while (log.length < budget && lo > 0 && hi !== Infinity && hi / lo > 1.02) {
      const mid = Math.round(Math.sqrt(lo * hi))
      if (await trial(mid)) lo = mid
      else hi = mid
    }
    subs.send("cmd", {op: "quit"})
    const {result: sr} = await subs.wait("done")
    pub.send("cmd", {op: "quit"})
    const {result: pr} = await pub.wait("done")
    if (lo === 0) throw new Error(`no lossless rate down to ${fmtK(hi)} msgs/s: ${log.map(l => l.text).join(", ")}`)
    return {
      msgsPerSec: lo,
      deliveredPerSec: lo * SUBS,
      mbPerSec: (lo * SIZE) / 1048576,
      firstLossyPerSec: hi === Infinity ? undefined : hi,
      trialSeconds: durationMs / 1000,
      trials: log.map(l => l.text).join(", ") + (hi === Infinity ? " (no lossy rate found within the trials)" : ""),
      elapsed: (performance.now() - t0) / 1000,
      peakRssMB: Math.max(sr.peakRssMB, pr.peakRssMB),
    }
  })
}

// ---- the paced sender, shared by the PUB roles ------------------------------------------------------

/**
 * Calls `burst(from, n)` so that `total` messages go out at `rate` msgs/s on average over the
 * trial: each turn sends what the clock says is due (at most MAX_BURST), then yields with
 * setImmediate when still behind, else sleeps 1 ms. `burst` may return a promise (awaited).
 * Resolves with the time the sends took, in ms.
 */
async function paced(rate, total, burst) {
  const t0 = performance.now()
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1)
    const n = Math.min(MAX_BURST, due - sent)
    if (n > 0) {
      await burst(sent, n)
      sent += n
    }
    if (sent >= total) break
    if (n === MAX_BURST) await new Promise(setImmediate)
    else await sleep(1)
  }
  return performance.now() - t0
}

/** A 64 B body: type, trial (u32 LE at 4), seq or total (u32 LE at 8), the rest filler. */
function body(type, trial, seq, into = Buffer.allocUnsafe(SIZE), at = 0) {
  into.fill(0x61, at, at + SIZE)
  into[at] = type
  into.writeUInt32LE(trial, at + 4)
  into.writeUInt32LE(seq, at + 8)
  return into
}

/** Per-SUB bookkeeping for one trial: expected seq, gaps, end marker seen. */
class Checker {
  constructor(onJoined, onEnded) {
    this.onJoined = onJoined
    this.onEnded = onEnded
    this.arm(0)
  }

  arm(trial) {
    this.trial = trial
    this.expected = 0
    this.received = 0
    this.lost = 0
    this.disorder = 0
    this.joined = false
    this.ended = false
  }

  /** One message body at buf[at, at + 64). */
  take(buf, at) {
    if (buf.readUInt32LE(at + 4) !== this.trial) return // a leftover of an earlier trial
    const type = buf[at]
    if (type === DATA) {
      const seq = buf.readUInt32LE(at + 8)
      if (seq !== this.expected) {
        if (seq > this.expected) this.lost += seq - this.expected
        else this.disorder++
      }
      this.expected = seq + 1
      this.received++
    } else if (type === PROBE) {
      if (!this.joined) {
        this.joined = true
        this.onJoined()
      }
    } else if (type === END) {
      if (!this.ended) {
        this.ended = true
        const total = buf.readUInt32LE(at + 8)
        if (total > this.expected) this.lost += total - this.expected
        this.onEnded()
      }
    }
  }

  summary() {
    return {received: this.received, lost: this.lost, disorder: this.disorder}
  }
}

/** The SUB side's control loop, shared by the library and floor roles. */
function subsControl(io, checkers) {
  let joined = 0
  let ended = 0
  const onJoined = () => {
    if (++joined === SUBS) io.send("joined")
  }
  const onEnded = () => {
    if (++ended === SUBS) io.send("result", {subs: checkers.map(c => c.summary())})
  }
  for (let i = 0; i < SUBS; i++) checkers.push(new Checker(onJoined, onEnded))
  return async function loop() {
    for (;;) {
      const cmd = await io.wait("cmd")
      if (cmd.op === "quit") return
      joined = 0
      ended = 0
      for (const c of checkers) c.arm(cmd.trial)
      io.send("armed")
    }
  }
}

/** The PUB side's control loop: `send(type, trial, seq)` one control message, `data(trial, rate, total)` the paced run. */
async function pubControl(io, send, data) {
  let cmd = await io.wait("cmd")
  for (;;) {
    if (cmd.op === "quit") return
    if (cmd.op === "probe") {
      while (!io.has("cmd")) {
        await send(PROBE, cmd.trial, 0)
        await sleep(5)
      }
    } else if (cmd.op === "go") {
      const total = Math.max(1, Math.round((cmd.rate * cmd.durationMs) / 1000))
      const sendMs = await data(cmd.trial, cmd.rate, total)
      io.send("sent", {count: total, sendMs})
      while (!io.has("cmd")) {
        await send(END, cmd.trial, total)
        await sleep(5)
      }
    }
    cmd = await io.wait("cmd")
  }
}

// ---- roles (run inside bench/worker.mjs) --------------------------------------------------------

export const roles = {
  async pub(zmq, {address}, io) {
    const pub = new zmq.Publisher()
    await pub.bind(address)
    io.send("ready", {endpoint: pub.lastEndpoint})
    await pubControl(
      io,
      (type, trial, seq) => pub.send(body(type, trial, seq)),
      (trial, rate, total) =>
        paced(rate, total, async (from, n) => {
          // A fresh Buffer per message: the library may still hold the last one.
          for (let seq = from, end = from + n; seq < end; seq++) await pub.send(body(DATA, trial, seq))
        }),
    )
    pub.close()
    return {}
  },

  async subs(zmq, {endpoint}, io) {
    const checkers = []
    const control = subsControl(io, checkers)
    const socks = []
    let quitting = false
    const one = async checker => {
      const sub = new zmq.Subscriber()
      sub.connect(endpoint)
      sub.subscribe()
      socks.push(sub)
      while (!quitting) {
        let msg
        try {
          ;[msg] = await sub.receive()
        } catch (e) {
          if (quitting) break
          throw e
        }
        if (msg.length === SIZE) checker.take(msg, 0)
      }
    }
    const readers = Promise.all(checkers.map(one))
    io.send("ready")
    await Promise.race([control(), readers])
    quitting = true
    for (const s of socks) s.close()
    await readers
    return {}
  },

  async floorPub(_, {address}, io) {
    const socks = []
    const [server, endpoint] = await listen(address, sock => socks.push(sock))
    io.send("ready", {endpoint})
    // Like a PUB at its HWM: a socket whose queue is full misses this buffer.
    const write = buf => {
      for (const s of socks) if (s.writableLength <= FLOOR_HWM_BYTES) s.write(buf)
    }
    const frameOf = (type, trial, seq) => {
      const buf = Buffer.allocUnsafe(FRAME)
      buf[0] = 0
      buf[1] = SIZE
      return body(type, trial, seq, buf, 2)
    }
    await pubControl(
      io,
      (type, trial, seq) => write(frameOf(type, trial, seq)),
      (trial, rate, total) =>
        paced(rate, total, (from, n) => {
          // One burst framed once into one Buffer, written to every socket.
          const buf = Buffer.allocUnsafe(n * FRAME)
          for (let i = 0; i < n; i++) {
            const at = i * FRAME
            buf[at] = 0
            buf[at + 1] = SIZE
            body(DATA, trial, from + i, buf, at + 2)
          }
          write(buf)
        }),
    )
    for (const s of socks) s.destroy()
    server.close()
    return {}
  },

  async floorSubs(_, {endpoint}, io) {
    const checkers = []
    const control = subsControl(io, checkers)
    const socks = await Promise.all(
      checkers.map(checker => {
        // Frames are all FRAME bytes; one split across reads is gathered in `carry`.
        const carry = Buffer.allocUnsafe(FRAME)
        let have = 0
        const frameAt = (buf, at) => {
          if (buf[at] !== 0 || buf[at + 1] !== SIZE) throw new Error(`floor SUB: unexpected frame header ${buf[at]} ${buf[at + 1]}`)
          checker.take(buf, at + 2)
        }
        const onread = {
          buffer: Buffer.allocUnsafe(1024 * 1024),
          callback(n, buf) {
            let pos = 0
            if (have > 0) {
              const take = Math.min(FRAME - have, n)
              buf.copy(carry, have, 0, take)
              have += take
              pos = take
              if (have < FRAME) return true
              frameAt(carry, 0)
              have = 0
            }
            for (; pos + FRAME <= n; pos += FRAME) frameAt(buf, pos)
            if (pos < n) {
              buf.copy(carry, 0, pos, n)
              have = n - pos
            }
            return true
          },
        }
        return connect(endpoint, onread)
      }),
    )
    io.send("ready")
    await control()
    for (const s of socks) s.destroy()
    return {}
  },
}
