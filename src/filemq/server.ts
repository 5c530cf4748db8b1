/**
 * The FILEMQ server: a ROUTER that publishes local directories under virtual paths, speaking the
 * C master's wire (../../spec/filemq.md) and fixing what the C server gets wrong.
 *
 * Per connection (keyed by ROUTER routing id), following fmq_server.xml:
 *   start --OHAI--> ready; ICANHAZ → ICANHAZ-OK + queue; NOM → credit; HUGZ → HUGZ-OK;
 *   KTHXBAI → forget the client. A malformed frame gets RTFM and is discarded (the client keeps its
 *   state); a well-formed command that is out of place gets RTFM and the client state is dropped,
 *   as in C. OHAI in any state starts a fresh session.
 *
 * Sending follows the reference's rules for C clients: never beyond the client's credit (only
 * chunk payload counts); chunks of at most 1,000,000 bytes read from disk on demand; each file
 * ends with one empty chunk with eof=1 and offset = size; one file at a time per connection; never
 * HUGZ or KTHXBAI to a client.
 *
 * Memory stays flat whatever the credit: the ROUTER is mandatory with a small send HWM and no send
 * timeout, so a client whose queue is full gets EAGAIN and its pump backs off, while the others
 * keep being served; EHOSTUNREACH means the client has gone, and its state is dropped.
 */
import {Buffer} from "node:buffer"
import {EventEmitter} from "node:events"
import type {FileHandle} from "node:fs/promises"
import {open} from "node:fs/promises"
import {join, resolve} from "node:path"
import {Router} from "../index.js"
import {clipUtf8, describe, encode, encodeCheezburgerRoom, OP_CREATE, OP_DELETE, tryDecode, type Dialect, type FmqMessage, type FmqMessageInit, type Hash} from "./codec.js"
import {isUnder, joinVpath, normalizeVpath, relativeTo} from "./paths.js"
import {PublishedTree, type FileVersion} from "./tree.js"

export const DEFAULT_ENDPOINT = "tcp://*:5670"
/** The C server's CHUNK_SIZE. */
export const CHUNK_SIZE = 1_000_000

export interface ServerOptions {
  /** Stability delay before a changed file is published (ms; default 1000). */
  stableMs?: number
  /** Full rescan period under fs.watch (ms; default 5000; 0 disables). */
  rescanMs?: number
  /** Use fs.watch (default true). */
  watch?: boolean
  /** A client silent this long is forgotten (ms; default 60000, as the C server). */
  timeoutMs?: number
  /** Largest chunk (default 1,000,000, as the C server). */
  chunkSize?: number
  /** Messages queued per client in the socket before its pump waits (default 8). */
  sendHighWaterMark?: number
  /** Debug log (one line per event). */
  log?: (line: string) => void
}

interface Mount {
  alias: string
  tree: PublishedTree
}

type Patch = {op: "create"; resume?: {sha1: string; offset: number}; size: number} | {op: "delete"; size: 0}

interface Transfer {
  vpath: string
  version: FileVersion
  handle: FileHandle
  offset: number
  from: number
  size: number
  headers: Hash
}

/** One client connection's state. A fresh OHAI replaces the object, so stale pumps notice. */
class Peer {
  readonly subs: string[] = []
  credit = 0
  sequence = 0
  readonly queue = new Map<string, Patch>()
  queuedBytes = 0
  /** What the client holds, as far as we know: vpath → SHA-1 (from its cache and our sends). */
  readonly known = new Map<string, string>()
  current: Transfer | null = null
  readonly outbox: Buffer[] = []
  lastSeen = Date.now()
  pumping = false
  dialect: Dialect = "master"
  constructor(
    readonly id: Buffer,
    readonly key: string,
  ) {}

  wants(vpath: string): boolean {
    return this.subs.some(s => isUnder(vpath, s))
  }

  enqueue(vpath: string, patch: Patch): void {
    const old = this.queue.get(vpath)
    if (old) {
      this.queuedBytes -= old.size
      this.queue.delete(vpath)
    }
    this.queue.set(vpath, patch)
    this.queuedBytes += patch.size
  }

  take(): [string, Patch] | undefined {
    const first = this.queue.entries().next()
    if (first.done) return undefined
    this.queue.delete(first.value[0])
    this.queuedBytes -= first.value[1].size
    return first.value
  }
}

export interface ServerStats {
  clients: number
  filesSent: number
  bytesSent: number
  deletesSent: number
  rtfmSent: number
}

