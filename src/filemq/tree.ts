/**
 * One published directory: an index of its stable files (relative path → size, mtime, inode,
 * SHA-1), kept up to date with `fs.watch` (recursive) plus a periodic rescan as a safety net.
 *
 * A file is published only once it has stopped changing: two observations `stableMs` apart with
 * the same size, mtime and inode (files whose mtime is already older than `stableMs` when the tree
 * is first scanned count as stable at once). Its SHA-1 is computed by streaming it in 1 MB reads,
 * and the file is observed again afterwards: if it changed while being hashed it waits again.
 * A change whose content digest is unchanged (a touch) is not published.
 *
 * Like the C server: names starting with "." are skipped (so a client's temp and state files,
 * and `.cache`, are never published), and so are symbolic links (the C `.ln` convention is not
 * supported: following links would let whoever can write into the tree publish any file).
 */
import {Buffer} from "node:buffer"
import {EventEmitter} from "node:events"
import {lstatSync, watch, type FSWatcher, type Stats} from "node:fs"
import {lstat, open, readdir, realpath} from "node:fs/promises"
import {createHash} from "node:crypto"
import {join} from "node:path"
import {loadIndex, saveIndex} from "./tree-index.js"

export interface FileVersion {
  /** Path relative to the tree's root, "/"-separated. */
  rel: string
  size: number
  mtimeMs: number
  ino: number
  /** 40 uppercase hex characters, as the C zdigest prints them. */
  sha1: string
}

export interface TreeOptions {
  /** A file must keep the same size/mtime/inode this long before it is published. */
  stableMs: number
  /** Full rescan period (the safety net under fs.watch); 0 disables. */
  rescanMs: number
  /** Use fs.watch (recursive); false relies on rescans only. */
  watch: boolean
  /** Keep `.filemq-index` in the root (tree-index.ts) so a restart need not rehash (default true). */
  index?: boolean
}

/** How long after the last change the index is written again. */
const INDEX_DELAY_MS = 2000

interface Observation {
  /** null: the file is gone. */
  size: number
  mtimeMs: number
  ino: number
  missing: boolean
  /** When this exact state was first seen. */
  since: number
}

export interface TreeEvents {
  /** A file was published (new content), or deleted (version null). */
  change: [rel: string, version: FileVersion | null]
  error: [err: Error]
}

const READ_SIZE = 1 << 20
/** Synchronous lstats between two turns of the event loop while walking the tree. */
const STAT_BATCH = 256

/** SHA-1 of a file's first `size` bytes (all of it by default), as 40 uppercase hex characters. */
export async function sha1File(path: string): Promise<string> {
  const hash = createHash("sha1")
  const fh = await open(path, "r")
  try {
    const buf = Buffer.allocUnsafe(READ_SIZE)
    let pos = 0
    for (;;) {
      const {bytesRead} = await fh.read(buf, 0, buf.length, pos)
      if (bytesRead === 0) break
      hash.update(buf.subarray(0, bytesRead))
      pos += bytesRead
    }
  } finally {
    await fh.close()
  }
  return hash.digest("hex").toUpperCase()
}

const sameStat = (a: {size: number; mtimeMs: number; ino: number}, b: {size: number; mtimeMs: number; ino: number}) =>
  a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino

export class PublishedTree extends EventEmitter<TreeEvents> {
  /** Published (stable) files. */
  readonly files = new Map<string, FileVersion>()
  /** Files seen changing (or vanishing) that have not settled yet. */
  readonly pending = new Map<string, Observation>()
  root = ""
  private watcher: FSWatcher | null = null
  /**
   * On Linux, one plain fs.watch (an inotify watch) per directory, by relative path: Node 20's
   * recursive watch there is JavaScript that stats the whole tree at start (tree B: ~0.2 s) and
   * then polls every file with a StatWatcher for as long as it runs.
   */
  private readonly dirWatchers = new Map<string, FSWatcher>()
  /** Directories the last walk found ("" is the root). */
  private dirs = new Set<string>()
  private rescanTimer: NodeJS.Timeout | null = null
  private settleTimer: NodeJS.Timeout | null = null
  private quickScan: NodeJS.Timeout | null = null
  private settling = false
  private scanning: Promise<void> | null = null
  private rescanAgain = false
  private stopped = false
  /** The index read at start: what an unchanged file's SHA-1 is, without reading it. */
  private known = new Map<string, FileVersion>()
  private indexTimer: NodeJS.Timeout | null = null
  private indexDirty = false

