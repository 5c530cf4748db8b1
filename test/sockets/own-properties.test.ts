/**
 * A socket's handshake properties (Socket-Type, Identity) and its NULL READY are built once per
 * socket and reused for every connection (src/session/security.ts); a change of ZMQ_ROUTING_ID
 * must still reach the connections made after it, as in libzmq, where each new session reads the
 * options anew.
 */
import {expect, test} from "vitest"
import * as zmq from "../../src/index.js"
import {socketTracker} from "../helpers/sockets.js"

const track = socketTracker()

test("a DEALER's routing id set between two connects: each ROUTER sees the id of its connect", async () => {
  const first = track(new zmq.Router())
  const second = track(new zmq.Router())
  await first.bind("tcp://127.0.0.1:0")
  await second.bind("tcp://127.0.0.1:0")
  const dealer = track(new zmq.Dealer({routingId: "first"}))
  dealer.connect(first.lastEndpoint!)
  await dealer.send("to first")
  const [id1, body1] = await first.receive()
  expect([id1!.toString(), body1!.toString()]).toEqual(["first", "to first"])

  dealer.routingId = "second"
  dealer.connect(second.lastEndpoint!)
  // Round-robin over both connections: the first ROUTER gets one message too.
  await dealer.send("a")
  await dealer.send("b")
  const [id2] = await second.receive()
  expect(id2!.toString()).toBe("second")
  const [again] = await first.receive()
  expect(again!.toString()).toBe("first")
})

test("a ROUTER accepting many peers answers each with the same READY, and each handshake completes", async () => {
  const router = track(new zmq.Router())
  await router.bind("tcp://127.0.0.1:0")
  const dealers = Array.from({length: 30}, (_, i) => track(new zmq.Dealer({routingId: `d${i}`})))
  for (const d of dealers) d.connect(router.lastEndpoint!)
  await Promise.all(dealers.map(d => d.send("hi")))
  const ids = new Set<string>()
  for (let i = 0; i < dealers.length; i++) ids.add((await router.receive())[0]!.toString())
  expect(ids.size).toBe(dealers.length)
  for (const id of ids) await router.send([id, "back"])
  const back = await Promise.all(dealers.map(async d => (await d.receive())[0]!.toString()))
  expect(back.every(b => b === "back")).toBe(true)
})
