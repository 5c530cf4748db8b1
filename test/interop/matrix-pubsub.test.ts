/**
 * Subscriptions across libraries and protocol versions:
 * - ZMTP 3.1 command form (SUBSCRIBE/CANCEL) between zmtp and libzmq, both ways, seen in the wire trace;
 * - libzmq XSUB's 01/00 data-frame form, even toward a 3.1 peer, filtered by a zmtp PUB;
 * - ZMTP 3.0 message form with a raw peer that announces minor version 0, both ways;
 * - XPUB verbosity (null / allSubs / allSubsUnsubs) with libzmq subscribers, checked against what a
 *   libzmq XPUB hands up in the same scenario.
 */
import {describe, expect, test} from "vitest"
import {encodeGreeting} from "../../src/wire/greeting.js"
import {encodeReady} from "../../src/wire/command.js"
import {encodeMessage} from "../../src/wire/frame.js"
import {bytes, loadVectors} from "../helpers/vectors.js"
import {
  bindFresh,
  buf,
  captureTrace,
  installCleanup,
  LIBS,
  make,
  other,
  pumping,
  RawPeer,
  rawConnect,
  rawListen,
  receiveWithin,
  until,
  type Lib,
  type Sock,
} from "../helpers/interop.js"

installCleanup()

const sub = (topic: string) => Buffer.concat([Buffer.from([1]), Buffer.from(topic)])
const unsub = (topic: string) => Buffer.concat([Buffer.from([0]), Buffer.from(topic)])
const str = (m: Buffer[]) => m.map(f => f.toString("latin1"))
const legacy = (name: string) => bytes(loadVectors("commands").legacySubscriptions.find((v: {name: string}) => v.name === name).wire)
const vector = (name: string) => bytes(loadVectors("commands").vectors.find((v: {name: string}) => v.name === name).wire)

/** The publisher sends `probe` until the subscriber receives it (the slow-joiner wait). */
async function probeTopic(pub: Sock, subscriber: Sock, probe: string): Promise<void> {
  let got = false
  const reader = (async () => {
    for (;;) {
      const m = await receiveWithin(subscriber, 5000, `probe ${probe}`)
      if (m.length === 1 && m[0]!.toString() === probe) {
        got = true
        return
      }
    }
  })()
  while (!got) {
    await pub.send(probe)
    await new Promise(r => setTimeout(r, 5))
  }
  await reader
}

/** Receives until `last` (inclusive), skipping repeated probes. */
async function receiveUntil(s: Sock, last: string, skip: (m: string[]) => boolean = () => false): Promise<string[][]> {
  const out: string[][] = []
  for (;;) {
    const m = str(await receiveWithin(s, 3000, `message up to ${last}`))
    if (skip(m)) continue
    out.push(m)
    if (m.length === 1 && m[0] === last) return out
  }
}

