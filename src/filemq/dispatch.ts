/**
 * Sending to the clients (spec/filemq.md §4 "Sending"; the C server's "dispatching" state in
 * fmq_server.xml): each client's pump turns its queued patches into CHEEZBURGERs within its
 * credit and writes them, with any queued replies, into the ROUTER.
 *
 * The rules, which the C client needs or which fix the C server: never a chunk beyond the credit
 * left (only chunk payload counts), so a small credit gives a small chunk instead of C's livelock
 * (B1); chunks of at most `chunkSize` bytes read from disk on demand, straight into the frame; one
 * file at a time, ended by one empty chunk with eof=1 and offset = size; a file that changed since
 * it was hashed is not sent (its new version follows when it settles).
 *
 * Memory stays flat whatever the credit: the ROUTER is mandatory with a small send HWM and no
 * send timeout, so a client whose queue is full gets EAGAIN and its pump backs off, while the
 * others keep being served; EHOSTUNREACH means the client has gone, and its state is dropped.
 */
import {Buffer} from "node:buffer"
import {open} from "node:fs/promises"
import {join} from "node:path"
import {SYNC_MAX, SyncFile, type FileLike} from "./sync-file.js"
import type {Router} from "../index.js"
import {encode, encodeCheezburgerRoom, OP_CREATE, OP_DELETE, type FmqMessageInit, type Hash} from "./codec.js"
import {fileHeaders, withQueue} from "./extensions.js"
import type {Mounts} from "./mounts.js"
import {hexId, type Peer, type Transfer} from "./peer.js"

/** What sending needs of the server. */
export interface DispatchHost {
  /** The ROUTER, once bound. */
  router(): Router | null
  readonly mounts: Mounts
  /** Largest chunk, in bytes. */
  readonly chunkSize: number
  readonly stats: {filesSent: number; bytesSent: number; deletesSent: number}
  /** True while `peer` is the current session of its connection and the server is open. */
  live(peer: Peer): boolean
  drop(peer: Peer, why: string): void
  fail(err: Error): void
  log(line: string): void
  /** A whole file (or its resumed tail) went to a client. */
  sent(info: {client: string; vpath: string; size: number; from: number}): void
}

const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms))

export class Dispatcher {
  constructor(private readonly host: DispatchHost) {}

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
        if (t.offset >= t.size) return this.finish(peer, t)
        if (peer.credit <= 0) return null
        const n = Math.min(this.host.chunkSize, t.size - t.offset, peer.credit)
        // The chunk is read straight into the frame that carries it (no copy on the way out).
        const sequence = peer.sequence
        let {frame, chunk} = this.cheezburgerRoom(peer, {operation: OP_CREATE, filename: t.vpath, offset: t.offset, eof: false, headers: t.headers}, n)
        const {bytesRead} = await t.handle.read(chunk, 0, n, t.offset)
        if (!this.host.live(peer) || peer.current !== t) {
          peer.sequence = sequence // only pump() numbers frames, and it runs one at a time per peer
          return null
        }
        if (bytesRead < n) {
          // The file shrank under us: end it here; the client's digest check refuses it and the
          // tree will publish the new version.
          t.size = t.offset + bytesRead
          peer.sequence = sequence
          if (bytesRead === 0) continue
          frame = this.cheezburger(peer, {operation: OP_CREATE, filename: t.vpath, offset: t.offset, eof: false, headers: t.headers, chunk: chunk.subarray(0, bytesRead)})
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
      let handle: FileLike
      try {
        const path = join(mount.tree.root, ...version.rel.split("/"))
        handle = version.size <= SYNC_MAX ? new SyncFile(path, "r") : await open(path, "r")
      } catch {
        continue // gone: the tree will publish the delete
      }
      const st = await handle.stat().catch(() => null)
      if (!st || st.size !== version.size || st.mtimeMs !== version.mtimeMs || st.ino !== version.ino) {
        // Changed since it was hashed: the tree publishes the new version when it settles.
        await handle.close().catch(() => {})
        continue
      }
      if (!this.host.live(peer)) {
        await handle.close().catch(() => {})
        return null
      }
      const from = patch.resume && patch.resume.sha1 === version.sha1 ? patch.resume.offset : 0
      const headers = fileHeaders(version)
      peer.current = {vpath, version, handle, offset: from, from, size: version.size, headers}
      this.host.log(`${hexId(peer.id)} send ${vpath} ${version.size}B from ${from}`)
    }
  }

  private async finish(peer: Peer, t: Transfer): Promise<Buffer> {
    peer.current = null
    await t.handle.close().catch(() => {})
    const frame = this.cheezburger(peer, {operation: OP_CREATE, filename: t.vpath, offset: t.size, eof: true, headers: t.headers, chunk: Buffer.alloc(0)})
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
    return withQueue(base, peer.queue.size, peer.queuedBytes)
  }
}
