/**
 * Sending to the clients (spec/filemq.md §4 "Sending"; the C server's "dispatching" state in
 * fmq_server.xml): each client's pump turns its queued patches into CHEEZBURGERs within its
 * credit and writes them, with any queued replies, into the ROUTER.
 *
 * The rules, which the C client needs or which fix the C server: never a chunk beyond the credit
 * left (only chunk payload counts), so a small credit gives a small chunk instead of C's livelock
 * (B1); chunks of at most `chunkSize` bytes read from disk on demand; one file at a time, ended
 * by one empty chunk with eof=1 and offset = size; a file that changed since it was hashed is not
 * sent (its new version follows when it settles).
 *
 * Memory stays flat whatever the credit: the ROUTER is mandatory with a small send HWM and no
 * send timeout, so a client whose queue is full gets EAGAIN and its pump backs off, while the
 * others keep being served; EHOSTUNREACH means the client has gone, and its state is dropped.
 *
 * Many clients (spec §4 "Many clients"): while the server has two or more, chunks come from file
 * blocks shared between them (shared-reads.ts), so a file is read about once however many
 * clients take it; and the chunk size shrinks with the number of clients that have a file under
 * way, so that all their queues together hold about `sendBudget` bytes. A client alone gets full
 * chunks read straight into its frame, as before.
 */
import {Buffer} from "node:buffer"
import {join} from "node:path"
import type {Router} from "../index.js"
import {encode, encodeCheezburgerRoom, OP_CREATE, OP_DELETE, type FmqMessageInit, type Hash} from "./codec.js"
import {fileHeaders, withQueue} from "./extensions.js"
import type {Mounts} from "./mounts.js"
import {hexId, type Peer, type Transfer} from "./peer.js"
import {SharedReads, type ReadStats} from "./shared-reads.js"

/** What sending needs of the server. */
export interface DispatchHost {
  /** The ROUTER, once bound. */
  router(): Router | null
  readonly mounts: Mounts
  /** Largest chunk, in bytes. */
  readonly chunkSize: number
  /** Messages the ROUTER queues per client (its send HWM). */
  readonly sendHighWaterMark: number
  /** Chunk bytes all clients together may have queued in the ROUTER (spec §4 "Many clients"). */
  readonly sendBudget: number
  /** Most bytes of file blocks cached for sharing between clients (shared-reads.ts); 0: none. */
  readonly readCacheBytes: number
  readonly stats: {filesSent: number; bytesSent: number; deletesSent: number} & ReadStats
  /** How many client sessions the server has. */
  sessions(): number
  /** True while `peer` is the current session of its connection and the server is open. */
  live(peer: Peer): boolean
  drop(peer: Peer, why: string): void
  fail(err: Error): void
  log(line: string): void
  /** A whole file (or its resumed tail) went to a client. */
  sent(info: {client: string; vpath: string; size: number; from: number}): void
}

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms))

/** The smallest chunk the send budget shrinks chunks to: below it, per-message costs dominate. */
export const MIN_SHARED_CHUNK = 256 * 1024
/** How long no client has a file under way before the shared blocks are dropped. */
const IDLE_CLEAR_MS = 1000

export class Dispatcher {
  private readonly reads: SharedReads
  /** Peers with a file under way: they share the send budget. */
  private readonly sending = new Set<Peer>()
  private idle: NodeJS.Timeout | null = null

  constructor(private readonly host: DispatchHost) {
    this.reads = new SharedReads(host.chunkSize, host.readCacheBytes, host.stats)
  }

  /** Ends `peer`'s transfer, if any, without sending anything (its session is gone). */
  abandon(peer: Peer): void {
    const t = peer.current
    peer.current = null
    this.sending.delete(peer)
    if (t) this.reads.release(t.file)
    if (this.sending.size === 0 && !this.idle) {
      // An idle server holds no file bytes: the cache is for clients served at the same time.
      // Not at once, as another client may be just between two files.
      this.idle = setTimeout(() => {
        this.idle = null
        if (this.sending.size === 0) this.reads.clear()
      }, IDLE_CLEAR_MS)
      this.idle.unref()
    }
  }

  /**
   * The largest chunk for the next message: the send budget split between the clients with a file
   * under way, each of which may have sendHighWaterMark messages queued (spec §4 "Many clients").
   * One client gets chunkSize, as before; twenty get a twentieth each, down to MIN_SHARED_CHUNK.
   */
  private chunkLimit(): number {
    const share = Math.floor(this.host.sendBudget / (Math.max(1, this.sending.size) * this.host.sendHighWaterMark))
    return Math.min(this.host.chunkSize, Math.max(MIN_SHARED_CHUNK, share))
  }

  /** Queues a reply (OHAI-OK, ICANHAZ-OK, HUGZ-OK, RTFM) ahead of any further CHEEZBURGER. */
  queueSend(peer: Peer, msg: FmqMessageInit): void {
    peer.outbox.push(encode(msg))
    void this.pump(peer)
  }

  /** Sends what the peer may have, one message at a time, until it runs out of credit or work. */
  async pump(peer: Peer): Promise<void> {
    if (peer.pumping) return
    peer.pumping = true
    try {
      while (this.host.live(peer)) {
        if (peer.outbox.length > 0) {
          if (!(await this.flush(peer))) return
          continue
        }
        const frame = await this.next(peer)
        if (!frame) return
        if (this.host.live(peer)) peer.outbox.push(frame)
      }
    } catch (e) {
      // A read failing because the session was dropped meanwhile is not an error.
      if (this.host.live(peer)) {
        this.host.fail(e as Error)
        this.host.drop(peer, `internal error: ${(e as Error).message}`)
      }
    } finally {
      peer.pumping = false
    }
  }

