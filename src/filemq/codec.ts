/**
 * The FILEMQ v2 message set, encoded exactly as the C master (zeromq/filemq, `fmq_msg.c`) encodes
 * it: one command per ZeroMQ frame, signature AA A3, a one-octet id, then the fields in order.
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
 * ICANHAZ.path and CHEEZBURGER.filename are longstr in C master but string in RFC 35 (the 2014
 * zproto edition). The decoder reads them as longstr first; when that overruns the frame or leaves
 * bytes over, it re-reads them as string and marks the message `dialect: "rfc35"`.
 *
 * Decoding never throws anything but a FmqProtocolError, and never allocates more than the frame
 * holds: every length is checked against the bytes left before anything is read.
 */
import {Buffer} from "node:buffer"

/** Signature: 0xAAA0 | 3 (FILEMQ is protocol 3 of the zproto family). */
export const SIGNATURE = 0xaaa3
export const PROTOCOL = "FILEMQ"
export const VERSION = 2

export const MessageId = {
  OHAI: 1,
  OHAI_OK: 4,
  ICANHAZ: 5,
  ICANHAZ_OK: 6,
  NOM: 7,
  CHEEZBURGER: 8,
  HUGZ: 9,
  HUGZ_OK: 10,
  KTHXBAI: 11,
  SRSLY: 128,
  RTFM: 129,
} as const

export type MessageName = keyof typeof MessageId

/** CHEEZBURGER.operation */
export const OP_CREATE = 1
export const OP_DELETE = 2

export type Hash = Map<string, string>
export type Dialect = "master" | "rfc35"

export interface Ohai {
  id: "OHAI"
}
export interface OhaiOk {
  id: "OHAI_OK"
}
export interface Icanhaz {
  id: "ICANHAZ"
  path: string
  options: Hash
  cache: Hash
  /** Set on decode when `path` was a 1-octet string (RFC 35); the encoder honours it too. */
  dialect?: Dialect
}
export interface IcanhazOk {
  id: "ICANHAZ_OK"
}
export interface Nom {
  id: "NOM"
  credit: number
  sequence: number
}
export interface Cheezburger {
  id: "CHEEZBURGER"
  sequence: number
  operation: number
  filename: string
  offset: number
  eof: boolean
  headers: Hash
  chunk: Buffer
  /** Set on decode when `filename` was a 1-octet string (RFC 35); the encoder honours it too. */
  dialect?: Dialect
}
export interface Hugz {
  id: "HUGZ"
}
export interface HugzOk {
  id: "HUGZ_OK"
}
export interface Kthxbai {
  id: "KTHXBAI"
}
export interface Srsly {
  id: "SRSLY"
  reason: string
}
export interface Rtfm {
  id: "RTFM"
  reason: string
}

export type FmqMessage = Ohai | OhaiOk | Icanhaz | IcanhazOk | Nom | Cheezburger | Hugz | HugzOk | Kthxbai | Srsly | Rtfm

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

const NAMES: Record<number, MessageName> = {}
for (const [name, id] of Object.entries(MessageId)) NAMES[id] = name as MessageName

/** The name of a message id, or undefined when v2 has no such id. */
export function messageName(id: number): MessageName | undefined {
  return NAMES[id]
}

// ---- decoding -------------------------------------------------------------------------------

