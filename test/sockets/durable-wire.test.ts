/**
 * Durable subscribers on the wire (README "Durable subscribers", src/engine/acks.ts), against
 * peers of our own over raw tcp: a zmtp SUB sends X-ACK only to a publisher that advertised
 * X-Zmtp-Durable (libzmq never does), with the cumulative count as each message is taken; and a
 * durable publisher holds a peer that reads without acknowledging to 64 MiB unacknowledged.
 */
import {describe, expect, test} from "vitest"
import {Buffer} from "node:buffer"
import net from "node:net"
import * as zmq from "../../src/index.js"
import {sleep, socketTracker, until} from "../helpers/sockets.js"

const track = socketTracker()

function sub(address: string, routingId: string): zmq.Subscriber {
  const s = track(new zmq.Subscriber({routingId}))
  s.subscribe()
  s.connect(address)
  return s
}

function durablePub(grace: number, extra: Record<string, unknown> = {}): zmq.Publisher {
  return track(new zmq.Publisher({durableGrace: grace, linger: 0, ...extra}))
}

/**
 * A publisher of our own over raw tcp (37/ZMTP greeting, NULL READY with the given properties),
 * to see exactly what a zmtp SUB sends to it.
 */
async function rawPublisher(properties: [string, Buffer][]) {
  const greeting = Buffer.alloc(64)
  greeting[0] = 0xff
  greeting[9] = 0x7f
  greeting[10] = 3
  greeting[11] = 1
  greeting.write("NULL", 12, "latin1")
  const props: Buffer[] = []
  for (const [name, value] of [["Socket-Type", Buffer.from("PUB")], ...properties] as [string, Buffer][]) {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(value.length)
    props.push(Buffer.from([name.length]), Buffer.from(name, "latin1"), len, value)
  }
  const body = Buffer.concat([Buffer.from([5]), Buffer.from("READY"), ...props])
  const ready = Buffer.concat([Buffer.from([0x04, body.length]), body])
  let received = Buffer.alloc(0)
  let conn: net.Socket | null = null
  const server = net.createServer(c => {
    conn = c
    c.write(Buffer.concat([greeting, ready]))
    c.on("data", d => (received = Buffer.concat([received, d])))
  })
  await new Promise<void>(r => server.listen(0, "127.0.0.1", r))
  return {
    address: `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    received: () => received,
    /** After the peer's READY and subscription: one-frame messages. */
    async send(n: number) {
      await until(() => received.includes("SUBSCRIBE"), 3000, "the subscription")
      for (let i = 0; i < n; i++) conn!.write(Buffer.from([0, 4, 0, 0, 0, i]))
    },
    close: () => {
      conn?.destroy()
      server.close()
    },
  }
}

describe("X-ACK on the wire", () => {
  test("never to a publisher that did not advertise X-Zmtp-Durable (libzmq never does)", async () => {
    const raw = await rawPublisher([])
    try {
      const s = sub(raw.address, "zmtp-sub")
      await raw.send(20)
      s.receiveTimeout = 1000
      for (let i = 0; i < 20; i++) expect((await s.receive())[0]![3]).toBe(i)
      await sleep(100)
      expect(raw.received().includes("X-Zmtp-Ack")).toBe(true) // our READY property, which libzmq ignores
      expect(raw.received().includes("X-ACK")).toBe(false)
    } finally {
      raw.close()
    }
  })

  test("to one that did: the cumulative count, as each message is taken", async () => {
    const raw = await rawPublisher([["X-Zmtp-Durable", Buffer.alloc(8, 7)]])
    try {
      const s = sub(raw.address, "zmtp-sub")
      await raw.send(3)
      s.receiveTimeout = 1000
      const ack = (n: number) => Buffer.concat([Buffer.from([0x04, 14, 5]), Buffer.from("X-ACK"), Buffer.from([0, 0, 0, 0, 0, 0, 0, n])])
      await sleep(100)
      expect(raw.received().includes(ack(1))).toBe(false) // received, not yet taken
      await s.receive()
      await until(() => raw.received().includes(ack(1)), 1000, "X-ACK 1")
      await s.receive()
      await s.receive()
      await until(() => raw.received().includes(ack(3)), 1000, "X-ACK 3")
    } finally {
      raw.close()
    }
  })
})

/**
 * A subscriber of our own over raw tcp that advertises X-Zmtp-Ack and then reads everything
 * without ever acknowledging (a broken or hostile peer): counts the data messages it gets.
 */
async function rawSubscriber(address: string) {
  const port = Number(address.split(":").at(-1))
  const greeting = Buffer.alloc(64)
  greeting[0] = 0xff
  greeting[9] = 0x7f
  greeting[10] = 3
  greeting[11] = 1
  greeting.write("NULL", 12, "latin1")
  const prop = (name: string, value: string) => {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(value.length)
    return Buffer.concat([Buffer.from([name.length]), Buffer.from(name), len, Buffer.from(value)])
  }
  const body = Buffer.concat([Buffer.from([5]), Buffer.from("READY"), prop("Socket-Type", "SUB"), prop("X-Zmtp-Ack", "raw-sub")])
  const subscribe = Buffer.from([0x04, 10, 9, ...Buffer.from("SUBSCRIBE")])
  const conn = net.connect(port, "127.0.0.1")
  conn.write(Buffer.concat([greeting, Buffer.from([0x04, body.length]), body, subscribe]))
  let pending = Buffer.alloc(0)
  let skip = 64
  let messages = 0
  conn.on("data", d => {
    pending = Buffer.concat([pending, d])
    if (skip > 0) {
      const n = Math.min(skip, pending.length)
      pending = pending.subarray(n)
      skip -= n
    }
    for (;;) {
      if (pending.length < 2) return
      const flags = pending[0]!
      const long = (flags & 2) !== 0
      if (long && pending.length < 9) return
      const size = long ? Number(pending.readBigUInt64BE(1)) : pending[1]!
      const head = long ? 9 : 2
      if (pending.length < head + size) return
      if ((flags & 4) === 0 && (flags & 1) === 0) messages++
      pending = pending.subarray(head + size)
    }
  })
  return {
    messages: () => messages,
    ack: (n: number) => {
      const count = Buffer.alloc(8)
      count.writeBigUInt64BE(BigInt(n))
      conn.write(Buffer.concat([Buffer.from([0x04, 14, 5]), Buffer.from("X-ACK"), count]))
    },
    close: () => conn.destroy(),
  }
}

test("a subscriber that reads and never acknowledges is held to 64 MiB unacknowledged; its acks let more through", async () => {
  const pub = durablePub(3000, {sendHighWaterMark: 2000})
  await pub.bind("tcp://127.0.0.1:*")
  const raw = await rawSubscriber(pub.lastEndpoint!)
  try {
    const body = Buffer.alloc(64 * 1024, 1) // shared by every send: nothing alters it
    // The subscription is in when a message gets through.
    for (let i = 0; raw.messages() === 0; i++) {
      if (i > 200) throw new Error("the subscription never arrived")
      await pub.send(body)
      await sleep(10)
    }
    for (let i = 0; i < 3000; i++) await pub.send(body)
    await sleep(500)
    // 64 MiB is 1,024 of them: then nothing more, however long it waits.
    expect(raw.messages()).toBe(1024)
    for (let i = 0; i < 1500; i++) await pub.send(body) // the queue now holds at least 1,500
    await sleep(300)
    expect(raw.messages()).toBe(1024)
    raw.ack(1024)
    await until(() => raw.messages() >= 2048, 3000, "the next 64 MiB after the ack")
    await sleep(300)
    expect(raw.messages()).toBe(2048)
  } finally {
    raw.close()
  }
})

