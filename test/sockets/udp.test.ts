/**
 * The udp:// transport (zmtp on both ends, or a raw node:dgram socket as the peer, on 127.0.0.1):
 * libzmq's datagram layouts, bad datagrams dropped and counted, DGRAM's addressing, one DISH bound
 * to tcp and udp at once, unbind. Multicast runs in its own network namespace
 * (test/interop/draft-multicast.test.ts); libzmq interop is in test/interop/draft.test.ts.
 */
import {afterEach, beforeEach, describe, expect, test} from "vitest"
import {createSocket, type Socket as DgramSocket} from "node:dgram"
import * as draft from "../../src/draft.js"
import {setTraceSink} from "../../src/engine/trace.js"
import {sleep, socketTracker, until} from "../helpers/sockets.js"

const track = socketTracker()
const text = (b: Buffer) => b.toString()

/** A free udp port on 127.0.0.1 (the kernel picked it for a moment). */
async function freeUdpPort(): Promise<number> {
  const s = createSocket("udp4")
  await new Promise<void>(r => s.bind(0, "127.0.0.1", r))
  const port = s.address().port
  await new Promise<void>(r => s.close(r))
  return port
}

const raws: DgramSocket[] = []
afterEach(() => {
  for (const r of raws.splice(0)) r.close()
})

async function rawSocket(): Promise<DgramSocket> {
  const s = createSocket("udp4")
  raws.push(s)
  await new Promise<void>(r => s.bind(0, "127.0.0.1", r))
  return s
}

/** Sends `message` to the DISH over udp until it arrives (UDP may drop the first ones). */
async function sendUntilReceived(radio: draft.Radio, dish: draft.Dish, body: string, group: string): Promise<[Buffer, {group: Buffer}]> {
  dish.receiveTimeout = 100
  for (let i = 0; i < 50; i++) {
    await radio.send(body, {group})
    try {
      return await dish.receive()
    } catch (e) {
      if ((e as {code?: string}).code !== "EAGAIN") throw e
    }
  }
  throw new Error("nothing arrived over udp")
}

test("RADIO → DISH over udp unicast: one datagram per message, [group length, group, body]", async () => {
  const port = await freeUdpPort()
  const dish = track(new draft.Dish())
  dish.join("weather")
  await dish.bind(`udp://127.0.0.1:${port}`)
  // libzmq reports a udp endpoint without its scheme.
  expect(dish.lastEndpoint).toBe(`127.0.0.1:${port}`)
  const radio = track(new draft.Radio())
  radio.connect(`udp://127.0.0.1:${port}`)
  const [msg, {group}] = await sendUntilReceived(radio, dish, "sunny", "weather")
  expect([text(msg), text(group)]).toEqual(["sunny", "weather"])
  // Groups still filter: a udp radio sends everything, the DISH keeps what it joined.
  await radio.send("ignored", {group: "traffic"})
  await radio.send("rain", {group: "weather"})
  dish.receiveTimeout = 2000
  expect(text((await dish.receive())[0])).toBe("rain")

  // The bytes on the wire, seen by a plain UDP socket in the DISH's place.
  const raw = await rawSocket()
  const got = new Promise<Buffer>(r => raw.once("message", r))
  const toRaw = track(new draft.Radio())
  toRaw.connect(`udp://127.0.0.1:${raw.address().port}`)
  await toRaw.send("hi", {group: "ab"})
  expect([...(await got)]).toEqual([2, 0x61, 0x62, 0x68, 0x69])
})

describe("bad datagrams", () => {
  let lines: string[] = []
  let restore: ((line: string) => void) | null = null
  beforeEach(() => {
    process.env.ZMTP_DEBUG = "wire"
    lines = []
    restore = setTraceSink(line => lines.push(line))
  })
  afterEach(() => {
    delete process.env.ZMTP_DEBUG
    if (restore) setTraceSink(restore)
  })

  test("are dropped and counted, never thrown; the endpoint keeps working", async () => {
    const port = await freeUdpPort()
    const dish = track(new draft.Dish())
    dish.join("g")
    await dish.bind(`udp://127.0.0.1:${port}`)
    const raw = await rawSocket()
    const send = (bytes: number[]) => new Promise(r => raw.send(Buffer.from(bytes), port, "127.0.0.1", r))
    await send([]) // empty: no group length
    await send([10, 0x61, 0x62]) // a group of 10 bytes with 2 present
    await send([255]) // the longest group length, nothing after it
    await until(() => lines.filter(l => l.includes("dropped: truncated datagram")).length === 3, 3000, "three drops")
    expect(lines.some(l => l.includes("(3 so far)"))).toBe(true)
    await send([1, 0x67, 0x6f, 0x6b]) // group "g", body "ok"
    dish.receiveTimeout = 2000
    const [msg, {group}] = await dish.receive()
    expect([text(msg), text(group)]).toEqual(["ok", "g"])
  })
})

