/**
 * Raw FILEMQ frames from libzmq (the `zeromq` devDependency): a DEALER playing the C client
 * against our server, and a ROUTER playing the C server against our client, checked against the
 * reference's byte vectors and conversations (reference §4, §5, §9).
 */
import {afterAll, afterEach, describe, expect, test} from "vitest"
import * as zmq from "zeromq"
import {existsSync, readFileSync, readdirSync, unlinkSync} from "node:fs"
import {dirname, join} from "node:path"
import {decode, encode, type Cheezburger, type FmqMessage} from "../../src/filemq/codec.js"
import {FmqClient} from "../../src/filemq/client.js"
import {allNames, blob, put, removeTempDirs, sha1, sleep, tempDir, until} from "./helpers.js"
import {closeAll, serve} from "./fixtures.js"
import {EMPTY_SHA1, hex, vectors} from "./vectors.js"

const sockets: {close(): void}[] = []
const clients: FmqClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map(c => c.close()))
  for (const s of sockets.splice(0)) s.close()
  await closeAll()
})
afterAll(removeTempDirs)

/** Reads every frame a libzmq socket receives into a list, raw and decoded. */
class Tap {
  readonly raw: Buffer[][] = []
  private stopped = false
  constructor(
    readonly sock: zmq.Dealer | zmq.Router,
    private readonly strip: number,
  ) {
    sockets.push(sock)
    void this.loop()
  }
  private async loop(): Promise<void> {
    while (!this.stopped && !this.sock.closed) {
      try {
        this.raw.push(await this.sock.receive())
      } catch {
        return
      }
    }
  }
  /** Frames after the routing id (ROUTER) as decoded messages; malformed ones as null. */
  get messages(): (FmqMessage | null)[] {
    return this.raw.map(m => {
      try {
        return m.length === this.strip + 1 ? decode(m[this.strip]!) : null
      } catch {
        return null
      }
    })
  }
  frames(): Buffer[] {
    return this.raw.map(m => m[this.strip]!)
  }
  ids(): string[] {
    return this.messages.map(m => m?.id ?? "MALFORMED")
  }
  async next(id: FmqMessage["id"], from = 0, ms = 5000): Promise<{msg: FmqMessage; index: number; raw: Buffer}> {
    let found = -1
    await until(
      () => {
        const msgs = this.messages
        for (let i = from; i < msgs.length; i++) if (msgs[i]?.id === id) return (found = i) >= 0
        return false
      },
      ms,
      `${id} after #${from}`,
    )
    return {msg: this.messages[found]!, index: found, raw: this.frames()[found]!}
  }
  chunks(from = 0): Cheezburger[] {
    return this.messages.slice(from).filter((m): m is Cheezburger => m?.id === "CHEEZBURGER")
  }
}

async function cClient(endpoint: string): Promise<{dealer: zmq.Dealer; tap: Tap; send(bytes: Buffer | Buffer[]): Promise<void>}> {
  const dealer = new zmq.Dealer({linger: 0})
  dealer.connect(endpoint)
  const tap = new Tap(dealer, 0)
  return {dealer, tap, send: b => dealer.send(b)}
}

const ohai = hex(vectors.OHAI)
const icanhazC = hex(vectors.ICANHAZ_C_CLIENT)
const nom = (credit: number, sequence = 0) => encode({id: "NOM", credit, sequence})

