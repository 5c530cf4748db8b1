/**
 * The FILEMQ v2 field encodings (spec/filemq.md §2), read and written exactly as the C master
 * (zeromq/filemq, `fmq_msg.c`) does:
 *
 * - number-1/2/4/8: unsigned big-endian. Number-8 fields are JavaScript numbers; a value above
 *   2^53 - 1 (e.g. "unlimited" credit) decodes as Number.MAX_SAFE_INTEGER (saturates).
 * - string: 1-octet length + UTF-8 bytes (at most 255 bytes; the encoder refuses longer ones,
 *   unlike the C encoder, which writes a corrupt frame).
 * - longstr: 4-octet length + UTF-8 bytes.
 * - hash: 4-octet count, then count x (name: string, value: longstr). On decode the first of two
 *   equal names wins, as in the C `zhash`.
 * - chunk: 4-octet length + raw octets (returned as a view into the frame, never copied).
 *
 * The Reader checks every length against the bytes left before it reads anything, so a frame
 * never makes it allocate more than the frame holds; both sides fail only with FmqProtocolError,
 * which is declared here, at the bottom layer, with the codes of every layer above. Which fields
 * a command has, in which order, is codec.ts's table.
 */
import {Buffer} from "node:buffer"

export type Hash = Map<string, string>

export type FmqErrorCode =
  /** Fewer than 3 octets, or not AA A3. */
  | "ERR_FMQ_SIGNATURE"
  /** An id that v2 does not define (2 and 3 were v1's ORLY/YARLY). */
  | "ERR_FMQ_UNKNOWN_ID"
  /** A field runs past the end of the frame. */
  | "ERR_FMQ_TRUNCATED"
  /** Octets left over after the last field. */
  | "ERR_FMQ_TRAILING"
  /** OHAI.protocol is not "FILEMQ". */
  | "ERR_FMQ_PROTOCOL"
  /** OHAI.version is not 2. */
  | "ERR_FMQ_VERSION"
  /** A command arrived as more than one ZeroMQ frame. */
  | "ERR_FMQ_FRAMES"
  /** The encoder was given a value it cannot put on the wire. */
  | "ERR_FMQ_ENCODE"

export class FmqProtocolError extends Error {
  override readonly name = "FmqProtocolError"
  constructor(
    readonly code: FmqErrorCode,
    message: string,
    /** Byte offset in the frame where the problem was found (decode errors). */
    readonly offset = -1,
  ) {
    super(message)
  }
}

// ---- reading ---------------------------------------------------------------------------------

/** Reads the fields of one frame in order, starting after the signature and id (octet 3). */
export class Reader {
  pos = 3
  constructor(readonly buf: Buffer) {}

  get left(): number {
    return this.buf.length - this.pos
  }

  private need(n: number, what: string): void {
    if (n > this.left) throw new FmqProtocolError("ERR_FMQ_TRUNCATED", `${what}: needs ${n} octets, ${this.left} left`, this.pos)
  }

  u8(what: string): number {
    this.need(1, what)
    return this.buf[this.pos++]!
  }

  u16(what: string): number {
    this.need(2, what)
    const v = this.buf.readUInt16BE(this.pos)
    this.pos += 2
    return v
  }

  u32(what: string): number {
    this.need(4, what)
    const v = this.buf.readUInt32BE(this.pos)
    this.pos += 4
    return v
  }

  u64(what: string): number {
    this.need(8, what)
    const hi = this.buf.readUInt32BE(this.pos)
    const lo = this.buf.readUInt32BE(this.pos + 4)
    this.pos += 8
    // 2^53 - 1 is hi = 0x1FFFFF, lo = 0xFFFFFFFF: anything above saturates.
    if (hi > 0x1fffff) return Number.MAX_SAFE_INTEGER
    return hi * 0x100000000 + lo
  }

  bytes(n: number, what: string): Buffer {
    this.need(n, what)
    const v = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return v
  }

  string(what: string): string {
    const n = this.u8(what)
    return this.bytes(n, what).toString("utf8")
  }

  longstr(what: string): string {
    const n = this.u32(what)
    return this.bytes(n, what).toString("utf8")
  }

