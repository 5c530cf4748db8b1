/**
 * SocketOptions against the real thing: every case drives a zeromq.js socket (libzmq 4.3.5,
 * through its raw `get/set{Kind}Option` methods) and our SocketOptions the same way, and expects
 * the same outcome: the same value back, or the same error (class, code, errno, message), and the
 * same process warnings.
 */
import {afterEach, describe, expect, onTestFinished, test} from "vitest"
import * as zmq from "zeromq"
import {isDeepStrictEqual} from "node:util"
import {SocketOptions, appliesImmediately, type OptionKind} from "../../src/sockets/sockopt.js"
import {z85Encode} from "../../src/wire/z85.js"

const KINDS: OptionKind[] = ["Bool", "Int32", "Uint32", "Int64", "Uint64", "String"]
const TYPE_NAMES = ["Pair", "Publisher", "Subscriber", "Request", "Reply", "Dealer", "Router", "Pull", "Push", "XPublisher", "XSubscriber", "Stream"]
const TYPES = TYPE_NAMES.map((_, i) => i)
/** The draft socket types this zeromq.js build also creates (SERVER … CHANNEL). */
const DRAFT_TYPES = [12, 13, 14, 15, 16, 17, 18, 19, 20]
/** Every id up to past the last libzmq 4.3.5 option (ZMQ_TOPICS_COUNT = 116). */
const ALL_IDS = Array.from({length: 121}, (_, i) => i)
/**
 * Known divergences: ZMQ_FD (14) hands out libzmq's mailbox fd, which we do not have (EINVAL);
 * ZMQ_EVENTS (15) is live socket state that comes from a hook.
 */
const STATEFUL_IDS = new Set([14, 15])
/**
 * ZMQ_WSS_* (103-107): zmtp has wss://, the libzmq here is built without it (EINVAL for all five);
 * zmtp's handling of them is tested in wss.test.ts. README lists the difference.
 */
const ZMTP_EXTENSION_IDS = new Set([103, 104, 105, 106, 107])

/** The ids zeromq.js's lib/index.js defines properties for, plus those its methods use. */
const ZEROMQJS_IDS = [
  4, 5, 6, 7, 8, 9, 11, 12, 16, 17, 18, 19, 21, 22, 23, 24, 25, 27, 28, 32, 33, 34, 35, 36, 37, 38, 39, 40, 42, 43, 44, 45,
  46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 61, 62, 63, 64, 65, 66, 68, 69, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81,
  84, 85, 86, 87, 88, 90, 91, 92, 93, 94,
]

type RawSocket = {
  close(): void
  [method: string]: any
}

const open: RawSocket[] = []
afterEach(() => {
  for (const s of open.splice(0)) {
    s.setInt32Option(17, 0)
    s.close()
  }
})

function realSocket(type: number, options?: object): RawSocket {
  const s = new (zmq.Socket as any)(type, options) as RawSocket
  open.push(s)
  return s
}

function closeReal(s: RawSocket) {
  const i = open.indexOf(s)
  if (i >= 0) open.splice(i, 1)
  s.setInt32Option(17, 0)
  s.close()
}

type Outcome = {value: unknown} | {error: {type: string; code?: unknown; errno?: unknown; message: string}}

function outcome(fn: () => unknown): Outcome {
  try {
    return {value: fn()}
  } catch (e) {
    const err = e as Error & {code?: unknown; errno?: unknown}
    return {error: {type: err.constructor.name, code: err.code, errno: err.errno, message: err.message}}
  }
}

/** Runs `fn`, returning its outcome and the process warnings it emitted. */
function observed(fn: () => unknown): {outcome: Outcome; warnings: string[]} {
  const warnings: string[] = []
  const emitWarning = process.emitWarning
  process.emitWarning = ((w: string | Error) => {
    warnings.push(typeof w === "string" ? w : w.message)
  }) as typeof process.emitWarning
  try {
    return {outcome: outcome(fn), warnings}
  } finally {
    process.emitWarning = emitWarning
  }
}

