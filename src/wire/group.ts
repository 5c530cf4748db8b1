// TEMPORARY (replaced by the draft-spec branch's codec at merge)
import {Buffer} from "node:buffer"
export const GROUP_MAX_LENGTH = 255
export function groupName(value: Buffer | string): Buffer {
  const b = typeof value === "string" ? Buffer.from(value, "utf8") : value
  const nul = b.indexOf(0)
  return nul < 0 ? b : b.subarray(0, nul)
}
export function encodeRadioDatagram(group: Uint8Array, body: Uint8Array): Buffer {
  if (group.length > GROUP_MAX_LENGTH) throw new RangeError("group too long")
  const out = Buffer.allocUnsafe(1 + group.length + body.length)
  out[0] = group.length
  out.set(group, 1)
  out.set(body, 1 + group.length)
  return out
}
export function decodeRadioDatagram(d: Uint8Array): {group: Buffer; body: Buffer} | null {
  if (d.length < 1 || d[0]! + 1 > d.length) return null
  const b = Buffer.from(d.buffer, d.byteOffset, d.byteLength)
  return {group: b.subarray(1, 1 + d[0]!), body: b.subarray(1 + d[0]!)}
}
