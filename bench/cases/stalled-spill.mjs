/**
 * zmtp extension spill to disk (README "zmtp extensions"): a PUSH with `spillDirectory` set and a
 * PULL (another process) that connects, reads one probe, then stops reading. The PUSH sends 1 GiB
 * of 1 KiB messages (256 MiB with --quick) with `await push.send(msg)` at SNDHWM 1,000 and samples
 * its RSS every 64 Ki sends. Without a spill it would block at its HWM (that is PUSH's rule); with
 * one, everything past the HWM goes to disk, so the sends go on and memory must stay flat. Then the
 * PULL reads everything and the case checks it all arrived, in order. zmtp only: neither zeromq.js
 * nor libzmq has a spill (libzmq's ZMQ_SWAP went in 3.x).
 */
import {mkdtempSync, rmSync} from "node:fs"
import {tmpdir} from "node:os"
import {join} from "node:path"
import {bindAddress, rssMB, settle} from "../lib/common.mjs"
import {withRoles} from "../lib/proc.mjs"

const FILE = "stalled-spill.mjs"
const SIZE = 1024
const SAMPLE_EVERY = 65536

const sends = opts => (opts.quick ? 262_144 : 1_048_576)

export const cases = [
  {
    id: "stalled-spill-tcp",
    title: "PUSH + stalled PULL tcp 1 KiB, spill to disk",
    metric: "growthMB",
    extraMetrics: ["msgsPerSec"],
    lowerIsBetter: ["growthMB"],
    fixedCount: true,
    counts: {zmtp: sends},
    notes: r => (r.growthMB === undefined ? "" : `${(r.count * SIZE / 2 ** 30).toFixed(2)} GiB sent, ${fmtMB(r.spilledMB)} on disk at the end; PUSH RSS +${r.growthMB.toFixed(1)} MB peak; all ${r.received} received in order`),
    run: runSpill,
  },
]

const fmtMB = mb => `${mb.toFixed(0)} MB`

async function runSpill(contender, count) {
  const dir = mkdtempSync(join(tmpdir(), "zmtp-bench-spill-"))
  try {
    return await withRoles(async start => {
      const pull = start(FILE, "pull", contender, {address: bindAddress("tcp", "spill"), count})
      const {endpoint} = await pull.wait("ready")
      const push = start(FILE, "push", contender, {endpoint, count, dir})
      await pull.wait("joined")
      push.send("go")
      const p = await push.wait("sent")
      pull.send("read")
      const {result: r} = await pull.wait("done")
      push.send("stop")
      await push.wait("done")
      if (r.received !== count || !r.inOrder) throw new Error(`the PULL got ${r.received} of ${count}${r.inOrder ? "" : ", out of order"}`)
      return {
        growthMB: p.peakMB - p.baselineMB,
        msgsPerSec: count / p.elapsed,
        mbPerSec: (count * SIZE) / p.elapsed / 1048576,
        spilledMB: p.spilledMB,
        received: r.received,
        count,
        elapsed: p.elapsed,
        peakRssMB: p.peakMB,
      }
    })
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

// ---- roles (run inside bench/worker.mjs) --------------------------------------------------------

export const roles = {
  async push(zmq, {endpoint, count, dir}, io) {
    const push = new zmq.Push({sendHighWaterMark: 1000, spillDirectory: dir, spillBudget: 4 * 2 ** 30})
    push.connect(endpoint)
    await push.send(Buffer.from("probe"))
    await io.wait("go")
    await settle(300)
    const baselineMB = rssMB()
    let peakMB = baselineMB
    const t0 = performance.now()
    for (let i = 0; i < count; i++) {
      const msg = Buffer.allocUnsafe(SIZE)
      msg.writeUInt32BE(i, 0)
      await push.send(msg)
      if ((i & (SAMPLE_EVERY - 1)) === 0) peakMB = Math.max(peakMB, rssMB())
    }
    const elapsed = (performance.now() - t0) / 1000
    peakMB = Math.max(peakMB, rssMB())
    const {execFileSync} = await import("node:child_process")
    const spilledMB = Number(execFileSync("du", ["-sk", dir], {encoding: "utf8"}).split("\t")[0]) / 1024
    io.send("sent", {baselineMB, peakMB, elapsed, spilledMB})
    await io.wait("stop")
    push.close()
  },

  async pull(zmq, {address, count}, io) {
    const pull = new zmq.Pull({receiveHighWaterMark: 1000})
    await pull.bind(address)
    io.send("ready", {endpoint: pull.lastEndpoint})
    await pull.receive()
    io.send("joined")
    // Stalled until the PUSH has sent everything.
    await io.wait("read")
    let received = 0
    let inOrder = true
    for (; received < count; received++) {
      const [msg] = await pull.receive()
      if (msg.readUInt32BE(0) !== received) inOrder = false
    }
    pull.close()
    return {received, inOrder}
  },
}
