/** Loads spec/vectors/*.json, the byte vectors spec/zmtp.md walks through. */
import {readFileSync} from "node:fs"
import {fileURLToPath} from "node:url"

export type Piece = string | {repeat: string; length: number}

export function bytes(pieces: Piece[]): Buffer {
  return Buffer.concat(
    pieces.map(p => (typeof p === "string" ? Buffer.from(p.replace(/\s+/g, ""), "hex") : Buffer.alloc(p.length, Buffer.from(p.repeat, "hex")))),
  )
}

export function loadVectors<T = any>(name: string): T {
  const path = fileURLToPath(new URL(`../../spec/vectors/${name}.json`, import.meta.url))
  return JSON.parse(readFileSync(path, "utf8")) as T
}