class Reader {
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

function decodeBody(r: Reader, id: number, dialect: Dialect): FmqMessage {
  const text = (what: string) => (dialect === "master" ? r.longstr(what) : r.string(what))
  let msg: FmqMessage
  switch (id) {
    case MessageId.OHAI: {
      const start = r.pos
      const protocol = r.string("OHAI.protocol")
      if (protocol !== PROTOCOL) throw new FmqProtocolError("ERR_FMQ_PROTOCOL", `OHAI.protocol is ${JSON.stringify(protocol)}, not "FILEMQ"`, start)
      const at = r.pos
      const version = r.u16("OHAI.version")
      if (version !== VERSION) throw new FmqProtocolError("ERR_FMQ_VERSION", `OHAI.version is ${version}, not 2`, at)
      msg = {id: "OHAI"}
      break
    }
    case MessageId.ICANHAZ: {
      const path = text("ICANHAZ.path")
      const options = r.hash("ICANHAZ.options")
      const cache = r.hash("ICANHAZ.cache")
      msg = {id: "ICANHAZ", path, options, cache}
      if (dialect === "rfc35") msg.dialect = dialect
      break
    }
    case MessageId.NOM: {
      const credit = r.u64("NOM.credit")
      const sequence = r.u64("NOM.sequence")
      msg = {id: "NOM", credit, sequence}
      break
    }
    case MessageId.CHEEZBURGER: {
      const sequence = r.u64("CHEEZBURGER.sequence")
      const operation = r.u8("CHEEZBURGER.operation")
      const filename = text("CHEEZBURGER.filename")
      const offset = r.u64("CHEEZBURGER.offset")
      const eof = r.u8("CHEEZBURGER.eof") !== 0
      const headers = r.hash("CHEEZBURGER.headers")
      const chunk = r.bytes(r.u32("CHEEZBURGER.chunk"), "CHEEZBURGER.chunk")
      msg = {id: "CHEEZBURGER", sequence, operation, filename, offset, eof, headers, chunk}
      if (dialect === "rfc35") msg.dialect = dialect
      break
    }
    case MessageId.SRSLY:
      msg = {id: "SRSLY", reason: r.string("SRSLY.reason")}
      break
    case MessageId.RTFM:
      msg = {id: "RTFM", reason: r.string("RTFM.reason")}
      break
    case MessageId.OHAI_OK:
    case MessageId.ICANHAZ_OK:
    case MessageId.HUGZ:
    case MessageId.HUGZ_OK:
    case MessageId.KTHXBAI:
      msg = {id: NAMES[id]} as FmqMessage
      break
    default:
      throw new FmqProtocolError("ERR_FMQ_UNKNOWN_ID", `unknown message id ${id}`, 2)
  }
  r.end()
  return msg
}

/**
 * Decodes one FILEMQ command from one frame. Throws FmqProtocolError (and nothing else) when the
 * frame is not a valid v2 command.
 */
export function decode(frame: Uint8Array): FmqMessage {
  try {
    const buf = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)
    if (buf.length < 3 || buf.readUInt16BE(0) !== SIGNATURE) {
      throw new FmqProtocolError("ERR_FMQ_SIGNATURE", buf.length < 3 ? `frame of ${buf.length} octets is too short` : `bad signature ${buf.subarray(0, 2).toString("hex")}`, 0)
    }
    const id = buf[2]!
    try {
      return decodeBody(new Reader(buf), id, "master")
    } catch (e) {
      // RFC 35 dialect: the path or filename was a 1-octet string.
      if ((id === MessageId.ICANHAZ || id === MessageId.CHEEZBURGER) && e instanceof FmqProtocolError && (e.code === "ERR_FMQ_TRUNCATED" || e.code === "ERR_FMQ_TRAILING")) {
        try {
          return decodeBody(new Reader(buf), id, "rfc35")
        } catch {
          // report the master dialect's error
        }
      }
      throw e
    }
  } catch (e) {
    if (e instanceof FmqProtocolError) throw e
    throw new FmqProtocolError("ERR_FMQ_TRUNCATED", `malformed frame: ${(e as Error)?.message ?? e}`)
  }
}

export type DecodeResult = {ok: true; message: FmqMessage} | {ok: false; error: FmqProtocolError}

/** decode() without exceptions. A message of several frames is refused (one command = one frame). */
export function tryDecode(frames: Uint8Array | Uint8Array[]): DecodeResult {
  if (Array.isArray(frames)) {
    if (frames.length !== 1) return {ok: false, error: new FmqProtocolError("ERR_FMQ_FRAMES", `a command must be exactly one frame, got ${frames.length}`)}
    frames = frames[0]!
  }
  try {
    return {ok: true, message: decode(frames)}
  } catch (e) {
    return {ok: false, error: e as FmqProtocolError}
  }
}

// ---- encoding -------------------------------------------------------------------------------

function encodeError(message: string): FmqProtocolError {
  return new FmqProtocolError("ERR_FMQ_ENCODE", message)
}

function checkNumber(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) throw encodeError(`${what} must be an integer in 0..${max}, got ${value}`)
  return value
}