const getReal = (s: RawSocket, id: number, kind: OptionKind) => outcome(() => s[`get${kind}Option`](id))
const getOurs = (o: SocketOptions, id: number, kind: OptionKind) => outcome(() => o.get(id, kind))
const setReal = (s: RawSocket, id: number, kind: OptionKind, v: unknown) => observed(() => s[`set${kind}Option`](id, v))
const setOurs = (o: SocketOptions, id: number, kind: OptionKind, v: unknown) => observed(() => o.set(id, kind, v))

/** Every getter kind of `ids`, as a comparable record. */
function snapshot(get: (id: number, kind: OptionKind) => Outcome, ids: number[]): Record<string, Outcome> {
  const out: Record<string, Outcome> = {}
  for (const id of ids) for (const kind of KINDS) out[`${id}/${kind}`] = get(id, kind)
  return out
}

const show = (v: unknown) =>
  Buffer.isBuffer(v) ? `Buffer<${v.toString("hex")}>` : typeof v === "string" && v.length > 24 ? `"${v.slice(0, 12)}…"(${v.length})` : typeof v === "string" ? JSON.stringify(v) : String(v)

const keys = zmq.curveKeyPair()
const bigPool = Buffer.alloc(16)

/** Values tried for each setter kind: valid, boundary and invalid for the various option rules. */
const VALUES: Record<OptionKind, unknown[]> = {
  Bool: [true, false, true],
  Int32: [
    0, 1, 2, 3, 4, -1, -2, 100, 150, -99, -100, 255, 256, 1500, 65535, 6553599, 6553600, 2 ** 31 - 1, -(2 ** 31), 2 ** 31,
    2 ** 32 + 5, 1.5, -1.5, NaN, Infinity, 1e20,
  ],
  Uint32: [0, 1, 3, -1, 2 ** 31, 2 ** 32 - 1, 1.7, 2 ** 32 + 7],
  Int64: [0, 1, -1, -2, 2 ** 40, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 1e30, -1e30, NaN, 1.5, -1.5],
  Uint64: [0, 1, 2 ** 40, 2 ** 53 - 1, 2 ** 53 + 2, -1, -0.5, 2 ** 64, Infinity, NaN],
  String: [
    "a",
    "abcd",
    "abcdefgh",
    "",
    null,
    "user",
    Buffer.alloc(0),
    bigPool.subarray(3, 3),
    Buffer.from([0xff, 0, 0x41]),
    Buffer.from([0, 0x41]),
    new Uint16Array([0x6261, 0x6463]),
    "é€",
    "x".repeat(16),
    "x".repeat(17),
    Buffer.alloc(32, 7),
    keys.publicKey,
    keys.secretKey,
    keys.publicKey + "\0",
    keys.publicKey.slice(0, 20) + "\0" + keys.publicKey.slice(21),
    "#".repeat(40),
    "~".repeat(40),
    "x".repeat(41),
    "127.0.0.1",
    "10.0.0.0/8",
    "127.1",
    "::1",
    "::ffff:1.2.3.4",
    "[127.0.0.1]",
    "127.0.0.1/",
    "127.0.0.1/33",
    "localhost",
    "X-a:b",
    "X-key:value",
    "X-a:",
    ":b",
    "Y-a:b",
    "x".repeat(255),
    "x".repeat(256),
    "x".repeat(1023),
    "x".repeat(1024),
    null,
  ],
}

/** Ids whose values other options change (mechanism, ipv6), read after every set too. */
const RELATED_IDS = [31, 42, 43, 44, 45, 46, 47]