  constructor(
    readonly location: string,
    readonly options: TreeOptions,
  ) {
    super()
  }

  /** Scans the tree (hashing files that are already stable) and starts watching it. */
  async start(): Promise<void> {
    this.root = await realpath(this.location)
    if (!(await lstat(this.root)).isDirectory()) throw new Error(`${this.location} is not a directory`)
    const now = Date.now()
    if (this.options.index !== false) this.known = await loadIndex(this.root)
    const found = await this.walk()
    for (const [rel, st] of found) {
      if (this.stopped) return
      if (now - st.mtimeMs >= this.options.stableMs) {
        await this.settleOne(rel, {size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, missing: false, since: 0}, true)
      } else {
        this.pending.set(rel, {size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, missing: false, since: now})
      }
    }
    if (this.options.watch) this.startWatch()
    if (this.options.rescanMs > 0) {
      this.rescanTimer = setInterval(() => void this.rescan(), this.options.rescanMs)
      this.rescanTimer.unref()
    }
    this.scheduleSettle()
    this.known = new Map() // from now on the live index is `files`
    if (this.indexDirty) void this.writeIndex()
  }

  private fail(err: Error): void {
    if (this.listenerCount("error") > 0) this.emit("error", err)
  }

  stop(): void {
    if (this.indexTimer && this.indexDirty && !this.stopped) void this.writeIndex()
    this.stopped = true
    this.watcher?.close()
    this.watcher = null
    for (const w of this.dirWatchers.values()) w.close()
    this.dirWatchers.clear()
    for (const t of [this.rescanTimer, this.settleTimer, this.quickScan, this.indexTimer]) if (t) clearTimeout(t)
    this.rescanTimer = this.settleTimer = this.quickScan = this.indexTimer = null
  }

  /** The published set changed: write the index soon (once changes pause), not per file. */
  private indexChanged(): void {
    this.indexDirty = true
    if (this.options.index === false || this.indexTimer || this.stopped || this.known.size > 0) return
    this.indexTimer = setTimeout(() => void this.writeIndex(), INDEX_DELAY_MS)
    this.indexTimer.unref()
  }

  private async writeIndex(): Promise<void> {
    if (this.indexTimer) clearTimeout(this.indexTimer)
    this.indexTimer = null
    if (this.options.index === false || !this.indexDirty) return
    this.indexDirty = false
    try {
      await saveIndex(this.root, this.files.values())
    } catch {
      // A read-only tree: no index, every start hashes (as before there was one).
    }
  }

  /** True when `rel` is published or known and not yet settled (so not to be deleted elsewhere). */
  knows(rel: string): boolean {
    return this.files.has(rel) || (this.pending.has(rel) && !this.pending.get(rel)!.missing)
  }

  // ---- scanning -----------------------------------------------------------------------------

  private async walk(): Promise<Map<string, Stats>> {
    const out = new Map<string, Stats>()
    const dirs = new Set<string>()
    let statted = 0
    const visit = async (dir: string, prefix: string): Promise<void> => {
      dirs.add(prefix)
      let entries
      try {
        entries = await readdir(dir, {withFileTypes: true})
      } catch {
        return
      }
      // Files are stat'ed synchronously, a batch at a time between turns of the event loop: an
      // lstat of a cached inode takes microseconds, and a round trip through the thread pool per
      // file (fs/promises) cost tree B (10,000 files) ~0.15 s of CPU and most of its GC at start.
      for (const e of entries) {
        if (e.name.startsWith(".")) continue
        const rel = prefix === "" ? e.name : prefix + "/" + e.name
        const abs = join(dir, e.name)
        if (e.isDirectory()) await visit(abs, rel)
        else if (e.isFile()) {
          if (++statted % STAT_BATCH === 0) await new Promise(setImmediate)
          let st: Stats | undefined
          try {
            st = lstatSync(abs, {throwIfNoEntry: false})
          } catch {
            st = undefined // unreadable: as if it vanished meanwhile
          }
          if (st?.isFile()) out.set(rel, st)
        }
      }
    }
    await visit(this.root, "")
    this.dirs = dirs
    if (this.dirWatchers.size > 0) this.watchDirs()
    return out
  }