describe("a libzmq DEALER speaking raw FILEMQ to our server", () => {
  test("the C client's conversation: byte-exact replies, only changes after subscribing, C-shaped chunks and EOF", async () => {
    const src = tempDir("src")
    put(src, "preexisting.txt", "the C client never asked for this (no RESYNC)")
    const {endpoint, server} = await serve(src, {stableMs: 50})
    await until(() => server["mounts"].lookup("/preexisting.txt") !== null, 3000, "preexisting.txt published")
    const c = await cClient(endpoint)
    await c.send(ohai)
    expect((await c.tap.next("OHAI_OK")).raw.toString("hex")).toBe(vectors.OHAI_OK.replace(/\s/g, ""))
    await c.send(icanhazC)
    expect((await c.tap.next("ICANHAZ_OK")).raw.toString("hex")).toBe(vectors.ICANHAZ_OK.replace(/\s/g, ""))
    await c.send(nom(5_000_000, 7))
    await c.send(hex(vectors.HUGZ))
    expect((await c.tap.next("HUGZ_OK")).raw.toString("hex")).toBe("aaa30a")
    await sleep(300)
    expect(c.tap.chunks()).toEqual([]) // RFC 35: without RESYNC only later changes are sent

    put(src, "probe.txt", "fifteen bytes!\n")
    const firstChunk = await c.tap.next("CHEEZBURGER", 0)
    await until(() => c.tap.chunks().length === 2, 3000, "data + EOF")
    const [data, end] = c.tap.chunks()
    expect(firstChunk.msg).toEqual(data)
    expect(data).toMatchObject({sequence: 0, operation: 1, filename: "/probe.txt", offset: 0, eof: false})
    expect(data!.chunk.toString()).toBe("fifteen bytes!\n")
    expect(data!.headers.get("SHA1")).toBe(sha1(Buffer.from("fifteen bytes!\n")))
    // The EOF marker is the C server's, byte for byte, once our extension headers are left out.
    expect(encode({...end!, headers: new Map()}).toString("hex")).toBe(vectors.EOF_MARKER.replace(/\s/g, ""))
    expect(end!.headers.get("SIZE")).toBe("15")

    const {rmSync} = await import("node:fs")
    rmSync(join(src, "probe.txt"))
    await until(() => c.tap.chunks().length === 3, 3000, "delete")
    expect(c.tap.chunks()[2]).toMatchObject({sequence: 2, operation: 2, filename: "/probe.txt", eof: false})
    expect(c.tap.chunks()[2]!.chunk.length).toBe(0)

    await c.send(hex(vectors.KTHXBAI))
    await sleep(100)
    await c.send(hex(vectors.HUGZ)) // no session any more
    const rtfm = await c.tap.next("RTFM")
    expect(rtfm.raw.subarray(0, 3).toString("hex")).toBe("aaa381")
    // Never HUGZ or KTHXBAI towards a client (the C client halts on them).
    expect(c.tap.ids().filter(id => id === "HUGZ" || id === "KTHXBAI")).toEqual([])
  })

  test("credit: never a byte beyond it; the empty EOF chunk costs nothing; sequence counts every CHEEZBURGER", async () => {
    const src = tempDir("src")
    put(src, "f.bin", blob(3_500_000))
    const {endpoint} = await serve(src, {stableMs: 0})
    const c = await cClient(endpoint)
    await c.send(ohai)
    await c.send(encode({id: "ICANHAZ", path: "/", options: {RESYNC: "1"}}))
    await c.tap.next("ICANHAZ_OK")
    await sleep(200)
    expect(c.tap.chunks()).toEqual([]) // no credit, nothing sent
    await c.send(nom(1_500_000))
    await until(() => c.tap.chunks().length === 2, 3000, "1.5 MB")
    await sleep(300)
    expect(c.tap.chunks().map(m => [m.offset, m.chunk.length])).toEqual([
      [0, 1_000_000],
      [1_000_000, 500_000],
    ])
    await c.send(nom(2_000_000))
    await until(() => c.tap.chunks().length === 5, 3000, "the rest")
    await sleep(200)
    const all = c.tap.chunks()
    expect(all.map(m => [m.sequence, m.offset, m.chunk.length, m.eof])).toEqual([
      [0, 0, 1_000_000, false],
      [1, 1_000_000, 500_000, false],
      [2, 1_500_000, 1_000_000, false],
      [3, 2_500_000, 1_000_000, false],
      [4, 3_500_000, 0, true],
    ])
  })

  test("LAST-EOF=1: the last data chunk carries eof and no empty chunk follows; a 0-byte file is still the marker alone", async () => {
    const src = tempDir("src")
    put(src, "a.bin", blob(1_500_000))
    put(src, "b.txt", "small")
    put(src, "c.empty", "")
    const {endpoint} = await serve(src, {stableMs: 0})
    const c = await cClient(endpoint)
    await c.send(ohai)
    await c.send(encode({id: "ICANHAZ", path: "/", options: {RESYNC: "1", "LAST-EOF": "1"}}))
    await c.tap.next("ICANHAZ_OK")
    await c.send(nom(10_000_000))
    await until(() => c.tap.chunks().length === 4, 3000, "three files")
    await sleep(200)
    expect(c.tap.chunks().map(m => [m.sequence, m.filename, m.offset, m.chunk.length, m.eof])).toEqual([
      [0, "/a.bin", 0, 1_000_000, false],
      [1, "/a.bin", 1_000_000, 500_000, true],
      [2, "/b.txt", 0, 5, true],
      [3, "/c.empty", 0, 0, true],
    ])
  })

  test("memory stays flat: a client with huge credit that does not read is not sent the whole file", async () => {
    const src = tempDir("src")
    const content = blob(60_000_000)
    put(src, "huge.bin", content)
    const {endpoint, server} = await serve(src, {stableMs: 0})
    const dealer = new zmq.Dealer({linger: 0, receiveHighWaterMark: 2})
    sockets.push(dealer)
    dealer.connect(endpoint)
    await dealer.send(ohai)
    await dealer.send(encode({id: "ICANHAZ", path: "/", options: {RESYNC: "1"}}))
    await dealer.send(nom(1e12)) // the C-server B1 workaround: flow control off
    await sleep(600) // not reading
    const inFlight = server.stats.bytesSent
    // 8 queued chunks + kernel socket buffers, not 60 MB
    expect(inFlight).toBeLessThan(30_000_000)
    let got = 0
    const hash = (await import("node:crypto")).createHash("sha1")
    for (;;) {
      const [frame] = await dealer.receive()
      const m = decode(frame!)
      if (m.id !== "CHEEZBURGER") continue
      hash.update(m.chunk)
      got += m.chunk.length
      if (m.eof) break
    }
    expect(got).toBe(60_000_000)
    expect(hash.digest("hex").toUpperCase()).toBe(sha1(content))
    console.log(`[filemq] flat memory: ${(inFlight / 1e6).toFixed(1)} MB handed to the socket while the client did not read (60 MB file, credit 10^12)`)
  })

  test("malformed and unexpected frames get RTFM; everyone else keeps being served", async () => {
    const src = tempDir("src")
    put(src, "big.bin", blob(8_000_000))
    const {endpoint, server} = await serve(src, {stableMs: 0})
    // A well-behaved client mid-transfer...
    const good = await cClient(endpoint)
    await good.send(ohai)
    await good.send(encode({id: "ICANHAZ", path: "/", options: {RESYNC: "1"}}))
    await good.send(nom(2_000_000))
    await until(() => good.tap.chunks().length === 2, 3000, "first 2 MB")
    // ...and a bad one.
    const bad = await cClient(endpoint)
    await bad.send(hex(vectors.HUGZ)) // before OHAI: unexpected
    expect((await bad.tap.next("RTFM")).raw.subarray(0, 3).toString("hex")).toBe("aaa381")
    await bad.send(ohai)
    await bad.tap.next("OHAI_OK")
    const garbage = [Buffer.from("hello"), hex("aaa302"), hex("aaa3 05 ffffffff 2f"), hex("aaa3 01 06 46494c454d51 0001"), [hex(vectors.HUGZ), hex(vectors.HUGZ)]]
    for (const g of garbage) await bad.send(g)
    await until(() => bad.tap.ids().filter(i => i === "RTFM").length === 1 + garbage.length, 3000, "an RTFM for each")
    // The session survived the malformed frames (they are discarded, not fatal):
    await bad.send(hex(vectors.HUGZ))
    await bad.tap.next("HUGZ_OK")
    // A well-formed command in the wrong direction drops the session, as in C.
    await bad.send(hex(vectors.OHAI_OK))
    await until(() => bad.tap.ids().filter(i => i === "RTFM").length === 2 + garbage.length, 3000, "RTFM for OHAI-OK")
    expect(server.stats.clients).toBe(1)
    // The good client finishes its file.
    await good.send(nom(10_000_000))
    await until(() => good.tap.chunks().some(m => m.eof), 5000, "EOF for the good client")
    expect(good.tap.chunks().reduce((n, m) => n + m.chunk.length, 0)).toBe(8_000_000)
    expect(good.tap.ids().filter(i => i === "RTFM")).toEqual([])
  })

  test("an RFC 35 client (1-octet path) is understood and answered in its dialect", async () => {
    const src = tempDir("src")
    put(src, "r.txt", "rfc")
    const {endpoint} = await serve(src, {stableMs: 0})
    const c = await cClient(endpoint)
    await c.send(ohai)
    await c.send(encode({id: "ICANHAZ", path: "/", options: {RESYNC: "1"}, dialect: "rfc35"}))
    await c.tap.next("ICANHAZ_OK")
    await c.send(nom(1000))
    await until(() => c.tap.chunks().length === 2, 3000, "r.txt")
    const first = c.tap.chunks()[0]!
    expect(first.dialect).toBe("rfc35")
    expect(first.filename).toBe("/r.txt")
  })
})

