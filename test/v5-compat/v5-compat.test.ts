/**
 * zmtp/v5-compat (src/v5-compat.ts) through the v5 scenarios (scenarios.ts; the same scenarios run
 * against zeromq.js's own v5-compat in zeromq.test.ts), and its export list against zeromq.js's.
 */
import {createRequire} from "node:module"
import {describe, expect, test} from "vitest"
import * as zmtp from "../../src/v5-compat.js"
import {v5Scenarios, type V5} from "./scenarios.js"

describe("v5 API (zmtp)", () => v5Scenarios(zmtp))

test("the module exports the same names and constant values as zeromq/v5-compat", () => {
  const native = createRequire(import.meta.url)("zeromq/v5-compat") as V5
  expect(Object.keys(zmtp).sort()).toEqual(Object.keys(native).sort())
  for (const key of Object.keys(native)) {
    const value = (native as Record<string, unknown>)[key]
    if (typeof value === "number") expect([key, (zmtp as Record<string, unknown>)[key]]).toEqual([key, value])
  }
})
