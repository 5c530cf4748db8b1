/**
 * The Observer's typings are zeromq.js's (src/events.ts): `on(type, listener)` gives the listener
 * that event's own data type, and `EventType` / `EventOfType` are exported. This file does not
 * type-check (npm test's typecheck fails) if they are loose again; it also runs, on real events.
 */
import {expect, test} from "vitest"
import * as zmtp from "../../src/index.js"
import {freeTcpPort, until} from "../helpers/sockets.js"

test("on('connect:retry') hands a typed event: interval is a number, address a string", async () => {
  const dealer = new zmtp.Dealer({reconnectInterval: 20, linger: 0})
  const seen: {interval: number; address: string}[] = []
  const kinds: zmtp.EventType[] = []
  dealer.events.on("connect:retry", (event: zmtp.EventOfType<"connect:retry">) => {
    seen.push({interval: event.interval, address: event.address})
    kinds.push(event.type)
  })
  dealer.connect(`tcp://127.0.0.1:${await freeTcpPort()}`)
  await until(() => seen.length >= 2, 3000, "two retries")
  dealer.close()
  expect(typeof seen[0]!.interval).toBe("number")
  expect(seen[0]!.address).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/)
  expect(kinds[0]).toBe("connect:retry")
})