test("DGRAM: receives [sender address, body] and replies to that address (libzmq's NUL-ended form)", async () => {
  const port = await freeUdpPort()
  const dgram = track(new draft.Datagram())
  await dgram.bind(`udp://127.0.0.1:${port}`)
  const raw = await rawSocket()
  const reply = new Promise<Buffer>(r => raw.once("message", r))
  raw.send("ping", port, "127.0.0.1")
  const [from, body] = await dgram.receive()
  expect(from.toString("latin1")).toBe(`127.0.0.1:${raw.address().port}\0`)
  expect(text(body)).toBe("ping")
  await dgram.send([from, "pong"])
  expect(text(await reply)).toBe("pong")
  // An address without the NUL works too; an unparsable one is dropped, not thrown.
  await dgram.send(["not an address", "lost"])
  const second = new Promise<Buffer>(r => raw.once("message", r))
  await dgram.send([`127.0.0.1:${raw.address().port}`, "again"])
  expect(text(await second)).toBe("again")
})

test("a RADIO's sends before its udp socket is up are queued, not lost", async () => {
  const raw = await rawSocket()
  const got: Buffer[] = []
  raw.on("message", m => got.push(m))
  const radio = track(new draft.Radio())
  radio.connect(`udp://127.0.0.1:${raw.address().port}`)
  for (let i = 0; i < 5; i++) await radio.send(String(i), {group: "g"})
  await until(() => got.length === 5, 3000, "five datagrams")
  expect(got.map(d => d.subarray(2).toString())).toEqual(["0", "1", "2", "3", "4"])
})

test("one DISH bound to tcp and udp receives from radios on both; one RADIO connected to both reaches both", async () => {
  const port = await freeUdpPort()
  const dish = track(new draft.Dish())
  dish.join("g")
  await dish.bind("tcp://127.0.0.1:*")
  const tcp = dish.lastEndpoint!
  await dish.bind(`udp://127.0.0.1:${port}`)
  const overTcp = track(new draft.Radio())
  overTcp.connect(tcp)
  await sleep(50)
  await overTcp.send("via tcp", {group: "g"})
  dish.receiveTimeout = 2000
  expect(text((await dish.receive())[0])).toBe("via tcp")
  const overUdp = track(new draft.Radio())
  overUdp.connect(`udp://127.0.0.1:${port}`)
  expect(text((await sendUntilReceived(overUdp, dish, "via udp", "g"))[0])).toBe("via udp")

  // The other way round: one RADIO, a tcp DISH and a udp DISH.
  const udpPort = await freeUdpPort()
  const tcpDish = track(new draft.Dish())
  const udpDish = track(new draft.Dish())
  tcpDish.join("g")
  udpDish.join("g")
  await tcpDish.bind("tcp://127.0.0.1:*")
  await udpDish.bind(`udp://127.0.0.1:${udpPort}`)
  const radio = track(new draft.Radio())
  radio.connect(tcpDish.lastEndpoint!)
  radio.connect(`udp://127.0.0.1:${udpPort}`)
  await sleep(50)
  const [viaUdp] = await sendUntilReceived(radio, udpDish, "both", "g")
  expect(text(viaUdp)).toBe("both")
  tcpDish.receiveTimeout = 2000
  expect(text((await tcpDish.receive())[0])).toBe("both")
})

test("unbind() ends a udp endpoint and frees its port; close() does too", async () => {
  const port = await freeUdpPort()
  const address = `udp://127.0.0.1:${port}`
  const dish = track(new draft.Dish())
  dish.join("g")
  await dish.bind(address)
  await dish.unbind(address)
  await expect(dish.unbind(address)).rejects.toMatchObject({code: "ENOENT"})
  const radio = track(new draft.Radio())
  radio.connect(address)
  await radio.send("lost", {group: "g"})
  dish.receiveTimeout = 200
  await expect(dish.receive()).rejects.toMatchObject({code: "EAGAIN"})
  dish.close()
  // The port is free again for another socket (no SO_REUSEADDR needed on the first).
  const raw = createSocket("udp4")
  raws.push(raw)
  await new Promise<void>((resolve, reject) => {
    raw.once("error", reject)
    raw.bind(port, "127.0.0.1", resolve)
  })
})
