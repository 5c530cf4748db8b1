/**
 * node:net, node:tls, node:http, node:dgram, node:fs, node:zlib and node:util in the browser build: what a
 * page cannot have. zmtp refuses those transports with a clear error before it gets here
 * (session/endpoints.ts); these only make the modules load. isIP and friends are real.
 */
function unavailable(): never {
  throw new Error("Not available in a browser: a page can only connect over ws:// or wss://, or use inproc://")
}

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
export function isIPv4(s: string): boolean {
  return V4.test(s)
}
export function isIPv6(s: string): boolean {
  if (!s.includes(":") || !/^[0-9a-fA-F:.]+$/.test(s)) return false
  const parts = s.split("::")
  if (parts.length > 2) return false
  const groups = s.split(":").filter(g => g.length > 0)
  const last = groups[groups.length - 1] ?? ""
  const v4Tail = last.includes(".")
  if (v4Tail && !isIPv4(last)) return false
  const count = groups.length + (v4Tail ? 1 : 0)
  if (groups.some((g, i) => !(i === groups.length - 1 && v4Tail) && !/^[0-9a-fA-F]{1,4}$/.test(g))) return false
  return parts.length === 2 ? count < 8 : count === 8
}
export function isIP(s: string): 0 | 4 | 6 {
  return isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0
}

export const createServer = unavailable
export const connect = unavailable
export const createConnection = unavailable
export const createSocket = unavailable
export const createSecureContext = unavailable
export const checkServerIdentity = unavailable
export const rootCertificates: string[] = []
export class Socket {
  constructor() {
    unavailable()
  }
}
export class TLSSocket extends Socket {}
export const unlinkSync = unavailable
// node:fs as spill to disk uses it (engine/spill.ts): setting spillDirectory in a page fails at bind/connect.
export const closeSync = unavailable
export const existsSync = unavailable
export const fstatSync = unavailable
export const ftruncateSync = unavailable
export const mkdirSync = unavailable
export const openSync = unavailable
export const readdirSync = unavailable
export const readFileSync = unavailable
export const readSync = unavailable
export const rmSync = unavailable
export const writeSync = unavailable
// node:zlib: crc32 absent, so engine/crc32.ts uses its table.
export const crc32 = undefined
export const watch = unavailable
export const constants = {}
export function getSystemErrorName(code: number): string {
  return `E${-code}`
}

export default {isIP, isIPv4, isIPv6, createServer, connect, createConnection, Socket, TLSSocket, createSecureContext, checkServerIdentity, rootCertificates}
