/**
 * The tcp connections of this process by local address and port, so that a connection can tell
 * whether its peer is a connection of this same process (engine/stalled-exit.ts). Every accepted
 * connection of a listener shares the listener's port, so each address is counted.
 */
import type {Duplex} from "node:stream"

interface Addressed {
  localAddress?: string
  localPort?: number
  remoteAddress?: string
  remotePort?: number
}

const local = new Map<string, number>()
/** Connections a listener accepted (the others were dialled). */
const accepted = new WeakSet<Duplex>()

/** An IPv4 peer of a dual-stack socket reads as ::ffff:a.b.c.d on one side and a.b.c.d on the other. */
const key = (address: string | undefined, port: number | undefined) => `${address?.startsWith("::ffff:") ? address.slice(7) : address}|${port}`

/** Notes an open tcp connection (until it closes); `byListener`: accepted, not dialled. */
export function noteLocal(stream: Duplex & Addressed, byListener: boolean): void {
  if (byListener) accepted.add(stream)
  if (stream.localPort === undefined) return
  const k = key(stream.localAddress, stream.localPort)
  local.set(k, (local.get(k) ?? 0) + 1)
  stream.once("close", () => {
    const n = (local.get(k) ?? 1) - 1
    if (n > 0) local.set(k, n)
    else local.delete(k)
  })
}

/** True when the other end of `stream` is a tcp connection of this process. */
export function peerIsLocal(stream: Duplex): boolean {
  const s = stream as Duplex & Addressed
  return s.remotePort !== undefined && local.has(key(s.remoteAddress, s.remotePort))
}

/** True when a listener of ours accepted `stream`. */
export function wasAccepted(stream: Duplex): boolean {
  return accepted.has(stream)
}
