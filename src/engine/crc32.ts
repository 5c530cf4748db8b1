/**
 * CRC-32 (ISO-HDLC, zlib's), for the spill log's records (spill.ts). Node ≥ 20.15 has it in C
 * (zlib.crc32, ~10× faster than a table in JavaScript); elsewhere (older Node, some runtimes)
 * the table below gives the same values.
 */
import type {Buffer} from "node:buffer"
import * as zlib from "node:zlib"

let table: Int32Array | null = null

function crc32Table(data: Uint8Array): number {
  if (table === null) {
    table = new Int32Array(256)
    for (let n = 0; n < 256; n++) {
      let c = n
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
      table[n] = c
    }
  }
  let crc = -1
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ -1) >>> 0
}

const native = (zlib as {crc32?: (data: Uint8Array) => number}).crc32

export const crc32: (data: Buffer) => number = typeof native === "function" ? data => native(data) : crc32Table

/** The JavaScript version, for the test that checks both agree. */
export {crc32Table}
