/**
 * node:crypto in the browser build: random bytes from the Web Crypto API and a constant-time
 * compare. CURVE's X25519 comes from node:crypto on Node and is not in the browser build yet:
 * a CURVE socket in a page fails its handshake with this error.
 */
import {Buffer} from "buffer"

const NO_X25519 = "CURVE is not available in zmtp's browser build (X25519 comes from node:crypto); use NULL or PLAIN over wss://"

export function randomBytes(size: number): Buffer {
  const out = Buffer.alloc(size)
  // getRandomValues fills at most 65536 bytes per call.
  for (let at = 0; at < size; at += 65536) globalThis.crypto.getRandomValues(out.subarray(at, Math.min(size, at + 65536)))
  return out
}

export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) throw new RangeError("Input buffers must have the same byte length")
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

function unavailable(): never {
  throw new Error(NO_X25519)
}

export const generateKeyPairSync = unavailable
export const createPrivateKey = unavailable
export const createPublicKey = unavailable
export const diffieHellman = unavailable
export function createHash(): never {
  throw new Error("node:crypto hashes are not available in zmtp's browser build")
}
