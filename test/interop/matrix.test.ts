/**
 * The interop matrix: every valid socket pairing against libzmq 4.3.5 (the `zeromq` devDependency),
 * with zmtp playing either socket type, either side binding, over tcp and ipc. Each cell runs the
 * pattern's own conversation with the same payload set: multipart messages with empty frames, and
 * bodies of 0, 255 (the last 1-byte size), 256 (the first 8-byte size) bytes and 1 MiB; an end
 * marker closes each stream so counts are exact. 64 MiB crosses once in each direction.
 *
 * Cells: 9 asymmetric pairings × 2 (which library plays which type) × 2 (who binds) × 2 transports,
 * and 3 symmetric ones (PAIR, DEALER, ROUTER) × 2 (who binds) × 2 transports = 84.
 */
import {describe, expect, test} from "vitest"
import {createHash} from "node:crypto"
import {
  body,
  bindFresh,
  buf,
  EMPTY,
  installCleanup,
  LIBS,
  make,
  other,
  pumping,
  retry,
  receiveWithin,
  SHORT,
  TRANSPORTS,
  type ClassName,
  type Lib,
  type Sock,
  type Transport,
} from "../helpers/interop.js"

installCleanup()

const MiB = 1 << 20
/** Every cell finishes in milliseconds; a broken one should fail fast rather than at the test timeout. */
const WAIT_MS = 2000

/** The payload set every cell carries, in order. */
const PAYLOADS: Buffer[][] = [
  [buf("a"), EMPTY, buf("c"), EMPTY],
  [EMPTY],
  [EMPTY, EMPTY, buf("x")],
  [body(255, 1)],
  [body(256, 2)],
  [body(255, 3), EMPTY, body(256, 4), buf("tail")],
  [body(MiB, 5)],
]
const END = [buf("end")]
const PROBE = [buf("probe")]
const reply = (m: Buffer[]) => [buf("re"), ...m]

/** A frame list in a form that compares cheaply and prints legibly (large frames by hash). */
function fp(m: Buffer[]): string[] {
  return m.map(f => (f.length <= 32 ? `${f.length}:${f.toString("hex")}` : `${f.length}:#${createHash("sha1").update(f).digest("hex").slice(0, 16)}`))
}
const same = (a: Buffer[], b: Buffer[]) => JSON.stringify(fp(a)) === JSON.stringify(fp(b))

/** Receives until the END marker, skipping slow-joiner probes; returns what came before END. */
async function collect(s: Sock, transform: (m: Buffer[]) => Buffer[] = m => m): Promise<Buffer[][]> {
  const got: Buffer[][] = []
  for (;;) {
    const m = transform(await receiveWithin(s, WAIT_MS, "message of the stream"))
    if (same(m, PROBE)) continue
    if (same(m, END)) return got
    got.push(m)
  }
}

/** Sends every payload then END from `from`; `to` must receive exactly those, in order. */
async function stream(from: Sock, to: Sock, wrap: (m: Buffer[]) => Buffer[] = m => m, unwrap?: (m: Buffer[]) => Buffer[]): Promise<void> {
  const received = collect(to, unwrap)
  for (const p of PAYLOADS) await from.send(wrap(p))
  await from.send(wrap(END))
  expect((await received).map(fp)).toEqual(PAYLOADS.map(fp))
}

/** PUB/SUB slow joiner: the publisher sends probes until the subscriber has received one. */
async function probe(pub: Sock, sub: Sock): Promise<void> {
  let got = false
  const reader = (async () => {
    for (;;) {
      if (same(await receiveWithin(sub, WAIT_MS, "probe"), PROBE)) {
        got = true
        return
      }
    }
  })()
  while (!got) {
    await pub.send(PROBE)
    await new Promise(r => setTimeout(r, 5))
  }
  await reader
}

/** A ROUTER-generated routing id, libzmq style: 00 then a uint32. */
const expectGeneratedId = (id: Buffer) => {
  expect(id.length).toBe(5)
  expect(id[0]).toBe(0)
}

interface Pairing {
  a: ClassName
  b: ClassName
  /** Options by role; `bound`/`connecting` apply to whichever side binds or connects. */
  options?: (role: "a" | "b", binds: boolean) => Record<string, unknown>
  /** connect() options for the connecting side. */
  connectOptions?: (role: "a" | "b") => Record<string, string> | undefined
  exchange(a: Sock, b: Sock, aBinds: boolean): Promise<void>
}

