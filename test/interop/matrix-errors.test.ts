/**
 * Protocol errors libzmq provokes, seen through the Observer: each scenario runs twice, once with a
 * zmtp socket and once with a zeromq.js socket in the same seat, against the same kind of libzmq
 * peer, and both seats must observe the same event sequence (types, and error codes where there
 * are errors); the libzmq peer must observe the same sequence whichever library sat opposite.
 *
 * - wrong socket type pairing (PUSH–PUSH, PUB–PUB, REQ–REQ): libzmq closes without a handshake
 *   event and the connecting side does not reconnect;
 * - mechanism mismatch (a libzmq socket with plainServer: true against our NULL):
 *   handshake:error:protocol with ERR_ZMTP_MECHANISM_MISMATCH, then no reconnect.
 */
import {describe, expect, test} from "vitest"
import {encodeGreeting} from "../../src/wire/greeting.js"
import {encodePing, encodeReady} from "../../src/wire/command.js"
import {bindFresh, installCleanup, make, RawPeer, rawConnect, recordEvents, until, type ClassName, type Lib, type Observed} from "../helpers/interop.js"

installCleanup()

/** Event types with the error code of any error event, e.g. "handshake:error:protocol ERR_ZMTP_MECHANISM_MISMATCH". */
const describeEvents = (events: Observed[]) => events.filter(e => e.type !== "end").map(e => (e.error ? `${e.type} ${e.error.code}` : e.type))

interface Seat {
  cls: ClassName
  options?: Record<string, unknown>
}

interface Scenario {
  name: string
  /** The socket whose library varies. */
  subject: Seat
  /** Its libzmq counterpart. */
  peer: Seat
  /** Does the subject bind (the peer connects), or connect? */
  subjectBinds: boolean
  /** Events that end the exchange on each side, once seen. */
  subjectDone: string
  peerDone: string
}

const RECONNECT = 20
/** After both sides are done: long enough for several reconnect attempts, had there been any. */
const SETTLE_MS = 10 * RECONNECT

async function run(s: Scenario, lib: Lib): Promise<{subject: string[]; peer: string[]}> {
  const subject = make(lib, s.subject.cls, {reconnectInterval: RECONNECT, ...s.subject.options})
  const peer = make("libzmq", s.peer.cls, {reconnectInterval: RECONNECT, ...s.peer.options})
  const subjectEvents = recordEvents(subject)
  const peerEvents = recordEvents(peer)
  if (s.subjectBinds) peer.connect(await bindFresh(subject, "tcp"))
  else subject.connect(await bindFresh(peer, "tcp"))
  await until(() => subjectEvents.some(e => e.type === s.subjectDone) && peerEvents.some(e => e.type === s.peerDone), 3000, `${s.subjectDone} / ${s.peerDone}`)
  // An absence (no reconnect) cannot be waited for: give it the time several retries would take.
  await new Promise(r => setTimeout(r, SETTLE_MS))
  return {subject: describeEvents(subjectEvents), peer: describeEvents(peerEvents)}
}

const scenarios: Scenario[] = []
for (const [a, b] of [
  ["Push", "Push"],
  ["Publisher", "Publisher"],
  ["Request", "Request"],
  ["Pull", "Subscriber"],
] as [ClassName, ClassName][]) {
  for (const subjectBinds of [false, true]) {
    scenarios.push({
      name: `wrong socket types: ${a} ${subjectBinds ? "binds" : "connects"}, libzmq ${b} ${subjectBinds ? "connects" : "binds"}`,
      subject: {cls: a},
      peer: {cls: b},
      subjectBinds,
      subjectDone: "disconnect",
      peerDone: "disconnect",
    })
  }
}
for (const subjectBinds of [false, true]) {
  scenarios.push({
    name: `mechanism mismatch: NULL DEALER ${subjectBinds ? "binds" : "connects"}, libzmq plainServer DEALER ${subjectBinds ? "connects" : "binds"}`,
    subject: {cls: "Dealer"},
    peer: {cls: "Dealer", options: {plainServer: true}},
    subjectBinds,
    subjectDone: "disconnect",
    peerDone: "disconnect",
  })
  scenarios.push({
    name: `mechanism mismatch: NULL DEALER ${subjectBinds ? "binds" : "connects"}, libzmq PLAIN client DEALER ${subjectBinds ? "connects" : "binds"}`,
    subject: {cls: "Dealer"},
    peer: {cls: "Dealer", options: {plainUsername: "u", plainPassword: "p"}},
    subjectBinds,
    subjectDone: "disconnect",
    peerDone: "disconnect",
  })
}

