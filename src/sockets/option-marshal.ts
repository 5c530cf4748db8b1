/**
 * The C-level view of a socket option (sockopt.ts): the bytes zmq_setsockopt receives, what
 * zmq_getsockopt can answer and the length rule libzmq applies to the caller's buffer, and how
 * zeromq.js turns JS values into those bytes and back (its src/socket.cc SetSockOpt<T> /
 * GetSockOpt<T>).
 */
import {Buffer} from "node:buffer"
import {z85Encode} from "../wire/z85.js"

/** The `{Kind}` of zeromq.js's `get{Kind}Option` / `set{Kind}Option`. */
export type OptionKind = "Bool" | "Int32" | "Uint32" | "Int64" | "Uint64" | "String"

/** `optval`/`optvallen` as libzmq sees them: the bytes, or null for a NULL pointer (length 0). */
export type Raw = Buffer | null

/** What an option's getter has to offer, and the length rule libzmq applies to the caller's buffer. */
export type RawGet =
  /** options_t `is_int` options: the buffer must be exactly sizeof(int). */
  | {mode: "int"; value: number}
  /** ZMQ_AFFINITY / ZMQ_MAXMSGSIZE: exactly 8 bytes. */
  | {mode: "int64" | "uint64"; value: bigint}
  /** `do_getsockopt`: the buffer must be at least as long; the remainder is zeroed. */
  | {mode: "blob"; bytes: Buffer}
  /** `do_getsockopt_curve_key`: exactly 32 (binary) or 41 (Z85 + NUL) bytes. */
  | {mode: "curve"; key: Buffer}

export const EMPTY: Buffer = Buffer.alloc(0)
export const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeInt32LE(n | 0)
  return b
}
/** `is_int && value`: the int an options_t setter sees, or undefined when optvallen != 4. */
export const intOf = (v: Raw): number | undefined => (v !== null && v.length === 4 ? v.readInt32LE(0) : undefined)
/** A std::string / blob getter answer: the bytes plus the terminating NUL. */
export const cString = (b: Buffer): RawGet => ({mode: "blob", bytes: Buffer.concat([b, Buffer.alloc(1)])})
/** A getter of an int computed by socket_base (`do_getsockopt<int>`): "at least 4 bytes". */
export const intBlob = (n: number): RawGet => ({mode: "blob", bytes: int32(n)})
export const copy = (v: Raw): Buffer => (v === null ? EMPTY : Buffer.from(v))
export const text = (b: Buffer): string | null => (b.length === 0 ? null : b.toString("utf8"))

/* ---- zeromq.js marshalling (src/socket.cc SetSockOpt<T> / GetSockOpt<T>) ---- */

const MAX_SAFE_WARNING = "Value is larger than Number.MAX_SAFE_INTEGER and may have been rounded inaccurately."
const INT64_MAX = 2n ** 63n - 1n
const INT64_MIN = -(2n ** 63n)
const UINT64_MAX = 2n ** 64n - 1n

/** napi_get_value_int64: truncate, saturate, non-finite → 0. */
export function toInt64(v: number): bigint {
  if (!Number.isFinite(v)) return 0n
  const t = BigInt(Math.trunc(v))
  return t > INT64_MAX ? INT64_MAX : t < INT64_MIN ? INT64_MIN : t
}

/** zeromq.js's NumberCast<uint64_t>: negative → 0, ≥ 2^64 → max, warns above 2^53-1. */
function toUint64(v: number): bigint {
  if (v < 0) return 0n
  if (v > Number.MAX_SAFE_INTEGER) process.emitWarning(MAX_SAFE_WARNING)
  if (v >= 2 ** 64) return UINT64_MAX
  // static_cast<uint64_t>(NaN) is the x86-64 "integer indefinite" value.
  if (Number.isNaN(v)) return 2n ** 63n
  return BigInt(Math.trunc(v))
}

