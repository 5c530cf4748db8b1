// npm run soak [-- SECONDS]: connection churn under traffic, watching for growth and loss.
// REQ/REP and PUSH/PULL pairs whose peers stay up must lose nothing; short-lived DEALERs
// connect, talk and leave all the while. Every few seconds it prints RSS, open handles and
// message counts, and it fails on steady RSS growth, an unhandled rejection or a lost message.
import * as zmq from "../dist/esm/index.js"

const seconds = Number(process.argv[2] ?? 60)
const deadline = Date.now() + seconds * 1000
let failed = null
process.on("unhandledRejection", e => (failed = `unhandled rejection: ${e?.stack ?? e}`))

const counts = {reqrep: 0, pushed: 0, pulled: 0, churned: 0}

// A REQ/REP pair that must never lose a round trip.
const rep = new zmq.Reply({linger: 0})
await rep.bind("tcp://127.0.0.1:*")
const req = new zmq.Request({linger: 0})
req.connect(rep.lastEndpoint)
const repLoop = (async () => {
  for await (const [m] of rep) await rep.send(m)
})().catch(e => (failed ??= `rep: ${e}`))
const reqLoop = (async () => {
  while (Date.now() < deadline && !failed) {
    const body = `r${counts.reqrep}`
    await req.send(body)
    const [reply] = await req.receive()
    if (reply.toString() !== body) failed = `REQ/REP: sent ${body}, got ${reply}`
    counts.reqrep++
  }
})()

// PUSH/PULL: every message numbered, checked in order.
const pull = new zmq.Pull({linger: 0})
await pull.bind("tcp://127.0.0.1:*")
const push = new zmq.Push({linger: 0})
push.connect(pull.lastEndpoint)
const pullLoop = (async () => {
  for await (const [m] of pull) {
    if (Number(m.toString()) !== counts.pulled) failed ??= `PUSH/PULL: expected ${counts.pulled}, got ${m}`
    counts.pulled++
  }
})().catch(e => (failed ??= `pull: ${e}`))
const pushLoop = (async () => {
  while (Date.now() < deadline && !failed) {
    for (let i = 0; i < 100; i++) await push.send(String(counts.pushed++))
    await new Promise(r => setImmediate(r))
  }
})()

// Churn: DEALERs that connect to a ROUTER, exchange one message and close.
const router = new zmq.Router({linger: 0})
await router.bind("tcp://127.0.0.1:*")
const routerLoop = (async () => {
  for await (const [id, m] of router) await router.send([id, m])
})().catch(e => (failed ??= `router: ${e}`))
const churnLoop = (async () => {
  while (Date.now() < deadline && !failed) {
    const batch = Array.from({length: 20}, async (_, i) => {
      const d = new zmq.Dealer({linger: 0})
      d.connect(router.lastEndpoint)
      await d.send(`c${i}`)
      const [m] = await d.receive()
      if (m.toString() !== `c${i}`) failed ??= `churn: got ${m}`
      d.close()
      counts.churned++
    })
    await Promise.all(batch)
  }
})()

const samples = []
const report = setInterval(() => {
  const rss = process.memoryUsage().rss / 1048576
  samples.push(rss)
  const handles = process.getActiveResourcesInfo().length
  console.log(`${new Date().toISOString()} rss ${rss.toFixed(1)} MiB, handles ${handles}, req/rep ${counts.reqrep}, push ${counts.pushed} pull ${counts.pulled}, churned ${counts.churned}`)
}, 5000)

await Promise.all([reqLoop, pushLoop, churnLoop])
// Let the last pushed messages arrive.
const settle = Date.now() + 5000
while (counts.pulled < counts.pushed && Date.now() < settle) await new Promise(r => setTimeout(r, 10))
clearInterval(report)
if (!failed && counts.pulled !== counts.pushed) failed = `PUSH/PULL lost ${counts.pushed - counts.pulled} messages`
// Growth: compare the last third of the run with the first third (after warm-up).
if (!failed && samples.length >= 6) {
  const third = Math.floor(samples.length / 3)
  const early = Math.max(...samples.slice(1, third + 1))
  const late = Math.max(...samples.slice(-third))
  if (late > early * 1.5 + 20) failed = `RSS grew from ${early.toFixed(1)} to ${late.toFixed(1)} MiB`
}
for (const s of [req, rep, push, pull, router]) s.close()
await Promise.allSettled([repLoop, pullLoop, routerLoop])
console.log(`soak ${seconds}s: req/rep ${counts.reqrep}, push/pull ${counts.pushed}/${counts.pulled}, churned connections ${counts.churned}`)
if (failed) {
  console.error(`FAIL: ${failed}`)
  process.exit(1)
}
console.log("PASS")