describe("protocol errors show up as the Observer events zeromq.js emits", () => {
  const results = new Map<Scenario, {reference: {subject: string[]; peer: string[]}; ours: {subject: string[]; peer: string[]}}>()
  const resultOf = async (s: Scenario) => {
    if (!results.has(s)) results.set(s, {reference: await run(s, "libzmq"), ours: await run(s, "zmtp")})
    return results.get(s)!
  }
  for (const s of scenarios) {
    test(`${s.name}: the libzmq peer observes the same events whichever library sits opposite`, async () => {
      const {reference, ours} = await resultOf(s)
      expect(ours.peer).toEqual(reference.peer)
    })
    test(`${s.name}: the zmtp socket observes what a zeromq.js socket observes`, async () => {
      const {reference, ours} = await resultOf(s)
      expect(ours.subject).toEqual(reference.subject)
    })
  }

  test("the reference sequences are what libzmq is known to do", async () => {
    const wrongType = await run(scenarios[0]!, "libzmq")
    expect(wrongType.subject).toEqual(["connect:delay", "connect", "disconnect"])
    const mismatch = await run(scenarios.find(s => s.name.startsWith("mechanism mismatch: NULL DEALER connects, libzmq plainServer"))!, "libzmq")
    expect(mismatch.subject).toEqual(["connect:delay", "connect", "handshake:error:protocol ERR_ZMTP_MECHANISM_MISMATCH", "disconnect"])
  })
})

describe("the NULL race libzmq imposes (why zmtp sends nothing before the peer's READY)", () => {
  const hello = Buffer.concat([
    encodeGreeting("NULL", false, 1),
    encodeReady([
      ["Socket-Type", Buffer.from("DEALER")],
      ["Identity", Buffer.alloc(0)],
    ]),
  ])

  test("a PING in the same write as our READY, before libzmq's READY: libzmq fails the handshake (UNEXPECTED_COMMAND)", async () => {
    const dealer = make("libzmq", "Dealer")
    const events = recordEvents(dealer)
    const raw = new RawPeer(await rawConnect(await bindFresh(dealer, "tcp")))
    raw.write(Buffer.concat([hello, encodePing(0)]))
    await until(() => events.some(e => e.type === "disconnect"), 3000, "libzmq's disconnect")
    expect(describeEvents(events)).toEqual(["bind", "accept", "handshake:error:protocol ERR_ZMTP_UNEXPECTED_COMMAND", "disconnect"])
  })

  test("zmtp in libzmq's seat is lenient: the early PING is answered and the connection stays up", async () => {
    const dealer = make("zmtp", "Dealer")
    const events = recordEvents(dealer)
    const raw = new RawPeer(await rawConnect(await bindFresh(dealer, "tcp")))
    raw.write(Buffer.concat([hello, encodePing(0)]))
    await until(() => raw.commands("PONG").length === 1, 3000, "zmtp's PONG")
    expect(describeEvents(events)).toEqual(["bind", "accept", "handshake"])
  })

  test("the same PING after libzmq's READY has arrived: handshake, PONG, connection up", async () => {
    const dealer = make("libzmq", "Dealer")
    const events = recordEvents(dealer)
    const raw = new RawPeer(await rawConnect(await bindFresh(dealer, "tcp")))
    raw.write(hello)
    await until(() => raw.commands("READY").length === 1, 3000, "libzmq's READY")
    raw.write(encodePing(0))
    await until(() => raw.commands("PONG").length === 1, 3000, "libzmq's PONG")
    expect(describeEvents(events)).toEqual(["bind", "accept", "handshake"])
  })
})