  /** Compares the whole tree with the index; whatever differs becomes pending. */
  rescan(): Promise<void> {
    if (this.scanning) {
      // A walk is under way but may have passed the change already: walk again after it.
      this.rescanAgain = true
      return this.scanning
    }
    this.scanning = (async () => {
      try {
        this.rescanAgain = false
        const found = await this.walk()
        if (this.stopped) return
        for (const [rel, st] of found) this.observe(rel, st)
        for (const rel of [...this.files.keys(), ...this.pending.keys()]) if (!found.has(rel)) this.observe(rel, null)
        this.scheduleSettle()
      } catch (e) {
        this.fail(e as Error)
      } finally {
        this.scanning = null
        if (this.rescanAgain && !this.stopped) void this.rescan()
      }
    })()
    return this.scanning
  }

  private observe(rel: string, st: {size: number; mtimeMs: number; ino: number} | null): void {
    const prev = this.pending.get(rel)
    const published = this.files.get(rel)
    if (st === null) {
      if (!published && !prev) return
      if (!published && prev && !prev.missing) {
        // Never published: just forget it.
        this.pending.delete(rel)
        return
      }
      if (prev?.missing) return
      this.pending.set(rel, {size: 0, mtimeMs: 0, ino: 0, missing: true, since: Date.now()})
      return
    }
    if (prev && !prev.missing && sameStat(prev, st)) return
    if (!prev && published && sameStat(published, st)) return
    this.pending.set(rel, {size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, missing: false, since: Date.now()})
  }

  // ---- watching -----------------------------------------------------------------------------

  private startWatch(): void {
    if (process.platform === "linux") {
      this.watchDirs()
      return
    }
    try {
      this.watcher = watch(this.root, {recursive: true, persistent: false}, (_event, filename) => this.onWatch(filename))
      this.watcher.on("error", () => {
        // e.g. the root vanished: the rescan keeps going
        this.watcher?.close()
        this.watcher = null
      })
    } catch {
      this.watcher = null // no recursive watch on this platform: rescans only
    }
  }

  /** Linux: a watch on every directory the last walk found, none on those it did not. */
  private watchDirs(): void {
    if (this.stopped) return
    for (const [dir, w] of this.dirWatchers) {
      if (this.dirs.has(dir)) continue
      w.close()
      this.dirWatchers.delete(dir)
    }
    for (const dir of this.dirs) {
      if (this.dirWatchers.has(dir)) continue
      try {
        const w = watch(dir === "" ? this.root : join(this.root, dir), {persistent: false}, (_event, name) =>
          // A name in this directory; null: something happened we cannot name, so look at it all.
          this.onWatch(name === null ? null : dir === "" ? name.toString() : `${dir}/${name.toString()}`),
        )
        // The directory went away (its parent's watch reports that, and the rescan drops it).
        w.on("error", () => w.close())
        this.dirWatchers.set(dir, w)
      } catch {
        // Gone between the walk and now: the next walk settles it.
      }
    }
  }