const PAIRINGS: Pairing[] = [
  {
    a: "Pair",
    b: "Pair",
    async exchange(a, b) {
      await stream(a, b)
      await stream(b, a)
    },
  },
  {
    a: "Publisher",
    b: "Subscriber",
    async exchange(pub, sub) {
      sub.subscribe()
      await probe(pub, sub)
      await stream(pub, sub)
    },
  },
  {
    a: "Publisher",
    b: "XSubscriber",
    async exchange(pub, xsub) {
      await xsub.send(Buffer.from([1]))
      await probe(pub, xsub)
      await stream(pub, xsub)
    },
  },
  {
    a: "XPublisher",
    b: "Subscriber",
    async exchange(xpub, sub) {
      sub.subscribe()
      // The XPUB has the subscription in its trie once it hands it up: no probe needed. A bound
      // libzmq SUB sends it to a new peer only when called into (pumping).
      expect(fp(await pumping(sub, receiveWithin(xpub, WAIT_MS, "subscription")))).toEqual(fp([Buffer.from([1])]))
      await stream(xpub, sub)
      sub.unsubscribe()
      expect(fp(await receiveWithin(xpub, WAIT_MS, "unsubscription"))).toEqual(fp([Buffer.from([0])]))
    },
  },
  {
    a: "XPublisher",
    b: "XSubscriber",
    async exchange(xpub, xsub) {
      await xsub.send(Buffer.from([1]))
      expect(fp(await pumping(xsub, receiveWithin(xpub, WAIT_MS, "subscription")))).toEqual(fp([Buffer.from([1])]))
      await stream(xpub, xsub)
      // Upstream: XSUB's non-subscription messages reach the XPUB application.
      await stream(xsub, xpub)
      await xsub.send(Buffer.from([0]))
      expect(fp(await receiveWithin(xpub, WAIT_MS, "unsubscription"))).toEqual(fp([Buffer.from([0])]))
    },
  },
  {
    a: "Request",
    b: "Reply",
    async exchange(req, rep) {
      for (const p of PAYLOADS) {
        await req.send(p)
        expect(fp(await receiveWithin(rep, WAIT_MS))).toEqual(fp(p))
        await rep.send(reply(p))
        expect(fp(await receiveWithin(req, WAIT_MS))).toEqual(fp(reply(p)))
      }
    },
  },
  {
    a: "Request",
    b: "Router",
    async exchange(req, router) {
      let peer: Buffer | null = null
      for (const p of PAYLOADS) {
        await req.send(p)
        const [id, delimiter, ...rest] = await receiveWithin(router, WAIT_MS)
        expectGeneratedId(id!)
        if (peer) expect(id!.equals(peer)).toBe(true)
        peer = id!
        expect(delimiter!.length).toBe(0)
        expect(fp(rest)).toEqual(fp(p))
        await router.send([id!, EMPTY, ...reply(p)])
        expect(fp(await receiveWithin(req, WAIT_MS))).toEqual(fp(reply(p)))
      }
    },
  },
  {
    a: "Dealer",
    b: "Reply",
    async exchange(dealer, rep) {
      for (const p of PAYLOADS) {
        await dealer.send([EMPTY, ...p])
        expect(fp(await receiveWithin(rep, WAIT_MS))).toEqual(fp(p))
        await rep.send(reply(p))
        expect(fp(await receiveWithin(dealer, WAIT_MS))).toEqual(fp([EMPTY, ...reply(p)]))
      }
    },
  },
  {
    a: "Dealer",
    b: "Router",
    async exchange(dealer, router) {
      let peer: Buffer | null = null
      await stream(dealer, router, undefined, ([id, ...rest]) => {
        expectGeneratedId(id!)
        if (peer) expect(id!.equals(peer)).toBe(true)
        peer = id!
        return rest
      })
      await stream(router, dealer, m => [peer!, ...m])
    },
  },
  {
    a: "Dealer",
    b: "Dealer",
    async exchange(a, b) {
      await stream(a, b)
      await stream(b, a)
    },
  },
  {
    a: "Router",
    b: "Router",
    // ROUTER–ROUTER: each side is known to the other by its routing id; the connecting side must
    // learn of the handshake before it can route (mandatory turns "unknown" into EHOSTUNREACH).
    options: (_role, binds) => (binds ? {routingId: "bound"} : {routingId: "connecting", mandatory: true}),
    async exchange(a, b, aBinds) {
      const [bound, connecting] = aBinds ? [a, b] : [b, a]
      await retry(
        async () => {
          try {
            await connecting.send([buf("bound"), ...PROBE])
            return true
          } catch (e) {
            if ((e as {code?: string}).code === "EHOSTUNREACH") return false
            throw e
          }
        },
        WAIT_MS,
        "the ROUTER handshake",
      )
      await stream(connecting, bound, m => [buf("bound"), ...m], ([id, ...rest]) => {
        expect(id!.toString()).toBe("connecting")
        return rest
      })
      await stream(bound, connecting, m => [buf("connecting"), ...m], ([id, ...rest]) => {
        expect(id!.toString()).toBe("bound")
        return rest
      })
    },
  },
  {
    a: "Push",
    b: "Pull",
    async exchange(push, pull) {
      await stream(push, pull)
    },
  },
]