describe("ZMTP 3.1 command form with libzmq", () => {
  test("libzmq SUB → zmtp XPUB: SUBSCRIBE and CANCEL commands become 01/00 messages; filtering holds", async () => {
    const trace = captureTrace()
    const xpub = make("zmtp", "XPublisher")
    const s = make("libzmq", "Subscriber")
    s.connect(await bindFresh(xpub, "tcp"))
    s.subscribe("A")
    s.subscribe("B")
    expect(str(await receiveWithin(xpub))).toEqual(["\x01A"])
    expect(str(await receiveWithin(xpub))).toEqual(["\x01B"])
    // They crossed the wire as 3.1 commands, byte for byte the vector.
    expect(trace.filter(l => l.includes("← command SUBSCRIBE")).length).toBe(2)
    expect(trace.some(l => l.includes(vector("subscribe-A").toString("hex").replace(/(..)(?!$)/g, "$1 ")))).toBe(true)
    for (const m of ["C1", "A1", "B1"]) await xpub.send(m)
    await xpub.send("A-end")
    expect(await receiveUntil(s, "A-end")).toEqual([["A1"], ["B1"], ["A-end"]])
    s.unsubscribe("A")
    expect(str(await receiveWithin(xpub))).toEqual(["\x00A"])
    expect(trace.filter(l => l.includes("← command CANCEL")).length).toBe(1)
    for (const m of ["A2", "B2"]) await xpub.send(m)
    await xpub.send("B-end")
    expect(await receiveUntil(s, "B-end")).toEqual([["B2"], ["B-end"]])
  })

  test("zmtp SUB → libzmq XPUB: zmtp sends SUBSCRIBE/CANCEL commands that libzmq hands up as 01/00", async () => {
    const trace = captureTrace()
    const xpub = make("libzmq", "XPublisher")
    const s = make("zmtp", "Subscriber")
    s.connect(await bindFresh(xpub, "tcp"))
    s.subscribe("A")
    s.subscribe("B")
    // zmtp counts subscriptions: a second subscribe of A sends nothing (libzmq's set makes it moot).
    s.subscribe("A")
    expect(str(await receiveWithin(xpub))).toEqual(["\x01A"])
    expect(str(await receiveWithin(xpub))).toEqual(["\x01B"])
    await until(() => trace.filter(l => l.includes("→ command SUBSCRIBE")).length === 2, 2000, "two SUBSCRIBE commands in the trace")
    for (const m of ["C1", "A1", "B1"]) await xpub.send(m)
    await xpub.send("A-end")
    expect(await receiveUntil(s, "A-end")).toEqual([["A1"], ["B1"], ["A-end"]])
    s.unsubscribe("A") // count 2 → 1: nothing on the wire
    s.unsubscribe("A") // 1 → 0: CANCEL
    expect(str(await receiveWithin(xpub))).toEqual(["\x00A"])
    expect(trace.filter(l => l.includes("→ command CANCEL")).length).toBe(1)
    for (const m of ["A2", "B2"]) await xpub.send(m)
    await xpub.send("B-end")
    expect(await receiveUntil(s, "B-end")).toEqual([["B2"], ["B-end"]])
  })

  for (const pubLib of LIBS) {
    test(`XSUB=${other(pubLib)} 01/00 messages drive PUB=${pubLib}'s filter (no local filtering at XSUB)`, async () => {
      const trace = captureTrace()
      const pub = make(pubLib, "Publisher")
      const xsub = make(other(pubLib), "XSubscriber")
      xsub.connect(await bindFresh(pub, "tcp"))
      await xsub.send(sub("A"))
      await probeTopic(pub, xsub, "A-probe")
      for (const m of ["B1", "A1", "C1", "A2"]) await pub.send(m)
      await pub.send("A-end")
      const isProbe = (m: string[]) => m.length === 1 && m[0] === "A-probe"
      expect(await receiveUntil(xsub, "A-end", isProbe)).toEqual([["A1"], ["A2"], ["A-end"]])
      // Cancel A, subscribe C: once C flows, A's cancel (sent before it on the same pipe) is in force.
      await xsub.send(unsub("A"))
      await xsub.send(sub("C"))
      await probeTopic(pub, xsub, "C-probe")
      for (const m of ["A3", "C2", "B2"]) await pub.send(m)
      await pub.send("C-end")
      expect(await receiveUntil(xsub, "C-end", m => m[0] === "C-probe" || m[0] === "A-probe")).toEqual([["C2"], ["C-end"]])
      // A connected XSUB (libzmq and zmtp alike) puts the application's 01/00 message on the wire as
      // a data frame, even to a 3.1 peer: a PUB must accept both forms.
      const cancels = trace.filter(l => / (←|→) message 1 frame\(s\): <2 bytes> \| 00 02 00 41/.test(l))
      expect(cancels.length).toBe(1)
      expect(cancels[0]).toContain(pubLib === "zmtp" ? "←" : "→")
    })
  }
})

/** READY for a raw peer of the given socket type. */
const ready = (type: string) => encodeReady([["Socket-Type", Buffer.from(type)]])
const frame = (payload: Buffer) => encodeMessage([payload])

describe("the bytes zmtp puts on the wire for subscriptions", () => {
  for (const minor of [1, 0]) {
    test(`a zmtp SUB to a raw 3.${minor} PUB: ${minor ? "SUBSCRIBE/CANCEL commands" : "01/00 messages"}, byte for byte the vectors`, async () => {
      let raw: RawPeer | null = null
      const address = await rawListen(peer => {
        raw = peer
        peer.write(Buffer.concat([encodeGreeting("NULL", false, minor), ready("PUB")]))
      })
      const s = make("zmtp", "Subscriber")
      s.connect(address)
      s.subscribe("A")
      await until(() => raw !== null && raw.frames.length >= 2, 2000, "READY and SUBSCRIBE")
      s.unsubscribe("A")
      const peer = raw! as RawPeer
      await until(() => peer.frames.length >= 3, 2000, "the cancel")
      const [subscribe, cancel] = peer.frames.slice(1).map(f => encodeMessageOrCommand(f))
      expect(subscribe!.toString("hex")).toBe((minor ? vector("subscribe-A") : legacy("legacy-subscribe-A")).toString("hex"))
      expect(cancel!.toString("hex")).toBe((minor ? vector("cancel-A") : legacy("legacy-unsubscribe-A")).toString("hex"))
    })
  }
})

