/**
 * The FILEMQ client: a DEALER that subscribes to virtual paths and mirrors what the server sends
 * into an inbox directory, speaking the C master's wire (../../spec/filemq.md).
 *
 * Session: OHAI → OHAI-OK → ICANHAZ per subscription (with RESYNC=1, PRUNE=1, the cache of what
 * it already holds and the resume points of partial files) → ICANHAZ-OK → NOM. It keeps a credit
 * window open (NOM again when half is used; every chunk counts, whatever happens to it), answers
 * HUGZ, sends HUGZ when the server has been quiet for `heartbeatMs`, and starts a new session when
 * the server restarts (a new connection, an RTFM, or `timeoutMs` of silence).
 *
 * Files: each chunk goes into ".name.filemq-part" beside the target; at end of file the temp file
 * is truncated to the final size, its SHA-1 checked against the server's `SHA1` header, and only
 * then renamed over the target, so a reader never sees a partial file. Names from the network are
 * sanitised (no "..", absolute paths, NUL, backslashes, or a symlinked directory leading out of
 * the inbox). Deletions remove the file and the directories it leaves empty.
 *
 * Everything that changes state (messages, restarts, timers, close) runs one at a time through
 * one promise chain, so a file handle is never closed under a write.
 */
import {Buffer} from "node:buffer"
import {EventEmitter} from "node:events"
import {createHash, type Hash as Hasher} from "node:crypto"
import {constants} from "node:fs"
import type {FileHandle} from "node:fs/promises"
import {lstat, mkdir, open, realpath, rename, unlink} from "node:fs/promises"
import {basename, join, relative, sep} from "node:path"
import {Dealer} from "../index.js"
import {describe, encode, OP_CREATE, OP_DELETE, tryDecode, type Cheezburger, type FmqMessage, type FmqMessageInit} from "./codec.js"
import {Manifest} from "./manifest.js"
import {existingParent, isUnder, normalizeVpath, partName, pruneEmptyDirs, relativeTo, safeParent, safeSegments} from "./paths.js"
import {sha1File} from "./tree.js"

export interface ClientOptions {
  /** Where files go (created if missing). */
  inbox: string
  /** Send HUGZ after this much silence from the server (ms; default 1000, as the C client). */
  heartbeatMs?: number
  /** Start over on a new connection after this much silence (ms; default 5 x heartbeatMs). */
  timeoutMs?: number
  /** Credit window in bytes (default 8,000,000); topped up when half is used. */
  credit?: number
  /** Ask for files the server already has (RESYNC=1; default true). */
  resync?: boolean
  /** Ask the server to delete what we hold and it no longer has (PRUNE=1; default true). */
  prune?: boolean
  /** Refuse a file whose SHA-1 differs from the server's SHA1 header (default true). */
  verify?: boolean
  /** Record partial files bigger than this for resume after a crash (bytes; default 1,000,000). */
  resumeThreshold?: number
  log?: (line: string) => void
}

export interface FileEvent {
  vpath: string
  /** Path relative to the inbox. */
  rel: string
  path: string
  size: number
  sha1: string
  /** Offset this transfer started from (> 0 when resumed). */
  from: number
}

export interface ProgressEvent {
  vpath: string
  rel: string
  /** Bytes of this file on disk so far. */
  offset: number
  /** The file's size (SIZE header), or -1 when the server did not say. */
  size: number
  /** Payload bytes in this chunk. */
  bytes: number
  /** What the server still has queued for us after this file (QUEUE-* headers; -1 if unknown). */
  queueFiles: number
  queueBytes: number
}

export interface ClientStats {
  filesReceived: number
  bytesReceived: number
  deleted: number
  rejected: number
  sessions: number
  resumed: number
}

