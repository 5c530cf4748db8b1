/**
 * The FILEMQ server: a ROUTER that publishes local directories under virtual paths, speaking the
 * C master's wire (../../spec/filemq.md) and fixing what the C server gets wrong.
 *
 * Per connection (keyed by ROUTER routing id), following fmq_server.xml:
 *   start --OHAI--> ready; ICANHAZ → ICANHAZ-OK + queue; NOM → credit; HUGZ → HUGZ-OK;
 *   KTHXBAI → forget the client. A malformed frame gets RTFM and is discarded (the client keeps its
 *   state); a well-formed command that is out of place gets RTFM and the client state is dropped,
 *   as in C. OHAI in any state starts a fresh session.
 *
 * This file is that state machine: the ROUTER, the commands from clients, their sessions' start
 * and end. A client's state is peer.ts; the published directories are mounts.ts; sending, within
 * each client's credit, is dispatch.ts. The server never sends HUGZ or KTHXBAI to a client: the C
 * client halts on both (spec/filemq.md §4 "Sending").
 */
import {Buffer} from "node:buffer"
import {EventEmitter} from "node:events"
import {resolve} from "node:path"
import {Context, Router} from "../index.js"
import {clipUtf8, describe, encode, tryDecode, type FmqMessage, type FmqMessageInit} from "./codec.js"
import {Authenticator} from "./curve.js"
import {Dispatcher} from "./dispatch.js"
import {readIcanhaz} from "./extensions.js"
import {Mounts, type Mount} from "./mounts.js"
import {isUnder, joinVpath, normalizeVpath} from "./paths.js"
import {createPatch, DELETE_PATCH, hexId, Peer} from "./peer.js"
import {ResyncCursor, resyncPatch, type Snapshot} from "./resync.js"
import {PublishedTree, type FileVersion} from "./tree.js"

export const DEFAULT_ENDPOINT = "tcp://*:5670"
/** The C server's CHUNK_SIZE. */
export const CHUNK_SIZE = 1_000_000

export interface ServerOptions {
  /** Stability delay before a changed file is published (ms; default 1000). */
  stableMs?: number
  /** Full rescan period under fs.watch (ms; default 5000; 0 disables). */
  rescanMs?: number
  /** Use fs.watch (default true). */
  watch?: boolean
  /** A client silent this long is forgotten (ms; default 60000, as the C server). */
  timeoutMs?: number
  /** Largest chunk (default 1,000,000, as the C server). */
  chunkSize?: number
  /** Messages queued per client in the socket before its pump waits (default 8). */
  sendHighWaterMark?: number
  /**
   * Chunk bytes all clients together may have queued in the socket (default sendHighWaterMark ×
   * chunkSize, what one client may have): with many clients at once each gets smaller chunks
   * (spec/filemq.md §4 "Many clients").
   */
  sendBudget?: number
  /** Bytes of file blocks cached so that clients share reads (default 16 MiB; 0: no sharing). */
  readCacheBytes?: number
  /** Debug log (one line per event). */
  log?: (line: string) => void
  /**
   * CURVE (curve.ts): the server's key pair, and the client public keys it admits (null: any client
   * that speaks CURVE with this server key). Without it the server speaks NULL, as the C server.
   */
  curve?: {publicKey: string; secretKey: string; allow?: ReadonlySet<string> | null} | null
}

export interface ServerStats {
  clients: number
  filesSent: number
  bytesSent: number
  deletesSent: number
  rtfmSent: number
  /** Read calls that went to the file system. */
  diskReads: number
  /** Bytes read from the files served (however many clients they went to). */
  diskBytes: number
  /** Chunks served from a block already read (or being read) for another client. */
  sharedReads: number
}

export interface ServerEvents {
  /** A file was published or deleted in one of the trees. */
  change: [vpath: string, version: FileVersion | null]
  /** A CURVE client was turned away: its key is not on the allow-list. */
  refused: [info: {clientKey: string; address: string}]
  /** A whole file (or its resumed tail) went to a client. */
  sent: [info: {client: string; vpath: string; size: number; from: number}]
  error: [err: Error]
}

