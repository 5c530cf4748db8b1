/**
 * The spill log (src/engine/spill.ts) on real files in a temp directory: what goes in comes out in
 * order and whole, disk is given back as it is read, the budget holds, and what a crash leaves
 * (a torn record, garbage at the end, a cursor) is read back without a misread.
 */
import {afterAll, describe, expect, test} from "vitest"
import fc from "fast-check"
import {Buffer} from "node:buffer"
import {appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync} from "node:fs"
import {tmpdir} from "node:os"
import {join} from "node:path"
import * as zlib from "node:zlib"
import {Spill} from "../../src/engine/spill.js"
import {crc32, crc32Table} from "../../src/engine/crc32.js"
import type {Msg} from "../../src/engine/pipe.js"

const root = mkdtempSync(join(tmpdir(), "zmtp-spill-"))
afterAll(() => rmSync(root, {recursive: true, force: true}))
let n = 0
const fresh = () => join(root, `log${++n}`)

const hex = (m: Msg) => m.map(f => f.toString("hex"))
function readAll(spill: Spill, batch = 7): Msg[] {
  const out: Msg[] = []
  while (spill.read(batch, m => out.push(m)) > 0);
  return out
}
const segments = (dir: string) => readdirSync(dir).filter(f => f.endsWith(".seg")).sort()
const numbered = (i: number, size = 100) => {
  const b = Buffer.alloc(size, i & 0xff)
  b.writeUInt32BE(i)
  return [b, Buffer.from(`#${i}`)]
}