interface Cell {
  pairing: Pairing
  aLib: Lib
  aBinds: boolean
  transport: Transport
}

function cells(): Cell[] {
  const out: Cell[] = []
  for (const pairing of PAIRINGS) {
    const symmetric = pairing.a === pairing.b
    for (const aLib of symmetric ? (["zmtp"] as Lib[]) : LIBS)
      for (const aBinds of [true, false]) for (const transport of TRANSPORTS) out.push({pairing, aLib, aBinds, transport})
  }
  return out
}

function cellName({pairing, aLib, aBinds, transport}: Cell): string {
  const a = SHORT[pairing.a]
  const b = SHORT[pairing.b]
  const binder = aBinds ? aLib : other(aLib)
  return `${a}=${aLib} ${b}=${other(aLib)}, ${binder} binds, ${transport}`
}

async function runCell({pairing, aLib, aBinds, transport}: Cell): Promise<void> {
  // Cells run concurrently: each closes its own sockets (a send timeout keeps a stuck one finite).
  const owned: Sock[] = []
  try {
    const opts = (cls: ClassName, role: "a" | "b", binds: boolean) => ({...(cls === "Subscriber" || cls === "Pull" ? {} : {sendTimeout: WAIT_MS}), ...pairing.options?.(role, binds)})
    const a = make(aLib, pairing.a, opts(pairing.a, "a", aBinds), owned)
    const b = make(other(aLib), pairing.b, opts(pairing.b, "b", !aBinds), owned)
    const [binder, connecter] = aBinds ? [a, b] : [b, a]
    const address = await bindFresh(binder, transport)
    connecter.connect(address)
    await pairing.exchange(a, b, aBinds)
  } finally {
    for (const s of owned) s.close()
  }
}

const all = cells()
// Concurrent (vitest runs up to maxConcurrency cells at once): the matrix is quick when it passes,
// and a broken codec, which makes most cells wait out WAIT_MS, still fails within a minute or two.
describe.concurrent("interop matrix", () => {
  for (const pairing of PAIRINGS) {
    describe(`${SHORT[pairing.a]}–${SHORT[pairing.b]}`, () => {
      for (const cell of all.filter(c => c.pairing === pairing)) test(cellName(cell), () => runCell(cell))
    })
  }
  test("the matrix has 84 cells", () => {
    expect(all.length).toBe(84)
  })
})

describe("64 MiB, one pairing per direction", () => {
  for (const pushLib of LIBS) {
    test(`PUSH=${pushLib} → PULL=${other(pushLib)} over tcp`, async () => {
      const pull = make(other(pushLib), "Pull")
      const push = make(pushLib, "Push")
      push.connect(await bindFresh(pull, "tcp"))
      const big = body(64 * MiB, 9)
      await push.send([buf("head"), EMPTY, big])
      await push.send(END)
      const [head, empty, got] = await receiveWithin(pull, 20000, "the 64 MiB message")
      expect(head!.toString()).toBe("head")
      expect(empty!.length).toBe(0)
      expect(got!.length).toBe(big.length)
      expect(got!.equals(big)).toBe(true)
      expect(fp(await receiveWithin(pull))).toEqual(fp(END))
    }, 30000)
  }
})