  /** Writes the peer's outbox into the ROUTER, backing off while its queue is full. */
  private async flush(peer: Peer): Promise<boolean> {
    let delay = 1
    while (peer.outbox.length > 0) {
      const router = this.host.router()
      if (!this.host.live(peer) || !router) return false
      try {
        await router.send([peer.id, peer.outbox[0]!])
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
        this.host.drop(peer, code === "EHOSTUNREACH" ? "disconnected" : `send failed: ${(e as Error).message}`)
        return false
      }
    }
    return true
  }

  /** The next CHEEZBURGER for this peer, or null when it has no credit or nothing is queued. */
  private async next(peer: Peer): Promise<Buffer | null> {
    for (;;) {
      if (!this.host.live(peer)) return null
      const t = peer.current
      if (t) {
        if (t.offset >= t.size) {
          const end = this.finish(peer, t)
          if (end) return end
          continue // its eof went with the last chunk
        }
        if (peer.credit <= 0) return null
        let n = Math.min(this.chunkLimit(), t.size - t.offset, peer.credit)
        let frame: Buffer
        let bytesRead: number
        if (this.reads.budget > 0 && this.host.sessions() > 1) {
          // Another client may want these bytes too, now or when it gets this far: read through
          // the shared blocks, and copy the chunk into this client's frame (the block itself is
          // never handed to a socket).
          n = Math.min(n, this.reads.blockEnd(t.offset) - t.offset)
          const chunk = await this.reads.read(t.file, t.offset, n)
          if (!this.host.live(peer) || peer.current !== t) return null
          bytesRead = chunk.length
          if (bytesRead < n) t.size = t.offset + bytesRead // shrank under us (below)
          if (bytesRead === 0) continue
          frame = this.cheezburger(peer, {operation: OP_CREATE, filename: t.vpath, offset: t.offset, eof: this.lastChunk(peer, t, bytesRead), headers: t.headers, chunk})
        } else {
          // The only client: the chunk is read straight into the frame that carries it (no copy),
          // as nobody would share the read.
          const sequence = peer.sequence
          const room = this.cheezburgerRoom(peer, {operation: OP_CREATE, filename: t.vpath, offset: t.offset, eof: this.lastChunk(peer, t, n), headers: t.headers}, n)
          frame = room.frame
          bytesRead = await this.reads.readInto(t.file, room.chunk, t.offset, n)
          if (!this.host.live(peer) || peer.current !== t) {
            peer.sequence = sequence // only pump() numbers frames, and it runs one at a time per peer
            return null
          }
          if (bytesRead < n) {
            // The file shrank under us: end it here; the client's digest check refuses it and the
            // tree will publish the new version.
            t.size = t.offset + bytesRead
            t.eofSent = false
            peer.sequence = sequence
            if (bytesRead === 0) continue
            frame = this.cheezburger(peer, {operation: OP_CREATE, filename: t.vpath, offset: t.offset, eof: false, headers: t.headers, chunk: room.chunk.subarray(0, bytesRead)})
          }
        }
        t.offset += bytesRead
        peer.credit -= bytesRead
        this.host.stats.bytesSent += bytesRead
        return frame
      }
      const item = peer.take()
      if (!item) return null
      const [vpath, patch] = item
      if (patch.op === "delete") {
        if (this.host.mounts.exists(vpath)) continue // it came back meanwhile
        this.host.stats.deletesSent++
        return this.cheezburger(peer, {operation: OP_DELETE, filename: vpath, offset: 0, eof: false, headers: new Map(), chunk: Buffer.alloc(0)})
      }
      const found = this.host.mounts.lookup(vpath)
      if (!found) continue // deleted meanwhile: a delete patch follows
      const {mount, version} = found
      if (peer.known.get(vpath) === version.sha1) continue
      const file = await this.reads.open(join(mount.tree.root, ...version.rel.split("/")), version)
      if (!file) continue // gone or changed since it was hashed: the tree publishes what it is now
      if (!this.host.live(peer)) {
        this.reads.release(file)
        return null
      }
      const from = patch.resume && patch.resume.sha1 === version.sha1 ? patch.resume.offset : 0
      const headers = fileHeaders(version)
      peer.current = {vpath, version, file, offset: from, from, size: version.size, headers}
      this.sending.add(peer)
      this.host.log(`${hexId(peer.id)} send ${vpath} ${version.size}B from ${from}`)
    }
  }

  /**
   * True when the chunk of `n` bytes at t.offset ends the file and may carry its eof: the client
   * asked for it (LAST-EOF=1). Marks the transfer, so that finish() sends no empty chunk after it.
   */
  private lastChunk(peer: Peer, t: Transfer, n: number): boolean {
    t.eofSent = peer.lastEof && n > 0 && t.offset + n === t.size
    return t.eofSent
  }

  /** Ends the transfer; the empty chunk with eof=1 that closes the file, unless its last chunk carried it. */
  private finish(peer: Peer, t: Transfer): Buffer | null {
    this.abandon(peer)
    const frame = t.eofSent ? null : this.cheezburger(peer, {operation: OP_CREATE, filename: t.vpath, offset: t.size, eof: true, headers: t.headers, chunk: Buffer.alloc(0)})
    if (t.size === t.version.size) peer.known.set(t.vpath, t.version.sha1)
    this.host.stats.filesSent++
    this.host.sent({client: hexId(peer.id), vpath: t.vpath, size: t.size, from: t.from})
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
    return withQueue(base, peer.queueFiles, peer.queueBytes)
  }
}
