/**
 * ZMQ_TCP_ACCEPT_FILTER: parsing a filter as libzmq's tcp_address_mask_t::resolve does with a
 * numeric-only resolver, and matching a peer's address against the filters.
 */
import {Buffer} from "node:buffer"
import {isIPv4, isIPv6} from "node:net"
import {networkInterfaces} from "node:os"

export interface TcpAcceptFilter {
  family: 4 | 6
  /** 4 or 16 network-order bytes */
  address: Buffer
  /** CIDR prefix length, 0 = match the whole family */
  mask: number
}

/** glibc's inet_aton, exact form: 1-4 parts, each decimal, octal (0…) or hex (0x…). */
function parseInetAton(s: string): Buffer | undefined {
  const parts = s.split(".")
  if (parts.length > 4) return undefined
  const values: number[] = []
  for (const p of parts) {
    let n: number
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16)
    else if (/^0[0-7]*$/.test(p)) n = parseInt(p, 8)
    else if (/^[1-9][0-9]*$/.test(p)) n = parseInt(p, 10)
    else return undefined
    values.push(n)
  }
  const last = values.pop()!
  if (values.some(n => n > 255)) return undefined
  const lastMax = 2 ** (8 * (4 - values.length)) - 1
  if (last > lastMax) return undefined
  const out = Buffer.alloc(4)
  values.forEach((n, i) => (out[i] = n))
  out.writeUIntBE(last, values.length, 4 - values.length)
  return out
}

function parseIPv6(s: string): Buffer | undefined {
  if (!isIPv6(s)) return undefined
  const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined]
  const words = (part: string | undefined): number[] => {
    if (!part) return []
    const out: number[] = []
    for (const w of part.split(":")) {
      if (isIPv4(w)) {
        const b = w.split(".").map(Number)
        out.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!)
      } else out.push(parseInt(w, 16))
    }
    return out
  }
  const h = words(head)
  const t = words(tail)
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t]
  const out = Buffer.alloc(16)
  all.forEach((w, i) => out.writeUInt16BE(w, i * 2))
  return out
}

export function parseAcceptFilter(name: string, ipv6: boolean): TcpAcceptFilter | undefined {
  let addr = name
  let maskStr: string | undefined
  const slash = name.lastIndexOf("/")
  if (slash >= 0) {
    addr = name.slice(0, slash)
    maskStr = name.slice(slash + 1)
    if (maskStr === "") return undefined
  }
  if (addr.startsWith("[") && addr.endsWith("]")) addr = addr.slice(1, -1)

  let family: 4 | 6
  let address: Buffer
  const v4 = parseInetAton(addr)
  if (v4) {
    // With ZMQ_IPV6 the resolver asks for AF_INET6 with AI_V4MAPPED.
    if (ipv6) [family, address] = [6, Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), v4])]
    else [family, address] = [4, v4]
  } else {
    const pct = addr.indexOf("%")
    const host = pct < 0 ? addr : addr.slice(0, pct)
    if (pct >= 0) {
      if (!ipv6) return undefined
      const scope = addr.slice(pct + 1)
      if (!/^[0-9]+$/.test(scope) && !(scope in networkInterfaces())) return undefined
    }
    const v6 = parseIPv6(host)
    if (!v6) return undefined
    const mapped = v6.subarray(0, 12).equals(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]))
    if (ipv6) [family, address] = [6, v6]
    else if (mapped) [family, address] = [4, Buffer.from(v6.subarray(12))] // glibc maps ::ffff:a.b.c.d back to AF_INET
    else return undefined
  }

  const full = family === 6 ? 128 : 32
  let mask = full
  if (maskStr !== undefined) {
    if (maskStr === "0") mask = 0
    else {
      // strtol: leading whitespace, optional sign, digits; trailing junk ignored.
      const m = /^\s*([+-]?\d+)/.exec(maskStr)
      const n = m ? parseInt(m[1]!, 10) : 0
      if (n < 1 || n > full) return undefined
      mask = n
    }
  }
  return {family, address, mask}
}

/** Whether the filters let a peer at `ip` in (no filters: everyone). */
export function acceptsPeer(filters: readonly TcpAcceptFilter[], ip: string): boolean {
  if (filters.length === 0) return true
  const v4 = isIPv4(ip) ? parseInetAton(ip) : undefined
  const v6 = v4 ? undefined : parseIPv6(ip.replace(/%.*$/, ""))
  const [family, bytes] = v4 ? [4, v4] : v6 ? [6, v6] : [0, undefined]
  if (!bytes) return false
  return filters.some(f => {
    if (f.family !== family) return false
    const full = Math.floor(f.mask / 8)
    if (!f.address.subarray(0, full).equals(bytes.subarray(0, full))) return false
    const bits = f.mask % 8
    if (bits === 0) return true
    const m = (0xff << (8 - bits)) & 0xff
    return (f.address[full]! & m) === (bytes[full]! & m)
  })
}