export interface ServerEvents {
  /** A file was published or deleted in one of the trees. */
  change: [vpath: string, version: FileVersion | null]
  /** A whole file (or its resumed tail) went to a client. */
  sent: [info: {client: string; vpath: string; size: number; from: number}]
  error: [err: Error]
}

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms))

export class FmqServer extends EventEmitter<ServerEvents> {
  readonly options: Required<Omit<ServerOptions, "log">> & {log: ((line: string) => void) | null}
  readonly stats: ServerStats = {clients: 0, filesSent: 0, bytesSent: 0, deletesSent: 0, rtfmSent: 0}
  private readonly mounts: Mount[] = []
  private readonly peers = new Map<string, Peer>()
  private router: Router | null = null
  private expiryTimer: NodeJS.Timeout | null = null
  private closed = false
  private receiving: Promise<void> | null = null

  constructor(options: ServerOptions = {}) {
    super()
    this.options = {
      stableMs: options.stableMs ?? 1000,
      rescanMs: options.rescanMs ?? 5000,
      watch: options.watch ?? true,
      timeoutMs: options.timeoutMs ?? 60_000,
      chunkSize: Math.max(1, Math.min(options.chunkSize ?? CHUNK_SIZE, 0xffffffff)),
      sendHighWaterMark: options.sendHighWaterMark ?? 8,
      log: options.log ?? null,
    }
  }

  private log(line: string): void {
    this.options.log?.(line)
  }

  /** Reports an error to "error" listeners, or to the log when there are none (never throws). */
  private fail(err: Error): void {
    if (this.listenerCount("error") > 0) this.emit("error", err)
    else this.log(`error: ${err.message}`)
  }

  /** The endpoint the ROUTER is bound to (resolved, e.g. tcp://127.0.0.1:41234). */
  get endpoint(): string | null {
    return this.router?.lastEndpoint ?? null
  }

  /** Publishes `location` under the virtual path `alias` (must start with "/"). */
  async publish(location: string, alias = "/"): Promise<void> {
    const a = normalizeVpath(alias)
    if (a === null) throw new TypeError(`alias must be a virtual path starting with "/", got ${JSON.stringify(alias)}`)
    const tree = new PublishedTree(resolve(location), {stableMs: this.options.stableMs, rescanMs: this.options.rescanMs, watch: this.options.watch})
    const mount: Mount = {alias: a, tree}
    tree.on("change", (rel, version) => this.onTreeChange(mount, rel, version))
    tree.on("error", err => this.fail(err))
    await tree.start()
    if (this.closed) {
      tree.stop()
      return
    }
    this.mounts.push(mount)
    this.log(`publish ${tree.root} as ${a}: ${tree.files.size} files`)
  }

