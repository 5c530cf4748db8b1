/**
 * A resync reply without a queue entry per file (issue 21 item 4: memory flat whatever the file
 * count; spec/filemq.md §4 "Many clients").
 *
 * RESYNC=1 asks for every file under the path that the client's cache does not already match, in
 * path order. Queued one entry per file per client, twenty clients of a 10,000-file tree held
 * 200,000 entries. Instead, every client that resyncs a path while the tree is unchanged walks the
 * same sorted snapshot of it, with a cursor of its own:
 *
 * - a file the client's cache matches is passed over;
 * - the others are counted when the cursor is made (files and bytes), so that QUEUE-FILES and
 *   QUEUE-BYTES stay exact: the client takes QUEUE-FILES = 0 on its last file as "up to date";
 * - a file that changes (or goes) while still ahead of the cursor is withdrawn from it and queued
 *   like any later change, so the cursor only ever hands out what its snapshot says.
 */
import type {Resume} from "./extensions.js"
import {createPatch, type Patch} from "./peer.js"
import type {FileVersion} from "./tree.js"

/** Every published file under a path, sorted by virtual path (Mounts.filesUnder). */
export type Snapshot = readonly (readonly [string, FileVersion])[]

/**
 * What a resync sends of `version` at `vpath`: nothing when the client's cache matches it, the
 * tail from a resume point of this very version, or the whole file.
 */
export function resyncPatch(vpath: string, version: FileVersion, cache: ReadonlyMap<string, string>, resume: ReadonlyMap<string, Resume>): Patch | null {
  if (cache.get(vpath) === version.sha1) return null
  const r = resume.get(vpath)
  if (r && r.sha1 === version.sha1 && r.offset > 0 && r.offset <= version.size) return {op: "create", resume: r, size: version.size - r.offset}
  return createPatch(version)
}

export class ResyncCursor {
  private index = 0
  /** Files still to hand out, and their bytes (from each resume point where there is one). */
  files = 0
  bytes = 0
  /** Files ahead of the cursor taken out of it because they changed (they went to the queue). */
  private readonly withdrawn = new Set<string>()

  constructor(
    readonly sub: string,
    private readonly snapshot: Snapshot,
    /** The client's cache (vpath → SHA-1) as its ICANHAZ sent it. */
    private readonly cache: ReadonlyMap<string, string>,
    private readonly resume: ReadonlyMap<string, Resume>,
  ) {
    for (const [vpath, version] of snapshot) {
      const p = resyncPatch(vpath, version, this.cache, this.resume)
      if (p) {
        this.files++
        this.bytes += p.size
      }
    }
  }

  get done(): boolean {
    return this.index >= this.snapshot.length
  }

  /** The next file to send, or undefined at the end. */
  take(): [string, Patch] | undefined {
    while (this.index < this.snapshot.length) {
      const [vpath, version] = this.snapshot[this.index++]!
      if (this.withdrawn.delete(vpath)) continue
      const p = resyncPatch(vpath, version, this.cache, this.resume)
      if (!p) continue
      this.files--
      this.bytes -= p.size
      return [vpath, p]
    }
    return undefined
  }

  /**
   * `vpath` changed. True when it was still ahead of the cursor: it is withdrawn (no longer
   * counted), and the caller queues the change instead.
   */
  withdraw(vpath: string): boolean {
    const at = this.find(vpath)
    if (at < this.index || this.withdrawn.has(vpath)) return false
    this.withdrawn.add(vpath)
    const p = resyncPatch(vpath, this.snapshot[at]![1], this.cache, this.resume)
    if (p) {
      this.files--
      this.bytes -= p.size
    }
    return true
  }

  /** The index of `vpath` in the snapshot, or -1 (binary search: the snapshot is sorted). */
  private find(vpath: string): number {
    let lo = 0
    let hi = this.snapshot.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const v = this.snapshot[mid]![0]
      if (v === vpath) return mid
      if (v < vpath) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }
}
