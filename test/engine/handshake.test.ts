import {afterEach, describe, expect, test} from "vitest"
import net from "node:net"
import {encodeGreeting} from "../../src/wire/greeting.js"
import {GREETING_REST_FALLBACK_MS} from "../../src/engine/greeting-steps.js"
import {encodeMessage} from "../../src/wire/frame.js"
import {encodePing, encodeReady} from "../../src/wire/command.js"
import {bytes, loadVectors} from "../helpers/vectors.js"
import {connect, engineOn, listen, recorder, until, type Harness} from "../helpers/engine.js"

const servers: net.Server[] = []
const sockets: net.Socket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const s of servers.splice(0)) s.close()
})

/** A zmtp engine of `type` on the server side of a TCP connection, and a raw client socket. */
async function rawPeerTo(type: Parameters<typeof engineOn>[1], opts: Parameters<typeof engineOn>[2] = {}) {
  let harness!: Harness
  const {port, server} = await listen(s => (harness = engineOn(s, type, opts)))
  servers.push(server)
  const raw = await connect(port)
  sockets.push(raw)
  const rec = recorder(raw)
  await until(() => harness !== undefined)
  return {raw, rec, harness}
}

const ROUTER_READY = encodeReady([
  ["Socket-Type", Buffer.from("ROUTER")],
  ["Identity", Buffer.alloc(0)],
])

describe("greeting", () => {
  test("a raw TCP peer receives signature and major version (11 bytes) in the first write, the rest as soon as it shows its own byte 10", async () => {
    const {raw, rec} = await rawPeerTo("DEALER")
    await rec.waitFor(11)
    // libzmq's steps: it withholds its bytes 11..63 until it has our byte 10, so we send that at once.
    expect(rec.chunks[0]!.toString("hex")).toBe("ff00000000000000007f03")
    const started = Date.now()
    raw.write(encodeGreeting("NULL", false).subarray(0, 11))
    const all = await rec.waitFor(64)
    expect(Date.now() - started).toBeLessThan(GREETING_REST_FALLBACK_MS)
    expect(all.toString("hex")).toBe(encodeGreeting("NULL", false).toString("hex"))
  })

  test("a peer whose byte 10 and greeting rest come together gets our READY after its own (libzmq would refuse a wrong type unseen)", async () => {
    const {raw, rec} = await rawPeerTo("DEALER")
    await rec.waitFor(11)
    raw.write(encodeGreeting("NULL", false)) // byte 10 and the rest in one piece, as libzmq sends them
    await rec.waitFor(64)
    await new Promise(r => setTimeout(r, 40))
    expect(rec.all().length).toBe(64) // no READY yet
    raw.write(ROUTER_READY)
    const all = await rec.waitFor(65)
    expect(all[64]).toBe(0x04) // our READY command, at once
  })

  test("once our greeting's rest went out unprompted (fallback), READY does not wait for the peer's: it may be a zmtp peer waiting for ours", async () => {
    // Two zmtp peers where one is slow to start: our rest leaves on the fallback timer, the slow
    // peer then reads our whole greeting in one piece and waits for our READY; holding ours
    // would cost both sides the READY fallback (100 ms each time, on a loaded ROUTER).
    const {raw, rec} = await rawPeerTo("DEALER")
    await rec.waitFor(64) // 11 bytes, then the rest after GREETING_REST_FALLBACK_MS
    const started = Date.now()
    raw.write(encodeGreeting("NULL", false)) // its whole greeting in one piece
    const all = await rec.waitFor(65)
    expect(all[64]).toBe(0x04) // our READY, without waiting for the peer's
    expect(Date.now() - started).toBeLessThan(GREETING_REST_FALLBACK_MS / 2)
  })

  test("a silent peer (one that waits for our whole greeting) still gets it, after the fallback delay", async () => {
    const {rec} = await rawPeerTo("DEALER")
    const all = await rec.waitFor(64)
    expect(rec.chunks.length).toBe(2)
    expect(all.subarray(0, 16).toString("hex")).toBe("ff00000000000000007f03014e554c4c")
  })

  test("a libzmq-style peer that withholds its byte 10 until it has ours is not deadlocked", async () => {
    const {raw, rec, harness} = await rawPeerTo("PULL")
    const greeting = encodeGreeting("NULL", false)
    raw.write(greeting.subarray(0, 10))
    await rec.waitFor(11)
    raw.write(greeting.subarray(10, 11))
    await rec.waitFor(64)
    raw.write(Buffer.concat([greeting.subarray(11), encodeReady([["Socket-Type", Buffer.from("PUSH")]])]))
    expect((await harness.peer).socketType).toBe("PUSH")
  })

  test("READY follows our greeting only after the peer's greeting, and no traffic before the peer's READY", async () => {
    const {raw, rec, harness} = await rawPeerTo("DEALER", {identity: "abc"})
    harness.pipe.write([Buffer.from("early")])
    await rec.waitFor(64)
    await new Promise(r => setTimeout(r, 50))
    expect(rec.all().length).toBe(64)
    raw.write(encodeGreeting("NULL", false))
    const ready = bytes(loadVectors("commands").vectors.find((v: any) => v.name === "ready-dealer-identity-abc").wire)
    await rec.waitFor(64 + ready.length)
    await new Promise(r => setTimeout(r, 50))
    // The queued "early" message is held back until the peer's READY arrives.
    expect(rec.all().subarray(64).toString("hex")).toBe(ready.toString("hex"))
    raw.write(ROUTER_READY)
    const all = await rec.waitFor(64 + ready.length + 7)
    expect(all.subarray(64 + ready.length).toString("hex")).toBe(encodeMessage([Buffer.from("early")]).toString("hex"))
    const peer = await harness.peer
    expect(peer.socketType).toBe("ROUTER")
    expect(peer.minor).toBe(1)
  })

  test("greeting and READY arriving one byte at a time", async () => {
    const {raw, harness} = await rawPeerTo("PULL")
    const wire = Buffer.concat([encodeGreeting("NULL", false), encodeReady([["Socket-Type", Buffer.from("PUSH")]]), encodeMessage([Buffer.from("a"), Buffer.from("b")])])
    for (const b of wire) {
      raw.write(Buffer.of(b))
      await new Promise(r => setImmediate(r))
    }
    await until(() => harness.received.length === 1)
    expect(harness.received[0]!.map(f => f.toString())).toEqual(["a", "b"])
  })

  test("a 3.0 peer (libzmq ≤ 4.3.2) is accepted", async () => {
    const {raw, harness} = await rawPeerTo("PULL")
    raw.write(Buffer.concat([encodeGreeting("NULL", false, 0), encodeReady([["Socket-Type", Buffer.from("PUSH")]])]))
    expect((await harness.peer).minor).toBe(0)
  })
})

