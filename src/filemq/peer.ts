/**
 * The server's state for one client connection (spec/filemq.md §4 "Per-connection state
 * machine"; the C server's `client_t` in fmq_server.c): its subscriptions, its credit, the
 * patches queued for it, what it is known to hold, and the one file being sent to it.
 */
import type {Buffer} from "node:buffer"
import type {Dialect, Hash} from "./codec.js"
import type {Resume} from "./extensions.js"
import {isUnder} from "./paths.js"
import type {ResyncCursor} from "./resync.js"
import type {SharedFile} from "./shared-reads.js"
import type {FileVersion} from "./tree.js"

/**
 * A change queued for a client: a file to send (from `resume.offset` when the client holds the
 * start of this very version) or a delete. `size` is what it adds to QUEUE-BYTES.
 */
export type Patch = {readonly op: "create"; readonly resume?: Resume; readonly size: number} | {readonly op: "delete"; readonly size: 0}

/**
 * The patches without a resume point are the same for every client: one object per file version
 * (and one delete), shared by every client's queue, so that a queue costs a Map entry per file.
 * With twenty clients each queueing a tree of 10,000 files, a patch object per entry was ~0.4 MB
 * per client.
 */
const createPatches = new WeakMap<FileVersion, Patch>()
export const DELETE_PATCH: Patch = Object.freeze({op: "delete", size: 0})

/** The shared patch that sends `version` whole. */
export function createPatch(version: FileVersion): Patch {
  let p = createPatches.get(version)
  if (!p) createPatches.set(version, (p = Object.freeze({op: "create", size: version.size})))
  return p
}

/** The file being sent to a client: one at a time, never interleaved (spec §4 "Sending"). */
export interface Transfer {
  vpath: string
  version: FileVersion
  /** The open file, shared with other clients' transfers of the same version (shared-reads.ts). */
  file: SharedFile
  offset: number
  from: number
  size: number
  headers: Hash
  /** The last data chunk went out with eof=1 (the client said LAST-EOF=1): no empty chunk follows. */
  eofSent?: boolean
}

/** One client connection's state. A fresh OHAI replaces the object, so stale pumps notice. */
export class Peer {
  readonly subs: string[] = []
  credit = 0
  sequence = 0
  /** Deletes and later changes, in order; a vpath queued again replaces its entry. */
  readonly queue = new Map<string, Patch>()
  queuedBytes = 0
  /** Resync replies still being walked (resync.ts), taken after the queue, one after another. */
  readonly resyncs: ResyncCursor[] = []
  /** What the client holds, as far as we know: vpath → SHA-1 (from its cache and our sends). */
  readonly known = new Map<string, string>()
  current: Transfer | null = null
  readonly outbox: Buffer[] = []
  lastSeen = Date.now()
  pumping = false
  dialect: Dialect = "master"
  /**
   * The client takes eof=1 on a file's last data chunk (ICANHAZ option LAST-EOF=1, spec §6): a
   * small file is then one message instead of two. The C client needs the empty chunk (it writes
   * the next file's data into this one without it), and never asks.
   */
  lastEof = false
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
    if (!first.done) {
      this.queue.delete(first.value[0])
      this.queuedBytes -= first.value[1].size
      return first.value
    }
    while (this.resyncs.length > 0) {
      const next = this.resyncs[0]!.take()
      if (next) return next
      this.resyncs.shift()
    }
    return undefined
  }

  /** `vpath` changed: a resync that has not reached it yet leaves it to the queue. */
  changed(vpath: string): void {
    for (const c of this.resyncs) c.withdraw(vpath)
  }

  /** Patches still to send (QUEUE-FILES). */
  get queueFiles(): number {
    let n = this.queue.size
    for (const c of this.resyncs) n += c.files
    return n
  }

  /** Their bytes (QUEUE-BYTES). */
  get queueBytes(): number {
    let n = this.queuedBytes
    for (const c of this.resyncs) n += c.bytes
    return n
  }

  /** Forgets everything queued (the session is gone). */
  clear(): void {
    this.queue.clear()
    this.queuedBytes = 0
    this.resyncs.length = 0
  }
}

/** How a client is named in logs and `sent` events: its ROUTER routing id in hex. */
export function hexId(id: Buffer): string {
  return id.toString("hex")
}