// ---- our client against a libzmq ROUTER playing the C server ---------------------------------

async function cServer(): Promise<{router: zmq.Router; tap: Tap; endpoint: string; peer(): Buffer; send(frame: Buffer): Promise<void>}> {
  const router = new zmq.Router({linger: 0})
  await router.bind("tcp://127.0.0.1:*")
  const tap = new Tap(router, 1)
  return {
    router,
    tap,
    endpoint: router.lastEndpoint!,
    peer: () => tap.raw[tap.raw.length - 1]![0]!,
    send: frame => router.send([tap.raw[tap.raw.length - 1]![0]!, frame]),
  }
}

/** Our client, subscribed to `path` through a libzmq ROUTER that answers as the C server does. */
async function subscribedClient(path: string, opts: {timeoutMs?: number; credit?: number; resumeThreshold?: number}) {
  const s = await cServer()
  const inbox = tempDir("inbox")
  const client = new FmqClient({inbox, ...opts})
  clients.push(client)
  client.subscribe(path)
  await client.connect(s.endpoint)
  await s.tap.next("OHAI")
  await s.send(hex(vectors.OHAI_OK))
  await s.tap.next("ICANHAZ")
  await s.send(hex(vectors.ICANHAZ_OK))
  await s.tap.next("NOM")
  return {s, inbox, client}
}

