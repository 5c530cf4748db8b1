/**
 * The server's file reads, shared by all its clients (issue 21 item 4; spec/filemq.md §4
 * "Sending", "Many clients").
 *
 * Clients that subscribe to the same tree ask for the same files in the same order, so when one
 * server feeds twenty clients at once they mostly ask for the same bytes within a short time of
 * each other. Reading per client would read each file twenty times and hold twenty copies of it in
 * flight. Here:
 *
 * - one open file per file version (path + SHA-1 + size + mtime + inode), shared by every
 *   transfer of that version and closed when the last one ends;
 * - reads in blocks of `blockSize` aligned on the file, kept in a cache of at most `budget` bytes
 *   (least recently used out first); a read already under way is awaited, not repeated. So a
 *   block is read once per window of clients that reach it while it is cached, and a slow client
 *   never holds the others back: it reads again what has been evicted.
 *
 * A block is never modified once read: callers get views of it and copy them into their frames
 * (a buffer handed to the socket is never touched again: the engine may still be writing from
 * it).
 */
import {Buffer} from "node:buffer"
import {open} from "node:fs/promises"
import {SYNC_MAX, SyncFile, type FileLike} from "./sync-file.js"
import type {FileVersion} from "./tree.js"

/** Counters the server reports (FmqServer.stats). */
export interface ReadStats {
  /** Read calls that went to the file system. */
  diskReads: number
  /** Bytes read from the file system (the page cache, when warm). */
  diskBytes: number
  /** Chunks served from a block another client's read brought in (or was bringing in). */
  sharedReads: number
}

/** One file version, open for every transfer of it. */
export interface SharedFile {
  readonly version: FileVersion
  readonly handle: FileLike
}

interface OpenFile extends SharedFile {
  readonly key: string
  handle: FileLike
  /** Transfers holding it. */
  refs: number
  closed: boolean
}

interface Block {
  /** Bytes this block counts against the budget. */
  readonly size: number
  readonly data: Promise<Buffer>
}

export class SharedReads {
  /** Open files by version, while some transfer holds them (or they are being opened). */
  private readonly files = new Map<string, Promise<OpenFile | null>>()
  /** Cached blocks, least recently used first (a Map keeps insertion order). */
  private readonly blocks = new Map<string, Block>()
  private cached = 0

  constructor(
    private readonly blockSize: number,
    /** Most bytes kept in cached blocks; 0 turns sharing off (every read goes to disk). */
    readonly budget: number,
    readonly stats: ReadStats,
  ) {}

  /** Opens `version` at `path` (shared), or null when the file is gone or no longer that version. */
  async open(path: string, version: FileVersion): Promise<SharedFile | null> {
    const key = `${path}\0${version.sha1}\0${version.size}\0${version.mtimeMs}\0${version.ino}`
    for (;;) {
      let opening = this.files.get(key)
      if (!opening) {
        const p = openChecked(key, path, version)
        opening = p
        this.files.set(key, p)
        void p.then(f => {
          if (!f && this.files.get(key) === p) this.files.delete(key) // a later transfer tries afresh
        })
      }
      const file = await opening
      if (!file) return null
      if (file.closed) continue // its last transfer ended while we waited: open it again
      file.refs++
      return file
    }
  }

  /** A transfer is done with `file`: the last one closes it. */
  release(file: SharedFile): void {
    const f = file as OpenFile
    if (--f.refs > 0) return
    f.closed = true
    const opening = this.files.get(f.key)
    if (opening) void opening.then(g => g === f && this.files.get(f.key) === opening && this.files.delete(f.key))
    void f.handle.close().catch(() => {})
  }

  /** The block boundary after `offset`: a shared chunk never crosses one. */
  blockEnd(offset: number): number {
    return (Math.floor(offset / this.blockSize) + 1) * this.blockSize
  }

  /**
   * Up to `n` bytes of `file` at `offset`, not past blockEnd(offset): a view of a shared block,
   * which the caller must copy and never modify. Shorter when the file shrank under us.
   */
  async read(file: SharedFile, offset: number, n: number): Promise<Buffer> {
    const f = file as OpenFile
    const index = Math.floor(offset / this.blockSize)
    const start = index * this.blockSize
    const key = `${f.key}\0${index}`
    let block = this.blocks.get(key)
    if (block) {
      this.blocks.delete(key) // to the young end
      this.blocks.set(key, block)
      this.stats.sharedReads++
    } else {
      const size = Math.max(0, Math.min(this.blockSize, f.version.size - start))
      const buf = Buffer.allocUnsafeSlow(size)
      const data = f.handle.read(buf, 0, size, start).then(
        ({bytesRead}) => {
          this.stats.diskReads++
          this.stats.diskBytes += bytesRead
          if (bytesRead < size) this.forget(key, block!) // shrank: let the next reader see it afresh
          return buf.subarray(0, bytesRead)
        },
        (err: unknown) => {
          this.forget(key, block!)
          throw err
        },
      )
      block = {size, data}
      this.blocks.set(key, block)
      this.cached += size
      this.trim()
    }
    const bytes = await block.data
    const from = Math.min(offset - start, bytes.length)
    return bytes.subarray(from, Math.min(from + n, bytes.length))
  }

  /** Reads straight into `into` (no cache): for when no other client could share the read. */
  async readInto(file: SharedFile, into: Buffer, offset: number, n: number): Promise<number> {
    const {bytesRead} = await file.handle.read(into, 0, n, offset)
    this.stats.diskReads++
    this.stats.diskBytes += bytesRead
    return bytesRead
  }

  /** Drops every cached block (no transfer is under way: nothing would be shared). */
  clear(): void {
    this.blocks.clear()
    this.cached = 0
  }

  private forget(key: string, block: Block): void {
    if (this.blocks.get(key) !== block) return
    this.blocks.delete(key)
    this.cached -= block.size
  }

  /** Least recently used out until the cache fits its budget (a block being read may go too: its readers keep it). */
  private trim(): void {
    for (const [key, block] of this.blocks) {
      if (this.cached <= this.budget) return
      this.forget(key, block)
    }
  }
}

async function openChecked(key: string, path: string, version: FileVersion): Promise<OpenFile | null> {
  let handle: FileLike
  try {
    handle = version.size <= SYNC_MAX ? new SyncFile(path, "r") : await open(path, "r")
  } catch {
    return null // gone: the tree will publish the delete
  }
  const st = await handle.stat().catch(() => null)
  if (!st || st.size !== version.size || st.mtimeMs !== version.mtimeMs || st.ino !== version.ino) {
    // Changed since it was hashed: the tree publishes the new version when it settles.
    await handle.close().catch(() => {})
    return null
  }
  return {key, version, handle, refs: 0, closed: false}
}
