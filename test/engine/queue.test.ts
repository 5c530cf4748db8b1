import {expect, test} from "vitest"
import fc from "fast-check"
import {Queue} from "../../src/engine/queue.js"

test("behaves like an array used as a FIFO, across growth and wrap-around", () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer(), fc.constant("shift" as const), fc.constant("clear" as const)), {maxLength: 3000}), ops => {
      const q = new Queue<number>()
      const model: number[] = []
      for (const op of ops) {
        if (op === "shift") expect(q.shift()).toBe(model.shift())
        else if (op === "clear") {
          q.clear()
          model.length = 0
        } else {
          q.push(op)
          model.push(op)
        }
        expect(q.length).toBe(model.length)
        expect(q.peek()).toBe(model[0])
      }
      expect([...q]).toEqual(model)
    }),
    {numRuns: 100},
  )
})
