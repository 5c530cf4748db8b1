/**
 * The raw `net` floor: what moving ZMTP frames costs with nothing else in the way, done the fastest
 * way Node offers, so that it bounds every contender at every message size.
 *
 * - Sending (writeFrames): no handshake, no queues, no promise per message. Small frames are
 *   framed once, in advance, into a 256 KiB batch that is written again and again; a large body
 *   (64 KiB and up) is written as it is, after its 9-byte header, both in one writev (cork), so
 *   nothing is copied in user space. Several writes stay in flight: the writer queues batches
 *   until 8 MiB are written but not yet flushed, and tops up from each write's callback, so the
 *   kernel's send buffer never waits on the event loop for more bytes.
 * - Receiving (FrameCounter, readFrames): the socket reads straight into one preallocated buffer
 *   (net's `onread` option), which is parsed in place: frame headers are read, bodies are skipped
 *   over and counted, nothing is sliced, copied or allocated per read or per message. That is less
 *   than any ZMTP receiver can do, since it has to hand each message to the application.
 *
 * FrameParser (bodies as Buffers, gathered across reads) is what the echo and ROUTER floors use.
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

/** Bodies at least this large are written as they are (header + body in one writev), not batched. */
const LARGE_BODY = 64 * 1024
/** The 9-byte header of a single-frame message of `size` bytes (LONG: size > 255). */
function longHeader(size, flags = 0) {
  const out = Buffer.allocUnsafe(9)
  out[0] = flags | FLAG_LONG
  out.writeUInt32BE(Math.floor(size / 0x100000000), 1)
  out.writeUInt32BE(size >>> 0, 5)
  return out
}

/**
 * Writes `total` single-frame messages of `body` to `sock`. Small bodies go in pre-framed batches
 * of about `batchBytes`; large ones as [header, body] pairs (corked, so one writev), about
 * `batchBytes` at a time. It keeps writing until `highWater` bytes are queued and not yet flushed
 * to the kernel, and tops up as each write completes, so several writes are always in flight.
 * Resolves when every byte is handed to the kernel.
 */
export function writeFrames(sock, body, total, {batchBytes = 256 * 1024, highWater = 8 * 1024 * 1024} = {}) {
  return new Promise((resolve, reject) => {
    let left = total
    let inflight = 0
    let failed = false
    let writeBatch // (n messages) => bytes queued
    let per
    if (body.length >= LARGE_BODY) {
      const header = longHeader(body.length)
      per = Math.max(1, Math.floor(batchBytes / body.length))
      writeBatch = n => {
        sock.cork()
        for (let i = 0; i < n - 1; i++) {
          sock.write(header)
          sock.write(body)
        }
        sock.write(header)
        sock.write(body, done)
        sock.uncork()
        return n * (9 + body.length)
      }
    } else {
      per = framesPerBatch(body.length, batchBytes)
      const full = batch(body, per)
      const one = full.length / per
      writeBatch = n => {
        sock.write(n === per ? full : full.subarray(0, one * n), done)
        return one * n
      }
    }
    const sizes = [] // bytes of each batch in flight, oldest first (callbacks come in order)
    let head = 0
    function done(err) {
      if (failed) return
      if (err) {
        failed = true
        reject(err)
        return
      }
      inflight -= sizes[head++]
      if (head > 1024) {
        sizes.splice(0, head)
        head = 0
      }
      pump()
    }
    function pump() {
      while (left > 0 && inflight < highWater) {
        const n = Math.min(per, left)
        left -= n
        const bytes = writeBatch(n)
        sizes.push(bytes)
        inflight += bytes
      }
      if (left === 0 && inflight === 0) resolve()
    }
    pump()
  })
}

/**
 * Counts ZMTP frames and messages in a byte stream without keeping them: `push(buf, n)` parses
 * buf[0, n) in place, whatever the chunking (a header split across reads is gathered, a body is
 * skipped over). `t0` is taken when the first message completes and `t1` when message `limit`
 * does, which then calls `onDone`. `bytes` sums the bodies' sizes (as their headers announce them).
 */
export class FrameCounter {
  constructor(limit = Infinity, onDone = () => {}) {
    this.limit = limit
    this.onDone = onDone
    this.messages = 0
    this.frames = 0
    this.bytes = 0
    this.t0 = 0
    this.t1 = 0
    this.skip = 0 // body bytes of the current frame still to come
    this.more = 0 // the current frame's MORE flag
    this.hdr = Buffer.alloc(9) // a header split across reads
    this.hdrHave = 0
  }

