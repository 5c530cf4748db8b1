/**
 * What our peers say beyond the C master's fields (spec/filemq.md §6): the ICANHAZ options and
 * cache with which a client tells the server what it already holds, and the CHEEZBURGER headers
 * with which the server tells the client what a file should be. Both ride in hashes that the C
 * peers carry and ignore, so they stay wire-compatible; the writer and the reader of each are kept
 * side by side here so that the two ends cannot drift apart.
 */
import {Buffer} from "node:buffer"
import type {Cheezburger, Hash, Icanhaz} from "./codec.js"
import type {Manifest} from "./manifest.js"
import {isUnder, joinVpath, normalizeVpath, relativeTo} from "./paths.js"
import type {FileVersion} from "./tree.js"

/** A partial file the client holds: the SHA-1 of the version it belongs to, and its length. */
export interface Resume {
  sha1: string
  offset: number
}

// ---- ICANHAZ: what the client holds -----------------------------------------------------------

/**
 * The client's ICANHAZ options and cache for the subscription `sub`, from its manifest: RESYNC=1
 * and PRUNE=1 as asked; the cache (RFC 35: key relative to the path, value the SHA-1), with the
 * keys too long for a hash name (255 octets) in the CACHE option; the partial files in RESUME.
 */
export function icanhazFor(manifest: Manifest, sub: string, ask: {resync: boolean; prune: boolean}): {options: Hash; cache: Hash} {
  const m = manifest
  const cache = new Map<string, string>()
  const overflow: string[] = []
  for (const [vpath, rec] of m.files) {
    if (!isUnder(vpath, sub)) continue
    const key = vpath === sub ? vpath : relativeTo(vpath, sub)
    if (Buffer.byteLength(key, "utf8") <= 255) cache.set(key, rec.sha1)
    else overflow.push(`${rec.sha1} ${key}`)
  }
  const resume: string[] = []
  for (const [vpath, rec] of m.partials) {
    if (isUnder(vpath, sub)) resume.push(`${rec.sha1} ${rec.offset} ${vpath === sub ? vpath : relativeTo(vpath, sub)}`)
  }
  const options = new Map<string, string>()
  if (ask.resync) options.set("RESYNC", "1")
  if (ask.prune) options.set("PRUNE", "1")
  options.set("LAST-EOF", "1")
  if (resume.length > 0) options.set("RESUME", resume.join("\n"))
  if (overflow.length > 0) options.set("CACHE", overflow.join("\n"))
  return {options, cache}
}

/** What a client's ICANHAZ for `sub` says it holds and wants, with every key made a virtual path. */
export interface Holdings {
  /** vpath → SHA-1 (uppercase), from the cache and the CACHE option; the first of a key wins. */
  cache: Map<string, string>
  /** vpath → partial file, from the RESUME option. */
  resume: Map<string, Resume>
  /** RESYNC=1: send what is already there, not only later changes (RFC 35). */
  resync: boolean
  /** PRUNE=1: delete what the client holds and the server no longer has (ours). */
  prune: boolean
  /** LAST-EOF=1: the last data chunk of a file may carry eof=1, with no empty chunk after it (ours). */
  lastEof: boolean
}

/** Reads the options and cache of an ICANHAZ whose path normalised to `sub` (the server's side). */
export function readIcanhaz(msg: Icanhaz, sub: string): Holdings {
  // The client's cache: key → digest, keys relative to the path or absolute under it.
  const toVpath = (key: string): string | null => {
    if (key.startsWith("/")) {
      const v = normalizeVpath(key)
      return v !== null && isUnder(v, sub) ? v : null
    }
    return normalizeVpath(joinVpath(sub, key))
  }
  const cache = new Map<string, string>()
  const addCache = (key: string, digest: string) => {
    const v = toVpath(key)
    if (v !== null && /^[0-9a-fA-F]{40}$/.test(digest) && !cache.has(v)) cache.set(v, digest.toUpperCase())
  }
  for (const [k, d] of msg.cache) addCache(k, d)
  for (const line of (msg.options.get("CACHE") ?? "").split("\n")) {
    const m = /^([0-9a-fA-F]{40}) (.+)$/.exec(line)
    if (m) addCache(m[2]!, m[1]!)
  }
  const resume = new Map<string, Resume>()
  for (const line of (msg.options.get("RESUME") ?? "").split("\n")) {
    const m = /^([0-9a-fA-F]{40}) (\d{1,16}) (.+)$/.exec(line)
    const v = m ? toVpath(m[3]!) : null
    if (m && v !== null) resume.set(v, {sha1: m[1]!.toUpperCase(), offset: Number(m[2])})
  }
  return {cache, resume, resync: msg.options.get("RESYNC") === "1", prune: msg.options.get("PRUNE") === "1", lastEof: msg.options.get("LAST-EOF") === "1"}
}

// ---- CHEEZBURGER headers: what the file should be ---------------------------------------------

/** The headers on every chunk of a create: the complete file's SHA-1, size and mtime. */
export function fileHeaders(version: FileVersion): Hash {
  return new Map([
    ["SHA1", version.sha1],
    ["SIZE", String(version.size)],
    ["MTIME", String(Math.floor(version.mtimeMs))],
  ])
}

/** `base` plus what is still queued for the client after this file (for idle and the ETA). */
export function withQueue(base: Hash, files: number, bytes: number): Hash {
  const headers = new Map(base)
  headers.set("QUEUE-FILES", String(files))
  headers.set("QUEUE-BYTES", String(Math.max(0, bytes)))
  return headers
}

const SHA1 = /^[0-9A-F]{40}$/

/** The SHA1 header, uppercased, or null when there is none or it is not 40 hex digits. */
export function headerSha1(msg: Cheezburger): string | null {
  const v = msg.headers.get("SHA1")?.toUpperCase()
  return v && SHA1.test(v) ? v : null
}

/** A decimal header (SIZE, MTIME, QUEUE-*), or -1 when it is missing or not a number. */
export function numberHeader(msg: Cheezburger, name: string): number {
  const v = msg.headers.get(name)
  return v !== undefined && /^\d{1,16}$/.test(v) ? Number(v) : -1
}