export interface ClientEvents {
  /** OHAI-OK: a session started. */
  connected: []
  /** Every subscription has been acknowledged (ICANHAZ-OK). */
  subscribed: []
  progress: [ProgressEvent]
  file: [FileEvent]
  deleted: [{vpath: string; rel: string; path: string}]
  /** A file or name was refused (unsafe name, digest mismatch...). */
  rejected: [{vpath: string; reason: string}]
  /** The server reports nothing more queued for us. */
  idle: []
  /** The session ended (RTFM, silence, new connection); another follows. */
  disconnected: [reason: string]
  error: [Error]
}

interface Incoming {
  vpath: string
  rel: string
  target: string
  tmp: string
  handle: FileHandle
  sha1: string | null
  size: number
  written: number
  hasher: Hasher | null
  from: number
  recorded: boolean
}

type State = "closed" | "connecting" | "subscribing" | "ready"

const SHA1 = /^[0-9A-F]{40}$/
/** Times a refused file (digest mismatch, something in the way) is asked for again. */
const MAX_RETRIES = 3
const NOFOLLOW = constants.O_NOFOLLOW ?? 0

export class FmqClient extends EventEmitter<ClientEvents> {
  readonly stats: ClientStats = {filesReceived: 0, bytesReceived: 0, deleted: 0, rejected: 0, sessions: 0, resumed: 0}
  readonly inbox: string
  private readonly opts: Required<Omit<ClientOptions, "inbox" | "log">>
  private readonly logFn: ((line: string) => void) | null
  private readonly subs: string[] = []
  private inboxReal = ""
  private manifest: Manifest | null = null
  private endpoint: string | null = null
  private dealer: Dealer | null = null
  private state: State = "closed"
  private closed = false
  private chain: Promise<void> = Promise.resolve()
  private pendingAcks = 0
  private credit = 0
  private lastSequence = 0
  /** A CHEEZBURGER has arrived in this session (sequence numbers restart with each session). */
  private sequenceSeen = false
  private sessionStart = 0
  private lastHeard = 0
  private lastHugz = 0
  private current: Incoming | null = null
  /** A refused file whose further chunks are skipped quietly. */
  private skipping: string | null = null
  private timer: NodeJS.Timeout | null = null
  private restartTimer: NodeJS.Timeout | null = null
  private backoff = 0
  private readonly retries = new Map<string, number>()
  /** Files refused because something was in the way: a delete that clears the way retries them. */
  private readonly blocked = new Set<string>()

  constructor(options: ClientOptions) {
    super()
    this.inbox = options.inbox
    const heartbeatMs = options.heartbeatMs ?? 1000
    this.opts = {
      heartbeatMs,
      timeoutMs: options.timeoutMs ?? heartbeatMs * 5,
      credit: Math.max(1, options.credit ?? 8_000_000),
      resync: options.resync ?? true,
      prune: options.prune ?? true,
      verify: options.verify ?? true,
      resumeThreshold: options.resumeThreshold ?? 1_000_000,
    }
    this.logFn = options.log ?? null
  }

  private log(line: string): void {
    this.logFn?.(line)
  }

  /** True once every subscription is acknowledged in the current session. */
  get ready(): boolean {
    return this.state === "ready" && this.pendingAcks === 0
  }

  /** Subscribes to a virtual path ("/" for everything); may be called before or after connect. */
  subscribe(path: string): void {
    const sub = normalizeVpath(path)
    if (sub === null) throw new TypeError(`subscription path must start with "/", got ${JSON.stringify(path)}`)
    if (this.subs.includes(sub)) return
    this.subs.push(sub)
    if (this.state === "ready" || this.state === "subscribing") void this.serial(() => this.sendIcanhaz(sub))
  }

