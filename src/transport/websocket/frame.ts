/**
 * WebSocket frames (RFC 6455 §5.2):
 *
 *   byte 0: FIN (0x80), RSV1-3 (0x70), opcode (0x0f)
 *   byte 1: MASK (0x80), payload length 0-125, or 126 + 2 bytes, or 127 + 8 bytes (minimal form)
 *   then a 4-byte masking key when MASK is set, then the payload, XORed with the key when masked.
 *
 * A client masks every frame it sends, a server none (§5.1). Masking here always writes into a new
 * buffer: the caller's bytes are never touched.
 */
import {Buffer} from "node:buffer"

export const Opcode = {Continuation: 0, Text: 1, Binary: 2, Close: 8, Ping: 9, Pong: 10} as const

/** Header size for a payload of `length` bytes, with or without a mask. */
function headerSize(length: number, masked: boolean): number {
  return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0)
}

function writeHeader(out: Buffer, opcode: number, length: number, mask: Uint8Array | null, fin: boolean): number {
  out[0] = (fin ? 0x80 : 0) | (opcode & 0x0f)
  const maskBit = mask ? 0x80 : 0
  let at: number
  if (length < 126) {
    out[1] = maskBit | length
    at = 2
  } else if (length < 0x10000) {
    out[1] = maskBit | 126
    out.writeUInt16BE(length, 2)
    at = 4
  } else {
    out[1] = maskBit | 127
    out.writeBigUInt64BE(BigInt(length), 2)
    at = 10
  }
  if (mask) {
    out.set(mask.subarray(0, 4), at)
    at += 4
  }
  return at
}

/** A frame header alone (a server's unmasked frame: the payload is written after it as it is). */
export function encodeFrameHeader(opcode: number, length: number, mask: Uint8Array | null, fin = true): Buffer {
  const out = Buffer.allocUnsafe(headerSize(length, mask !== null))
  writeHeader(out, opcode, length, mask, fin)
  return out
}

/** One whole frame; a payload given in pieces is joined (masked, when a mask is given). */
export function encodeFrame(opcode: number, payload: Uint8Array | readonly Uint8Array[], mask: Uint8Array | null, fin = true): Buffer {
  const parts: readonly Uint8Array[] = payload instanceof Uint8Array ? [payload] : payload
  let length = 0
  for (const p of parts) length += p.length
  const out = Buffer.allocUnsafe(headerSize(length, mask !== null) + length)
  let at = writeHeader(out, opcode, length, mask, fin)
  let i = 0
  for (const p of parts) {
    if (mask) {
      // §5.3: octet i of the payload is XORed with octet i mod 4 of the key.
      for (let j = 0; j < p.length; j++, i++) out[at + j] = p[j]! ^ mask[i & 3]!
    } else {
      out.set(p, at)
    }
    at += p.length
  }
  return out
}

/** A fresh masking key (§5.3: unpredictable, from a strong source). */
export function randomMask(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(4))
}
