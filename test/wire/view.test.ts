import {describe, expect, test} from "vitest"
import {inspect, isDeepStrictEqual} from "node:util"
import {bufferView} from "../../src/wire/view.js"
import {FrameDecoder} from "../../src/wire/frame.js"

// A received body is a bufferView of its chunk: whatever a program does with a Buffer from
// zeromq.js must work the same on it.
describe("bufferView", () => {
  const source = Buffer.from("xxhello worldyy")
  const view = bufferView(source.buffer as ArrayBuffer, source.byteOffset + 2, 11)

  test("is a Buffer to every check a program makes", () => {
    expect(Buffer.isBuffer(view)).toBe(true)
    expect(view instanceof Buffer).toBe(true)
    expect(view instanceof Uint8Array).toBe(true)
    expect(view.constructor).toBe(Buffer)
    // An ordinary Buffer: node:assert's deepStrictEqual compares prototypes.
    expect(Object.getPrototypeOf(view)).toBe(Buffer.prototype)
    expect(isDeepStrictEqual(view, Buffer.from("hello world"))).toBe(true)
    expect(view).toStrictEqual(Buffer.from("hello world"))
    expect(Buffer.from("hello world").equals(view)).toBe(true)
    expect(inspect(view)).toBe(inspect(Buffer.from("hello world")))
    expect(JSON.stringify(view)).toBe(JSON.stringify(Buffer.from("hello world")))
  })

  test("has Buffer's methods, and what they return are plain Buffers", () => {
    expect(view.toString()).toBe("hello world")
    expect(view.toString("hex")).toBe(Buffer.from("hello world").toString("hex"))
    expect(view.readUInt32BE(0)).toBe(0x68656c6c)
    const sub = view.subarray(6)
    expect(sub.toString()).toBe("world")
    expect(Object.getPrototypeOf(sub)).toBe(Buffer.prototype)
    expect(Buffer.concat([view, Buffer.from("!")]).toString()).toBe("hello world!")
  })

  test("shares the source's memory, over exactly [start, end)", () => {
    expect(view.length).toBe(11)
    expect(view.buffer).toBe(source.buffer)
    expect(view.byteOffset).toBe(source.byteOffset + 2)
    source[2] = 0x48
    expect(view.toString()).toBe("Hello world")
    source[2] = 0x68
  })

  test("the decoder hands out such views for frames inside one chunk", () => {
    const got: Buffer[][] = []
    const decoder = new FrameDecoder({onMessage: m => got.push(m), onCommand: () => {}})
    decoder.push(Buffer.from([0x01, 0x02, 0x61, 0x62, 0x00, 0x01, 0x63]))
    expect(got).toHaveLength(1)
    expect(got[0]).toStrictEqual([Buffer.from("ab"), Buffer.from("c")])
    expect(got[0]!.every(b => Buffer.isBuffer(b))).toBe(true)
    expect(isDeepStrictEqual(got[0], [Buffer.from("ab"), Buffer.from("c")])).toBe(true)
  })
})