  /** One frame ended (its MORE flag `more`). */
  frameEnd(more) {
    this.frames++
    if (more) return
    const m = ++this.messages
    if (m === 1) this.t0 = performance.now()
    if (m === this.limit) {
      this.t1 = performance.now()
      this.onDone()
    }
  }

  push(buf, end = buf.length) {
    let pos = 0
    if (this.skip > 0) {
      if (this.skip > end) {
        this.skip -= end
        return
      }
      pos = this.skip
      this.skip = 0
      this.frameEnd(this.more)
    }
    if (this.hdrHave > 0) {
      const hdr = this.hdr
      const need = hdr[0] & FLAG_LONG ? 9 : 2
      const take = Math.min(need - this.hdrHave, end - pos)
      for (let i = 0; i < take; i++) hdr[this.hdrHave + i] = buf[pos + i]
      this.hdrHave += take
      pos += take
      if (this.hdrHave < need) return
      this.hdrHave = 0
      const size = need === 9 ? hdr.readUInt32BE(1) * 0x100000000 + hdr.readUInt32BE(5) : hdr[1]
      this.bytes += size
      if (pos + size > end) {
        this.skip = pos + size - end
        this.more = hdr[0] & FLAG_MORE
        return
      }
      pos += size
      this.frameEnd(hdr[0] & FLAG_MORE)
    }
    let frames = 0
    let bytes = 0
    while (pos < end) {
      const flags = buf[pos]
      let stop
      if (flags & FLAG_LONG) {
        if (pos + 9 > end) break
        const size = buf.readUInt32BE(pos + 1) * 0x100000000 + buf.readUInt32BE(pos + 5)
        bytes += size
        stop = pos + 9 + size
      } else {
        if (pos + 2 > end) break
        bytes += buf[pos + 1]
        stop = pos + 2 + buf[pos + 1]
      }
      if (stop > end) {
        this.skip = stop - end
        this.more = flags & FLAG_MORE
        pos = end
        break
      }
      pos = stop
      if (flags & FLAG_MORE) {
        frames++
        continue
      }
      // A whole message: count it here unless it is the first or the limit (timestamps).
      const m = this.messages + 1
      if (m === 1 || m === this.limit) {
        this.frameEnd(0)
      } else {
        this.messages = m
        frames++
      }
    }
    this.frames += frames
    this.bytes += bytes
    if (pos < end) {
      // A header split across reads.
      for (let i = pos; i < end; i++) this.hdr[i - pos] = buf[i]
      this.hdrHave = end - pos
    }
  }
}

/** The buffer each floor connection reads into (allocated once; 1 MiB measured a little faster than 256 KiB at 64 KiB and 1 MiB messages). */
export const READ_BUFFER_BYTES = 1024 * 1024

/** A net `onread` option that feeds each read into `counter`, in place. */
export function countingOnread(counter, bytes = READ_BUFFER_BYTES) {
  return {
    buffer: Buffer.allocUnsafe(bytes),
    callback: (n, buf) => {
      counter.push(buf, n)
      return true
    },
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

/**
 * A net server on the endpoint ("tcp://127.0.0.1:*" or "ipc:///path"); resolves with [server, address].
 * With `makeOnread` (a function returning a net `onread` option), each accepted connection reads
 * through it: net.Server has no `onread` option, so the server accepts paused and the accepted
 * handle is moved into a net.Socket made with one (as zmtp does, src/transport/direct-read.ts).
 * Where this Node's internals differ, the connection reads as usual, its "data" chunks fed to the
 * option's callback (one more allocation per read, no copy).
 */
export async function listen(address, onConnection, backlog = 511, makeOnread = null) {
  const accept = makeOnread ? sock => onConnection(withOnread(sock, makeOnread())) : onConnection
  const server = net.createServer({noDelay: true, pauseOnConnect: makeOnread !== null}, accept)
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

function withOnread(accepted, onread) {
  const handle = accepted._handle
  if (handle && typeof handle.useUserBuffer === "function") {
    accepted._handle = null
    accepted.destroy()
    return new net.Socket({handle, onread, readable: true, writable: true})
  }
  accepted.on("data", chunk => onread.callback(chunk.length, chunk))
  accepted.resume()
  return accepted
}

/** Connects to a "tcp://host:port" or "ipc:///path" endpoint (reading through `onread`, if given). */
export async function connect(address, onread = undefined) {
  const sock = address.startsWith("tcp://")
    ? net.connect({host: address.slice(6, address.lastIndexOf(":")), port: Number(address.slice(address.lastIndexOf(":") + 1)), noDelay: true, onread})
    : net.connect({path: address.slice("ipc://".length), onread})
  await once(sock, "connect")
  return sock
}
