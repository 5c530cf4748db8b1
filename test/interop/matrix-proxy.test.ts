/**
 * Mixed proxies: a zmtp Proxy (XSUB/XPUB, ROUTER/DEALER) between libzmq peers, and a libzmq
 * Proxy (zeromq.js's, zmq_proxy_steerable in a worker thread) between zmtp peers.
 */
import {describe, expect, test} from "vitest"
import {bindFresh, body, buf, EMPTY, installCleanup, make, receiveWithin, zmq, zmtp, type Lib, type Sock} from "../helpers/interop.js"

installCleanup()

const str = (m: Buffer[]) => m.map(f => (f.length > 64 ? `<${f.length}>` : f.toString("latin1")))

interface AnyProxy {
  run(): Promise<void>
  terminate(): void
}

/** A proxy of `lib` over two fresh sockets (not tracked: the proxy closes them on terminate). */
function proxyOf(lib: Lib, front: string, back: string): {proxy: AnyProxy; front: Sock; back: Sock} {
  const mod = (lib === "zmtp" ? zmtp : zmq) as unknown as Record<string, new (...a: unknown[]) => unknown>
  const f = new mod[front]!({linger: 0}) as Sock
  const b = new mod[back]!({linger: 0}) as Sock
  return {proxy: new mod.Proxy!(f, b) as AnyProxy, front: f, back: b}
}

/** Runs the proxy for the body of a test and always terminates it (which closes its sockets). */
async function withProxy(p: AnyProxy, fn: () => Promise<void>): Promise<void> {
  const running = p.run()
  try {
    await fn()
  } finally {
    p.terminate()
    await running
  }
}

/** PUB → SUB through the proxy: probe until flowing, then a filtered stream with a 1 MiB body. */
async function pubSubThrough(pub: Sock, sub: Sock): Promise<void> {
  sub.subscribe("A")
  let got = false
  const reader = (async () => {
    while (str(await receiveWithin(sub, 5000, "probe"))[0] !== "A-probe");
    got = true
  })()
  while (!got) {
    await pub.send("A-probe")
    await new Promise(r => setTimeout(r, 5))
  }
  await reader
  const big = body(1 << 20, 7)
  await pub.send("B1")
  await pub.send(["A1", EMPTY, "x"])
  await pub.send(["B2", big])
  await pub.send(["A2", big])
  await pub.send("A-end")
  const out: string[][] = []
  for (;;) {
    const m = await receiveWithin(sub)
    if (m[0]!.toString() === "A-probe") continue
    if (m.length === 2) expect(m[1]!.equals(big)).toBe(true)
    out.push(str(m))
    if (m[0]!.toString() === "A-end") break
  }
  expect(out).toEqual([["A1", "", "x"], ["A2", `<${big.length}>`], ["A-end"]])
}

/** Two REQs through a ROUTER/DEALER broker to one REP; every reply reaches its requester. */
async function reqRepThrough(reqs: Sock[], rep: Sock): Promise<void> {
  const serving = (async () => {
    for (let i = 0; i < reqs.length * 3; i++) {
      const m = await receiveWithin(rep, 5000, "request")
      await rep.send([buf("re"), ...m])
    }
  })()
  await Promise.all(
    reqs.map(async (req, r) => {
      for (let i = 0; i < 3; i++) {
        await req.send([`req${r}-${i}`, EMPTY, `tail${r}`])
        expect(str(await receiveWithin(req, 5000, "reply"))).toEqual(["re", `req${r}-${i}`, "", `tail${r}`])
      }
    }),
  )
  await serving
}

describe("a zmtp Proxy between libzmq sockets", () => {
  test("XSUB/XPUB: libzmq PUB → zmtp XSUB ⇄ zmtp XPUB → libzmq SUB (subscriptions upstream, data down)", async () => {
    const pub = make("libzmq", "Publisher")
    const pubAddress = await bindFresh(pub, "tcp")
    const {proxy, front, back} = proxyOf("zmtp", "XSubscriber", "XPublisher")
    front.connect(pubAddress)
    const subAddress = await bindFresh(back, "ipc")
    await withProxy(proxy, async () => {
      const sub = make("libzmq", "Subscriber")
      sub.connect(subAddress)
      await pubSubThrough(pub, sub)
    })
  })

  test("ROUTER/DEALER: libzmq REQs → zmtp ROUTER ⇄ zmtp DEALER → libzmq REP", async () => {
    const {proxy, front, back} = proxyOf("zmtp", "Router", "Dealer")
    const frontAddress = await bindFresh(front, "tcp")
    const backAddress = await bindFresh(back, "tcp")
    await withProxy(proxy, async () => {
      const reqs = [make("libzmq", "Request"), make("libzmq", "Request")]
      for (const r of reqs) r.connect(frontAddress)
      const rep = make("libzmq", "Reply")
      rep.connect(backAddress)
      await reqRepThrough(reqs, rep)
    })
  })
})

describe("a libzmq Proxy between zmtp sockets", () => {
  test("XSUB/XPUB: zmtp PUB → libzmq XSUB ⇄ libzmq XPUB → zmtp SUB", async () => {
    const pub = make("zmtp", "Publisher")
    const pubAddress = await bindFresh(pub, "ipc")
    const {proxy, front, back} = proxyOf("libzmq", "XSubscriber", "XPublisher")
    front.connect(pubAddress)
    const subAddress = await bindFresh(back, "tcp")
    await withProxy(proxy, async () => {
      const sub = make("zmtp", "Subscriber")
      sub.connect(subAddress)
      await pubSubThrough(pub, sub)
    })
  })

  test("ROUTER/DEALER: zmtp REQs → libzmq ROUTER ⇄ libzmq DEALER → zmtp REP", async () => {
    const {proxy, front, back} = proxyOf("libzmq", "Router", "Dealer")
    const frontAddress = await bindFresh(front, "tcp")
    const backAddress = await bindFresh(back, "ipc")
    await withProxy(proxy, async () => {
      const reqs = [make("zmtp", "Request"), make("zmtp", "Request")]
      for (const r of reqs) r.connect(frontAddress)
      const rep = make("zmtp", "Reply")
      rep.connect(backAddress)
      await reqRepThrough(reqs, rep)
    })
  })
})
