/**
 * Writing what the server sends into the inbox (spec/filemq.md §5 "Writing files"): one
 * CHEEZBURGER at a time, for the one file being received.
 *
 * Each chunk goes into ".name.filemq-part" beside the target; at end of file the temp file is
 * truncated to the final size, its SHA-1 checked against the server's `SHA1` header, and only then
 * renamed over the target, so a reader never sees a partial file (the C client writes in place and
 * never truncates: reference §8). Names from the network are sanitised (no "..", absolute paths,
 * NUL, backslashes, or a symlinked directory leading out of the inbox; the C client has none of
 * this). Deletions remove the file and the directories it leaves empty. A refused file is asked
 * for again in a new session, which the client starts; what this file knows of the session is
 * the InboxHost below.
 */
import {createHash, type Hash as Hasher} from "node:crypto"
import type {EventEmitter} from "node:events"
import {constants, lstatSync, renameSync, type Stats} from "node:fs"
import {lstat, open, unlink} from "node:fs/promises"
import {basename, join, relative, sep} from "node:path"
import type {ClientEvents, ClientStats} from "./client-events.js"
import type {Cheezburger} from "./codec.js"
import {headerSha1, numberHeader} from "./extensions.js"
import type {Manifest} from "./manifest.js"
import {existingParent, isUnder, partName, pruneEmptyDirs, relativeTo, safeParent, safeSegments} from "./paths.js"
import {SYNC_MAX, SyncFile, type FileLike} from "./sync-file.js"
import {sha1File} from "./tree.js"

/** What the inbox needs of the client's session. */
export interface InboxHost {
  /** The subscriptions: a virtual path goes where the longest one that holds it says. */
  readonly subs: readonly string[]
  readonly stats: ClientStats
  readonly events: EventEmitter<ClientEvents>
  log(line: string): void
  /** Starts a new session soon, which asks for what we lack again (with our cache). */
  restartLater(reason: string): void
  /** A whole file arrived: the server is serving us, so the restart backoff starts over. */
  received(): void
}

export interface InboxOptions {
  /** Refuse a file whose SHA-1 differs from the server's SHA1 header. */
  verify: boolean
  /** Record partial files bigger than this for resume after a crash (bytes). */
  resumeThreshold: number
}

interface Incoming {
  vpath: string
  rel: string
  target: string
  tmp: string
  handle: FileLike
  sha1: string | null
  size: number
  written: number
  hasher: Hasher | null
  from: number
  recorded: boolean
}

/** Times a refused file (digest mismatch, something in the way) is asked for again. */
const MAX_RETRIES = 3
const NOFOLLOW = constants.O_NOFOLLOW ?? 0

export class Inbox {
  private current: Incoming | null = null
  /** A refused file whose further chunks are skipped quietly. */
  private skipping: string | null = null
  private readonly retries = new Map<string, number>()
  /** Files refused because something was in the way: a delete that clears the way retries them. */
  private readonly blocked = new Set<string>()
  /**
   * Parent directories already checked by safeParent (inbox-relative → real path). Looking one up
   * again costs one lstat (is it still a plain directory?) instead of a walk of every component
   * and a realpath (tree B: most of the client's remaining syscalls).
   */
  private readonly parents = new Map<string, string>()

  constructor(
    /** The inbox's realpath. */
    readonly root: string,
    /** Its manifest, loaded (Manifest.load) from `root`. */
    readonly manifest: Manifest,
    private readonly host: InboxHost,
    private readonly opts: InboxOptions,
  ) {}

  /** A crash (FmqClient.abort()): closes the file being received, and writes nothing more. */
  async halt(): Promise<void> {
    const cur = this.current
    this.current = null
    await cur?.handle.close().catch(() => {})
  }

