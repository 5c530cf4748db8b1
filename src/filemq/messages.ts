/**
 * The FILEMQ v2 message set (spec/filemq.md §3; the C master's `fmq_msg.c`): the eleven commands,
 * their ids and fields as TypeScript types, and a one-line description of each for logs. How the
 * fields go on the wire is in fields.ts; the per-command encode/decode table is in codec.ts.
 */
import type {Buffer} from "node:buffer"
import type {Hash} from "./fields.js"

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

const NAMES: Record<number, MessageName> = {}
for (const [name, id] of Object.entries(MessageId)) NAMES[id] = name as MessageName

/** The name of a message id, or undefined when v2 has no such id. */
export function messageName(id: number): MessageName | undefined {
  return NAMES[id]
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