  private onWatch(filename: string | Buffer | null): void {
    if (this.stopped) return
    const name = filename === null ? null : filename.toString().split("\\").join("/")
    if (name === null || name.split("/").some(p => p.startsWith("."))) {
      if (name === null) this.scheduleQuickScan()
      return
    }
    // A published file on the way to this name has become a directory.
    const parts = name.split("/")
    for (let i = 1; i < parts.length; i++) {
      const up = parts.slice(0, i).join("/")
      if (this.files.has(up) || this.pending.has(up)) this.observe(up, null)
    }
    const goneBelow = () => {
      const prefix = name + "/"
      for (const rel of [...this.files.keys(), ...this.pending.keys()]) if (rel.startsWith(prefix)) this.observe(rel, null)
    }
    void lstat(join(this.root, name)).then(
      st => {
        if (this.stopped) return
        if (st.isFile()) {
          this.observe(name, st)
          goneBelow() // it may have been a directory
        } else {
          if (this.files.has(name) || this.pending.has(name)) this.observe(name, null) // a file became a directory
          if (st.isDirectory()) this.scheduleQuickScan()
        }
        this.scheduleSettle()
      },
      () => {
        if (this.stopped) return
        // Gone: the file itself, or a directory with files under it.
        this.observe(name, null)
        goneBelow()
        this.scheduleSettle()
      },
    )
  }

  private scheduleQuickScan(): void {
    if (this.quickScan || this.stopped) return
    this.quickScan = setTimeout(() => {
      this.quickScan = null
      void this.rescan()
    }, 20)
    this.quickScan.unref()
  }

  // ---- settling -----------------------------------------------------------------------------

  private scheduleSettle(): void {
    if (this.settleTimer || this.stopped || this.pending.size === 0) return
    const tick = Math.max(10, Math.min(250, Math.floor(this.options.stableMs / 4)))
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null
      void this.settleAll()
    }, tick)
    this.settleTimer.unref()
  }

  private async settleAll(): Promise<void> {
    if (this.settling || this.stopped) return
    this.settling = true
    try {
      const now = Date.now()
      for (const [rel, obs] of [...this.pending]) {
        if (this.stopped) return
        if (this.pending.get(rel) !== obs) continue
        // Look again: a write that fs.watch missed still changes what we see.
        let st: Stats | null = null
        try {
          st = await lstat(join(this.root, rel))
          if (!st.isFile()) st = null
        } catch {
          st = null
        }
        this.observe(rel, st)
        const cur = this.pending.get(rel)
        if (!cur || cur !== obs) continue
        if (now - cur.since < this.options.stableMs) continue
        await this.settleOne(rel, cur, false)
      }
    } catch (e) {
      this.fail(e as Error)
    } finally {
      this.settling = false
      this.scheduleSettle()
    }
  }

  private async settleOne(rel: string, obs: Observation, initial: boolean): Promise<void> {
    if (obs.missing) {
      this.pending.delete(rel)
      if (this.files.delete(rel)) {
        this.indexChanged()
        this.emit("change", rel, null)
      }
      return
    }
    const published = this.files.get(rel)
    if (published && sameStat(published, obs)) {
      this.pending.delete(rel)
      return
    }
    const indexed = initial ? this.known.get(rel) : undefined
    if (indexed !== undefined && sameStat(indexed, obs)) {
      // tree-index.ts: unchanged since it was hashed, as far as size, mtime and inode tell.
      this.pending.delete(rel)
      const version: FileVersion = {...indexed}
      this.files.set(rel, version)
      this.emit("change", rel, version)
      return
    }
    const abs = join(this.root, rel)
    let sha1: string
    let after: Stats
    try {
      sha1 = await sha1File(abs)
      after = await lstat(abs)
    } catch {
      // Vanished or unreadable: look again later (a vanished file becomes a pending delete).
      if (!initial) this.observe(rel, null)
      return
    }
    if (this.stopped) return
    if (!sameStat(after, obs) || after.size !== obs.size) {
      // Changed while we hashed it: wait until it is stable again.
      this.pending.set(rel, {size: after.size, mtimeMs: after.mtimeMs, ino: after.ino, missing: false, since: Date.now()})
      return
    }
    if (this.pending.get(rel) === obs) this.pending.delete(rel)
    const version: FileVersion = {rel, size: after.size, mtimeMs: after.mtimeMs, ino: after.ino, sha1}
    this.files.set(rel, version)
    this.indexChanged()
    if (!published || published.sha1 !== sha1) this.emit("change", rel, version)
  }
}
