/**
 * The pipeline's header bytes and the collector's rules (spec/pipeline.md §3, §5.3, §6), with a
 * real Collector on tcp and plain DEALERs playing worker and ventilator byte for byte: duplicates
 * are dropped and the first result kept, END gets the STATUS bitmap, a batch completes once, and
 * with a state directory a new collector neither loses partial results nor completes a batch the
 * previous one committed.
 */
import {afterAll, afterEach, expect, test} from "vitest"
import {Buffer} from "node:buffer"
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs"
import {tmpdir} from "node:os"
import {join} from "node:path"
import {curveKeyPair, Dealer, type Socket} from "../../src/index.js"
import {Collector, Command, decodeHeader, encodeHeader, Ventilator, Worker, type Batch} from "../../src/pipeline/index.js"
import {parseBatchFile} from "../../src/pipeline/store.js"
import {sleep, socketTracker, until} from "../helpers/sockets.js"

const track = socketTracker()
const scratch = mkdtempSync(join(tmpdir(), "zmtp-pipeline-unit-"))
afterAll(() => rmSync(scratch, {recursive: true, force: true}))
const collectors: Collector[] = []
afterEach(async () => {
  for (const c of collectors.splice(0)) await c.close()
})

const VENT = Buffer.from("0102030405060708", "hex")
const header = (command: number, sequence: number, task: number, size: number) => encodeHeader({command: command as 1, ventilator: VENT, sequence, task, size})

async function startCollector(stateDir?: string): Promise<{c: Collector; batches: Batch[]}> {
  const c = new Collector({bind: "tcp://127.0.0.1:*", stateDir})
  collectors.push(c)
  const batches: Batch[] = []
  c.on("batch", b => batches.push(b))
  await c.start()
  return {c, batches}
}

function dealer(endpoint: string): Dealer {
  const d = track(new Dealer({linger: 0}))
  d.connect(endpoint)
  return d
}

/** END from a ventilator DEALER, and the reply's command and body. */
async function end(v: Dealer, sequence: number, size: number): Promise<{command: number; body?: string}> {
  await v.send(header(Command.END, sequence, 0, size))
  const [h, body] = await v.receive()
  return {command: decodeHeader(h)!.command, body: body?.toString("hex")}
}

test("the header: 28 octets, name, version, command, ventilator, sequence, task, size", () => {
  const h = encodeHeader({command: Command.RESULT, ventilator: VENT, sequence: 7, task: 3, size: 10})
  expect(h.toString("hex")).toBe("5a504c01" + "02000000" + "0102030405060708" + "00000007" + "00000003" + "0000000a")
  expect(decodeHeader(h)).toEqual({command: Command.RESULT, ventilator: VENT, sequence: 7, task: 3, size: 10})
  const bad = (i: number, v: number) => {
    const b = Buffer.from(h)
    b[i] = v
    return decodeHeader(b)
  }
  expect(bad(0, 0x41)).toBeNull() // name
  expect(bad(3, 2)).toBeNull() // version
  expect(bad(4, 9)).toBeNull() // unknown command
  expect(bad(23, 10)).toBeNull() // task 10 of 10
  expect(bad(24, 0x02)).toBeNull() // size over MAX_BATCH
  expect(decodeHeader(h.subarray(0, 27))).toBeNull()
  expect(bad(5, 0xff)).not.toBeNull() // reserved octets are ignored
})

