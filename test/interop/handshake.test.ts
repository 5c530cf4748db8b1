/**
 * The wire layer against a real libzmq 4.3.5 (the `zeromq` devDependency): our vectors are what
 * libzmq puts on the wire, and a bare zmtp engine completes the NULL handshake with it both ways.
 */
import {afterEach, describe, expect, test} from "vitest"
import net from "node:net"
import * as zmq from "zeromq"
import {encodeGreeting} from "../../src/wire/greeting.js"
import {encodePing, encodeReady} from "../../src/wire/command.js"
import {bytes, loadVectors} from "../helpers/vectors.js"
import {connect, engineOn, listen, recorder, until, type Harness} from "../helpers/engine.js"

const open: {close(): void}[] = []
const rawSockets: net.Socket[] = []
afterEach(() => {
  for (const s of rawSockets.splice(0)) s.destroy()
  for (const s of open.splice(0)) s.close()
})

const vector = (file: string, name: string) => bytes(loadVectors(file).vectors.find((v: any) => v.name === name).wire)

function track<T extends {close(): void}>(s: T): T {
  open.push(s)
  return s
}

async function boundLibzmq<T extends zmq.Socket>(sock: T): Promise<{sock: T; port: number}> {
  track(sock)
  await sock.bind("tcp://127.0.0.1:*")
  return {sock, port: Number(sock.lastEndpoint!.split(":").pop())}
}

/** A raw TCP client that sends our greeting and records what libzmq sends back. */
async function rawClient(port: number, minor = 1) {
  const raw = await connect(port)
  rawSockets.push(raw)
  const rec = recorder(raw)
  raw.write(encodeGreeting("NULL", false, minor))
  return {raw, rec}
}

describe("our vectors are byte-identical to libzmq's output", () => {
  test("greeting and READY of a DEALER with routing id 'abc'", async () => {
    const {port} = await boundLibzmq(new zmq.Dealer({routingId: "abc", linger: 0}))
    const {rec} = await rawClient(port)
    const greeting = vector("greeting", "null-libzmq-identity-abc")
    const ready = vector("commands", "ready-dealer-identity-abc")
    const all = await rec.waitFor(64 + ready.length)
    expect(all.subarray(0, 64).toString("hex")).toBe(greeting.toString("hex"))
    expect(all.subarray(64, 64 + ready.length).toString("hex")).toBe(ready.toString("hex"))
  })

  test("READY of a ROUTER carries an empty Identity", async () => {
    const {port} = await boundLibzmq(new zmq.Router({linger: 0}))
    const {rec} = await rawClient(port)
    const ready = vector("commands", "ready-router")
    const all = await rec.waitFor(64 + ready.length)
    expect(all.subarray(0, 64).toString("hex")).toBe(vector("greeting", "null-libzmq-no-identity").toString("hex"))
    expect(all.subarray(64).toString("hex")).toBe(ready.toString("hex"))
  })

  for (const [type, name] of [
    [zmq.Subscriber, "ready-sub"],
    [zmq.Push, "ready-push"],
    [zmq.XPublisher, "ready-xpub"],
  ] as const) {
    test(`READY of a ${name.slice(6).toUpperCase()}`, async () => {
      const {port} = await boundLibzmq(new (type as any)({linger: 0}))
      const {rec} = await rawClient(port)
      const ready = vector("commands", name)
      const all = await rec.waitFor(64 + ready.length)
      expect(all.subarray(64, 64 + ready.length).toString("hex")).toBe(ready.toString("hex"))
    })
  }

  test("a libzmq SUB sends SUBSCRIBE/CANCEL commands to a 3.1 peer and 01/00 messages to a 3.0 peer", async () => {
    for (const minor of [1, 0]) {
      const sub = track(new zmq.Subscriber({linger: 0}))
      const {port, server} = await listen(s => {
        rawSockets.push(s)
        s.write(Buffer.concat([encodeGreeting("NULL", false, minor), encodeReady([["Socket-Type", Buffer.from("PUB")]])]))
        seen.push(recorder(s))
      })
      const seen: ReturnType<typeof recorder>[] = []
      sub.connect(`tcp://127.0.0.1:${port}`)
      sub.subscribe("A")
      await until(() => seen.length === 1)
      const ready = vector("commands", "ready-sub")
      const subscribe = minor === 1 ? vector("commands", "subscribe-A") : bytes(loadVectors("commands").legacySubscriptions[0].wire)
      await seen[0]!.waitFor(64 + ready.length + subscribe.length)
      expect(seen[0]!.all().subarray(64 + ready.length).toString("hex")).toBe(subscribe.toString("hex"))
      sub.unsubscribe("A")
      const cancel = minor === 1 ? vector("commands", "cancel-A") : bytes(loadVectors("commands").legacySubscriptions[1].wire)
      // libzmq only acts on the unsubscribe when the socket is next used.
      void sub.receive().catch(() => {})
      await seen[0]!.waitFor(64 + ready.length + subscribe.length + cancel.length)
      expect(seen[0]!.all().subarray(64 + ready.length + subscribe.length).toString("hex")).toBe(cancel.toString("hex"))
      server.close()
    }
  })

  test("libzmq PINGs with TTL 15 ds for heartbeatTimeToLive 1500, and PONGs our PING's context", async () => {
    const {port} = await boundLibzmq(new zmq.Dealer({linger: 0, heartbeatInterval: 50, heartbeatTimeToLive: 1500}))
    const {raw, rec} = await rawClient(port)
    raw.write(encodeReady([["Socket-Type", Buffer.from("DEALER")], ["Identity", Buffer.alloc(0)]]))
    const ping = vector("commands", "ping-ttl-15")
    await until(() => rec.all().includes(ping), 2000, "libzmq PING")
    raw.write(encodePing(0, Buffer.from("ctx123")))
    const pong = vector("commands", "pong-ctx123")
    await until(() => rec.all().includes(pong), 2000, "libzmq PONG")
  })
})

