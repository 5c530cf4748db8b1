/**
 * A resync walked over a shared snapshot (src/filemq/resync.ts): what it hands out, in which
 * order, and the QUEUE-FILES / QUEUE-BYTES it counts, which must reach 0 with the last file handed
 * out (the client takes that as "up to date").
 */
import {describe, expect, test} from "vitest"
import {ResyncCursor, type Snapshot} from "../../src/filemq/resync.js"
import type {FileVersion} from "../../src/filemq/tree.js"

const version = (rel: string, size: number, sha1: string): FileVersion => ({rel, size, sha1, mtimeMs: 0, ino: 0})
const A = "A".repeat(40)
const B = "B".repeat(40)

const snapshot: Snapshot = [
  ["/a.bin", version("a.bin", 100, A)],
  ["/b.bin", version("b.bin", 200, B)],
  ["/c.bin", version("c.bin", 300, A)],
  ["/d.bin", version("d.bin", 400, B)],
]

function drain(c: ResyncCursor): [string, number, number, number][] {
  const out: [string, number, number, number][] = []
  for (let next = c.take(); next; next = c.take()) out.push([next[0], next[1].size, c.files, c.bytes])
  return out
}

describe("ResyncCursor", () => {
  test("hands out every file in path order, counting down to 0 with the last", () => {
    const c = new ResyncCursor("/", snapshot, new Map(), new Map())
    expect([c.files, c.bytes]).toEqual([4, 1000])
    expect(drain(c)).toEqual([
      ["/a.bin", 100, 3, 900],
      ["/b.bin", 200, 2, 700],
      ["/c.bin", 300, 1, 400],
      ["/d.bin", 400, 0, 0],
    ])
    expect(c.done).toBe(true)
  })

  test("passes over what the client's cache matches, and sends a resumed file from its offset", () => {
    const cache = new Map([
      ["/b.bin", B],
      ["/c.bin", B], // another version: sent
      ["/d.bin", B],
    ])
    const resume = new Map([["/c.bin", {sha1: A, offset: 120}]])
    const c = new ResyncCursor("/", snapshot, cache, resume)
    expect([c.files, c.bytes]).toEqual([2, 280])
    const got = drain(c)
    expect(got).toEqual([
      ["/a.bin", 100, 1, 180],
      ["/c.bin", 180, 0, 0],
    ])
  })

  test("a file that changes ahead of the cursor is withdrawn (uncounted); one behind it is not", () => {
    const c = new ResyncCursor("/", snapshot, new Map(), new Map())
    expect(c.take()![0]).toBe("/a.bin")
    expect(c.withdraw("/a.bin")).toBe(false) // behind: the caller queues it, the cursor has done with it
    expect(c.withdraw("/c.bin")).toBe(true)
    expect(c.withdraw("/c.bin")).toBe(false) // already withdrawn
    expect(c.withdraw("/new.bin")).toBe(false) // not in the snapshot
    expect([c.files, c.bytes]).toEqual([2, 600])
    expect(drain(c)).toEqual([
      ["/b.bin", 200, 1, 400],
      ["/d.bin", 400, 0, 0],
    ])
  })

  test("withdrawing a file the cache matches changes no count", () => {
    const c = new ResyncCursor("/", snapshot, new Map([["/b.bin", B]]), new Map())
    expect([c.files, c.bytes]).toEqual([3, 800])
    expect(c.withdraw("/b.bin")).toBe(true)
    expect([c.files, c.bytes]).toEqual([3, 800])
    expect(drain(c).map(x => x[0])).toEqual(["/a.bin", "/c.bin", "/d.bin"])
  })
})
