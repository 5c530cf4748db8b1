/** Bytes cut into chunks, as a socket may deliver them (shared by the codec tests). */
import type {Buffer} from "node:buffer"

/** `bytes` cut at the given points (each taken mod length + 1), in order. */
export function split(bytes: Buffer, at: readonly number[]): Buffer[] {
  const points = [...new Set(at.map(p => p % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let last = 0
  for (const p of points) {
    out.push(bytes.subarray(last, p))
    last = p
  }
  out.push(bytes.subarray(last))
  return out
}