describe("spill log", () => {
  test("messages of any shape come back in order and whole, and a drained log takes no disk", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.uint8Array({maxLength: 300_000}), {minLength: 1, maxLength: 4}), {maxLength: 40}),
        fc.integer({min: 1, max: 50}),
        (msgs, batch) => {
          const dir = fresh()
          const spill = new Spill(dir, 1 << 30, false, 256 * 1024)
          const want: string[][] = []
          for (const m of msgs) {
            const parts = m.map(u => Buffer.from(u))
            spill.append(parts.length === 1 ? parts[0]! : parts)
            want.push(parts.map(p => p.toString("hex")))
            for (const p of parts) p.fill(0xee) // appended parts are copies: the caller may reuse its buffers
          }
          expect(spill.empty).toBe(msgs.length === 0)
          const got = readAll(spill, batch).map(hex)
          expect(got).toEqual(want)
          expect(spill.empty).toBe(true)
          expect(spill.size).toBe(0)
          expect(segments(dir)).toEqual([])
          spill.close(true)
          expect(existsSync(dir)).toBe(false)
        },
      ),
      {numRuns: 60},
    )
  })

  test("reads between appends keep the order, and segments are deleted once read", () => {
    const dir = fresh()
    const spill = new Spill(dir, 1 << 30, false, 64 * 1024)
    const got: number[] = []
    let next = 0
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 500; i++) spill.append(numbered(next++))
      spill.read(300, m => got.push(m[0]!.readUInt32BE(0)))
      // 64 KiB segments of ~120-byte records: what has been read is gone from disk.
      expect(segments(dir).length).toBeLessThanOrEqual(Math.ceil(spill.size / (64 * 1024)) + 2)
    }
    for (const m of readAll(spill)) got.push(m[0]!.readUInt32BE(0))
    expect(got).toEqual(Array.from({length: next}, (_, i) => i))
    spill.close(true)
  })

  test("the budget: no room once the log holds it, room again once read", () => {
    const spill = new Spill(fresh(), 10_000, false)
    let accepted = 0
    while (spill.hasRoom) {
      spill.append(numbered(accepted++))
    }
    // ~120 bytes a record: the last one may overshoot, nothing after it.
    expect(accepted).toBeGreaterThan(70)
    expect(accepted).toBeLessThan(90)
    expect(spill.size).toBeGreaterThanOrEqual(10_000)
    spill.read(10, () => {})
    expect(spill.hasRoom).toBe(true)
    spill.close(true)
  })

  test("a restart with recovery reads what was not taken yet; without it the log is removed", () => {
    const dir = fresh()
    const first = new Spill(dir, 1 << 30, false, 32 * 1024)
    for (let i = 0; i < 1000; i++) first.append(numbered(i))
    const taken: number[] = []
    first.read(400, m => taken.push(m[0]!.readUInt32BE(0)))
    first.flush()
    // kill -9 here: nothing is closed or cleaned up.
    const second = new Spill(dir, 1 << 30, true, 32 * 1024)
    const rest = readAll(second).map(m => m[0]!.readUInt32BE(0))
    expect([...taken, ...rest]).toEqual(Array.from({length: 1000}, (_, i) => i))
    second.close(false)

    const again = new Spill(dir, 1 << 30, false)
    expect(again.empty).toBe(true)
    expect(segments(dir)).toEqual([])
    again.close(true)
  })

  test("close without discard keeps the log for the next run, appends included", () => {
    const dir = fresh()
    const first = new Spill(dir, 1 << 30, true)
    for (let i = 0; i < 10; i++) first.append(numbered(i))
    first.close(false)
    const second = new Spill(dir, 1 << 30, true)
    expect(readAll(second).map(m => m[0]!.readUInt32BE(0))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    second.close(true)
  })

  for (const damage of ["a record cut short", "garbage after the last record", "a record whose bytes changed"] as const) {
    test(`what a crash leaves: ${damage}; the whole records before it are read, nothing after it, and new appends follow`, () => {
      const dir = fresh()
      const first = new Spill(dir, 1 << 30, false)
      for (let i = 0; i < 50; i++) first.append(numbered(i))
      first.flush()
      const [seg] = segments(dir)
      const path = join(dir, seg!)
      const recordSize = statSync(path).size / 50
      if (damage === "a record cut short") truncateSync(path, recordSize * 40 + 37)
      if (damage === "garbage after the last record") appendFileSync(path, Buffer.from("\x00\x00\x10\x00garbage that is not a record"))
      if (damage === "a record whose bytes changed") {
        const bytes = readFileSync(path)
        bytes[recordSize * 45 + 20] ^= 0xff
        writeFileSync(path, bytes)
      }
      const second = new Spill(dir, 1 << 30, true)
      for (let i = 1000; i < 1005; i++) second.append(numbered(i))
      const got = readAll(second).map(m => m[0]!.readUInt32BE(0))
      const whole = damage === "a record cut short" ? 40 : damage === "a record whose bytes changed" ? 45 : 50
      expect(got).toEqual([...Array.from({length: whole}, (_, i) => i), 1000, 1001, 1002, 1003, 1004])
      second.close(true)
    })
  }

  test("a damaged cursor is ignored: everything on disk is read again rather than skipped", () => {
    const dir = fresh()
    const first = new Spill(dir, 1 << 30, false)
    for (let i = 0; i < 20; i++) first.append(numbered(i))
    first.read(5, () => {})
    writeFileSync(join(dir, "cursor"), Buffer.alloc(16, 0x55))
    const second = new Spill(dir, 1 << 30, true)
    expect(readAll(second).map(m => m[0]!.readUInt32BE(0))).toEqual(Array.from({length: 20}, (_, i) => i))
    second.close(true)
  })
})

test("crc32: the table and zlib agree", () => {
  fc.assert(
    fc.property(fc.uint8Array({maxLength: 2000}), bytes => {
      const b = Buffer.from(bytes)
      expect(crc32Table(b)).toBe(crc32(b))
      const native = (zlib as {crc32?: (d: Uint8Array) => number}).crc32
      if (native) expect(crc32Table(b)).toBe(native(b))
    }),
  )
  expect(crc32Table(Buffer.from("123456789"))).toBe(0xcbf43926)
})

test("a disk that refuses a write (ENOSPC): no more appends, and what was accepted is still delivered, in order", () => {
  // Segments of 1 KiB, the second of them /dev/full: every write to it fails with ENOSPC.
  const small = new Spill(fresh(), 1 << 30, false, 1024)
  for (let i = 0; i < 10; i++) small.append(numbered(i))
  small.flush() // segment 1 is full (over 1 KiB): the next flush opens segment 2
  symlinkSync("/dev/full", join(small.dir, "0000000002.seg"))
  for (let i = 10; i < 20; i++) small.append(numbered(i))
  small.flush()
  expect(small.failure).toMatchObject({code: "ENOSPC"})
  expect(small.hasRoom).toBe(false)
  expect(readAll(small).map(m => m[0]!.readUInt32BE(0))).toEqual(Array.from({length: 20}, (_, i) => i))
  expect(small.empty).toBe(true)
  small.close(true)
})
