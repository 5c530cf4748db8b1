/**
 * RADIO/DISH scenarios shared by the in-process interop tests (test/interop/draft.test.ts) and the
 * multicast runner that runs inside a private network namespace (test/helpers/netns-draft.mjs).
 * Plain JavaScript so that the runner, a child `node` process, needs no TypeScript loader. The
 * sockets come in from the caller (zmtp's or zeromq.js's draft classes: the API is the same).
 * Every scenario throws an Error that says what went wrong, and returns counts for the report.
 *
 * Why every scenario sends in a loop until it has seen enough: a RADIO drops what it sends before
 * the DISH's JOIN has reached it (tcp/ipc) or before its own udp socket is up, and UDP may drop;
 * so no test assumes that a given message arrives, only that filtering and order hold for what does.
 */

export const sleep = ms => new Promise(r => setTimeout(r, ms))

/** Reads a DISH until it closes (its receive then rejects); each message as {group, body} strings. */
export function collect(dish) {
  const got = []
  void (async () => {
    for (;;) {
      let m
      try {
        m = await dish.receive()
      } catch {
        return
      }
      const [msg, meta] = m
      // zeromq.js hands up the group as a Buffer (and the body as one): note anything else.
      const typed = Buffer.isBuffer(msg) && Buffer.isBuffer(meta.group)
      got.push({group: Buffer.from(meta.group).toString("latin1"), body: msg.toString("latin1"), typed})
    }
  })()
  return got
}

/**
 * Calls `round(i)` (which sends one round) every `gapMs` until `enough()`; throws with `what()`
 * (a description of what was seen) once `ms` have passed.
 */
export async function sendUntil(round, enough, what, ms = 5000, gapMs = 2) {
  const deadline = Date.now() + ms
  for (let i = 0; !enough(); i++) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what()}`)
    await round(i)
    await sleep(gapMs)
  }
}

/** "received 42: {"A:1":20,"B:1":22}": counts by body without its number. */
const summary = got => {
  const by = {}
  for (const m of got) {
    const key = m.body.slice(0, m.body.lastIndexOf(":"))
    by[key] = (by[key] ?? 0) + 1
  }
  return `received ${got.length}: ${JSON.stringify(by)}`
}

/**
 * Every message's group is one of `allowed`, the group handed up with it is the one it was sent
 * to (bodies are "<group>:<...>:<i>"), and within one sender and group the numbers only rise
 * (neither tcp/ipc nor UDP on one host reorders; a duplicate would show as well).
 */
export function checkDelivery(got, allowed, when) {
  const last = new Map()
  for (const m of got) {
    if (!m.typed) throw new Error(`${when}: ${m.body} was handed up with a group or body that is not a Buffer`)
    if (!allowed.includes(m.group)) throw new Error(`${when}: a message of group ${JSON.stringify(m.group)} (not joined) arrived: ${m.body}`)
    if (!m.body.startsWith(`${m.group}:`)) throw new Error(`${when}: body ${JSON.stringify(m.body)} handed up with group ${JSON.stringify(m.group)}`)
    const cut = m.body.lastIndexOf(":")
    const key = m.body.slice(0, cut)
    const n = Number(m.body.slice(cut + 1))
    if (last.has(key) && n <= last.get(key)) throw new Error(`${when}: ${m.body} after ${key}:${last.get(key)} (reordered or duplicated)`)
    last.set(key, n)
  }
}

/**
 * Join filtering, exact match, then leave. The DISH joins A and B; the RADIO sends to A, B and to
 * groups that only a prefix or case-blind match would let through (AB, a) and to X, until `want`
 * of A and of B arrived: nothing else may arrive. Then the DISH leaves A, and the RADIO sends to A
 * and B (phase 2) until `want` of B arrived: no phase-2 A may arrive. libzmq's DISH filters what
 * it hands up itself (dish.cpp xxrecv), so this holds at once, even while the RADIO (tcp/ipc) has
 * not yet seen the LEAVE.
 */
export async function radioDishFilter({radio, dish, want = 20, ms = 5000}) {
  const got = collect(dish)
  const of = (g, phase) => got.filter(m => m.body.startsWith(`${g}:${phase}:`)).length
  dish.join("A", "B")
  await sendUntil(
    async i => {
      for (const g of ["A", "AB", "X", "B", "a"]) await radio.send(`${g}:1:${i}`, {group: g})
    },
    () => of("A", 1) >= want && of("B", 1) >= want,
    () => `phase 1 (joined A and B), ${summary(got)}`,
    ms,
  )
  checkDelivery(got, ["A", "B"], "joined A and B")
  dish.leave("A")
  await sendUntil(
    async i => {
      for (const g of ["A", "B"]) await radio.send(`${g}:2:${i}`, {group: g})
    },
    () => of("B", 2) >= want,
    () => `phase 2 (left A), ${summary(got)}`,
    ms,
  )
  const leaked = got.filter(m => m.body.startsWith("A:2:"))
  if (leaked.length > 0) throw new Error(`after leave("A"), ${leaked.length} messages of A arrived, first ${leaked[0].body}`)
  checkDelivery(got, ["A", "B"], "after leave")
  return {received: got.length, A1: of("A", 1), B1: of("B", 1), B2: of("B", 2)}
}

/**
 * One DISH, several RADIOs (say one over tcp, one over udp): the DISH joins g; each RADIO sends to
 * g and to x, tagged with its name, until `want` of each RADIO's g arrived; no x may arrive.
 */
export async function radiosToOneDish({radios, dish, want = 20, ms = 5000}) {
  const got = collect(dish)
  dish.join("g")
  const of = name => got.filter(m => m.body.startsWith(`g:${name}:`)).length
  await sendUntil(
    async i => {
      for (const {name, radio} of radios) {
        await radio.send(`x:${name}:${i}`, {group: "x"})
        await radio.send(`g:${name}:${i}`, {group: "g"})
      }
    },
    () => radios.every(r => of(r.name) >= want),
    () => `each RADIO's g at the DISH, ${summary(got)}`,
    ms,
  )
  checkDelivery(got, ["g"], "one DISH, several RADIOs")
  return Object.fromEntries(radios.map(r => [r.name, of(r.name)]))
}

/**
 * One RADIO connected to several DISHes (say a tcp one and a udp multicast one), each joined to g:
 * the RADIO sends to g and x until each DISH has `want` of g; none may see x.
 */
export async function radioToDishes({radio, dishes, want = 20, ms = 5000}) {
  const seen = dishes.map(({name, dish}) => {
    dish.join("g")
    return {name, got: collect(dish)}
  })
  const of = got => got.filter(m => m.group === "g").length
  await sendUntil(
    async i => {
      await radio.send(`x:${i}`, {group: "x"})
      await radio.send(`g:${i}`, {group: "g"})
    },
    () => seen.every(s => of(s.got) >= want),
    () => seen.map(s => `DISH ${s.name} ${summary(s.got)}`).join("; "),
    ms,
  )
  for (const s of seen) checkDelivery(s.got, ["g"], `DISH ${s.name}`)
  return Object.fromEntries(seen.map(s => [s.name, of(s.got)]))
}
