/**
 * Helpers of the FileMQ benches (bench/filemq.mjs, bench/filemq-clients.mjs) for the processes they
 * start: CPU time from /proc, a free loopback port, and waiting for a condition.
 */
import {readFileSync} from "node:fs"
import net from "node:net"

/** CPU ms of a process (own + reaped children when `children`), from /proc/PID/stat; NaN once it is gone. */
export function cpuOf(pid, children = false) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
    const ticks = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0)
    return (ticks * 1000) / 100
  } catch {
    return NaN
  }
}

/** A tcp port on 127.0.0.1 that was free a moment ago. */
export async function freePort() {
  return new Promise(resolve => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
}

/** Polls `cond` every 5 ms; throws after `ms`. */
export async function until(cond, ms, what) {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 5))
  }
}
