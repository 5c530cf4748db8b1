import {expect, test} from "vitest"
import fc from "fast-check"
import {Pipe, type Msg, type PipeOwner} from "../../src/engine/pipe.js"
import {StagedFrames} from "../../src/engine/encoder.js"
import type {Engine} from "../../src/engine/engine.js"

/** A pipe whose transport takes frames, as an engine in traffic does. */
function framedPipe(hwm: number) {
  const events: string[] = []
  const owner: PipeOwner = {pipeReadable: () => {}, pipeWritable: () => void events.push("writable"), pipeTerminated: () => {}}
  const pipe = new Pipe(owner, hwm, 1000, "tcp://x")
  const engine: Engine = {
    takesFrames: true,
    closed: false,
    handshaking: false,
    unwritten: 0,
    attach: () => {},
    kick: () => {},
    flushNow: () => {},
    offer: () => false,
    deliverRest: () => {},
    resume: () => {},
    close: () => {},
    closeAfterFlush: () => {},
  }
  pipe.attach(engine, {socketType: "PULL", identity: Buffer.alloc(0), minor: 1, address: "tcp://x"})
  return {pipe, events}
}

test("small messages written as frames come back out in order, as frames or as messages, and count against the HWM", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.array(fc.uint8Array({maxLength: 128}), {minLength: 1, maxLength: 4}), fc.constant("msg" as const)), {maxLength: 200}),
      fc.boolean(),
      (ops, asFrames) => {
        const {pipe} = framedPipe(0)
        const want: string[][] = []
        for (const op of ops) {
          if (op === "msg") {
            pipe.write([Buffer.from("M")])
            want.push(["4d"])
          } else {
            const parts = op.map(u => Buffer.from(u))
            pipe.writeSmall(parts.length === 1 ? parts[0]! : parts)
            want.push(parts.map(p => p.toString("hex")))
            for (const p of parts) p.fill(0xee) // the caller reuses its buffers at once
          }
        }
        expect(pipe.outLength).toBe(want.length)
        const got: string[][] = []
        for (;;) {
          const entry = pipe.pullFrames(asFrames)
          if (entry === undefined) break
          const msgs: Msg[] = entry instanceof StagedFrames ? entry.unpack() : [entry]
          for (const m of msgs) got.push(m.map(p => p.toString("hex")))
        }
        expect(got).toEqual(want)
        expect(pipe.outLength).toBe(0)
      },
    ),
  )
})

test("taking framed messages below the HWM tells the owner the pipe is writable again, once", () => {
  const {pipe, events} = framedPipe(4)
  for (let i = 0; i < 4; i++) pipe.writeSmall(Buffer.from([i]))
  expect(pipe.writable).toBe(false)
  const entry = pipe.pullFrames(true)
  expect(entry).toBeInstanceOf(StagedFrames)
  expect((entry as StagedFrames).count).toBe(4)
  expect(pipe.writable).toBe(true)
  expect(events).toEqual(["writable"])
})

test("drop-oldest: a write to a full pipe discards the oldest whole message, whether queued alone, framed with others or unpacked", () => {
  fc.assert(
    fc.property(
      fc.integer({min: 1, max: 6}),
      fc.array(fc.constantFrom("small" as const, "msg" as const, "pull" as const), {maxLength: 120}),
      fc.boolean(),
      (hwm, ops, asFrames) => {
        const {pipe} = framedPipe(hwm)
        pipe.dropPolicy = {dropOldest: true}
        const model: string[][] = []
        let n = 0
        for (const op of ops) {
          if (op === "pull") {
            // pull() takes messages: a framed stage at the head is unpacked first.
            const m = pipe.pull()
            expect(m?.map(p => p.toString())).toEqual(model.shift())
            continue
          }
          const parts = [Buffer.from(`m${n}`), Buffer.from(`p${n++}`)]
          if (op === "small") {
            // Only the socket types that block use writeSmall: at the HWM it refuses, never evicts.
            const accepted = pipe.writeSmall(parts)
            expect(accepted).toBe(model.length < hwm)
            if (accepted) model.push(parts.map(p => p.toString()))
          } else {
            expect(pipe.write(parts.map(p => Buffer.from(p)))).toBe(true)
            if (model.length >= hwm) model.shift()
            model.push(parts.map(p => p.toString()))
          }
          expect(pipe.outLength).toBe(model.length)
        }
        const got: string[][] = []
        for (let entry = pipe.pullFrames(asFrames); entry !== undefined; entry = pipe.pullFrames(asFrames)) {
          const msgs: Msg[] = entry instanceof StagedFrames ? entry.unpack() : [entry]
          for (const m of msgs) got.push(m.map(p => p.toString()))
        }
        expect(got).toEqual(model)
      },
    ),
    {numRuns: 1000},
  )
})