  /** Loads the inbox's manifest and connects; the session proceeds in the background. */
  async connect(endpoint: string): Promise<void> {
    if (this.closed) throw new Error("client is closed")
    if (this.endpoint !== null) throw new Error("already connected")
    this.endpoint = endpoint
    await mkdir(this.inbox, {recursive: true})
    this.inboxReal = await realpath(this.inbox)
    this.manifest = await Manifest.load(this.inboxReal)
    if (this.closed) return
    this.log(`inbox ${this.inboxReal}: ${this.manifest.files.size} files, ${this.manifest.partials.size} partial`)
    const tick = Math.max(20, Math.floor(Math.min(this.opts.heartbeatMs, this.opts.timeoutMs) / 2))
    this.timer = setInterval(() => void this.serial(() => this.tick()), tick)
    this.timer.unref()
    await this.serial(() => this.newSocket())
  }

  /** Says KTHXBAI, keeps partial files for resume, saves the manifest and closes. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stopTimers()
    await this.serial(async () => {
      await this.abandon(true)
      const dealer = this.dealer
      this.dealer = null
      this.state = "closed"
      if (dealer && !dealer.closed) {
        try {
          dealer.linger = 200
          await dealer.send(encode({id: "KTHXBAI"})).catch(() => {})
        } catch {
          // closed
        }
        dealer.close()
      }
      await this.manifest?.save()
    })
  }

  /**
   * Simulates a crash: the socket closes at once, nothing more is written (no KTHXBAI, no
   * manifest save). Partial files recorded at their start can still be resumed.
   */
  async abort(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stopTimers()
    this.manifest?.cancel()
    const dealer = this.dealer
    this.dealer = null
    this.state = "closed"
    dealer?.close()
    const cur = this.current
    this.current = null
    await cur?.handle.close().catch(() => {})
  }

  private stopTimers(): void {
    if (this.timer) clearInterval(this.timer)
    if (this.restartTimer) clearTimeout(this.restartTimer)
    this.timer = this.restartTimer = null
  }

  private serial(fn: () => void | Promise<void>): Promise<void> {
    const run = this.chain.then(fn).catch(e => {
      // After close()/abort(), a write on a closed file is expected, not an error.
      if (this.closed) return
      if (this.listenerCount("error") > 0) this.emit("error", e as Error)
      else this.log(`error: ${(e as Error)?.message ?? e}`)
    })
    this.chain = run
    return run
  }

  // ---- connection and session ---------------------------------------------------------------

  private async newSocket(): Promise<void> {
    if (this.closed) return
    await this.abandon(true)
    this.dealer?.close()
    const dealer = new Dealer({linger: 0})
    this.dealer = dealer
    let handshakes = 0
    dealer.events.on("handshake", () => {
      // A new connection after the first: the server may have restarted and has no state for us.
      if (++handshakes > 1) void this.serial(() => (this.dealer === dealer ? this.startSession("reconnected") : undefined))
    })
    dealer.connect(this.endpoint!)
    void this.receiveLoop(dealer)
    await this.startSession(null)
  }

  private async receiveLoop(dealer: Dealer): Promise<void> {
    while (!this.closed && this.dealer === dealer) {
      let frames: Buffer[]
      try {
        frames = await dealer.receive()
      } catch {
        if (dealer.closed || this.dealer !== dealer) return
        continue
      }
      await this.serial(() => (this.dealer === dealer ? this.handle(frames) : undefined))
    }
  }

  private async startSession(reason: string | null): Promise<void> {
    if (this.closed) return
    if (reason !== null) {
      this.log(`new session: ${reason}`)
      this.emit("disconnected", reason)
    }
    await this.abandon(true)
    this.state = "connecting"
    this.pendingAcks = 0
    this.credit = 0
    this.sessionStart = this.lastHeard = Date.now()
    this.stats.sessions++
    this.send({id: "OHAI"})
  }