export class FmqServer extends EventEmitter<ServerEvents> {
  readonly options: Required<Omit<ServerOptions, "log" | "curve">> & {log: ((line: string) => void) | null}
  private readonly curve: ServerOptions["curve"]
  private authenticator: Authenticator | null = null
  readonly stats: ServerStats = {clients: 0, filesSent: 0, bytesSent: 0, deletesSent: 0, rtfmSent: 0, diskReads: 0, diskBytes: 0, sharedReads: 0}
  private readonly mounts = new Mounts()
  private readonly peers = new Map<string, Peer>()
  /**
   * The sorted file list of each path resynced since the tree last changed: every client that
   * resyncs the path meanwhile walks the same one (resync.ts).
   */
  private readonly snapshots = new Map<string, Snapshot>()
  private readonly dispatch: Dispatcher
  private router: Router | null = null
  private expiryTimer: NodeJS.Timeout | null = null
  private closed = false
  private receiving: Promise<void> | null = null

  constructor(options: ServerOptions = {}) {
    super()
    this.options = {
      stableMs: options.stableMs ?? 1000,
      rescanMs: options.rescanMs ?? 5000,
      watch: options.watch ?? true,
      timeoutMs: options.timeoutMs ?? 60_000,
      chunkSize: Math.max(1, Math.min(options.chunkSize ?? CHUNK_SIZE, 0xffffffff)),
      sendHighWaterMark: options.sendHighWaterMark ?? 8,
      sendBudget: 0,
      readCacheBytes: options.readCacheBytes ?? 16 * 1024 * 1024,
      log: options.log ?? null,
    }
    this.options.sendBudget = options.sendBudget ?? this.options.sendHighWaterMark * this.options.chunkSize
    this.curve = options.curve ?? null
    this.dispatch = new Dispatcher({
      router: () => this.router,
      mounts: this.mounts,
      chunkSize: this.options.chunkSize,
      sendHighWaterMark: Math.max(1, this.options.sendHighWaterMark),
      sendBudget: this.options.sendBudget,
      readCacheBytes: this.options.readCacheBytes,
      stats: this.stats,
      sessions: () => this.peers.size,
      live: peer => this.live(peer),
      drop: (peer, why) => this.drop(peer, why),
      fail: err => this.fail(err),
      log: line => this.log(line),
      sent: info => this.emit("sent", info),
    })
  }

  private log(line: string): void {
    this.options.log?.(line)
  }

  /** Reports an error to "error" listeners, or to the log when there are none (never throws). */
  private fail(err: Error): void {
    if (this.listenerCount("error") > 0) this.emit("error", err)
    else this.log(`error: ${err.message}`)
  }

  /** The endpoint the ROUTER is bound to (resolved, e.g. tcp://127.0.0.1:41234). */
  get endpoint(): string | null {
    return this.router?.lastEndpoint ?? null
  }

  /** Publishes `location` under the virtual path `alias` (must start with "/"). */
  async publish(location: string, alias = "/"): Promise<void> {
    const a = normalizeVpath(alias)
    if (a === null) throw new TypeError(`alias must be a virtual path starting with "/", got ${JSON.stringify(alias)}`)
    const tree = new PublishedTree(resolve(location), {stableMs: this.options.stableMs, rescanMs: this.options.rescanMs, watch: this.options.watch})
    const mount: Mount = {alias: a, tree}
    tree.on("change", (rel, version) => this.onTreeChange(mount, rel, version))
    tree.on("error", err => this.fail(err))
    await tree.start()
    if (this.closed) {
      tree.stop()
      return
    }
    this.mounts.add(mount)
    this.log(`publish ${tree.root} as ${a}: ${tree.files.size} files`)
  }