  /** Binds the ROUTER (default tcp://*:5670) and starts serving; returns the resolved endpoint. */
  async bind(endpoint = DEFAULT_ENDPOINT): Promise<string> {
    if (this.closed) throw new Error("server is closed")
    if (!this.router) {
      this.router = new Router({linger: 0, mandatory: true, sendTimeout: 0, sendHighWaterMark: this.options.sendHighWaterMark})
      this.receiving = this.receiveLoop(this.router)
      const sweep = Math.max(50, Math.min(5000, Math.floor(this.options.timeoutMs / 2)))
      this.expiryTimer = setInterval(() => this.expire(), sweep)
      this.expiryTimer.unref()
    }
    await this.router.bind(endpoint)
    const bound = this.router.lastEndpoint!
    this.log(`bound ${bound}`)
    return bound
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.expiryTimer) clearInterval(this.expiryTimer)
    for (const m of this.mounts) m.tree.stop()
    for (const peer of [...this.peers.values()]) this.drop(peer, "server closing")
    this.router?.close()
    await this.receiving?.catch(() => {})
  }

  // ---- the file namespace -------------------------------------------------------------------

  /** The mount that owns `vpath`: the one whose alias is the longest prefix. */
  private mountOf(vpath: string): Mount | null {
    let best: Mount | null = null
    for (const m of this.mounts) if (isUnder(vpath, m.alias) && (!best || m.alias.length > best.alias.length)) best = m
    return best
  }

  private lookup(vpath: string): {mount: Mount; version: FileVersion} | null {
    const mount = this.mountOf(vpath)
    if (!mount) return null
    const version = mount.tree.files.get(relativeTo(vpath, mount.alias))
    return version ? {mount, version} : null
  }

  /** True when the file exists (published or still settling): such a file must not be deleted. */
  private exists(vpath: string): boolean {
    const mount = this.mountOf(vpath)
    return mount !== null && mount.tree.knows(relativeTo(vpath, mount.alias))
  }

  /** Every published file under `sub`, in path order. */
  private filesUnder(sub: string): [string, FileVersion][] {
    const out = new Map<string, FileVersion>()
    for (const m of this.mounts) {
      if (!isUnder(m.alias, sub) && !isUnder(sub, m.alias)) continue
      for (const [rel, v] of m.tree.files) {
        const vpath = joinVpath(m.alias, rel)
        if (isUnder(vpath, sub) && this.mountOf(vpath) === m) out.set(vpath, v)
      }
    }
    return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  }

  private onTreeChange(mount: Mount, rel: string, version: FileVersion | null): void {
    const vpath = joinVpath(mount.alias, rel)
    if (this.mountOf(vpath) !== mount) return // shadowed by a longer alias
    this.log(`${version ? "publish" : "delete"} ${vpath}${version ? ` ${version.size}B ${version.sha1}` : ""}`)
    this.emit("change", vpath, version)
    for (const peer of this.peers.values()) {
      if (!peer.wants(vpath)) continue
      if (version) {
        if (peer.known.get(vpath) === version.sha1) continue
        peer.enqueue(vpath, {op: "create", size: version.size})
      } else {
        peer.known.delete(vpath)
        peer.enqueue(vpath, {op: "delete", size: 0})
      }
      void this.pump(peer)
    }
  }

  // ---- receiving ----------------------------------------------------------------------------

  private async receiveLoop(router: Router): Promise<void> {
    for (;;) {
      let msg: Buffer[]
      try {
        msg = await router.receive()
      } catch {
        if (router.closed || this.closed) return
        continue
      }
      try {
        this.handle(msg[0]!, msg.slice(1))
      } catch (e) {
        this.fail(e as Error)
      }
    }
  }

  private handle(id: Buffer, frames: Buffer[]): void {
    const key = id.toString("latin1")
    let peer = this.peers.get(key)
    if (peer) peer.lastSeen = Date.now()
    const decoded = tryDecode(frames)
    if (!decoded.ok) {
      // Malformed: RTFM and discard; the client keeps its state (RFC 35 would discard silently;
      // the C server dies here).
      this.log(`${hexId(id)} malformed: ${decoded.error.message}`)
      this.rtfm(id, peer, `malformed: ${decoded.error.message}`)
      return
    }
    const msg = decoded.message
    this.log(`${hexId(id)} <- ${describe(msg)}`)
    if (msg.id === "OHAI") {
      if (peer) this.drop(peer, "new session")
      peer = new Peer(Buffer.from(id), key)
      this.peers.set(key, peer)
      this.stats.clients = this.peers.size
      this.queueSend(peer, {id: "OHAI_OK"})
      return
    }
    if (!peer) {
      if (msg.id === "RTFM" || msg.id === "SRSLY" || msg.id === "KTHXBAI") return
      this.rtfm(id, null, `${msg.id} before OHAI`)
      return
    }
    switch (msg.id) {
      case "ICANHAZ":
        this.icanhaz(peer, msg)
        break
      case "NOM":
        peer.credit = Math.min(Number.MAX_SAFE_INTEGER, peer.credit + msg.credit)
        void this.pump(peer)
        break
      case "HUGZ":
        this.queueSend(peer, {id: "HUGZ_OK"})
        break
      case "HUGZ_OK":
        break // we never send HUGZ, but a reply to one is harmless
      case "KTHXBAI":
        this.drop(peer, "KTHXBAI")
        break
      case "RTFM":
      case "SRSLY":
        this.drop(peer, `client sent ${msg.id}`)
        break
      default:
        // OHAI-OK, ICANHAZ-OK, CHEEZBURGER: server-to-client commands. As in C: RTFM, forget.
        this.rtfm(id, peer, `unexpected ${msg.id}`)
        this.drop(peer, `unexpected ${msg.id}`)
    }
  }

  private icanhaz(peer: Peer, msg: Extract<FmqMessage, {id: "ICANHAZ"}>): void {
    const sub = normalizeVpath(msg.path)
    if (sub === null) {
      this.rtfm(peer.id, peer, `path must start with "/": ${msg.path}`)
      return
    }
    if (msg.dialect) peer.dialect = msg.dialect
    if (!peer.subs.includes(sub)) peer.subs.push(sub)
    this.queueSend(peer, {id: "ICANHAZ_OK"})

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
    const resume = new Map<string, {sha1: string; offset: number}>()
    for (const line of (msg.options.get("RESUME") ?? "").split("\n")) {
      const m = /^([0-9a-fA-F]{40}) (\d{1,16}) (.+)$/.exec(line)
      const v = m ? toVpath(m[3]!) : null
      if (m && v !== null) resume.set(v, {sha1: m[1]!.toUpperCase(), offset: Number(m[2])})
    }
    for (const [v, d] of cache) peer.known.set(v, d)

    const resync = msg.options.get("RESYNC") === "1"
    const prune = msg.options.get("PRUNE") === "1"
    // Deletes first: they free the names (a file that became a directory) and the space.
    if (prune) {
      for (const vpath of new Set([...cache.keys(), ...resume.keys()])) {
        if (this.exists(vpath)) continue
        peer.known.delete(vpath)
        peer.enqueue(vpath, {op: "delete", size: 0})
      }
    }
    if (resync) {
      for (const [vpath, version] of this.filesUnder(sub)) {
        if (cache.get(vpath) === version.sha1) continue
        const r = resume.get(vpath)
        const patch: Patch = {op: "create", size: version.size}
        if (r && r.sha1 === version.sha1 && r.offset > 0 && r.offset <= version.size) {
          patch.resume = r
          patch.size = version.size - r.offset
        }
        peer.enqueue(vpath, patch)
      }
    }
    this.log(`${hexId(peer.id)} subscribed ${sub}${resync ? " (resync)" : ""}: ${peer.queue.size} queued, cache ${cache.size}, resume ${resume.size}`)
    void this.pump(peer)
  }

  private rtfm(id: Buffer, peer: Peer | null | undefined, reason: string): void {
    this.stats.rtfmSent++
    const msg: FmqMessageInit = {id: "RTFM", reason: clipUtf8(reason)}
    if (peer && this.peers.get(peer.key) === peer) {
      this.queueSend(peer, msg)
      return
    }
    // No state to queue on: best effort.
    try {
      this.router?.send([id, encode(msg)]).catch(() => {})
    } catch {
      // closed
    }
  }

  // ---- sending ------------------------------------------------------------------------------

  private queueSend(peer: Peer, msg: FmqMessageInit): void {
    peer.outbox.push(encode(msg))
    void this.pump(peer)
  }

  private live(peer: Peer): boolean {
    return !this.closed && this.peers.get(peer.key) === peer
  }

  /** Sends what the peer may have, one message at a time, until it runs out of credit or work. */
  private async pump(peer: Peer): Promise<void> {
    if (peer.pumping) return
    peer.pumping = true
    try {
      while (this.live(peer)) {
        if (peer.outbox.length > 0) {
          if (!(await this.flush(peer))) return
          continue
        }
        const frame = await this.next(peer)
        if (!frame) return
        if (this.live(peer)) peer.outbox.push(frame)
      }
    } catch (e) {
      // A read failing because the session was dropped meanwhile is not an error.
      if (this.live(peer)) {
        this.fail(e as Error)
        this.drop(peer, `internal error: ${(e as Error).message}`)
      }
    } finally {
      peer.pumping = false
    }
  }

  /** Writes the peer's outbox into the ROUTER, backing off while its queue is full. */
  private async flush(peer: Peer): Promise<boolean> {
    let delay = 1
    while (peer.outbox.length > 0) {
      if (!this.live(peer) || !this.router) return false
      try {
        await this.router.send([peer.id, peer.outbox[0]!])
        peer.outbox.shift()
        peer.lastSeen = Date.now()
        delay = 1
      } catch (e) {
        const code = (e as {code?: string}).code
        if (code === "EAGAIN") {
          await sleep(delay)
          delay = Math.min(delay * 2, 16)
          continue
        }
        this.drop(peer, code === "EHOSTUNREACH" ? "disconnected" : `send failed: ${(e as Error).message}`)
        return false
      }
    }
    return true
  }

  /** The next CHEEZBURGER for this peer, or null when it has no credit or nothing is queued. */
  private async next(peer: Peer): Promise<Buffer | null> {
    for (;;) {
      if (!this.live(peer)) return null
      const t = peer.current
      if (t) {
        if (t.offset >= t.size) return this.finish(peer, t)
        if (peer.credit <= 0) return null
        const n = Math.min(this.options.chunkSize, t.size - t.offset, peer.credit)
        // The chunk is read straight into the frame that carries it (no copy on the way out).
        const sequence = peer.sequence
        let {frame, chunk} = this.cheezburgerRoom(peer, {operation: OP_CREATE, filename: t.vpath, offset: t.offset, eof: false, headers: t.headers}, n)
        const {bytesRead} = await t.handle.read(chunk, 0, n, t.offset)
        if (!this.live(peer) || peer.current !== t) {
          peer.sequence = sequence // only pump() numbers frames, and it runs one at a time per peer
          return null
        }
        if (bytesRead < n) {
          // The file shrank under us: end it here; the client's digest check refuses it and the
          // tree will publish the new version.
          t.size = t.offset + bytesRead
          peer.sequence = sequence
          if (bytesRead === 0) continue
          frame = this.cheezburger(peer, {operation: OP_CREATE, filename: t.vpath, offset: t.offset, eof: false, headers: t.headers, chunk: chunk.subarray(0, bytesRead)})
        }
        t.offset += bytesRead
        peer.credit -= bytesRead
        this.stats.bytesSent += bytesRead
        return frame
      }
      const item = peer.take()
      if (!item) return null
      const [vpath, patch] = item
      if (patch.op === "delete") {
        if (this.exists(vpath)) continue // it came back meanwhile
        this.stats.deletesSent++
        return this.cheezburger(peer, {operation: OP_DELETE, filename: vpath, offset: 0, eof: false, headers: new Map(), chunk: Buffer.alloc(0)})
      }
      const found = this.lookup(vpath)
      if (!found) continue // deleted meanwhile: a delete patch follows
      const {mount, version} = found
      if (peer.known.get(vpath) === version.sha1) continue
      let handle: FileHandle
      try {
        handle = await open(join(mount.tree.root, ...version.rel.split("/")), "r")
      } catch {
        continue // gone: the tree will publish the delete
      }
      const st = await handle.stat().catch(() => null)
      if (!st || st.size !== version.size || st.mtimeMs !== version.mtimeMs || st.ino !== version.ino) {
        // Changed since it was hashed: the tree publishes the new version when it settles.
        await handle.close().catch(() => {})
        continue
      }
      if (!this.live(peer)) {
        await handle.close().catch(() => {})
        return null
      }
      const from = patch.resume && patch.resume.sha1 === version.sha1 ? patch.resume.offset : 0
      const headers: Hash = new Map([
        ["SHA1", version.sha1],
        ["SIZE", String(version.size)],
        ["MTIME", String(Math.floor(version.mtimeMs))],
      ])
      peer.current = {vpath, version, handle, offset: from, from, size: version.size, headers}
      this.log(`${hexId(peer.id)} send ${vpath} ${version.size}B from ${from}`)
    }
  }

  private async finish(peer: Peer, t: Transfer): Promise<Buffer> {
    peer.current = null
    await t.handle.close().catch(() => {})
    const frame = this.cheezburger(peer, {operation: OP_CREATE, filename: t.vpath, offset: t.size, eof: true, headers: t.headers, chunk: Buffer.alloc(0)})
    if (t.size === t.version.size) peer.known.set(t.vpath, t.version.sha1)
    this.stats.filesSent++
    this.emit("sent", {client: hexId(peer.id), vpath: t.vpath, size: t.size, from: t.from})
    return frame
  }

  private cheezburger(peer: Peer, m: {operation: number; filename: string; offset: number; eof: boolean; headers: Hash; chunk: Buffer}): Buffer {
    return encode({id: "CHEEZBURGER", sequence: peer.sequence++, ...m, headers: this.queueHeaders(peer, m.headers), dialect: peer.dialect})
  }

  /** A CHEEZBURGER frame with room for `size` chunk bytes, to be read into `chunk`. */
  private cheezburgerRoom(peer: Peer, m: {operation: number; filename: string; offset: number; eof: boolean; headers: Hash}, size: number): {frame: Buffer; chunk: Buffer} {
    return encodeCheezburgerRoom({id: "CHEEZBURGER", sequence: peer.sequence++, ...m, headers: this.queueHeaders(peer, m.headers), dialect: peer.dialect}, size)
  }

  private queueHeaders(peer: Peer, base: Hash): Hash {
    const headers = new Map(base)
    headers.set("QUEUE-FILES", String(peer.queue.size))
    headers.set("QUEUE-BYTES", String(Math.max(0, peer.queuedBytes)))
    return headers
  }

  // ---- client lifetime ----------------------------------------------------------------------

  private drop(peer: Peer, why: string): void {
    if (this.peers.get(peer.key) === peer) this.peers.delete(peer.key)
    this.stats.clients = this.peers.size
    const t = peer.current
    peer.current = null
    peer.outbox.length = 0
    peer.queue.clear()
    if (t) void t.handle.close().catch(() => {})
    this.log(`${hexId(peer.id)} dropped: ${why}`)
  }

  private expire(): void {
    const limit = Date.now() - this.options.timeoutMs
    for (const peer of [...this.peers.values()]) if (peer.lastSeen < limit && !peer.pumping) this.drop(peer, "expired")
  }
}

function hexId(id: Buffer): string {
  return id.toString("hex")
}