  /** Starts a new session after `backoff` (grows while the server keeps refusing us). */
  private restartLater(reason: string): void {
    if (this.restartTimer || this.closed) return
    this.state = "connecting" // ignore everything until the new session's OHAI-OK
    this.backoff = Math.min(5000, this.backoff === 0 ? 100 : this.backoff * 2)
    this.log(`restart in ${this.backoff} ms: ${reason}`)
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null
      void this.serial(() => this.startSession(reason))
    }, this.backoff)
    this.restartTimer.unref()
  }

  private send(msg: FmqMessageInit): void {
    const dealer = this.dealer
    if (!dealer || dealer.closed) return
    this.log(`-> ${msg.id === "NOM" ? `NOM ${msg.credit}` : msg.id === "ICANHAZ" ? `ICANHAZ ${msg.path}` : msg.id}`)
    try {
      dealer.send(encode(msg)).catch(() => {})
    } catch {
      // closed meanwhile
    }
  }

  private tick(): void {
    if (this.closed || !this.dealer) return
    const now = Date.now()
    if (this.state !== "ready") {
      if (this.restartTimer === null && now - this.sessionStart >= this.opts.timeoutMs) {
        this.log("no answer to OHAI: reconnecting")
        this.emit("disconnected", "no answer")
        return void this.newSocket()
      }
      return
    }
    if (now - this.lastHeard >= this.opts.timeoutMs) {
      this.log("server silent: reconnecting")
      this.emit("disconnected", "server silent")
      return void this.newSocket()
    }
    if (now - this.lastHeard >= this.opts.heartbeatMs && now - this.lastHugz >= this.opts.heartbeatMs) {
      this.lastHugz = now
      this.send({id: "HUGZ"})
    }
  }

  private sendIcanhaz(sub: string): void {
    const m = this.manifest!
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
    if (this.opts.resync) options.set("RESYNC", "1")
    if (this.opts.prune) options.set("PRUNE", "1")
    if (resume.length > 0) options.set("RESUME", resume.join("\n"))
    if (overflow.length > 0) options.set("CACHE", overflow.join("\n"))
    this.pendingAcks++
    this.send({id: "ICANHAZ", path: sub, options, cache})
  }

  private topUp(): void {
    const window = this.opts.credit
    if (this.credit >= window / 2) return
    const add = window - this.credit
    this.credit += add
    this.send({id: "NOM", credit: add, sequence: this.lastSequence})
  }

  // ---- messages -----------------------------------------------------------------------------

  private async handle(frames: Buffer[]): Promise<void> {
    if (this.closed) return
    this.lastHeard = Date.now()
    const decoded = tryDecode(frames)
    if (!decoded.ok) {
      this.log(`malformed from server, ignored: ${decoded.error.message}`)
      return
    }
    const msg = decoded.message
    if (msg.id !== "CHEEZBURGER") this.log(`<- ${describe(msg)}`)
    switch (this.state) {
      case "connecting":
        // Anything before OHAI-OK belongs to an earlier session.
        if (msg.id === "OHAI_OK") {
          this.state = "subscribing"
          this.sequenceSeen = false
          this.emit("connected")
          if (this.subs.length === 0) this.state = "ready"
          for (const sub of this.subs) this.sendIcanhaz(sub)
        } else if (msg.id === "HUGZ") {
          this.send({id: "HUGZ_OK"})
        }
        return
      case "subscribing":
      case "ready":
        return this.inSession(msg)
      default:
        return
    }
  }

  private async inSession(msg: FmqMessage): Promise<void> {
    switch (msg.id) {
      case "ICANHAZ_OK":
        if (this.pendingAcks > 0) this.pendingAcks--
        if (this.pendingAcks === 0) {
          this.state = "ready"
          this.backoff = 0
          this.topUp()
          this.emit("subscribed")
        }
        return
      case "CHEEZBURGER":
        if (this.sequenceSeen && msg.sequence === this.lastSequence) {
          // The same message again: the C server re-sends its last one when the credit left is
          // smaller than its next chunk (reference bug B1). It carries nothing new; acting on it
          // would start a file at a stale offset.
          this.log(`CHEEZBURGER ${msg.sequence} again (a stale re-send), ignored`)
          return
        }
        this.sequenceSeen = true
        // Every chunk counts against the credit, whatever we do with it (C bug B2).
        this.credit -= msg.chunk.length
        this.lastSequence = msg.sequence
        if (msg.operation === OP_DELETE) await this.onDelete(msg)
        else if (msg.operation === OP_CREATE) await this.onChunk(msg)
        if (this.state === "ready") this.topUp()
        return
      case "HUGZ":
        this.send({id: "HUGZ_OK"})
        return
      case "HUGZ_OK":
      case "OHAI_OK":
        return
      case "RTFM":
      case "SRSLY":
        this.emit("disconnected", `${msg.id} ${msg.reason}`)
        this.restartLater(`server sent ${msg.id} ${JSON.stringify(msg.reason)}`)
        await this.abandon(true)
        return
      default:
        this.log(`unexpected ${msg.id} from server, ignored`)
    }
  }

  // ---- files --------------------------------------------------------------------------------

  /** Maps a virtual path to inbox segments through the longest matching subscription. */
  private map(vpath: string): string[] | null {
    let best: string | null = null
    for (const s of this.subs) if (isUnder(vpath, s) && (best === null || s.length > best.length)) best = s
    if (best === null) return null
    const rel = relativeTo(vpath, best)
    return safeSegments(rel === "" ? basename(vpath) : rel)
  }

  private reject(vpath: string, reason: string): void {
    this.stats.rejected++
    this.log(`rejected ${vpath}: ${reason}`)
    this.emit("rejected", {vpath, reason})
  }

  /**
   * Refuses a file for now and asks for it again in a new session (which sends our cache, so the
   * server re-sends only what differs), at most MAX_RETRIES times per file.
   */
  private retryLater(vpath: string, reason: string, inTheWay = false): void {
    this.reject(vpath, reason)
    // Something in the way usually goes with a delete that is on its way: retry after it, too.
    if (inTheWay) this.blocked.add(vpath)
    const n = (this.retries.get(vpath) ?? 0) + 1
    this.retries.set(vpath, n)
    if (n <= MAX_RETRIES) this.restartLater(`retry ${vpath}: ${reason}`)
  }

  /** Closes the file being received. keep: leave a recorded partial for resume. */
  private async abandon(keep: boolean): Promise<void> {
    const cur = this.current
    this.current = null
    this.skipping = null
    if (!cur) return
    await cur.handle.close().catch(() => {})
    const m = this.manifest!
    if (keep && cur.sha1 && cur.written > 0) {
      m.partials.set(cur.vpath, {rel: cur.rel, tmp: relative(this.inboxReal, cur.tmp).split(sep).join("/"), sha1: cur.sha1, offset: cur.written})
      m.scheduleSave()
    } else {
      await unlink(cur.tmp).catch(() => {})
      if (m.partials.delete(cur.vpath)) m.scheduleSave()
    }
  }

  private async onChunk(msg: Cheezburger): Promise<void> {
    const vpath = msg.filename
    const end = msg.eof || msg.chunk.length === 0
    let cur = this.current
    if (cur && cur.vpath !== vpath) {
      // Another file before this one ended (only a broken server does this): keep what we have.
      await this.abandon(true)
      cur = null
    }
    if (!cur) {
      if (this.skipping === vpath) {
        if (end) this.skipping = null
        return
      }
      cur = await this.begin(msg)
      if (!cur) {
        this.skipping = end ? null : vpath
        return
      }
      this.current = cur
    } else if (msg.offset === 0 && cur.written > 0) {
      // The server started this file over (a new version).
      await cur.handle.truncate(0)
      cur.written = 0
      cur.hasher = createHash("sha1")
      cur.sha1 = headerSha1(msg) ?? cur.sha1
      cur.from = 0
    }
    if (msg.chunk.length > 0) {
      // Hash while the write runs on the thread pool: the two overlap instead of adding up.
      const writing = cur.handle.write(msg.chunk, 0, msg.chunk.length, msg.offset)
      if (cur.hasher && msg.offset === cur.written) cur.hasher.update(msg.chunk)
      else cur.hasher = null
      await writing
      cur.written = Math.max(cur.written, msg.offset + msg.chunk.length)
      this.stats.bytesReceived += msg.chunk.length
      const p = this.manifest!.partials.get(vpath)
      if (p) p.offset = cur.written
    }
    this.emit("progress", {
      vpath,
      rel: cur.rel,
      offset: cur.written,
      size: cur.size,
      bytes: msg.chunk.length,
      queueFiles: numberHeader(msg, "QUEUE-FILES"),
      queueBytes: numberHeader(msg, "QUEUE-BYTES"),
    })
    if (end) await this.complete(cur, msg)
  }

  /** Opens the temp file for the first chunk of a file; null when the file is refused. */
  private async begin(msg: Cheezburger): Promise<Incoming | null> {
    const vpath = msg.filename
    const segments = this.map(vpath)
    if (!segments) {
      this.reject(vpath, "unsafe or unsubscribed name")
      return null
    }
    const where = await safeParent(this.inboxReal, segments)
    if (!("dir" in where)) {
      if (where.blocked === "escape") this.reject(vpath, "path leads outside the inbox")
      else this.retryLater(vpath, "a file is in the way of its directory", true)
      return null
    }
    const parent = where.dir
    const name = segments[segments.length - 1]!
    const target = join(parent, name)
    const tmp = join(parent, partName(name, () => createHash("sha1").update(name).digest("hex")))
    const sha1 = headerSha1(msg)
    const size = numberHeader(msg, "SIZE")
    const rel = relative(this.inboxReal, target).split(sep).join("/")
    const m = this.manifest!
    let handle: FileHandle
    let written = 0
    let hasher: Hasher | null = createHash("sha1")
    if (msg.offset !== 0) {
      const partial = m.partials.get(vpath)
      const st = await lstat(tmp).catch(() => null)
      if (!(partial && sha1 && partial.sha1 === sha1 && st && st.isFile() && st.size >= msg.offset)) {
        // Not a resume we asked for (the C server's stale message under bug B1 looks like this),
        // or the partial file is gone or shorter than recorded: the bytes before `offset` are
        // nowhere, and writing where it says would make them zeros (the C client does exactly
        // that). Refuse the file, forget any partial record so that the next session asks for
        // the whole file, and ask again.
        if (partial) {
          m.partials.delete(vpath)
          m.scheduleSave()
          await unlink(tmp).catch(() => {})
        }
        this.retryLater(vpath, `first chunk at offset ${msg.offset}, not a resume we asked for`)
        return null
      }
    }
    try {
      if (msg.offset === 0) {
        handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NOFOLLOW, 0o644)
      } else {
        handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | NOFOLLOW, 0o644)
        hasher = null
        await handle.truncate(msg.offset)
        written = msg.offset
        this.stats.resumed++
        this.log(`resume ${vpath} at ${msg.offset}`)
      }
    } catch (e) {
      this.reject(vpath, `cannot write: ${(e as Error).message}`)
      return null
    }
    const cur: Incoming = {
      vpath,
      rel,
      target,
      tmp,
      handle,
      sha1,
      size,
      written,
      hasher,
      from: msg.offset,
      recorded: false,
    }
    if (sha1 && size > this.opts.resumeThreshold) {
      // Recorded now, so that even a crash can resume this file.
      m.partials.set(vpath, {rel, tmp: relative(this.inboxReal, tmp).split(sep).join("/"), sha1, offset: written})
      cur.recorded = true
      await m.save()
    }
    return cur
  }

  private async complete(cur: Incoming, msg: Cheezburger): Promise<void> {
    this.current = null
    const m = this.manifest!
    const finalSize = msg.chunk.length === 0 ? msg.offset : msg.offset + msg.chunk.length
    let digest: string
    try {
      await cur.handle.truncate(finalSize)
      const mtime = numberHeader(msg, "MTIME")
      if (mtime >= 0) await cur.handle.utimes(new Date(), new Date(mtime))
      await cur.handle.close()
      digest = cur.hasher && cur.written === finalSize ? cur.hasher.digest("hex").toUpperCase() : await sha1File(cur.tmp)
    } catch (e) {
      await cur.handle.close().catch(() => {})
      await unlink(cur.tmp).catch(() => {})
      this.reject(cur.vpath, `cannot write: ${(e as Error).message}`)
      return
    }
    const expected = headerSha1(msg) ?? cur.sha1
    if (this.opts.verify && expected && digest !== expected) {
      await unlink(cur.tmp).catch(() => {})
      if (m.partials.delete(cur.vpath)) m.scheduleSave()
      this.retryLater(cur.vpath, `SHA-1 mismatch: got ${digest}, server said ${expected}`)
      return
    }
    try {
      const st = await lstat(cur.target).catch(() => null)
      if (st?.isDirectory()) {
        await unlink(cur.tmp).catch(() => {})
        this.retryLater(cur.vpath, "a directory is in the way", true)
        return
      }
      await rename(cur.tmp, cur.target)
      const after = await lstat(cur.target)
      m.files.set(cur.vpath, {rel: cur.rel, sha1: digest, size: finalSize, mtimeMs: after.mtimeMs})
    } catch (e) {
      await unlink(cur.tmp).catch(() => {})
      this.retryLater(cur.vpath, (e as Error).message)
      return
    } finally {
      m.partials.delete(cur.vpath)
      m.scheduleSave()
    }
    this.stats.filesReceived++
    this.retries.delete(cur.vpath)
    this.blocked.delete(cur.vpath)
    this.backoff = 0
    this.log(`received ${cur.vpath} ${finalSize}B${cur.from > 0 ? ` (resumed at ${cur.from})` : ""}`)
    this.emit("file", {vpath: cur.vpath, rel: cur.rel, path: cur.target, size: finalSize, sha1: digest, from: cur.from})
    if (numberHeader(msg, "QUEUE-FILES") === 0) this.emit("idle")
  }

  private async onDelete(msg: Cheezburger): Promise<void> {
    const vpath = msg.filename
    if (this.current?.vpath === vpath) await this.abandon(false)
    const m = this.manifest!
    const segments = this.map(vpath)
    if (!segments) {
      this.reject(vpath, "unsafe or unsubscribed name")
      return
    }
    const parent = await existingParent(this.inboxReal, segments)
    const partial = m.partials.get(vpath)
    if (partial) await unlink(join(this.inboxReal, ...partial.tmp.split("/"))).catch(() => {})
    let removed = false
    if (parent) {
      const target = join(parent, segments[segments.length - 1]!)
      const st = await lstat(target).catch(() => null)
      if (st && !st.isDirectory()) {
        await unlink(target).catch(() => {})
        removed = true
      }
      await pruneEmptyDirs(this.inboxReal, parent)
      if (removed) {
        this.stats.deleted++
        this.log(`deleted ${vpath}`)
        this.emit("deleted", {vpath, rel: relative(this.inboxReal, target).split(sep).join("/"), path: target})
      }
    }
    if (m.files.delete(vpath) || m.partials.delete(vpath)) m.scheduleSave()
    for (const b of this.blocked) {
      if (b.startsWith(vpath + "/") || vpath.startsWith(b + "/")) {
        this.blocked.delete(b)
        this.retries.delete(b)
        this.restartLater(`${vpath} deleted: ask again for ${b}`)
      }
    }
    if (numberHeader(msg, "QUEUE-FILES") === 0) this.emit("idle")
  }
}

function headerSha1(msg: Cheezburger): string | null {
  const v = msg.headers.get("SHA1")?.toUpperCase()
  return v && SHA1.test(v) ? v : null
}

function numberHeader(msg: Cheezburger, name: string): number {
  const v = msg.headers.get(name)
  return v !== undefined && /^\d{1,16}$/.test(v) ? Number(v) : -1
}