describe("malformed input ends the connection with a typed error", () => {
  const {vectors} = loadVectors("malformed")
  for (const v of vectors) {
    test(`${v.name} → ${v.error ?? "connection stays up"}`, async () => {
      const {raw, harness} = await rawPeerTo("DEALER", {maxMessageSize: 1024})
      const prefix: Buffer[] = []
      if (v.stage !== "greeting") prefix.push(encodeGreeting("NULL", false))
      if (v.stage === "traffic") prefix.push(ROUTER_READY)
      raw.write(Buffer.concat([...prefix, bytes(v.wire)]))
      if (v.error === null) {
        await harness.peer
        raw.write(encodeMessage([Buffer.from("still up")]))
        await until(() => harness.received.length === 1)
        expect(harness.engine.closed).toBe(false)
      } else {
        const {error} = await harness.closed
        expect(error?.code).toBe(v.error)
        // The peer sees the connection close.
        await new Promise<void>(r => (raw.destroyed ? r() : raw.once("close", () => r())))
      }
    })
  }
})

describe("heartbeats and deadlines", () => {
  test("PING is answered with PONG echoing the context", async () => {
    const {raw, rec, harness} = await rawPeerTo("DEALER")
    raw.write(Buffer.concat([encodeGreeting("NULL", false), ROUTER_READY]))
    await harness.peer
    raw.write(encodePing(0, Buffer.from("ctx123")))
    const pong = bytes(loadVectors("commands").vectors.find((v: any) => v.name === "pong-ctx123").wire)
    await until(() => rec.all().subarray(-pong.length).equals(pong), 2000, "PONG ctx123")
  })

  test("we PING every heartbeatInterval with the TTL capped at 655 ds, and drop a silent peer after heartbeatTimeout", async () => {
    const {raw, rec, harness} = await rawPeerTo("DEALER", {heartbeatInterval: 40, heartbeatTimeToLive: 100000, heartbeatTimeout: 120})
    raw.write(Buffer.concat([encodeGreeting("NULL", false), ROUTER_READY]))
    const started = Date.now()
    const {error} = await harness.closed
    expect(error?.code).toBe("ERR_ZMTP_HEARTBEAT_TIMEOUT")
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    const ping = encodePing(655)
    expect(rec.all().includes(ping)).toBe(true)
    expect(ping.subarray(-2).readUInt16BE()).toBe(655)
  })

  test("traffic keeps a pinging connection alive", async () => {
    const {raw, harness} = await rawPeerTo("DEALER", {heartbeatInterval: 30, heartbeatTimeout: 60})
    raw.write(Buffer.concat([encodeGreeting("NULL", false), ROUTER_READY]))
    await harness.peer
    for (let i = 0; i < 8; i++) {
      raw.write(encodeMessage([Buffer.from("x")]))
      await new Promise(r => setTimeout(r, 25))
    }
    expect(harness.engine.closed).toBe(false)
  })

  test("a peer's PING TTL is enforced", async () => {
    const {raw, harness} = await rawPeerTo("DEALER")
    raw.write(Buffer.concat([encodeGreeting("NULL", false), ROUTER_READY, encodePing(1)]))
    const {error} = await harness.closed
    expect(error?.code).toBe("ERR_ZMTP_HEARTBEAT_TIMEOUT")
  })

  test("handshakeInterval ends a handshake that does not complete", async () => {
    const {raw, harness} = await rawPeerTo("DEALER", {handshakeInterval: 100})
    raw.write(encodeGreeting("NULL", false).subarray(0, 20))
    const {error, duringHandshake} = await harness.closed
    expect(error?.code).toBe("ERR_ZMTP_HANDSHAKE_TIMEOUT")
    expect(duringHandshake).toBe(true)
  })
})

describe("engine to engine", () => {
  test("NULL handshake both ways, then multipart messages both ways", async () => {
    let server!: Harness
    const {port, server: srv} = await listen(s => (server = engineOn(s, "ROUTER")))
    servers.push(srv)
    const sock = await connect(port)
    sockets.push(sock)
    const client = engineOn(sock, "DEALER", {identity: "abc"})
    const peer = await client.peer
    expect(peer.socketType).toBe("ROUTER")
    expect((await server.peer).identity.toString()).toBe("abc")
    client.pipe.write([Buffer.alloc(0), Buffer.from("hi")])
    server.pipe.write([Buffer.from("back"), Buffer.alloc(300, 7)])
    await until(() => server.received.length === 1 && client.received.length === 1)
    expect(server.received[0]!.map(f => f.toString())).toEqual(["", "hi"])
    expect(client.received[0]![1]!.equals(Buffer.alloc(300, 7))).toBe(true)
  })
})