class Writer {
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

/** A message to encode: hashes may also be plain objects, and optional fields default to empty. */
export type FmqMessageInit =
  | Ohai
  | OhaiOk
  | (Omit<Icanhaz, "options" | "cache"> & {options?: Hash | Record<string, string>; cache?: Hash | Record<string, string>})
  | IcanhazOk
  | Nom
  | (Omit<Cheezburger, "headers" | "chunk"> & {headers?: Hash | Record<string, string>; chunk?: Uint8Array})
  | Hugz
  | HugzOk
  | Kthxbai
  | (Omit<Srsly, "reason"> & {reason?: string})
  | (Omit<Rtfm, "reason"> & {reason?: string})

/** Encodes one command as the single frame the C master would send. Throws FmqProtocolError. */
export function encode(msg: FmqMessageInit): Buffer {
  return write(msg, -1).done()
}

/**
 * Encodes a CHEEZBURGER whose chunk is `chunkSize` bytes still to be filled in: returns the frame
 * and the view of it where the chunk goes. The server reads a file straight into it, so a chunk is
 * never copied between the file and the socket.
 */
export function encodeCheezburgerRoom(msg: Omit<Cheezburger, "chunk" | "headers"> & {headers?: Hash}, chunkSize: number): {frame: Buffer; chunk: Buffer} {
  const frame = write({...msg, chunk: undefined}, chunkSize).done()
  return {frame, chunk: frame.subarray(frame.length - chunkSize)}
}

function write(msg: FmqMessageInit, room: number): Writer {
  const id = MessageId[msg.id as MessageName]
  if (id === undefined) throw encodeError(`unknown message ${String(msg.id)}`)
  const w = new Writer()
  w.u16(SIGNATURE, "signature")
  w.u8(id, "id")
  switch (msg.id) {
    case "OHAI":
      w.string(PROTOCOL, "OHAI.protocol")
      w.u16(VERSION, "OHAI.version")
      break
    case "ICANHAZ":
      if (msg.dialect === "rfc35") w.string(msg.path, "ICANHAZ.path")
      else w.longstr(msg.path, "ICANHAZ.path")
      w.hash(msg.options, "ICANHAZ.options")
      w.hash(msg.cache, "ICANHAZ.cache")
      break
    case "NOM":
      w.u64(msg.credit, "NOM.credit")
      w.u64(msg.sequence, "NOM.sequence")
      break
    case "CHEEZBURGER":
      w.u64(msg.sequence, "CHEEZBURGER.sequence")
      w.u8(msg.operation, "CHEEZBURGER.operation")
      if (msg.dialect === "rfc35") w.string(msg.filename, "CHEEZBURGER.filename")
      else w.longstr(msg.filename, "CHEEZBURGER.filename")
      w.u64(msg.offset, "CHEEZBURGER.offset")
      w.u8(msg.eof ? 1 : 0, "CHEEZBURGER.eof")
      w.hash(msg.headers, "CHEEZBURGER.headers")
      if (room >= 0) w.room(room, "CHEEZBURGER.chunk")
      else w.chunk(msg.chunk ?? Buffer.alloc(0), "CHEEZBURGER.chunk")
      break
    case "SRSLY":
    case "RTFM":
      w.string(msg.reason ?? "", `${msg.id}.reason`)
      break
    default:
      break
  }
  return w
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

/** A one-line description for logs: "CHEEZBURGER seq=3 create /a.txt @0 eof=0 12B". */
export function describe(msg: FmqMessage): string {
  switch (msg.id) {
    case "ICANHAZ":
      return `ICANHAZ ${msg.path} options=${msg.options.size} cache=${msg.cache.size}`
    case "NOM":
      return `NOM credit=${msg.credit} seq=${msg.sequence}`
    case "CHEEZBURGER":
      return `CHEEZBURGER seq=${msg.sequence} ${msg.operation === OP_DELETE ? "delete" : msg.operation === OP_CREATE ? "create" : `op${msg.operation}`} ${msg.filename} @${msg.offset} eof=${msg.eof ? 1 : 0} ${msg.chunk.length}B`
    case "SRSLY":
    case "RTFM":
      return `${msg.id} ${JSON.stringify(msg.reason)}`
    default:
      return msg.id
  }
}