  hash(what: string): Hash {
    const count = this.u32(what)
    // Each entry takes at least 5 octets (empty name, empty value): refuse absurd counts up front.
    if (count * 5 > this.left) throw new FmqProtocolError("ERR_FMQ_TRUNCATED", `${what}: ${count} entries cannot fit in ${this.left} octets`, this.pos - 4)
    const map: Hash = new Map()
    for (let i = 0; i < count; i++) {
      const name = this.string(what)
      const value = this.longstr(what)
      if (!map.has(name)) map.set(name, value)
    }
    return map
  }

  end(): void {
    if (this.left !== 0) throw new FmqProtocolError("ERR_FMQ_TRAILING", `${this.left} octets after the last field`, this.pos)
  }
}

// ---- writing ---------------------------------------------------------------------------------

export function encodeError(message: string): FmqProtocolError {
  return new FmqProtocolError("ERR_FMQ_ENCODE", message)
}

function checkNumber(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw encodeError(`${what} must be an integer in 0..${max}, got ${value}`)
  return value
}

/** Collects the fields of one frame in order; done() joins them into the frame. */
export class Writer {
  private parts: Buffer[] = []
  private size = 0
  private reserved = 0

  private push(b: Buffer): void {
    this.parts.push(b)
    this.size += b.length
  }

  u8(v: number, what: string): void {
    const b = Buffer.allocUnsafe(1)
    b[0] = checkNumber(v, 0xff, what)
    this.push(b)
  }

  u16(v: number, what: string): void {
    const b = Buffer.allocUnsafe(2)
    b.writeUInt16BE(checkNumber(v, 0xffff, what))
    this.push(b)
  }

  u32(v: number, what: string): void {
    const b = Buffer.allocUnsafe(4)
    b.writeUInt32BE(checkNumber(v, 0xffffffff, what))
    this.push(b)
  }

  u64(v: number, what: string): void {
    const b = Buffer.allocUnsafe(8)
    checkNumber(v, Number.MAX_SAFE_INTEGER, what)
    b.writeUInt32BE(Math.floor(v / 0x100000000), 0)
    b.writeUInt32BE(v >>> 0, 4)
    this.push(b)
  }

  string(s: string, what: string): void {
    if (typeof s !== "string") throw encodeError(`${what} must be a string`)
    const b = Buffer.from(s, "utf8")
    if (b.length > 255) throw encodeError(`${what} is ${b.length} UTF-8 octets; a FILEMQ string holds at most 255`)
    this.u8(b.length, what)
    this.push(b)
  }

  longstr(s: string, what: string): void {
    if (typeof s !== "string") throw encodeError(`${what} must be a string`)
    const b = Buffer.from(s, "utf8")
    this.u32(b.length, what)
    this.push(b)
  }

  hash(h: Hash | Record<string, string> | undefined, what: string): void {
    const entries = h === undefined ? [] : h instanceof Map ? [...h] : Object.entries(h)
    this.u32(entries.length, what)
    for (const [k, v] of entries) {
      this.string(k, `${what} name`)
      this.longstr(v, `${what}[${k}]`)
    }
  }

  chunk(b: Uint8Array, what: string): void {
    if (!(b instanceof Uint8Array)) throw encodeError(`${what} must be a Buffer`)
    this.u32(b.length, what)
    this.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength))
  }

  /** A chunk of n bytes the caller fills in after done(): its length now, its bytes at the end. */
  room(n: number, what: string): void {
    this.u32(n, what)
    this.reserved = n
  }

  done(): Buffer {
    if (this.reserved === 0) return Buffer.concat(this.parts, this.size)
    const out = Buffer.allocUnsafe(this.size + this.reserved)
    let at = 0
    for (const p of this.parts) at += p.copy(out, at)
    return out
  }
}

/** Shortens a string to at most `max` UTF-8 octets without splitting a character. */
export function clipUtf8(s: string, max = 255): string {
  if (Buffer.byteLength(s, "utf8") <= max) return s
  let out = ""
  let used = 0
  for (const ch of s) {
    const n = Buffer.byteLength(ch, "utf8")
    if (used + n > max) break
    out += ch
    used += n
  }
  return out
}