describe("the bytes an XSUB puts on the wire", () => {
  for (const xsubLib of LIBS) {
    test(`XSUB=${xsubLib}: replayed to a new 3.1 peer as SUBSCRIBE commands, sent live as 01 data frames`, async () => {
      const xsub = make(xsubLib, "XSubscriber")
      const address = await bindFresh(xsub, "tcp")
      await xsub.send(sub("A")) // no peer yet: replayed on attach
      const raw = new RawPeer(await rawConnect(address))
      raw.write(Buffer.concat([encodeGreeting("NULL", false, 1), ready("PUB")]))
      await pumping(xsub, until(() => raw.frames.length >= 2, 2000, "the replayed subscription"))
      await xsub.send(sub("B")) // a connected peer: forwarded verbatim
      await pumping(xsub, until(() => raw.frames.length >= 3, 2000, "the live subscription"))
      const wire = raw.frames.slice(1).map(f => encodeMessageOrCommand(f).toString("hex"))
      expect(wire).toEqual([vector("subscribe-A").toString("hex"), "00020142"])
    })
  }
})

/** Re-encodes a frame the raw peer parsed (a short frame: 2-byte header). */
function encodeMessageOrCommand(f: {command: boolean; more: boolean; body: Buffer}): Buffer {
  return Buffer.concat([Buffer.from([(f.command ? 4 : 0) | (f.more ? 1 : 0), f.body.length]), f.body])
}

describe("ZMTP 3.0 message form with a raw peer announcing minor version 0", () => {
  for (const cls of ["XPublisher", "Publisher"] as const) {
    test(`a 3.0 SUB's 00 02 01 41 / 00 02 00 41 messages drive a zmtp ${cls === "XPublisher" ? "XPUB" : "PUB"}`, async () => {
      const pub = make("zmtp", cls)
      const address = await bindFresh(pub, "tcp")
      const raw = new RawPeer(await rawConnect(address))
      raw.write(Buffer.concat([encodeGreeting("NULL", false, 0), ready("SUB"), legacy("legacy-subscribe-A")]))
      if (cls === "XPublisher") expect(str(await receiveWithin(pub))).toEqual(["\x01A"])
      // We answer a 3.0 peer with a 3.1 greeting and READY, and only data after that.
      await until(() => raw.commands("READY").length === 1, 2000, "READY")
      expect(raw.greeting![10]).toBe(3)
      expect(raw.greeting![11]).toBe(1)
      // A PUB cannot tell us the subscription has landed: probe until one arrives.
      await until(
        () => {
          void pub.send("A-probe")
          return raw.messages().length > 0
        },
        3000,
        "A-probe at the raw peer",
      )
      await pub.send("B1")
      await pub.send(["A1", "", "x"])
      await pub.send("A-end")
      await until(() => raw.messages().some(m => m[0]!.toString() === "A-end"), 2000, "A-end")
      expect(raw.messages().map(str).filter(m => m[0] !== "A-probe")).toEqual([["A1", "", "x"], ["A-end"]])
      expect(raw.commands().map(c => c.name)).toEqual(["READY"])
      raw.write(legacy("legacy-unsubscribe-A"))
      raw.write(legacy("legacy-subscribe-all"))
      if (cls === "XPublisher") {
        expect(str(await receiveWithin(pub))).toEqual(["\x00A"])
        expect(str(await receiveWithin(pub))).toEqual(["\x01"])
      }
      // Subscribed to everything now (the cancel of A came first on the same stream).
      const before = raw.messages().length
      await until(
        () => {
          void pub.send("Z-probe")
          return raw.messages().length > before
        },
        3000,
        "Z-probe",
      )
    })
  }

  for (const cls of ["Subscriber", "XSubscriber"] as const) {
    test(`a zmtp ${cls === "Subscriber" ? "SUB" : "XSUB"} sends 3.0 subscription messages (not commands) to a 3.0 PUB`, async () => {
      let raw: RawPeer | null = null
      const address = await rawListen(peer => {
        raw = peer
        peer.write(Buffer.concat([encodeGreeting("NULL", false, 0), ready("PUB")]))
      })
      const s = make("zmtp", cls)
      s.connect(address)
      if (cls === "Subscriber") s.subscribe("A")
      else await s.send(sub("A"))
      await until(() => raw !== null && raw.frames.length >= 2, 2000, "READY and a subscription")
      const peer = raw! as RawPeer
      expect(peer.commands().map(c => c.name)).toEqual(["READY"])
      expect(encodeMessage(peer.messages()[0]!).equals(legacy("legacy-subscribe-A"))).toBe(true)
      if (cls === "Subscriber") s.unsubscribe("A")
      else await s.send(unsub("A"))
      await until(() => peer.messages().length === 2, 2000, "the unsubscription")
      expect(encodeMessage(peer.messages()[1]!).equals(legacy("legacy-unsubscribe-A"))).toBe(true)
      if (cls === "Subscriber") s.subscribe("")
      else await s.send(Buffer.from([1]))
      await until(() => peer.messages().length === 3, 2000, "subscribe-all")
      expect(encodeMessage(peer.messages()[2]!).equals(legacy("legacy-subscribe-all"))).toBe(true)
      // Data from the 3.0 publisher arrives as usual.
      peer.write(Buffer.concat([frame(buf("hello")), encodeMessage([buf("multi"), Buffer.alloc(0), buf("part")])]))
      expect(str(await receiveWithin(s))).toEqual(["hello"])
      expect(str(await receiveWithin(s))).toEqual(["multi", "", "part"])
      expect(peer.commands().map(c => c.name)).toEqual(["READY"])
    })
  }
})

