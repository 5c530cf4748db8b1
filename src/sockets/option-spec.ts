/**
 * One entry of the option table (option-table.ts) and the shapes most entries share: an int, an
 * int-as-bool, a string, a CURVE key… each validating its bytes exactly as libzmq's
 * options.cpp does for that kind of option (the helper it calls is named on each).
 */
import {Buffer} from "node:buffer"
import {z85Decode} from "../wire/z85.js"
import {cString, copy, EMPTY, intOf, type Raw, type RawGet} from "./option-marshal.js"
import type {SocketOptions} from "./sockopt.js"

export interface OptionSpec {
  id: number
  /** libzmq's name, for readers */
  name: string
  /**
   * Socket types whose `xsetsockopt`/`xgetsockopt` handle the option. Absent: options_t or
   * socket_base_t, i.e. every socket type.
   */
  types?: readonly number[]
  /** Validates libzmq-style and stores; false = EINVAL. Absent: not settable. */
  set?(o: SocketOptions, v: Raw): boolean
  /** Absent: not readable (libzmq has no getter), EINVAL. */
  get?(o: SocketOptions): RawGet
}

type Fields<T> = {[K in keyof SocketOptions]: SocketOptions[K] extends T ? K : never}[keyof SocketOptions]
type IntField = Fields<number>
type BoolField = Fields<boolean>

/** An int option: `if (is_int && valid(value)) field = value`. */
export function intOpt(id: number, name: string, field: IntField, valid: (n: number) => boolean, readable = true): OptionSpec {
  return {
    id,
    name,
    set(o, v) {
      const n = intOf(v)
      if (n === undefined || !valid(n)) return false
      ;(o[field] as number) = n
      return true
    },
    get: readable ? o => ({mode: "int", value: o[field] as number}) : undefined,
  }
}

/**
 * An int-as-bool option. libzmq has three flavours: `strict` accepts only 0/1
 * (do_setsockopt_int_as_bool_strict and the open-coded `value == 0 || value == 1` checks),
 * `relaxed` any int (do_setsockopt_int_as_bool_relaxed), `nonNegative` any int >= 0 (the
 * router/dealer/req/xpub options).
 */
export function boolOpt(
  id: number,
  name: string,
  field: BoolField,
  accepts: "strict" | "relaxed" | "nonNegative",
  extra: {types?: readonly number[]; readable?: boolean} = {},
): OptionSpec {
  return {
    id,
    name,
    types: extra.types,
    set(o, v) {
      const n = intOf(v)
      if (n === undefined) return false
      if (accepts === "strict" && n !== 0 && n !== 1) return false
      if (accepts === "nonNegative" && n < 0) return false
      ;(o[field] as boolean) = n !== 0
      return true
    },
    get: extra.readable === false ? undefined : o => ({mode: "int", value: o[field] ? 1 : 0}),
  }
}

type BytesField = keyof SocketOptions["bytes"]

/**
 * A string option stored as bytes. `empty` is how libzmq treats NULL / zero length:
 * - "strict" (do_setsockopt_string_allow_empty_strict): NULL clears, a zero-length non-NULL
 *   value is EINVAL;
 * - "relaxed" (do_setsockopt_string_allow_empty_relaxed, ZMQ_ZAP_DOMAIN): both are EINVAL;
 * - "either" (ZMQ_SOCKS_USERNAME/PASSWORD): both clear.
 */
export function stringOpt(id: number, name: string, field: BytesField, maxLen: number, empty: "strict" | "relaxed" | "either"): OptionSpec {
  return {
    id,
    name,
    set(o, v) {
      const isEmpty = v === null || v.length === 0
      if (isEmpty) {
        if (empty === "relaxed" || (empty === "strict" && v !== null)) return false
        o.bytes[field] = EMPTY
        return true
      }
      if (v.length > maxLen) return false
      o.bytes[field] = copy(v)
      return true
    },
    get: o => cString(o.bytes[field]),
  }
}

/** A ZMQ_WSS_* string: stored as given (a PEM, or the name to verify), set-only. */
export function wssOpt(id: number, name: string, field: keyof SocketOptions["wss"]): OptionSpec {
  return {
    id,
    name,
    set(o, v) {
      o.wss[field] = v === null || v.length === 0 ? null : v.toString("utf8")
      return true
    },
  }
}

/** A message-like option (ZMQ_XPUB_WELCOME_MSG, ZMQ_HELLO_MSG, …): anything, empty clears. */
export function messageOpt(id: number, name: string, field: "welcomeMessage" | "helloMessage" | "disconnectMessage" | "hiccupMessage", types?: readonly number[]): OptionSpec {
  return {
    id,
    name,
    types,
    set(o, v) {
      o[field] = v === null || v.length === 0 ? null : copy(v)
      return true
    },
  }
}

/** ZMQ_IPC_FILTER_PID/UID/GID (do_setsockopt_set): NULL clears, 4 bytes add one id. */
export function idSetOpt(id: number, name: string, field: "ipcFilterPid" | "ipcFilterUid" | "ipcFilterGid"): OptionSpec {
  return {
    id,
    name,
    set(o, v) {
      if (v === null) {
        o[field].clear()
        return true
      }
      const n = intOf(v)
      if (n === undefined) return false
      o[field].add(field === "ipcFilterPid" ? n : n >>> 0)
      return true
    },
  }
}

/** ZMQ_CURVE_*KEY (options_t::set_curve_key): 32 raw bytes or 40 Z85 characters. */
export function curveKeyOpt(id: number, name: string, field: "curvePublicKey" | "curveSecretKey" | "curveServerKey"): OptionSpec {
  return {
    id,
    name,
    set(o, v) {
      if (v === null || (v.length !== 32 && v.length !== 40 && v.length !== 41)) return false
      let key: Buffer
      if (v.length === 32) {
        key = copy(v)
      } else {
        // 40 or 41 bytes go through zmq_z85_decode, which reads a C string (so up to the first
        // NUL: 40 characters plus a NUL terminator is fine) and fails unless its length is a
        // non-zero multiple of 5. A shorter string decodes into the start of the key only.
        const nul = v.indexOf(0)
        const z = v.subarray(0, nul < 0 ? v.length : nul).toString("latin1")
        if (z.length < 5 || z.length % 5 !== 0) return false
        let decoded: Buffer
        try {
          decoded = z85Decode(z)
        } catch {
          return false
        }
        key = Buffer.alloc(32)
        ;(o[field] ?? key).copy(key)
        decoded.copy(key)
      }
      o[field] = key
      o.mechanismId = 2
      if (field === "curveServerKey") o.asServer = false
      return true
    },
    get: o => ({mode: "curve", key: o[field] ?? Buffer.alloc(32)}),
  }
}

/** ZMQ_PLAIN_USERNAME / ZMQ_PLAIN_PASSWORD. */
export function plainCredentialOpt(id: number, name: string, field: "plainUsername" | "plainPassword"): OptionSpec {
  return {
    id,
    name,
    set(o, v) {
      if (v === null) {
        // NULL switches back to the NULL mechanism but keeps the stored string.
        o.mechanismId = 0
        return true
      }
      if (v.length === 0 || v.length > 255) return false
      o.bytes[field] = copy(v)
      o.asServer = false
      o.mechanismId = 1
      return true
    },
    get: o => cString(o.bytes[field]),
  }
}
