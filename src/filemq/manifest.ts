/**
 * What a client has received, kept in `<inbox>/.filemq/manifest.json`: for each virtual path, the
 * local file and its SHA-1 (sent to the server as the ICANHAZ cache), and the partially received
 * files (sent as resume points). Only files that came from the server are listed, so a deletion
 * the server propagates can never remove a file the user put into the inbox.
 *
 * On load it is checked against the disk: a file that is gone is forgotten (the server sends it
 * again); a file whose size or mtime changed is hashed again (the server sends it again when the
 * digest differs); a partial file's length is its resume offset.
 */
import {lstat, mkdir, open, readFile, rename} from "node:fs/promises"
import {join} from "node:path"
import {STATE_DIR} from "./paths.js"
import {sha1File} from "./tree.js"

export interface FileRecord {
  /** Local path relative to the inbox, "/"-separated. */
  rel: string
  sha1: string
  size: number
  mtimeMs: number
}

export interface PartialRecord {
  /** Local path of the target relative to the inbox. */
  rel: string
  /** The temp file relative to the inbox. */
  tmp: string
  /** SHA-1 of the complete file this is the start of. */
  sha1: string
  /** Bytes on disk (set on load; kept up to date while receiving). */
  offset: number
}

interface Stored {
  version: 1
  files: Record<string, FileRecord>
  partials: Record<string, Omit<PartialRecord, "offset">>
}

const SHA1 = /^[0-9A-F]{40}$/

export class Manifest {
  readonly files = new Map<string, FileRecord>()
  readonly partials = new Map<string, PartialRecord>()
  private saveTimer: NodeJS.Timeout | null = null
  private saving: Promise<void> = Promise.resolve()
  private dirty = false

  private constructor(readonly inbox: string) {}

  get path(): string {
    return join(this.inbox, STATE_DIR, "manifest.json")
  }

  /** Loads and checks the manifest of `inbox` (a realpath); an unreadable one counts as empty. */
  static async load(inbox: string): Promise<Manifest> {
    const m = new Manifest(inbox)
    let stored: Partial<Stored> = {}
    try {
      stored = JSON.parse(await readFile(m.path, "utf8")) as Partial<Stored>
    } catch {
      return m
    }
    if (stored.version !== 1) return m
    for (const [vpath, rec] of Object.entries(stored.files ?? {})) {
      if (!rec || typeof rec.rel !== "string" || typeof rec.sha1 !== "string" || !SHA1.test(rec.sha1)) continue
      const abs = join(inbox, ...rec.rel.split("/"))
      try {
        const st = await lstat(abs)
        if (!st.isFile()) continue
        let sha1 = rec.sha1
        if (st.size !== rec.size || st.mtimeMs !== rec.mtimeMs) sha1 = await sha1File(abs)
        m.files.set(vpath, {rel: rec.rel, sha1, size: st.size, mtimeMs: st.mtimeMs})
      } catch {
        // gone: the server will send it again
      }
    }
    for (const [vpath, rec] of Object.entries(stored.partials ?? {})) {
      if (!rec || typeof rec.tmp !== "string" || typeof rec.rel !== "string" || typeof rec.sha1 !== "string" || !SHA1.test(rec.sha1)) continue
      try {
        const st = await lstat(join(inbox, ...rec.tmp.split("/")))
        if (st.isFile() && st.size > 0) m.partials.set(vpath, {rel: rec.rel, tmp: rec.tmp, sha1: rec.sha1, offset: st.size})
      } catch {
        // gone
      }
    }
    return m
  }

  /**
   * Saves within `delayMs` (coalescing many changes into one write). The manifest is written
   * whole, so the default wait grows with it: 200 ms, or 1 ms per 10 files (10,000 files: 1 s).
   */
  scheduleSave(delayMs = Math.max(200, this.files.size / 10)): void {
    this.dirty = true
    if (this.saveTimer) return
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null
      void this.save()
    }, delayMs)
    this.saveTimer.unref()
  }

  /** Writes the manifest now (temp file + rename, so it is never seen half written). */
  save(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer)
      this.saveTimer = null
    }
    this.dirty = true
    this.saving = this.saving.then(async () => {
      if (!this.dirty) return
      this.dirty = false
      const stored: Stored = {version: 1, files: {}, partials: {}}
      for (const [v, r] of this.files) stored.files[v] = r
      for (const [v, r] of this.partials) stored.partials[v] = {rel: r.rel, tmp: r.tmp, sha1: r.sha1}
      try {
        await mkdir(join(this.inbox, STATE_DIR), {recursive: true})
        const tmp = this.path + ".tmp"
        const fh = await open(tmp, "w")
        try {
          await fh.writeFile(JSON.stringify(stored))
        } finally {
          await fh.close()
        }
        await rename(tmp, this.path)
      } catch {
        this.dirty = true // try again next time
      }
    })
    return this.saving
  }

  /** Cancels a pending save (used when simulating a crash). */
  cancel(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer)
    this.saveTimer = null
  }
}