describe("NULL handshake with libzmq", () => {
  test("zmtp connects to a libzmq ROUTER", async () => {
    const {sock: router, port} = await boundLibzmq(new zmq.Router({linger: 0}))
    const s = await connect(port)
    rawSockets.push(s)
    const h = engineOn(s, "DEALER", {identity: "abc"})
    expect((await h.peer).socketType).toBe("ROUTER")
    h.pipe.write([Buffer.from("hi")])
    const [id, body] = await router.receive()
    expect(id!.toString()).toBe("abc")
    expect(body!.toString()).toBe("hi")
    await router.send([id!, "back"])
    await until(() => h.received.length === 1)
    expect(h.received[0]!.map(f => f.toString())).toEqual(["back"])
  })

  test("a libzmq DEALER connects to zmtp", async () => {
    let h!: Harness
    const {port, server} = await listen(s => {
      rawSockets.push(s)
      h = engineOn(s, "ROUTER")
    })
    const dealer = track(new zmq.Dealer({routingId: "lib", linger: 0}))
    dealer.connect(`tcp://127.0.0.1:${port}`)
    await dealer.send(["", "hello"])
    await until(() => h !== undefined)
    const peer = await h.peer
    expect(peer.socketType).toBe("DEALER")
    expect(peer.identity.toString()).toBe("lib")
    await until(() => h.received.length === 1)
    expect(h.received[0]!.map(f => f.toString())).toEqual(["", "hello"])
    h.pipe.write([Buffer.from("to-lib")])
    expect((await dealer.receive()).map(f => f.toString())).toEqual(["to-lib"])
    server.close()
  })

  test("libzmq refuses our connection when the socket types cannot talk", async () => {
    const {port} = await boundLibzmq(new zmq.Pull({linger: 0}))
    const s = await connect(port)
    rawSockets.push(s)
    const h = engineOn(s, "PULL")
    const {error, duringHandshake} = await h.closed
    // Both sides refuse: whichever notices first closes. We either report the mismatch or see the close.
    expect(duringHandshake).toBe(true)
    if (error) expect(error.code).toBe("ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE")
  })
})
