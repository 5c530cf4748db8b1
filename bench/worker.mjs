/**
 * A child process that plays one role of one case (a sender, a receiver, an echo server...):
 * run.mjs forks it, sends {type: "start", caseFile, role, lib, params}, and gets back "ready",
 * case-specific messages, and finally "done" with the role's result (plus this process's peak RSS).
 */
import {loadLib, peakRssMB} from "./lib/common.mjs"

const inbox = []
const waiters = []

/** What a role gets to talk to the orchestrator. */
const io = {
  send(type, data = {}) {
    process.send({type, ...data})
  },
  /** The next message of this type from the orchestrator. */
  wait(type) {
    const i = inbox.findIndex(m => m.type === type)
    if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0])
    return new Promise(resolve => waiters.push({type, resolve}))
  },
  /** True once a message of this type has arrived (without consuming it). */
  has(type) {
    return inbox.some(m => m.type === type)
  },
}

process.on("message", async msg => {
  if (msg.type !== "start") {
    const i = waiters.findIndex(w => w.type === msg.type)
    if (i >= 0) waiters.splice(i, 1)[0].resolve(msg)
    else inbox.push(msg)
    return
  }
  try {
    const mod = await import(`./cases/${msg.caseFile}`)
    const fn = mod.roles?.[msg.role]
    if (!fn) throw new Error(`no role "${msg.role}" in cases/${msg.caseFile}`)
    const lib = await loadLib(msg.lib)
    const result = (await fn(lib, msg.params, io)) ?? {}
    result.peakRssMB = peakRssMB()
    process.send({type: "done", result}, () => process.exit(0))
  } catch (e) {
    process.send({type: "error", message: e?.stack ?? String(e)}, () => process.exit(1))
  }
})

process.on("disconnect", () => process.exit(0))
