/**
 * The collector's state directory (spec/pipeline.md §6): what makes "every batch completes
 * exactly once" survive a collector that is killed and restarted.
 *
 *   <key>.part   an open batch: a file header, then one record per result, appended as results
 *                arrive (not synced: after a kill -9 the kernel still has them; what a power
 *                cut loses is only resent, since the ventilator asks for whatever is missing)
 *   <key>.batch  a committed batch: the same file, synced and then renamed. The rename is the
 *                commit point: a batch whose .batch file exists is never completed again.
 *
 * File header: "ZPLB", version 1, three zero octets, size (uint32 BE): 12 octets.
 * Record: task (uint32 BE), length (uint32 BE), the result's octets.
 * A record cut short by a kill is dropped (and the file cut back to the last whole record).
 */
import {Buffer} from "node:buffer"
import {mkdir, open, readdir, readFile, rename, truncate, type FileHandle} from "node:fs/promises"
import {join} from "node:path"
import {MAX_BATCH} from "./protocol.js"

const MAGIC = Buffer.from("ZPLB\x01\x00\x00\x00", "latin1")
const FILE_HEADER = 12

export interface StoredBatch {
  size: number
  results: Map<number, Buffer>
}

/** Parses a .part or .batch file; `valid` is how many octets are whole records. */
export function parseBatchFile(data: Buffer): (StoredBatch & {valid: number}) | null {
  if (data.length < FILE_HEADER || !data.subarray(0, 8).equals(MAGIC)) return null
  const size = data.readUInt32BE(8)
  if (size > MAX_BATCH) return null
  const results = new Map<number, Buffer>()
  let at = FILE_HEADER
  while (at + 8 <= data.length) {
    const task = data.readUInt32BE(at)
    const len = data.readUInt32BE(at + 4)
    if (at + 8 + len > data.length || task >= size) break
    // First record wins, as on the wire (a duplicate here would be a bug, but is harmless).
    if (!results.has(task)) results.set(task, data.subarray(at + 8, at + 8 + len))
    at += 8 + len
  }
  return {size, results, valid: at}
}

function fileHeader(size: number): Buffer {
  const b = Buffer.alloc(FILE_HEADER)
  MAGIC.copy(b)
  b.writeUInt32BE(size, 8)
  return b
}

function record(task: number, data: Buffer): Buffer[] {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(task, 0)
  head.writeUInt32BE(data.length, 4)
  return [head, data]
}

interface OpenFile {
  /** Every write for this batch, in order: appends never interleave or overtake the commit. */
  chain: Promise<FileHandle | null>
}

/** The state directory, or (dir null) nothing at all: every method is then a no-op. */
export class Store {
  /** Keys of committed batches (from .batch files at open, and every commit since). */
  readonly committed = new Set<string>()
  /** Open batches found at open: their results so far. */
  readonly partial = new Map<string, StoredBatch>()
  private readonly files = new Map<string, OpenFile>()
  /** The first write error (disk full, directory removed): reported by the collector. */
  failure: Error | null = null

  private constructor(readonly dir: string | null) {}

  static async open(dir: string | null): Promise<Store> {
    const store = new Store(dir)
    if (dir === null) return store
    await mkdir(dir, {recursive: true})
    for (const name of await readdir(dir)) {
      const m = /^(.+)\.(part|batch)$/.exec(name)
      if (!m) continue
      if (m[2] === "batch") {
        store.committed.add(m[1]!)
        continue
      }
      const path = join(dir, name)
      const data = await readFile(path)
      const parsed = parseBatchFile(data)
      if (!parsed) continue // a kill before its header was whole: nothing in it
      if (parsed.valid < data.length) await truncate(path, parsed.valid)
      store.partial.set(m[1]!, {size: parsed.size, results: parsed.results})
      store.files.set(m[1]!, {chain: open(path, "a")})
    }
    return store
  }

  /** Records one accepted result of an open batch (in the background, in order). */
  append(key: string, size: number, task: number, data: Buffer): void {
    if (this.dir === null) return
    let file = this.files.get(key)
    if (!file) {
      const path = join(this.dir, `${key}.part`)
      // "w": a .part left without a header by a kill is started again.
      file = {chain: open(path, "w").then(async fh => (await fh.write(fileHeader(size)), fh))}
      this.files.set(key, file)
    }
    file.chain = file.chain.then(async fh => {
      if (fh) await fh.writev(record(task, data))
      return fh
    }).catch(e => this.failed(e))
  }

  /**
   * Commits a complete batch: waits for its appends, syncs the file, renames it to .batch and
   * syncs the directory (so the rename itself survives a power cut). A batch of zero tasks gets
   * a file with only the header.
   */
  async commit(key: string, size: number): Promise<void> {
    if (this.dir === null) {
      this.committed.add(key)
      return
    }
    if (!this.files.has(key)) this.files.set(key, {chain: open(join(this.dir, `${key}.part`), "w").then(async fh => (await fh.write(fileHeader(size)), fh))})
    const file = this.files.get(key)!
    const fh = await file.chain
    this.files.delete(key)
    if (this.failure || !fh) throw this.failure ?? new Error(`pipeline state: no file for ${key}`)
    await fh.sync()
    await fh.close()
    await rename(join(this.dir, `${key}.part`), join(this.dir, `${key}.batch`))
    this.committed.add(key)
    const dir = await open(this.dir, "r")
    try {
      await dir.sync()
    } finally {
      await dir.close()
    }
  }

  /** The results of a committed batch, read back from its .batch file (null in memory mode). */
  async read(key: string): Promise<StoredBatch | null> {
    if (this.dir === null) return null
    const parsed = parseBatchFile(await readFile(join(this.dir, `${key}.batch`)))
    return parsed && {size: parsed.size, results: parsed.results}
  }

  async close(): Promise<void> {
    const files = [...this.files.values()]
    this.files.clear()
    for (const f of files) {
      const fh = await f.chain.catch(() => null)
      await fh?.close().catch(() => {})
    }
  }

  private failed(e: unknown): null {
    this.failure ??= e instanceof Error ? e : new Error(String(e))
    return null
  }
}