  /** Binds the ROUTER (default tcp://*:5670) and starts serving; returns the resolved endpoint. */
  async bind(endpoint = DEFAULT_ENDPOINT): Promise<string> {
    if (this.closed) throw new Error("server is closed")
    if (!this.router) {
      const curve = this.curve
      // With CURVE, a context of our own: its ZAP handler (inproc://zeromq.zap.01) is this server's alone.
      const context = curve ? new Context() : undefined
      if (curve?.allow) {
        this.authenticator = new Authenticator(context!, curve.allow, (clientKey, address) => {
          this.log(`refused client ${address}: key ${clientKey} is not allowed`)
          this.emit("refused", {clientKey, address})
        })
        await this.authenticator.start()
      }
      const security = curve ? {curveServer: true, curvePublicKey: curve.publicKey, curveSecretKey: curve.secretKey, zapDomain: "filemq", ...(context ? {context} : {})} : {}
      this.router = new Router({linger: 0, mandatory: true, sendTimeout: 0, sendHighWaterMark: this.options.sendHighWaterMark, ...security})
      this.receiving = this.receiveLoop(this.router)
      const sweep = Math.max(50, Math.min(5000, Math.floor(this.options.timeoutMs / 2)))
      this.expiryTimer = setInterval(() => this.expire(), sweep)
      this.expiryTimer.unref()
    }
    await this.router.bind(endpoint)
    const bound = this.router.lastEndpoint!
    this.log(`bound ${bound}`)
    return bound
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.expiryTimer) clearInterval(this.expiryTimer)
    this.mounts.stop()
    for (const peer of [...this.peers.values()]) this.drop(peer, "server closing")
    this.router?.close()
    await this.receiving?.catch(() => {})
    await this.authenticator?.close()
  }

  private onTreeChange(mount: Mount, rel: string, version: FileVersion | null): void {
    const vpath = joinVpath(mount.alias, rel)
    if (this.mounts.mountOf(vpath) !== mount) return // shadowed by a longer alias
    this.log(`${version ? "publish" : "delete"} ${vpath}${version ? ` ${version.size}B ${version.sha1}` : ""}`)
    this.emit("change", vpath, version)
    this.snapshots.clear()
    for (const peer of this.peers.values()) {
      if (!peer.wants(vpath)) continue
      peer.changed(vpath)
      if (version) {
        if (peer.known.get(vpath) === version.sha1) continue
        peer.enqueue(vpath, createPatch(version))
      } else {
        peer.known.delete(vpath)
        peer.enqueue(vpath, DELETE_PATCH)
      }
      void this.dispatch.pump(peer)
    }
  }

  // ---- receiving ----------------------------------------------------------------------------

  private async receiveLoop(router: Router): Promise<void> {
    for (;;) {
      let msg: Buffer[]
      try {
        msg = await router.receive()
      } catch {
        if (router.closed || this.closed) return
        continue
      }
      try {
        this.handle(msg[0]!, msg.slice(1))
      } catch (e) {
        this.fail(e as Error)
      }
    }
  }

  private handle(id: Buffer, frames: Buffer[]): void {
    const key = id.toString("latin1")
    let peer = this.peers.get(key)
    if (peer) peer.lastSeen = Date.now()
    const decoded = tryDecode(frames)
    if (!decoded.ok) {
      // Malformed: RTFM and discard; the client keeps its state (RFC 35 would discard silently;
      // the C server dies here).
      this.log(`${hexId(id)} malformed: ${decoded.error.message}`)
      this.rtfm(id, peer, `malformed: ${decoded.error.message}`)
      return
    }
    const msg = decoded.message
    this.log(`${hexId(id)} <- ${describe(msg)}`)
    if (msg.id === "OHAI") {
      if (peer) this.drop(peer, "new session")
      peer = new Peer(Buffer.from(id), key)
      this.peers.set(key, peer)
      this.stats.clients = this.peers.size
      this.dispatch.queueSend(peer, {id: "OHAI_OK"})
      return
    }
    if (!peer) {
      if (msg.id === "RTFM" || msg.id === "SRSLY" || msg.id === "KTHXBAI") return
      this.rtfm(id, null, `${msg.id} before OHAI`)
      return
    }
    switch (msg.id) {
      case "ICANHAZ":
        this.icanhaz(peer, msg)
        break
      case "NOM":
        peer.credit = Math.min(Number.MAX_SAFE_INTEGER, peer.credit + msg.credit)
        void this.dispatch.pump(peer)
        break
      case "HUGZ":
        this.dispatch.queueSend(peer, {id: "HUGZ_OK"})
        break
      case "HUGZ_OK":
        break // we never send HUGZ, but a reply to one is harmless
      case "KTHXBAI":
        this.drop(peer, "KTHXBAI")
        break
      case "RTFM":
      case "SRSLY":
        this.drop(peer, `client sent ${msg.id}`)
        break
      default:
        // OHAI-OK, ICANHAZ-OK, CHEEZBURGER: server-to-client commands. As in C: RTFM, forget.
        this.rtfm(id, peer, `unexpected ${msg.id}`)
        this.drop(peer, `unexpected ${msg.id}`)
    }
  }

  private icanhaz(peer: Peer, msg: Extract<FmqMessage, {id: "ICANHAZ"}>): void {
    const sub = normalizeVpath(msg.path)
    if (sub === null) {
      this.rtfm(peer.id, peer, `path must start with "/": ${msg.path}`)
      return
    }
    if (msg.dialect) peer.dialect = msg.dialect
    // A resync of a path that overlaps one asked for before is queued file by file, so that a file
    // under both is queued once (resync.ts walks each path on its own).
    const overlaps = peer.subs.some(s => isUnder(s, sub) || isUnder(sub, s))
    if (!peer.subs.includes(sub)) peer.subs.push(sub)
    this.dispatch.queueSend(peer, {id: "ICANHAZ_OK"})

    // What the client holds (spec §6: cache, CACHE, RESUME) and asks for (RESYNC, PRUNE).
    const {cache, resume, resync, prune, lastEof} = readIcanhaz(msg, sub)
    for (const [v, d] of cache) peer.known.set(v, d)
    if (lastEof) peer.lastEof = true

    // Deletes first: they free the names (a file that became a directory) and the space.
    if (prune) {
      for (const vpath of new Set([...cache.keys(), ...resume.keys()])) {
        if (this.mounts.exists(vpath)) continue
        peer.known.delete(vpath)
        peer.enqueue(vpath, DELETE_PATCH)
      }
    }
    if (resync && !overlaps) {
      peer.resyncs.push(new ResyncCursor(sub, this.snapshot(sub), cache, resume))
    } else if (resync) {
      for (const [vpath, version] of this.mounts.filesUnder(sub)) {
        const patch = resyncPatch(vpath, version, cache, resume)
        if (patch) peer.enqueue(vpath, patch)
      }
    }
    this.log(`${hexId(peer.id)} subscribed ${sub}${resync ? " (resync)" : ""}: ${peer.queueFiles} queued, cache ${cache.size}, resume ${resume.size}`)
    void this.dispatch.pump(peer)
  }

  private rtfm(id: Buffer, peer: Peer | null | undefined, reason: string): void {
    this.stats.rtfmSent++
    const msg: FmqMessageInit = {id: "RTFM", reason: clipUtf8(reason)}
    if (peer && this.peers.get(peer.key) === peer) {
      this.dispatch.queueSend(peer, msg)
      return
    }
    // No state to queue on: best effort.
    try {
      this.router?.send([id, encode(msg)]).catch(() => {})
    } catch {
      // closed
    }
  }

  /** The published files under `sub`, sorted: shared until the tree changes. */
  private snapshot(sub: string): Snapshot {
    let s = this.snapshots.get(sub)
    if (!s) this.snapshots.set(sub, (s = this.mounts.filesUnder(sub)))
    return s
  }

  // ---- client lifetime ----------------------------------------------------------------------

  /** True while `peer` is the current session of its connection and the server is open. */
  private live(peer: Peer): boolean {
    return !this.closed && this.peers.get(peer.key) === peer
  }

  private drop(peer: Peer, why: string): void {
    if (this.peers.get(peer.key) === peer) this.peers.delete(peer.key)
    this.stats.clients = this.peers.size
    this.dispatch.abandon(peer)
    peer.outbox.length = 0
    peer.clear()
    this.log(`${hexId(peer.id)} dropped: ${why}`)
  }

  private expire(): void {
    const limit = Date.now() - this.options.timeoutMs
    for (const peer of [...this.peers.values()]) if (peer.lastSeen < limit && !peer.pumping) this.drop(peer, "expired")
  }
}