describe("defaults on fresh sockets", () => {
  for (const type of [...TYPES, ...DRAFT_TYPES]) {
    test(`${TYPE_NAMES[type] ?? `draft type ${type}`} (${type}): every id and getter kind`, () => {
      const real = realSocket(type)
      const ours = new SocketOptions(type)
      const ids = ALL_IDS.filter(id => !STATEFUL_IDS.has(id))
      expect(snapshot((id, kind) => getOurs(ours, id, kind), ids)).toEqual(snapshot((id, kind) => getReal(real, id, kind), ids))
    })
  }

  test("context options become socket defaults (ZMQ_BLOCKY → linger, ZMQ_IPV6)", () => {
    const context = new zmq.Context({blocky: false, ipv6: true})
    for (const type of TYPES) {
      const real = realSocket(type, {context})
      const ours = new SocketOptions(type, undefined, {blocky: false, ipv6: true})
      expect(snapshot((id, kind) => getOurs(ours, id, kind), [17, 31, 42])).toEqual(
        snapshot((id, kind) => getReal(real, id, kind), [17, 31, 42]),
      )
    }
  })

  test("typed fields", () => {
    for (const type of TYPES) {
      const o = new SocketOptions(type)
      expect(o.linger).toBe(type === 2 || type === 10 ? 0 : -1)
      expect(o).toMatchObject({
        sendHighWaterMark: 1000,
        receiveHighWaterMark: 1000,
        sendTimeout: -1,
        receiveTimeout: -1,
        reconnectInterval: 100,
        reconnectMaxInterval: 0,
        backlog: 100,
        maxMessageSize: -1,
        routingId: null,
        connectRoutingId: null,
        lastEndpoint: null,
        immediate: false,
        ipv6: false,
        handshakeInterval: 30000,
        heartbeatInterval: 0,
        heartbeatTimeToLive: 0,
        heartbeatTimeout: -1,
        connectTimeout: 0,
        notify: true,
        mechanism: "null",
        plainServer: false,
        curveServer: false,
        plainUsername: null,
        zapDomain: null,
        curvePublicKey: null,
        verbose: false,
        verboser: false,
        threadSafe: false,
        type,
      })
    }
  })
})

describe("setters: same acceptance, same value read back", () => {
  for (const type of [...TYPES, ...DRAFT_TYPES]) {
    for (const kind of KINDS) {
      test(`${TYPE_NAMES[type] ?? `draft type ${type}`} (${type}): set${kind}Option on every id, sequences of values`, async () => {
        const mismatches: unknown[] = []
        // Hundreds of thousands of EINVALs: skip the stack traces (the sweep's main cost).
        const stackTraceLimit = Error.stackTraceLimit
        Error.stackTraceLimit = 0
        onTestFinished(() => {
          Error.stackTraceLimit = stackTraceLimit
        })
        for (const id of ALL_IDS) {
          if (STATEFUL_IDS.has(id) || ZMTP_EXTENSION_IDS.has(id)) continue
          // libzmq's xsub_t reads ZMQ_XSUB_VERBOSE_UNSUBSCRIBE without checking the pointer:
          // a NULL or short string crashes the process.
          if (type === 10 && id === 115 && kind === "String") continue
          const real = realSocket(type)
          const ours = new SocketOptions(type)
          const read = (get: (id: number, kind: OptionKind) => Outcome) => ({
            ...snapshot(get, [id]),
            ...Object.fromEntries(RELATED_IDS.map(r => [`${r}/Int32`, get(r, "Int32")])),
          })
          for (const value of VALUES[kind]) {
            const r = setReal(real, id, kind, value)
            const o = setOurs(ours, id, kind, value)
            if (!isDeepStrictEqual(o, r)) mismatches.push({id, value: show(value), real: r, ours: o})
            const rs = read((i, k) => getReal(real, i, k))
            const os = read((i, k) => getOurs(ours, i, k))
            if (!isDeepStrictEqual(os, rs)) {
              const diff = Object.keys(rs).filter(k => !isDeepStrictEqual(os[k], rs[k]))
              mismatches.push({id, value: show(value), after: diff.map(k => ({k, real: rs[k], ours: os[k]}))})
            }
          }
          closeReal(real)
          // Let vitest's worker RPC breathe between ids.
          if (id % 20 === 0) await new Promise(resolve => setImmediate(resolve))
        }
        expect(mismatches).toEqual([])
      })
    }
  }
})