/** The `(optval, optvallen)` zeromq.js passes to zmq_setsockopt; throws its TypeErrors. */
export function marshal(kind: OptionKind, value: unknown): Raw {
  if (kind === "Bool") {
    if (typeof value !== "boolean") throw new TypeError("Option value must be a boolean")
    return int32(value ? 1 : 0)
  }
  if (kind === "String") {
    if (value === null) return null
    if (typeof value === "string") return Buffer.from(value, "utf8")
    if (ArrayBuffer.isView(value)) {
      // N-API accepts any ArrayBufferView as a "buffer" but cannot read a DataView's data.
      if (value instanceof DataView) throw new Error("Invalid argument")
      // A view without a backing store has a NULL data pointer, which libzmq sees as NULL.
      if (value.buffer.byteLength === 0) return null
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    }
    throw new TypeError("Option value must be a string or buffer")
  }
  if (typeof value !== "number") throw new TypeError("Option value must be a number")
  const b = Buffer.alloc(kind === "Int64" || kind === "Uint64" ? 8 : 4)
  switch (kind) {
    case "Int32":
      b.writeInt32LE(value | 0) // napi_get_value_int32: ToInt32 (wraps), non-finite → 0
      break
    case "Uint32":
      b.writeUInt32LE(value >>> 0)
      break
    case "Int64":
      b.writeBigInt64LE(toInt64(value))
      break
    case "Uint64":
      b.writeBigUInt64LE(toUint64(value))
      break
    default:
      throw new TypeError(`Unknown option kind ${String(kind)}`)
  }
  return b
}

/** The buffer size zeromq.js offers zmq_getsockopt for each getter. */
export const GET_SIZE: Record<OptionKind, number> = {Bool: 4, Int32: 4, Uint32: 4, Int64: 8, Uint64: 8, String: 1024}

/** zmq_getsockopt into a `size`-byte buffer: the filled buffer and the returned length, or undefined for EINVAL. */
export function fill(answer: RawGet, size: number): {buf: Buffer; len: number} | undefined {
  const buf = Buffer.alloc(size)
  switch (answer.mode) {
    case "int":
      if (size !== 4) return undefined
      buf.writeInt32LE(answer.value | 0)
      return {buf, len: 4}
    case "int64":
    case "uint64":
      if (size !== 8) return undefined
      if (answer.mode === "int64") buf.writeBigInt64LE(answer.value)
      else buf.writeBigUInt64LE(answer.value)
      return {buf, len: 8}
    case "blob":
      if (size < answer.bytes.length) return undefined
      answer.bytes.copy(buf)
      return {buf, len: answer.bytes.length}
    case "curve":
      if (size === 32) {
        answer.key.copy(buf)
        return {buf, len: 32}
      }
      if (size === 41) {
        buf.write(z85Encode(answer.key), "latin1")
        return {buf, len: 41}
      }
      return undefined
  }
}

export function unmarshal(kind: OptionKind, buf: Buffer, len: number): boolean | number | string | null {
  switch (kind) {
    case "Bool":
      return buf.readInt32LE(0) !== 0
    case "Int32":
      return buf.readInt32LE(0)
    case "Uint32":
      return buf.readUInt32LE(0)
    case "Int64":
      return Number(buf.readBigInt64LE(0))
    case "Uint64":
      return Number(buf.readBigUInt64LE(0))
    case "String": {
      if (len === 0 || (len === 1 && buf[0] === 0)) return null
      // Napi::String::New(const char*): a C string, so up to the first NUL.
      const bytes = buf.subarray(0, len)
      const nul = bytes.indexOf(0)
      return bytes.subarray(0, nul < 0 ? bytes.length : nul).toString("utf8")
    }
  }
}

export function checkId(id: unknown): number {
  if (typeof id !== "number") throw new TypeError("Identifier must be a number")
  return id | 0 // int32_t option = Napi::Number (ToInt32)
}