test("duplicates are dropped and the first result kept; END gets STATUS, then DONE; one completion", async () => {
  const {c, batches} = await startCollector()
  const w = dealer(c.endpoint)
  const v = dealer(c.endpoint)
  await w.send([header(Command.RESULT, 0, 0, 3), "a"])
  await w.send([header(Command.RESULT, 0, 0, 3), "A"]) // a resend that ran again: dropped
  await w.send([header(Command.RESULT, 0, 2, 3), "c"])
  await w.send([header(Command.RESULT, 0, 2, 3), "c"])
  await until(() => c.stats.results + c.stats.duplicates === 4, 3000, "four results in")
  // Tasks 0 and 2 held: bits 7 and 5 of the first octet.
  expect(await end(v, 0, 3)).toEqual({command: Command.STATUS, body: "a0"})
  await w.send([header(Command.RESULT, 0, 1, 3), "b"])
  // The collector knows where the ventilator is (its END), so DONE comes unasked.
  const [done] = await v.receive()
  expect(decodeHeader(done)).toMatchObject({command: Command.DONE, sequence: 0, size: 3})
  expect(batches.map(b => [b.id, b.results.map(String)])).toEqual([["0102030405060708-0", ["a", "b", "c"]]])
  // Late results and ENDs after completion: no second completion, DONE again.
  await w.send([header(Command.RESULT, 0, 1, 3), "b"])
  expect(await end(v, 0, 3)).toEqual({command: Command.DONE, body: undefined})
  await w.send(["not a pipeline message"])
  await w.send([header(Command.RESULT, 1, 0, 2), "x"])
  await w.send([header(Command.RESULT, 1, 0, 3), "size contradicts batch 1"])
  await until(() => c.stats.malformed === 2, 3000, "malformed counted")
  expect(c.stats).toMatchObject({results: 4, duplicates: 2, late: 2, malformed: 2, completed: 1})
  expect(batches).toHaveLength(1)
})

test("an empty batch completes at its END", async () => {
  const {c, batches} = await startCollector()
  const v = dealer(c.endpoint)
  expect(await end(v, 5, 0)).toEqual({command: Command.DONE, body: undefined})
  expect(batches.map(b => [b.id, b.results.length])).toEqual([["0102030405060708-5", 0]])
})

test("state directory: partial results survive a restart, and a committed batch never completes again", async () => {
  const dir = mkdtempSync(join(scratch, "state-"))
  const first = await startCollector(dir)
  const w1 = dealer(first.c.endpoint)
  await w1.send([header(Command.RESULT, 9, 0, 3), "zero"])
  await w1.send([header(Command.RESULT, 9, 1, 3), "one"])
  await until(() => first.c.stats.results === 2, 3000, "two results")
  await sleep(50) // appends are written in the background
  await first.c.close()

  const second = await startCollector(dir)
  const v = dealer(second.c.endpoint)
  expect(await end(v, 9, 3)).toEqual({command: Command.STATUS, body: "c0"})
  const w2 = dealer(second.c.endpoint)
  await w2.send([header(Command.RESULT, 9, 1, 3), "ONE"]) // already held, from the file: dropped
  await w2.send([header(Command.RESULT, 9, 2, 3), "two"])
  await v.receive() // DONE
  expect(second.batches.map(b => b.results.map(String))).toEqual([["zero", "one", "two"]])
  expect(second.c.stats).toMatchObject({results: 1, duplicates: 1, completed: 1})
  await second.c.close()

  // As if the ventilator never heard that DONE: it asks again, and again the batch is DONE.
  const third = await startCollector(dir)
  const v3 = dealer(third.c.endpoint)
  const w3 = dealer(third.c.endpoint)
  await w3.send([header(Command.RESULT, 9, 0, 3), "zero"])
  expect(await end(v3, 9, 3)).toEqual({command: Command.DONE, body: undefined})
  expect(third.batches).toEqual([])
  expect(third.c.stats).toMatchObject({late: 2, results: 0, completed: 0})
  expect(third.c.committed()).toEqual(["0102030405060708-9"])
  expect((await third.c.read("0102030405060708-9"))!.results.map(String)).toEqual(["zero", "one", "two"])
})