describe("XSUB subscriptions made before the connection", () => {
  for (const xsubLib of LIBS) {
    test(`XSUB=${xsubLib} sends a subscription made while connecting once (a verbose libzmq XPUB counts them)`, async () => {
      const xpub = make("libzmq", "XPublisher")
      xpub.verbosity = "allSubs"
      const address = await bindFresh(xpub, "tcp")
      const xsub = make(xsubLib, "XSubscriber")
      xsub.connect(address)
      await xsub.send(sub("A"))
      const got: string[] = []
      for (;;) {
        const m = str(await receiveWithin(xpub))
        got.push(m[0]!)
        if (got.length === 1) await xsub.send(sub("M")) // a marker after whatever the connection carried
        if (m[0] === "\x01M") break
      }
      expect(got).toEqual(["\x01A", "\x01M"])
    })
  }
})

describe("XPUB verbosity with libzmq subscribers", () => {
  type Verbosity = null | "allSubs" | "allSubsUnsubs"

  /**
   * Two subscribers take topic A; each later step ends with a marker subscription (M, N, O) so
   * the XPUB's output up to it is complete. Returns what the XPUB application received.
   */
  async function scenario(xpubLib: Lib, verbosity: Verbosity): Promise<string[]> {
    const xpub = make(xpubLib, "XPublisher")
    if (verbosity !== null) xpub.verbosity = verbosity
    const address = await bindFresh(xpub, "tcp")
    const s1 = make("libzmq", "Subscriber")
    const s2 = make("libzmq", "Subscriber")
    s1.connect(address)
    s2.connect(address)
    const got: string[] = []
    const upTo = async (marker: string) => {
      for (;;) {
        const [m] = await receiveWithin(xpub, 3000, `subscription ${marker}`)
        const text = (m![0] === 1 ? "+" : "-") + m!.toString("latin1", 1)
        got.push(text)
        if (text === marker) return
      }
    }
    s1.subscribe("A")
    await upTo("+A")
    s2.subscribe("A")
    s2.subscribe("M")
    await upTo("+M")
    s1.unsubscribe("A")
    s1.subscribe("N")
    await upTo("+N")
    s2.unsubscribe("A")
    s2.subscribe("O")
    await upTo("+O")
    return got
  }

  const expected: Record<string, string[]> = {
    null: ["+A", "+M", "+N", "-A", "+O"],
    allSubs: ["+A", "+A", "+M", "+N", "-A", "+O"],
    allSubsUnsubs: ["+A", "+A", "+M", "-A", "+N", "-A", "+O"],
  }

  for (const verbosity of [null, "allSubs", "allSubsUnsubs"] as Verbosity[]) {
    test(`verbosity ${verbosity}: zmtp XPUB hands up what a libzmq XPUB does`, async () => {
      const ours = await scenario("zmtp", verbosity)
      const theirs = await scenario("libzmq", verbosity)
      expect(theirs).toEqual(expected[String(verbosity)])
      expect(ours).toEqual(theirs)
    })
  }
})
