/**
 * Our FileMQ against the C FileMQ (spec/filemq.md §7; the reference's B1): the client recognises
 * the C server before it grants any credit, and opens a window that cannot trigger its livelock.
 *
 * The first part needs nothing but libzmq: a raw ROUTER answers the KTHXBAI probe as the C server
 * does (or not), and our own server keeps its flow control. The second part runs the real C
 * server and client when a build of them is on this machine (bench/lib/filemq-c.mjs says where);
 * otherwise it is skipped and says why.
 */
import {spawn, type ChildProcess} from "node:child_process"
import {existsSync, mkdirSync, renameSync, readdirSync} from "node:fs"
import net from "node:net"
import {join, resolve} from "node:path"
import {fileURLToPath} from "node:url"
import {afterAll, afterEach, describe, expect, it} from "vitest"
import * as zmq from "zeromq"
import {FmqClient} from "../../src/filemq/client.js"
import {decode, encode, type FmqMessage} from "../../src/filemq/codec.js"
import {C_SERVER_CREDIT} from "../../src/filemq/credit.js"
import {closeAll, serve, sync, type Watched} from "./fixtures.js"
import {blob, digests, put, removeTempDirs, sleep, tempDir, until} from "./helpers.js"

const C_PORT = 5670 // fixed in the C tools (filemq_server.c, filemq_client.c)
const procs: ChildProcess[] = []
const extra: {close(): unknown}[] = []

afterEach(async () => {
  for (const p of procs.splice(0)) p.kill("SIGKILL") // the C server ignores SIGTERM while it spins (B1)
  for (const s of extra.splice(0)) await s.close()
  await closeAll()
})
afterAll(() => removeTempDirs())

// ---- the probe, against a ROUTER playing the server --------------------------------------------

/** Our client's first NOM after OHAI-OK and ICANHAZ-OK from a ROUTER that answers KTHXBAI-before-OHAI with `rtfm` (or nothing). */
async function firstNom(rtfm: Buffer | null): Promise<{nom: number; order: string[]}> {
  const router = new zmq.Router({linger: 0})
  extra.push(router)
  await router.bind("tcp://127.0.0.1:*")
  const client = new FmqClient({inbox: tempDir("inbox")})
  extra.push(client)
  client.subscribe("/")
  await client.connect(router.lastEndpoint!)
  const order: string[] = []
  for (;;) {
    const [id, frame] = await router.receive()
    const msg = decode(frame!) as FmqMessage
    order.push(msg.id)
    if (msg.id === "KTHXBAI" && rtfm) await router.send([id!, rtfm])
    if (msg.id === "OHAI") await router.send([id!, encode({id: "OHAI_OK"})])
    if (msg.id === "ICANHAZ") await router.send([id!, encode({id: "ICANHAZ_OK"})])
    if (msg.id === "NOM") return {nom: msg.credit, order}
  }
}

describe("recognising the C server before any credit", () => {
  it("an empty RTFM to KTHXBAI-before-OHAI (the C server's answer) opens a window that never runs out", async () => {
    const {nom, order} = await firstNom(encode({id: "RTFM", reason: ""}))
    expect(order).toEqual(["KTHXBAI", "OHAI", "ICANHAZ", "NOM"])
    expect(nom).toBe(C_SERVER_CREDIT)
  })

  it("silence to the probe (our server's answer) keeps the default window", async () => {
    expect((await firstNom(null)).nom).toBe(8_000_000)
    // An RTFM with a reason is not the C server's (ours always gives one).
    expect((await firstNom(encode({id: "RTFM", reason: "HUGZ before OHAI"}))).nom).toBe(8_000_000)
  })

  it("our server keeps its flow control with our client: the first NOM is the window", async () => {
    const src = tempDir("src")
    put(src, "a.bin", blob(3_000_000))
    const {endpoint, server} = await serve(src, {stableMs: 0})
    const lines: string[] = []
    const w = await sync(tempDir("inbox"), endpoint, ["/"], {log: l => lines.push(l)})
    await until(() => w.files.length === 1, 5000, "a.bin")
    expect(lines.filter(l => l.startsWith("-> NOM "))[0]).toBe("-> NOM 8000000")
    expect(lines.some(l => l.includes("C FileMQ"))).toBe(false)
    expect(server.stats.rtfmSent).toBe(0)
  })
})

// ---- the real C FileMQ, when built --------------------------------------------------------------

const binDir = process.env.FILEMQ_C_BIN
  ? resolve(process.env.FILEMQ_C_BIN)
  : join(resolve(process.env.ZMTP_BENCH_CACHE ?? fileURLToPath(new URL("../../node_modules/.cache/zmtp-bench", import.meta.url))), "filemq-c")
const portFree = await new Promise<boolean>(r => {
  const s = net.createServer().once("error", () => r(false))
  s.listen(C_PORT, "127.0.0.1", () => s.close(() => r(true)))
})
const skipReason = !existsSync(join(binDir, "filemq_server")) || !existsSync(join(binDir, "filemq_client"))
  ? `no build of the C FileMQ in ${binDir} (filemq_server and filemq_client from github.com/zeromq/filemq; or set FILEMQ_C_BIN)`
  : !portFree
    ? `port ${C_PORT}, fixed in the C tools, is in use`
    : null
