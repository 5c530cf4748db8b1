/**
 * The server's file namespace (spec/filemq.md §4 "Publishing directories"): the published
 * directories, each mounted under a virtual path (its alias). A virtual path belongs to the mount
 * whose alias is its longest prefix, matching whole segments; a path that no alias holds belongs
 * to none (the C server attaches it to the first mount: reference §7).
 */
import {isUnder, joinVpath, relativeTo} from "./paths.js"
import type {FileVersion, PublishedTree} from "./tree.js"

export interface Mount {
  alias: string
  tree: PublishedTree
}

export class Mounts {
  private readonly list: Mount[] = []
  /**
   * Each published version's virtual path, made once: every client's queue holds it as a key, and
   * a string per client per file was most of what a queued file cost.
   */
  private readonly vpaths = new WeakMap<FileVersion, string>()

  add(mount: Mount): void {
    this.list.push(mount)
  }

  /** Stops watching every published directory. */
  stop(): void {
    for (const m of this.list) m.tree.stop()
  }

  /** The mount that owns `vpath`: the one whose alias is the longest prefix. */
  mountOf(vpath: string): Mount | null {
    let best: Mount | null = null
    for (const m of this.list) if (isUnder(vpath, m.alias) && (!best || m.alias.length > best.alias.length)) best = m
    return best
  }

  /** The published version of `vpath`, with the mount it is read from; null when there is none. */
  lookup(vpath: string): {mount: Mount; version: FileVersion} | null {
    const mount = this.mountOf(vpath)
    if (!mount) return null
    const version = mount.tree.files.get(relativeTo(vpath, mount.alias))
    return version ? {mount, version} : null
  }

  /** True when the file exists (published or still settling): such a file must not be deleted. */
  exists(vpath: string): boolean {
    const mount = this.mountOf(vpath)
    return mount !== null && mount.tree.knows(relativeTo(vpath, mount.alias))
  }

  /** Every published file under `sub`, in path order. */
  filesUnder(sub: string): [string, FileVersion][] {
    const out = new Map<string, FileVersion>()
    for (const m of this.list) {
      if (!isUnder(m.alias, sub) && !isUnder(sub, m.alias)) continue
      for (const [rel, v] of m.tree.files) {
        let vpath = this.vpaths.get(v)
        if (vpath === undefined) this.vpaths.set(v, (vpath = joinVpath(m.alias, rel)))
        if (isUnder(vpath, sub) && this.mountOf(vpath) === m) out.set(vpath, v)
      }
    }
    return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  }
}