test("a part file cut short by a kill keeps its whole records; a whole one is committed at start", async () => {
  const dir = mkdtempSync(join(scratch, "state-"))
  const first = await startCollector(dir)
  const w = dealer(first.c.endpoint)
  await w.send([header(Command.RESULT, 1, 0, 2), "first"])
  await w.send([header(Command.RESULT, 2, 0, 2), "alpha"])
  await w.send([header(Command.RESULT, 2, 1, 2), "beta"])
  await until(() => first.c.stats.results === 3, 3000, "three results")
  await sleep(50)
  await first.c.close()
  // Batch 1: a second record cut in the middle, as a kill during the write leaves it.
  const part1 = join(dir, "0102030405060708-1.part")
  const whole = readFileSync(part1)
  writeFileSync(part1, Buffer.concat([whole, Buffer.from("0000000100000005736563", "hex")]))
  expect(parseBatchFile(readFileSync(part1))!.results.size).toBe(1)
  // Batch 2 was committed above, so put it back as a whole .part (a kill between its last
  // record and the rename) under another sequence.
  writeFileSync(join(dir, "0102030405060708-3.part"), readFileSync(join(dir, "0102030405060708-2.batch")))

  const second = await startCollector(dir)
  await until(() => second.batches.length === 1, 3000, "the whole part committed at start")
  expect(second.batches.map(b => [b.id, b.results.map(String)])).toEqual([["0102030405060708-3", ["alpha", "beta"]]])
  const v = dealer(second.c.endpoint)
  expect(await end(v, 1, 2)).toEqual({command: Command.STATUS, body: "80"})
  const w2 = dealer(second.c.endpoint)
  await w2.send([header(Command.RESULT, 1, 1, 2), "second"])
  await v.receive()
  expect(second.batches.map(b => b.results.map(String))).toEqual([["alpha", "beta"], ["first", "second"]])
  // The file was cut back before the append, so the committed file reads whole.
  expect([...parseBatchFile(readFileSync(join(dir, "0102030405060708-1.batch")))!.results.values()].map(String)).toEqual(["first", "second"])
})

test("the three roles in one process over ipc with CURVE on every socket (configure)", async () => {
  const server = curveKeyPair()
  const client = curveKeyPair()
  // The option properties are set as on any zeromq.js socket (declared per socket class there).
  const sockets: Socket[] = []
  const curve = (s: Socket, isServer: boolean) =>
    Object.assign(sockets[sockets.push(s) - 1]!, isServer ? {curveServer: true, curveSecretKey: server.secretKey} : {curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey})
  const c = new Collector({bind: `ipc://${join(scratch, "collector.ipc")}`, configure: s => curve(s, true)})
  collectors.push(c)
  const batches: Batch[] = []
  c.on("batch", b => batches.push(b))
  await c.start()
  // The ventilator binds its PUSH (CURVE server) and is the collector's client.
  const v = new Ventilator({bind: `ipc://${join(scratch, "tasks.ipc")}`, collector: c.endpoint, pollInterval: 50, configure: (s, role) => curve(s, role === "tasks")})
  const w = new Worker({connect: `ipc://${join(scratch, "tasks.ipc")}`, handler: p => `<${p}>`, configure: s => curve(s, false)})
  try {
    const report = await v.run(["x", "y", "z"])
    expect(report.size).toBe(3)
    expect(batches.map(b => b.results.map(String))).toEqual([["<x>", "<y>", "<z>"]])
    expect(w.stats.done).toBe(3)
    // Collector, ventilator's two, worker's PULL and its DEALER to the collector.
    expect(sockets.map(s => s.securityMechanism)).toEqual(["curve", "curve", "curve", "curve", "curve"])
  } finally {
    v.close()
    await w.close()
  }
})

test("a ventilator's timeout ends run() even while no worker takes its tasks", async () => {
  const v = new Ventilator({bind: "tcp://127.0.0.1:*", collector: "tcp://127.0.0.1:9", timeout: 300})
  const began = Date.now()
  await expect(v.run(["nobody", "pulls", "these"])).rejects.toThrow(/not completed within 300 ms/)
  expect(Date.now() - began).toBeLessThan(2000)
  v.close()
})