  /** Maps a virtual path to inbox segments through the longest matching subscription. */
  private map(vpath: string): string[] | null {
    let best: string | null = null
    for (const s of this.host.subs) if (isUnder(vpath, s) && (best === null || s.length > best.length)) best = s
    if (best === null) return null
    const rel = relativeTo(vpath, best)
    return safeSegments(rel === "" ? basename(vpath) : rel)
  }

  private reject(vpath: string, reason: string): void {
    this.host.stats.rejected++
    this.host.log(`rejected ${vpath}: ${reason}`)
    this.host.events.emit("rejected", {vpath, reason})
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
    if (n <= MAX_RETRIES) this.host.restartLater(`retry ${vpath}: ${reason}`)
  }

  /** Closes the file being received. keep: leave a recorded partial for resume. */
  async abandon(keep: boolean): Promise<void> {
    const cur = this.current
    this.current = null
    this.skipping = null
    if (!cur) return
    await cur.handle.close().catch(() => {})
    const m = this.manifest
    if (keep && cur.sha1 && cur.written > 0) {
      m.partials.set(cur.vpath, {rel: cur.rel, tmp: relative(this.root, cur.tmp).split(sep).join("/"), sha1: cur.sha1, offset: cur.written})
      m.scheduleSave()
    } else {
      await unlink(cur.tmp).catch(() => {})
      if (m.partials.delete(cur.vpath)) m.scheduleSave()
    }
  }

  /** A CHEEZBURGER with operation create: one chunk of the file being received. */
  async onChunk(msg: Cheezburger): Promise<void> {
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
      this.host.stats.bytesReceived += msg.chunk.length
      const p = this.manifest.partials.get(vpath)
      if (p) p.offset = cur.written
    }
    this.host.events.emit("progress", {
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

  /** The checked parent directory of `segments` (made if missing), or null when the file is refused. */
  private async parentOf(vpath: string, segments: string[]): Promise<string | null> {
    const key = segments.slice(0, -1).join("/")
    const known = this.parents.get(key)
    if (known !== undefined) {
      const st = lstatOrNull(join(this.root, ...segments.slice(0, -1)))
      if (st?.isDirectory()) return known
      this.parents.delete(key) // replaced (a symlink now, or gone): check it all again
    }
    const where = await safeParent(this.root, segments)
    if (!("dir" in where)) {
      if (where.blocked === "escape") this.reject(vpath, "path leads outside the inbox")
      else this.retryLater(vpath, "a file is in the way of its directory", true)
      return null
    }
    if (this.parents.size >= 10_000) this.parents.clear()
    this.parents.set(key, where.dir)
    return where.dir
  }

  /** Opens the temp file for the first chunk of a file; null when the file is refused. */
  private async begin(msg: Cheezburger): Promise<Incoming | null> {
    const vpath = msg.filename
    const segments = this.map(vpath)
    if (!segments) {
      this.reject(vpath, "unsafe or unsubscribed name")
      return null
    }
    const parent = await this.parentOf(vpath, segments)
    if (parent === null) return null
    const name = segments[segments.length - 1]!
    const target = join(parent, name)
    const tmp = join(parent, partName(name, () => createHash("sha1").update(name).digest("hex")))
    const sha1 = headerSha1(msg)
    const size = numberHeader(msg, "SIZE")
    const rel = relative(this.root, target).split(sep).join("/")
    const m = this.manifest
    let handle: FileLike
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
        const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NOFOLLOW
        // sync-file.ts: a small file is written with synchronous calls (no thread-pool round trips).
        handle = size >= 0 && size <= SYNC_MAX ? new SyncFile(tmp, flags, 0o644) : await open(tmp, flags, 0o644)
      } else {
        handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | NOFOLLOW, 0o644)
        hasher = null
        await handle.truncate(msg.offset)
        written = msg.offset
        this.host.stats.resumed++
        this.host.log(`resume ${vpath} at ${msg.offset}`)
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
      m.partials.set(vpath, {rel, tmp: relative(this.root, tmp).split(sep).join("/"), sha1, offset: written})
      cur.recorded = true
      await m.save()
    }
    return cur
  }

