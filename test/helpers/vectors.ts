/** Loads spec/vectors/*.json, the byte vectors spec/zmtp.md and spec/security.md walk through. */
import {readFileSync} from "node:fs"
import {fileURLToPath} from "node:url"

/** A piece of a byte string: hex (spaces allowed), one byte repeated, or ASCII text (nonce prefixes). */
export type Piece = string | {repeat: string; length: number} | {ascii: string}

export function bytes(pieces: Piece[]): Buffer {
  return Buffer.concat(
    pieces.map(p =>
      typeof p === "string"
        ? Buffer.from(p.replace(/\s+/g, ""), "hex")
        : "ascii" in p
          ? Buffer.from(p.ascii, "latin1")
          : Buffer.alloc(p.length, Buffer.from(p.repeat, "hex")),
    ),
  )
}

export function loadVectors<T = any>(name: string): T {
  const path = fileURLToPath(new URL(`../../spec/vectors/${name}.json`, import.meta.url))
  return JSON.parse(readFileSync(path, "utf8")) as T
}
