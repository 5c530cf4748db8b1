/**
 * The raw `net` floor: what moving ZMTP frames costs with nothing else in the way. The sender
 * writes pre-framed ZMTP frames in large batches (no handshake, no queues, no promises per
 * message); the receiver parses each frame header and slices each body, which is the least any
 * ZMTP receiver must do. A body that spans socket reads is gathered into one Buffer, because a
 * message handed to an application is one Buffer.
 */
import net from "node:net"
import {once} from "node:events"

const FLAG_MORE = 0x01
const FLAG_LONG = 0x02

/** One ZMTP frame (header + body), flags without LONG (added when needed). */
export function frame(body, flags = 0) {
  const long = body.length > 255
  const out = Buffer.allocUnsafe((long ? 9 : 2) + body.length)
  let at
  if (long) {
    out[0] = flags | FLAG_LONG
    out.writeUInt32BE(Math.floor(body.length / 0x100000000), 1)
    out.writeUInt32BE(body.length >>> 0, 5)
    at = 9
  } else {
    out[0] = flags
    out[1] = body.length
    at = 2
  }
  body.copy(out, at)
  return out
}

/** `count` copies of the framed body back to back, in one buffer. */
export function batch(body, count) {
  const one = frame(body)
  const out = Buffer.allocUnsafe(one.length * count)
  for (let i = 0; i < count; i++) one.copy(out, i * one.length)
  return out
}

/** How many frames of this body fit in a batch of about `bytes` bytes (at least 1). */
export function framesPerBatch(bodySize, bytes = 256 * 1024) {
  return Math.max(1, Math.floor(bytes / ((bodySize > 255 ? 9 : 2) + bodySize)))
}

/**
 * Writes `total` frames of `body` to `sock` in large batches, respecting backpressure. Resolves
 * when everything is handed to the kernel (or the stream buffer).
 */
export async function writeFrames(sock, body, total, batchBytes = 256 * 1024) {
  const per = framesPerBatch(body.length, batchBytes)
  const full = batch(body, per)
  let left = total
  while (left > 0) {
    const n = Math.min(per, left)
    const buf = n === per ? full : full.subarray(0, (full.length / per) * n)
    left -= n
    if (!sock.write(buf)) await once(sock, "drain")
  }
}

/**
 * A streaming frame parser: `push(chunk)` calls `onFrame(flags, body)` for every complete frame,
 * whatever the chunking. Bodies inside one chunk are slices (no copy).
 */
export class FrameParser {
  constructor(onFrame) {
    this.onFrame = onFrame
    this.pending = null // header bytes split across chunks
    this.body = null // body being gathered across chunks
    this.bodyFilled = 0
    this.bodyFlags = 0
  }

  push(chunk) {
    let pos = 0
    if (this.body) {
      const take = Math.min(this.body.length - this.bodyFilled, chunk.length)
      chunk.copy(this.body, this.bodyFilled, 0, take)
      this.bodyFilled += take
      pos = take
      if (this.bodyFilled < this.body.length) return
      const body = this.body
      this.body = null
      this.onFrame(this.bodyFlags, body)
    }
    if (this.pending) {
      chunk = Buffer.concat([this.pending, chunk.subarray(pos)])
      this.pending = null
      pos = 0
    }
    const len = chunk.length
    while (pos < len) {
      const flags = chunk[pos]
      let size
      let header
      if (flags & FLAG_LONG) {
        if (pos + 9 > len) break
        size = chunk.readUInt32BE(pos + 1) * 0x100000000 + chunk.readUInt32BE(pos + 5)
        header = 9
      } else {
        if (pos + 2 > len) break
        size = chunk[pos + 1]
        header = 2
      }
      const start = pos + header
      if (start + size <= len) {
        this.onFrame(flags, chunk.subarray(start, start + size))
        pos = start + size
      } else {
        this.body = Buffer.allocUnsafe(size)
        chunk.copy(this.body, 0, start, len)
        this.bodyFilled = len - start
        this.bodyFlags = flags
        return
      }
    }
    if (pos < len) this.pending = chunk.subarray(pos)
  }
}

export const isLast = flags => (flags & FLAG_MORE) === 0

/** A net server on the endpoint ("tcp://127.0.0.1:*" or "ipc:///path"); resolves with [server, address]. */
export async function listen(address, onConnection, backlog = 511) {
  const server = net.createServer({noDelay: true}, onConnection)
  if (address.startsWith("tcp://")) {
    const [, host, port] = /^tcp:\/\/(.*):(\*|\d+)$/.exec(address)
    server.listen({port: port === "*" ? 0 : Number(port), host, backlog})
    await once(server, "listening")
    return [server, `tcp://${host}:${server.address().port}`]
  }
  server.listen({path: address.slice("ipc://".length), backlog})
  await once(server, "listening")
  return [server, address]
}

/** Connects to a "tcp://host:port" or "ipc:///path" endpoint. */
export async function connect(address) {
  const sock = address.startsWith("tcp://")
    ? net.connect({host: address.slice(6, address.lastIndexOf(":")), port: Number(address.slice(address.lastIndexOf(":") + 1)), noDelay: true})
    : net.connect({path: address.slice("ipc://".length)})
  await once(sock, "connect")
  return sock
}