  private async complete(cur: Incoming, msg: Cheezburger): Promise<void> {
    this.current = null
    const m = this.manifest
    const finalSize = msg.chunk.length === 0 ? msg.offset : msg.offset + msg.chunk.length
    let digest: string
    let mtimeMs: number
    try {
      // A file written from 0 into a fresh (O_TRUNC) temp file has its size already.
      if (cur.from !== 0 || cur.written !== finalSize) await cur.handle.truncate(finalSize)
      const mtime = numberHeader(msg, "MTIME")
      if (mtime >= 0) await cur.handle.utimes(new Date(), new Date(mtime))
      // The mtime as the filesystem stored it (rename keeps it), for the manifest.
      mtimeMs = (await cur.handle.stat()).mtimeMs
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
      // Synchronous: a rename takes µs, and awaited it would wait on the thread pool. A directory
      // in the way makes it fail (EISDIR, or ENOTEMPTY/EEXIST for a non-empty one).
      try {
        renameSync(cur.tmp, cur.target)
      } catch (e) {
        if (!lstatOrNull(cur.target)?.isDirectory()) throw e
        await unlink(cur.tmp).catch(() => {})
        this.retryLater(cur.vpath, "a directory is in the way", true)
        return
      }
      m.files.set(cur.vpath, {rel: cur.rel, sha1: digest, size: finalSize, mtimeMs})
    } catch (e) {
      await unlink(cur.tmp).catch(() => {})
      this.retryLater(cur.vpath, (e as Error).message)
      return
    } finally {
      m.partials.delete(cur.vpath)
      m.scheduleSave()
    }
    this.host.stats.filesReceived++
    this.retries.delete(cur.vpath)
    this.blocked.delete(cur.vpath)
    this.host.received()
    this.host.log(`received ${cur.vpath} ${finalSize}B${cur.from > 0 ? ` (resumed at ${cur.from})` : ""}`)
    this.host.events.emit("file", {vpath: cur.vpath, rel: cur.rel, path: cur.target, size: finalSize, sha1: digest, from: cur.from})
    if (numberHeader(msg, "QUEUE-FILES") === 0) this.host.events.emit("idle")
  }

  /** A CHEEZBURGER with operation delete. */
  async onDelete(msg: Cheezburger): Promise<void> {
    const vpath = msg.filename
    if (this.current?.vpath === vpath) await this.abandon(false)
    const m = this.manifest
    const segments = this.map(vpath)
    if (!segments) {
      this.reject(vpath, "unsafe or unsubscribed name")
      return
    }
    const parent = await existingParent(this.root, segments)
    const partial = m.partials.get(vpath)
    if (partial) await unlink(join(this.root, ...partial.tmp.split("/"))).catch(() => {})
    let removed = false
    if (parent) {
      const target = join(parent, segments[segments.length - 1]!)
      const st = await lstat(target).catch(() => null)
      if (st && !st.isDirectory()) {
        await unlink(target).catch(() => {})
        removed = true
      }
      await pruneEmptyDirs(this.root, parent)
      if (removed) {
        this.host.stats.deleted++
        this.host.log(`deleted ${vpath}`)
        this.host.events.emit("deleted", {vpath, rel: relative(this.root, target).split(sep).join("/"), path: target})
      }
    }
    if (m.files.delete(vpath) || m.partials.delete(vpath)) m.scheduleSave()
    for (const b of this.blocked) {
      if (b.startsWith(vpath + "/") || vpath.startsWith(b + "/")) {
        this.blocked.delete(b)
        this.retries.delete(b)
        this.host.restartLater(`${vpath} deleted: ask again for ${b}`)
      }
    }
    if (numberHeader(msg, "QUEUE-FILES") === 0) this.host.events.emit("idle")
  }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path)
  } catch {
    return null
  }
}