if (skipReason) console.log(`c-peer.test.ts: the tests with the real C FileMQ are skipped: ${skipReason}`)

const cEnv = {...process.env, ZSYS_FILE_STABLE_AGE_MSEC: "1000"}

/** The C server on an empty directory; files are moved in after our client subscribed (it sends only changes). */
async function cServer(): Promise<string> {
  const pub = tempDir("cpub")
  procs.push(spawn(join(binDir, "filemq_server"), [pub], {stdio: "ignore", env: cEnv}))
  await sleep(300)
  return pub
}

/** Moves the staged tree's top-level entries into the published directory at once (old mtimes: stable). */
function publish(staging: string, pub: string): void {
  for (const e of readdirSync(staging)) renameSync(join(staging, e), join(pub, e))
}

/** Our client, default options (as `filemq sync` without flags), against the C server: `tree` arrives whole. */
async function mirrorFromC(makeTree: (dir: string) => void, files: number, lines: string[] = []): Promise<{w: Watched; inbox: string}> {
  const pub = await cServer()
  const inbox = tempDir("inbox")
  const w = await sync(inbox, `tcp://127.0.0.1:${C_PORT}`, ["/"], {heartbeatMs: 1000, log: l => lines.push(l)})
  await until(() => w.client.ready, 5000, "subscribed")
  await changesFromC(w, pub, inbox, makeTree, files)
  return {w, inbox}
}

/** Moves a new tree into the C server's `pub`; our client `w` gets `files` more files, all of it whole. */
async function changesFromC(w: Watched, pub: string, inbox: string, makeTree: (dir: string) => void, files: number): Promise<void> {
  const staging = tempDir("stage")
  makeTree(staging)
  const want = new Map([...digests(inbox), ...digests(staging)])
  await sleep(1100) // the tree's mtimes a second old: stable for ZSYS_FILE_STABLE_AGE_MSEC=1000
  const before = w.files.length
  publish(staging, pub)
  await until(() => w.files.length >= before + files, 20_000, `${files} files from the C server (its livelock B1?)`)
  expect(digests(inbox)).toEqual(want)
}

describe("against the real C FileMQ", () => {
  // With an 8,000,000 window, 7,500,000 bytes leave 500,000 of credit before a 1,000,000 chunk.
  it.skipIf(skipReason !== null)("C server → our client: a 7.5 MB file then a 1 MB file (leaves 0 < credit < next chunk)", async () => {
    await mirrorFromC(dir => {
      put(dir, "a.bin", blob(7_500_000))
      put(dir, "b.bin", blob(1_000_000))
      put(dir, "sub/c.bin", blob(2_500_001))
      put(dir, "sub/empty", Buffer.alloc(0))
    }, 4)
  }, 40_000)

  // 8,000,000 / 4,096 leaves 2,112 bytes of credit after 1,953 files.
  it.skipIf(skipReason !== null)("C server → our client: 3,000 files of 4 KiB", async () => {
    await mirrorFromC(dir => {
      for (let i = 0; i < 3000; i++) put(dir, `d${i % 30}/f${i}.bin`, blob(4096))
    }, 3000)
  }, 40_000)

  it.skipIf(skipReason !== null)("a restarted C server is probed again on the new connection", async () => {
    const lines: string[] = []
    const {w, inbox} = await mirrorFromC(dir => put(dir, "one.bin", blob(100_000)), 1, lines)
    for (const p of procs.splice(0)) p.kill("SIGKILL")
    const pub = await cServer()
    await until(() => lines.some(l => l.includes("new session: reconnected")), 10_000, "a new session")
    await until(() => w.client.ready, 5000, "subscribed again")
    expect(lines.filter(l => l.includes("as the C FileMQ server does"))).toHaveLength(2)
    await changesFromC(w, pub, inbox, dir => {
      put(dir, "a.bin", blob(7_500_000))
      put(dir, "b.bin", blob(1_000_000))
    }, 2)
  }, 40_000)

  it.skipIf(skipReason !== null)("our server → the C client: a small tree", async () => {
    const src = tempDir("src")
    const {server} = await serve(src, {stableMs: 0, rescanMs: 200}, `tcp://127.0.0.1:${C_PORT}`)
    const inbox = tempDir("cinbox")
    mkdirSync(inbox, {recursive: true})
    procs.push(spawn(join(binDir, "filemq_client"), [inbox], {stdio: "ignore", env: cEnv, cwd: inbox}))
    await until(() => server.stats.clients === 1, 5000, "the C client")
    await sleep(300) // its ICANHAZ
    put(src, "a.txt", "hello from zmtp\n")
    put(src, "nested/deeper/b.bin", blob(2_500_000))
    put(src, "zero", Buffer.alloc(0))
    put(src, "ünïcode.txt", "utf-8 name\n")
    const want = digests(src)
    await until(() => {
      const got = digests(inbox)
      return got.size === want.size && [...want].every(([k, v]) => got.get(k) === v)
    }, 15_000, "the tree in the C client's inbox")
  }, 30_000)
})