describe("type errors come before anything else", () => {
  const cases: [OptionKind, unknown][] = [
    ["Int32", "1"],
    ["Int32", 1n],
    ["Int32", null],
    ["Int32", undefined],
    ["Int32", true],
    ["Uint32", {}],
    ["Int64", 1n],
    ["Uint64", 1n],
    ["Uint64", "1"],
    ["Bool", 1],
    ["Bool", null],
    ["Bool", "true"],
    ["String", 1],
    ["String", true],
    ["String", undefined],
    ["String", {}],
    ["String", new ArrayBuffer(4)],
    ["String", new DataView(new ArrayBuffer(4))],
  ]
  test.each(cases)("set%sOption(…, %s)", (kind, value) => {
    for (const id of [22, 23, 5, 39, 999]) {
      const real = realSocket(5)
      const ours = new SocketOptions(5)
      expect(setOurs(ours, id, kind, value)).toEqual(setReal(real, id, kind, value))
    }
  })

  test("identifiers: non-numbers are TypeErrors, numbers go through ToInt32", () => {
    const real = realSocket(5)
    const ours = new SocketOptions(5)
    for (const id of ["23", null, 23.9, 2 ** 32 + 23, -(2 ** 32) + 17, NaN, Infinity]) {
      expect(outcome(() => ours.get(id as number, "Int32"))).toEqual(outcome(() => real.getInt32Option(id)))
      expect(setOurs(ours, id as number, "Int32", 7)).toEqual(setReal(real, id as number, "Int32", 7))
    }
  })
})