const chunkMsg = (sequence: number, filename: string, offset: number, chunk: Buffer, eof = false, headers: Record<string, string> = {}) =>
  encode({id: "CHEEZBURGER", sequence, operation: 1, filename, offset, eof, headers, chunk})

describe("our client against a libzmq ROUTER speaking raw FILEMQ (as the C server does)", () => {
  test("handshake bytes, C-shaped files and deletes, unsafe names, HUGZ, RTFM and a new session with the cache", async () => {
    const s = await cServer()
    const inbox = tempDir("inbox")
    const client = new FmqClient({inbox, heartbeatMs: 150, timeoutMs: 5000})
    clients.push(client)
    const rejected: string[] = []
    client.on("rejected", e => rejected.push(e.vpath))
    client.subscribe("/")
    await client.connect(s.endpoint)

    const o = await s.tap.next("OHAI")
    expect(o.raw.toString("hex")).toBe(vectors.OHAI.replace(/\s/g, ""))
    await s.send(hex(vectors.OHAI_OK))
    const ic = (await s.tap.next("ICANHAZ")).msg as Extract<FmqMessage, {id: "ICANHAZ"}>
    expect(ic.path).toBe("/")
    expect(Object.fromEntries(ic.options)).toEqual({RESYNC: "1", PRUNE: "1", "LAST-EOF": "1"})
    expect(ic.cache.size).toBe(0)
    await s.send(hex(vectors.ICANHAZ_OK))
    const n = (await s.tap.next("NOM")).msg as Extract<FmqMessage, {id: "NOM"}>
    expect(n.credit).toBe(8_000_000)

    // A file exactly as the C server sends it: no headers, data, then the observed EOF marker.
    await s.send(chunkMsg(0, "/probe.txt", 0, Buffer.from("fifteen bytes!\n")))
    await s.send(hex(vectors.EOF_MARKER))
    await until(() => existsSync(join(inbox, "probe.txt")), 3000, "probe.txt")
    expect(readFileSync(join(inbox, "probe.txt"), "utf8")).toBe("fifteen bytes!\n")

    // Path traversal and friends: refused, nothing written outside the inbox.
    for (const bad of ["/../escaped.txt", "/a/../../escaped2.txt", "//etc/escaped3", "/x\\..\\escaped4"]) {
      await s.send(chunkMsg(2, bad, 0, Buffer.from("evil")))
      await s.send(chunkMsg(3, bad, 4, Buffer.alloc(0), true))
    }
    await until(() => rejected.length === 4, 3000, "4 refusals")
    expect(readdirSync(dirname(inbox)).filter(f => f.startsWith("escaped"))).toEqual([])
    expect(allNames(inbox).filter(f => !f.startsWith(".filemq"))).toEqual(["probe.txt"])

    // A delete as the C server sends it: stale offset and chunk copied from the last message.
    await s.send(encode({id: "CHEEZBURGER", sequence: 4, operation: 2, filename: "/probe.txt", offset: 4, eof: false, headers: {}, chunk: Buffer.from("evil")}))
    await until(() => !existsSync(join(inbox, "probe.txt")), 3000, "delete")

    // A file with our SHA1 header, then HUGZ from the server (allowed by RFC 35): HUGZ-OK.
    const keep = Buffer.from("keep me")
    await s.send(chunkMsg(5, "/dir/keep.txt", 0, keep, false, {SHA1: sha1(keep)}))
    await s.send(chunkMsg(6, "/dir/keep.txt", keep.length, Buffer.alloc(0), true, {SHA1: sha1(keep)}))
    await until(() => existsSync(join(inbox, "dir/keep.txt")), 3000, "keep.txt")
    const before = s.tap.raw.length
    await s.send(hex(vectors.HUGZ))
    expect((await s.tap.next("HUGZ_OK", before)).raw.toString("hex")).toBe("aaa30a")
    // Silence: the client heartbeats.
    await s.tap.next("HUGZ", before, 2000)

    // RTFM (as the C server answers a client it lost): a new session, with the cache.
    const mark = s.tap.raw.length
    await s.send(hex(vectors.RTFM_C_SERVER))
    await s.tap.next("OHAI", mark, 3000)
    await s.send(hex(vectors.OHAI_OK))
    const ic2 = (await s.tap.next("ICANHAZ", mark)).msg as Extract<FmqMessage, {id: "ICANHAZ"}>
    expect(Object.fromEntries(ic2.cache)).toEqual({"dir/keep.txt": sha1(keep)})
    await s.send(hex(vectors.ICANHAZ_OK))
    await s.tap.next("NOM", mark)

    // A digest mismatch: refused, no file, no temp file, and another session to ask again.
    const mark2 = s.tap.raw.length
    await s.send(chunkMsg(0, "/bad.txt", 0, Buffer.from("content"), false, {SHA1: EMPTY_SHA1}))
    await s.send(chunkMsg(1, "/bad.txt", 7, Buffer.alloc(0), true, {SHA1: EMPTY_SHA1}))
    await s.tap.next("OHAI", mark2, 3000)
    expect(rejected).toContain("/bad.txt")
    expect(allNames(inbox).filter(f => f.includes("bad"))).toEqual([])

    // Only client commands ever, and KTHXBAI on close.
    await client.close()
    await s.tap.next("KTHXBAI", mark2, 2000)
    const kinds = new Set(s.tap.ids())
    for (const k of kinds) expect(["OHAI", "ICANHAZ", "NOM", "HUGZ", "HUGZ_OK", "KTHXBAI"]).toContain(k)
  })

  test("the C server's stale re-sends (bug B1) make no file: no zeros before a stale offset, repeats ignored", async () => {
    // Seen against the real C server with our default credit: after a 7.5 MB file it had 500,000
    // bytes of credit, less than its next 1 MB chunk, and re-sent its last message over and over
    // with the next file's name: "/y.bin" at offset 7,500,000, eof, no data, no headers.
    const {s, inbox, client} = await subscribedClient("/", {timeoutMs: 5000})
    const rejected: string[] = []
    client.on("rejected", e => rejected.push(e.vpath))
    const x = blob(300_000)
    await s.send(chunkMsg(0, "/x.bin", 0, x))
    await s.send(chunkMsg(1, "/x.bin", x.length, Buffer.alloc(0), true))
    await until(() => existsSync(join(inbox, "x.bin")), 3000, "x.bin")
    const mark = s.tap.raw.length
    for (let i = 0; i < 5; i++) await s.send(chunkMsg(2, "/y.bin", 7_500_000, Buffer.alloc(0), true))
    // Refused once (the repeats carry the same sequence), and asked for again in a new session.
    await s.tap.next("OHAI", mark, 3000)
    expect(rejected).toEqual(["/y.bin"])
    expect(allNames(inbox).filter(f => f.includes("y.bin"))).toEqual([])
    expect(readFileSync(join(inbox, "x.bin")).equals(x)).toBe(true)
  })

  test("a resume whose partial file has gone is refused once, and the next session asks for the whole file", async () => {
    const {s, inbox} = await subscribedClient("/", {timeoutMs: 5000, resumeThreshold: 50_000})
    const whole = blob(200_000)
    const headers = {SHA1: sha1(whole), SIZE: String(whole.length)}
    await s.send(chunkMsg(0, "/big.bin", 0, whole.subarray(0, 100_000), false, headers))
    await until(() => allNames(inbox).some(f => f.includes("big.bin")), 3000, "the partial file")
    // The server loses the client (RTFM): the client keeps its partial and asks to resume it.
    const mark = s.tap.raw.length
    await s.send(hex(vectors.RTFM_C_SERVER))
    await s.tap.next("OHAI", mark, 3000)
    await s.send(hex(vectors.OHAI_OK))
    const ask = (await s.tap.next("ICANHAZ", mark)).msg as Extract<FmqMessage, {id: "ICANHAZ"}>
    expect(ask.options.get("RESUME")).toBe(`${headers.SHA1} 100000 big.bin`)
    // Meanwhile the partial file disappears from the inbox.
    for (const f of allNames(inbox).filter(n => n.includes("big.bin"))) unlinkSync(join(inbox, f))
    await s.send(hex(vectors.ICANHAZ_OK))
    await s.tap.next("NOM", mark)
    const mark2 = s.tap.raw.length
    await s.send(chunkMsg(1, "/big.bin", 100_000, whole.subarray(100_000), true, headers))
    // Refused (the bytes before 100,000 are gone) and asked for again, this time from the start.
    await s.tap.next("OHAI", mark2, 3000)
    await s.send(hex(vectors.OHAI_OK))
    const again = (await s.tap.next("ICANHAZ", mark2)).msg as Extract<FmqMessage, {id: "ICANHAZ"}>
    expect(again.options.has("RESUME")).toBe(false)
    expect(existsSync(join(inbox, "big.bin"))).toBe(false)
  })

  test("counts every chunk against its credit, even files it refuses (C bug B2)", async () => {
    const {s, inbox} = await subscribedClient("/logs", {credit: 3_000_000})
    // 2 MB of a file outside /logs (the C server does not filter by subscription)
    const mark = s.tap.raw.length
    await s.send(chunkMsg(0, "/other/x.bin", 0, blob(1_000_000)))
    await s.send(chunkMsg(1, "/other/x.bin", 1_000_000, blob(1_000_000)))
    await s.send(chunkMsg(2, "/other/x.bin", 2_000_000, Buffer.alloc(0), true))
    const refill = (await s.tap.next("NOM", mark)).msg as Extract<FmqMessage, {id: "NOM"}>
    expect(refill.credit).toBe(2_000_000) // back up to the 3 MB window
    await s.send(chunkMsg(3, "/logs/y.txt", 0, Buffer.from("y")))
    await s.send(chunkMsg(4, "/logs/y.txt", 1, Buffer.alloc(0), true))
    await until(() => existsSync(join(inbox, "y.txt")), 3000, "y.txt")
    expect(existsSync(join(inbox, "x.bin"))).toBe(false)
    expect(existsSync(join(inbox, "other"))).toBe(false)
  })
})