describe("libzmq behaviours worth pinning down", () => {
  test("every option property of every zeromq.js class, through zeromq.js's own accessors", () => {
    // zeromq.js's defineOpt accessors call this.get{Kind}Option(id) / this.set{Kind}Option(id, v)
    // (and map enums like securityMechanism and verbosity). Calling them on an adapter over
    // SocketOptions runs zeromq.js's JS layer on top of our store.
    const adapter = (o: SocketOptions) => {
      const a: Record<string, unknown> = {}
      for (const kind of KINDS) {
        a[`get${kind}Option`] = (id: number) => o.get(id, kind)
        a[`set${kind}Option`] = (id: number, v: unknown) => o.set(id, kind, v)
      }
      return a
    }
    const values = [true, false, 0, 1, 2, -1, -2, 100, 2 ** 31, 1.5, NaN, "abc", "", null, Buffer.from("xyz"), keys.publicKey, "allSubs", "allSubsUnsubs", "plain", undefined]
    const mismatches: unknown[] = []
    const seen = new Set<number>()
    for (const [type, name] of TYPE_NAMES.entries()) {
      const cls = (zmq as unknown as Record<string, {prototype: object; new (): RawSocket}>)[name]!
      const accessors = new Map<string, PropertyDescriptor>()
      for (let p: object | null = cls.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
        for (const [prop, desc] of Object.entries(Object.getOwnPropertyDescriptors(p))) {
          const fn = desc.get ?? desc.set
          // Native accessors (events, context, closed, readable, writable) are not options.
          if (!accessors.has(prop) && fn && !fn.toString().includes("[native code]")) accessors.set(prop, desc)
        }
      }
      for (const [prop, desc] of accessors) {
        // Which ids the property uses, for the coverage check below.
        const recorder: Record<string, unknown> = {}
        for (const kind of KINDS) {
          recorder[`get${kind}Option`] = (id: number) => (seen.add(id), 0)
          recorder[`set${kind}Option`] = (id: number) => void seen.add(id)
        }
        desc.get?.call(recorder)
        desc.set?.call(recorder, null)

        const real = new cls() as RawSocket & Record<string, unknown>
        open.push(real)
        const ours = adapter(new SocketOptions(type))
        const read = () => (desc.get ? [outcome(() => real[prop]), outcome(() => desc.get!.call(ours))] : [])
        const [r0, o0] = read()
        if (!isDeepStrictEqual(o0, r0)) mismatches.push({name, prop, real: r0, ours: o0})
        if (!desc.set) continue
        for (const v of values) {
          const r = observed(() => {
            real[prop] = v
          })
          const o = observed(() => desc.set!.call(ours, v))
          if (!isDeepStrictEqual(o, r)) mismatches.push({name, prop, set: show(v), real: r, ours: o})
          const [r1, o1] = read()
          if (!isDeepStrictEqual(o1, r1)) mismatches.push({name, prop, after: show(v), real: r1, ours: o1})
        }
        closeReal(real)
      }
    }
    expect(mismatches).toEqual([])
    // All of zeromq.js's table except the ids only its methods use (SUBSCRIBE, UNSUBSCRIBE,
    // CONNECT_ROUTING_ID, and VERBOSER which `verbosity = null` does not touch) and GSSAPI
    // (not defined: capability.gssapi is false).
    const methodOnly = [6, 7, 61, 78, 62, 63, 64, 65, 90, 91]
    expect([...seen].sort((a, b) => a - b)).toEqual(ZEROMQJS_IDS.filter(id => !methodOnly.includes(id)))
  })

  test("CURVE keys: setters accept 32 bytes or 40 Z85 chars, getters always fail in zeromq.js", () => {
    const real = realSocket(5)
    const ours = new SocketOptions(5)
    for (const [id, value] of [
      [48, keys.publicKey],
      [49, keys.secretKey],
      [50, Buffer.alloc(32, 9)],
    ] as const) {
      expect(setOurs(ours, id, "String", value)).toEqual(setReal(real, id, "String", value))
      for (const kind of KINDS) expect(getOurs(ours, id, kind)).toEqual(getReal(real, id, kind))
    }
    expect(z85Encode(ours.curvePublicKey!)).toBe(keys.publicKey)
    expect(z85Encode(ours.curveSecretKey!)).toBe(keys.secretKey)
    expect(ours.curveServerKey).toEqual(Buffer.alloc(32, 9))
    expect(ours.mechanism).toBe("curve")
  })

  test("the mechanism follows the last PLAIN_*/CURVE_* option", () => {
    const steps: [number, OptionKind, unknown][][] = [
      [[44, "Bool", true]],
      [[44, "Bool", true], [47, "Bool", true]],
      [[47, "Bool", true], [44, "Bool", false]],
      [[45, "String", "u"], [46, "String", null]],
      [[44, "Bool", true], [45, "String", "u"]],
      [[48, "String", keys.publicKey], [45, "String", "u"]],
      [[45, "String", "u"], [48, "String", keys.publicKey]],
      [[47, "Bool", true], [50, "String", keys.publicKey]],
      [[46, "String", "p"], [45, "String", null]],
    ]
    for (const sequence of steps) {
      const real = realSocket(6)
      const ours = new SocketOptions(6)
      for (const [id, kind, value] of sequence) expect(setOurs(ours, id, kind, value)).toEqual(setReal(real, id, kind, value))
      expect(snapshot((i, k) => getOurs(ours, i, k), [43, 44, 45, 46, 47])).toEqual(snapshot((i, k) => getReal(real, i, k), [43, 44, 45, 46, 47]))
      const mechanism = getReal(real, 43, "Int32") as {value: number}
      expect(ours.mechanism).toBe(["null", "plain", "curve"][mechanism.value])
    }
  })

  test("ZMQ_TCP_ACCEPT_FILTER depends on ZMQ_IPV6", () => {
    const filters = ["127.0.0.1", "127.0.0.1/33", "::1", "::1/64", "::1/129", "fe80::1%lo", "[::1]", "1.2.3", "0x7f.1", "1.2.3.4/08", "1.2.3.4/8x", "1.2.3.4/x", "1.2.3.4/-1", "1.2.3.4/0", "255.255.255.256", "127.0.0.1 ", "*", "127.0.0.1:80"]
    for (const ipv6 of [false, true]) {
      for (const f of filters) {
        const real = realSocket(6)
        const ours = new SocketOptions(6)
        real.setBoolOption(42, ipv6)
        ours.set(42, "Bool", ipv6)
        expect([ipv6, f, setOurs(ours, 38, "String", f)]).toEqual([ipv6, f, setReal(real, 38, "String", f)])
      }
    }
    const o = new SocketOptions(6)
    o.set(38, "String", "10.0.0.0/8")
    o.set(38, "String", "192.168.1.7")
    expect([o.acceptsPeer("10.1.2.3"), o.acceptsPeer("192.168.1.7"), o.acceptsPeer("192.168.1.8"), o.acceptsPeer("::1")]).toEqual([true, true, false, false])
    o.set(38, "String", null)
    expect(o.acceptsPeer("192.168.1.8")).toBe(true)
  })

  test("XPUB verbosity: VERBOSER implies verbose, VERBOSE clears verboser", () => {
    const o = new SocketOptions(9)
    o.set(78, "Bool", true)
    expect([o.verbose, o.verboser]).toEqual([true, true])
    o.set(40, "Bool", true)
    expect([o.verbose, o.verboser]).toEqual([true, false])
    o.set(78, "Bool", true)
    o.set(40, "Bool", false)
    expect([o.verbose, o.verboser]).toEqual([false, false])
  })

  test("SUBSCRIBE/UNSUBSCRIBE reach the socket; XPUB only accepts them in manual mode", () => {
    const calls: string[] = []
    const actions = {subscribe: (t: Buffer) => calls.push(`+${t.toString("hex")}`), unsubscribe: (t: Buffer) => calls.push(`-${t.toString("hex")}`)}
    const sub = new SocketOptions(2, actions)
    sub.set(6, "String", null)
    sub.set(6, "String", "ab")
    sub.set(7, "String", Buffer.from([1, 2]))
    expect(calls).toEqual(["+", "+6162", "-0102"])

    for (const type of [1, 9]) {
      calls.length = 0
      const real = realSocket(type)
      const ours = new SocketOptions(type, actions)
      expect(setOurs(ours, 6, "String", "x")).toEqual(setReal(real, 6, "String", "x"))
      for (const id of [71, 98]) {
        for (const on of [true, false]) {
          expect(setOurs(ours, id, "Bool", on)).toEqual(setReal(real, id, "Bool", on))
          expect(setOurs(ours, 6, "String", "x")).toEqual(setReal(real, 6, "String", "x"))
          expect(setOurs(ours, 7, "String", null)).toEqual(setReal(real, 7, "String", null))
        }
      }
      expect(calls).toEqual(["+78", "-", "+78", "-"])
    }
  })

  test("routing ids are binary; the String getter stops at the first NUL", () => {
    const o = new SocketOptions(6)
    o.set(5, "String", Buffer.from([0x41, 0, 0x42]))
    expect(o.routingId).toEqual(Buffer.from([0x41, 0, 0x42]))
    expect(o.get(5, "String")).toBe("A")
    o.set(61, "String", "peer")
    expect(o.takeConnectRoutingId()).toEqual(Buffer.from("peer"))
    expect(o.connectRoutingId).toBeNull()
  })

  test("socket state options come from the hooks", () => {
    const o = new SocketOptions(9, {subscribe() {}, unsubscribe() {}, rcvMore: () => true, events: () => 3, topicsCount: () => 7})
    expect([o.get(13, "Int32"), o.get(15, "Int32"), o.get(116, "Int64")]).toEqual([1, 3, 7])
    o.lastEndpoint = "tcp://127.0.0.1:5555"
    expect(o.get(32, "String")).toBe("tcp://127.0.0.1:5555")
    expect(() => o.get(14, "Int32")).toThrow(expect.objectContaining({code: "EINVAL"}))
    expect(() => o.set(32, "String", "x")).toThrow(expect.objectContaining({code: "EINVAL"}))
  })

  test("typed fields follow the raw setters", () => {
    const o = new SocketOptions(6)
    o.set(22, "Int64", 1024)
    o.set(76, "Int32", 1550)
    o.set(55, "String", "global")
    o.set(92, "String", "lo")
    o.set(33, "Bool", true)
    o.set(56, "Bool", true)
    expect(o).toMatchObject({maxMessageSize: 1024, heartbeatTimeToLive: 1500, zapDomain: "global", interface: "lo", mandatory: true, handover: true})
    const s = new SocketOptions(11)
    s.set(73, "Bool", false)
    expect(s.notify).toBe(false)
  })
})

describe("appliesImmediately matches zeromq.js's warning on bound sockets", () => {
  test("every id", async () => {
    const real = realSocket(5)
    await (real as unknown as zmq.Dealer).bind("inproc://sockopt-immediate")
    const mismatches: unknown[] = []
    for (const id of ALL_IDS) {
      const {warnings} = setReal(real, id, "Int32", 1)
      const warned = warnings.includes("Socket option will not take effect until next connect/bind.")
      if (warned === appliesImmediately(id)) mismatches.push({id, warned, appliesImmediately: appliesImmediately(id)})
    }
    expect(mismatches).toEqual([])
  })
})
