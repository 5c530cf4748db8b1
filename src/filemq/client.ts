/**
 * The FILEMQ client: a DEALER that subscribes to virtual paths and mirrors what the server sends
 * into an inbox directory, speaking the C master's wire (../../spec/filemq.md).
 *
 * Session: KTHXBAI (a probe: the C server alone answers it, see startSession) → OHAI → OHAI-OK
 * → ICANHAZ per subscription (with RESYNC=1, PRUNE=1, the cache of what it already holds and the
 * resume points of partial files) → ICANHAZ-OK → NOM. It keeps a credit window open (NOM again
 * when half is used; every chunk counts, whatever happens to it), answers HUGZ, sends HUGZ when
 * the server has been quiet for `heartbeatMs`, and starts a new session when the server restarts
 * (a new connection, an RTFM, or `timeoutMs` of silence).
 *
 * This file is that session (spec/filemq.md §5 "Session"). The credit window is credit.ts, the
 * ICANHAZ options and cache are built in extensions.ts, and what each CHEEZBURGER does to the
 * inbox is inbox.ts; its events and counters are declared in client-events.ts.
 *
 * Everything that changes state (messages, restarts, timers, close) runs one at a time through
 * one promise chain, so a file handle is never closed under a write.
 */
import {Buffer} from "node:buffer"
import {EventEmitter} from "node:events"
import {mkdir, realpath} from "node:fs/promises"
import {curveKeyPair, Dealer} from "../index.js"
import type {ClientEvents, ClientStats} from "./client-events.js"
import {describe, encode, OP_CREATE, OP_DELETE, tryDecode, type FmqMessage, type FmqMessageInit} from "./codec.js"
import {C_SERVER_CREDIT, CreditWindow} from "./credit.js"
import {icanhazFor} from "./extensions.js"
import {Inbox, type InboxHost} from "./inbox.js"
import {Manifest} from "./manifest.js"
import {normalizeVpath} from "./paths.js"

export type {ClientEvents, ClientStats, FileEvent, ProgressEvent} from "./client-events.js"

export interface ClientOptions {
  /** Where files go (created if missing). */
  inbox: string
  /** Send HUGZ after this much silence from the server (ms; default 1000, as the C client). */
  heartbeatMs?: number
  /** Start over on a new connection after this much silence (ms; default 5 x heartbeatMs). */
  timeoutMs?: number
  /** Credit window in bytes (default 8,000,000); topped up when half is used. */
  credit?: number
  /** Ask for files the server already has (RESYNC=1; default true). */
  resync?: boolean
  /** Ask the server to delete what we hold and it no longer has (PRUNE=1; default true). */
  prune?: boolean
  /** Refuse a file whose SHA-1 differs from the server's SHA1 header (default true). */
  verify?: boolean
  /** Record partial files bigger than this for resume after a crash (bytes; default 1,000,000). */
  resumeThreshold?: number
  log?: (line: string) => void
  /**
   * CURVE (curve.ts): the server's public key, and this client's key pair (a fresh one is made
   * when absent; give one the server's allow-list names). Without it the client speaks NULL.
   */
  curve?: {serverKey: string; publicKey?: string; secretKey?: string} | null
}

type State = "closed" | "connecting" | "subscribing" | "ready"

/** Our DEALER's receive HWM once the peer is the C server (credit off): 64 chunks of ≤ 1 MB. */
const C_SERVER_RCVHWM = 64
/** How long the C server may be silent before we start over (its own client expiry). */
const C_SERVER_SILENCE_MS = 60_000

export class FmqClient extends EventEmitter<ClientEvents> {
  readonly stats: ClientStats = {filesReceived: 0, bytesReceived: 0, deleted: 0, rejected: 0, sessions: 0, resumed: 0}
  readonly inbox: string
  private readonly opts: Required<Omit<ClientOptions, "inbox" | "log" | "curve">>
  /** The DEALER's security options (CURVE keys), or none for NULL. */
  private readonly security: {curveServerKey: string; curvePublicKey: string; curveSecretKey: string} | null
  private readonly logFn: ((line: string) => void) | null
  private readonly subs: string[] = []
  /** The inbox being written, from connect() on. */
  private writer: Inbox | null = null
  private endpoint: string | null = null
  private dealer: Dealer | null = null
  private state: State = "closed"
  private closed = false
  private chain: Promise<void> = Promise.resolve()
  private pendingAcks = 0
  private readonly flow: CreditWindow
  /** The peer on this connection answered our KTHXBAI probe as the C server does (see startSession). */
  private cServer = false
  private sessionStart = 0
  private lastHeard = 0
  private lastHugz = 0
  private timer: NodeJS.Timeout | null = null
  private restartTimer: NodeJS.Timeout | null = null
  private backoff = 0

  constructor(options: ClientOptions) {
    super()
    this.inbox = options.inbox
    const heartbeatMs = options.heartbeatMs ?? 1000
    this.opts = {
      heartbeatMs,
      timeoutMs: options.timeoutMs ?? heartbeatMs * 5,
      credit: Math.max(1, options.credit ?? 8_000_000),
      resync: options.resync ?? true,
      prune: options.prune ?? true,
      verify: options.verify ?? true,
      resumeThreshold: options.resumeThreshold ?? 1_000_000,
    }
    this.logFn = options.log ?? null
    this.flow = new CreditWindow(this.opts.credit)
    const curve = options.curve
    if (curve) {
      const own = curve.publicKey && curve.secretKey ? {publicKey: curve.publicKey, secretKey: curve.secretKey} : curveKeyPair()
      this.security = {curveServerKey: curve.serverKey, curvePublicKey: own.publicKey, curveSecretKey: own.secretKey}
    } else {
      this.security = null
    }
  }

  private log(line: string): void {
    this.logFn?.(line)
  }

  /** True once every subscription is acknowledged in the current session. */
  get ready(): boolean {
    return this.state === "ready" && this.pendingAcks === 0
  }

  /** Subscribes to a virtual path ("/" for everything); may be called before or after connect. */
  subscribe(path: string): void {
    const sub = normalizeVpath(path)
    if (sub === null) throw new TypeError(`subscription path must start with "/", got ${JSON.stringify(path)}`)
    if (this.subs.includes(sub)) return
    this.subs.push(sub)
    if (this.state === "ready" || this.state === "subscribing") void this.serial(() => this.sendIcanhaz(sub))
  }

  /** Loads the inbox's manifest and connects; the session proceeds in the background. */
  async connect(endpoint: string): Promise<void> {
    if (this.closed) throw new Error("client is closed")
    if (this.endpoint !== null) throw new Error("already connected")
    this.endpoint = endpoint
    await mkdir(this.inbox, {recursive: true})
    const root = await realpath(this.inbox)
    const host: InboxHost = {
      subs: this.subs,
      stats: this.stats,
      events: this,
      log: (line: string) => this.log(line),
      restartLater: (reason: string) => this.restartLater(reason),
      received: () => void (this.backoff = 0),
    }
    this.writer = new Inbox(root, await Manifest.load(root), host, {verify: this.opts.verify, resumeThreshold: this.opts.resumeThreshold})
    if (this.closed) return
    const m = this.writer.manifest
    this.log(`inbox ${root}: ${m.files.size} files, ${m.partials.size} partial`)
    const tick = Math.max(20, Math.floor(Math.min(this.opts.heartbeatMs, this.opts.timeoutMs) / 2))
    this.timer = setInterval(() => void this.serial(() => this.tick()), tick)
    this.timer.unref()
    await this.serial(() => this.newSocket())
  }

  /** Says KTHXBAI, keeps partial files for resume, saves the manifest and closes. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stopTimers()
    await this.serial(async () => {
      await this.writer?.abandon(true)
      const dealer = this.dealer
      this.dealer = null
      this.state = "closed"
      if (dealer && !dealer.closed) {
        try {
          dealer.linger = 200
          // A DEALER with no peer (a server that refuses us, or is gone) would wait for one forever.
          dealer.sendTimeout = 200
          await dealer.send(encode({id: "KTHXBAI"})).catch(() => {})
        } catch {
          // closed
        }
        dealer.close()
      }
      await this.writer?.manifest.save()
    })
  }

  /**
   * Simulates a crash: the socket closes at once, nothing more is written (no KTHXBAI, no
   * manifest save). Partial files recorded at their start can still be resumed.
   */
  async abort(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.stopTimers()
    this.writer?.manifest.cancel()
    const dealer = this.dealer
    this.dealer = null
    this.state = "closed"
    dealer?.close()
    await this.writer?.halt()
  }

  private stopTimers(): void {
    if (this.timer) clearInterval(this.timer)
    if (this.restartTimer) clearTimeout(this.restartTimer)
    this.timer = this.restartTimer = null
  }

  private serial(fn: () => void | Promise<void>): Promise<void> {
    const run = this.chain.then(fn).catch(e => {
      // After close()/abort(), a write on a closed file is expected, not an error.
      if (this.closed) return
      if (this.listenerCount("error") > 0) this.emit("error", e as Error)
      else this.log(`error: ${(e as Error)?.message ?? e}`)
    })
    this.chain = run
    return run
  }

  // ---- connection and session ---------------------------------------------------------------

  private async newSocket(): Promise<void> {
    if (this.closed) return
    await this.writer?.abandon(true)
    this.dealer?.close()
    const dealer = new Dealer({linger: 0, ...this.security})
    this.dealer = dealer
    this.cServer = false
    const receiveHwm = dealer.receiveHighWaterMark
    // Turned away in the handshake: a ZAP refusal of our key, or a security mismatch (NULL against
    // CURVE). libzmq would retry forever; say why, once per cause (the socket keeps retrying).
    let refusal = ""
    const refused = (why: string) => {
      if (why === refusal) return
      refusal = why
      this.log(`refused: ${why}`)
      this.emit("refused", why)
    }
    dealer.events.on("handshake:error:auth", e => refused(`the server refused this client's CURVE key ${this.security?.curvePublicKey ?? ""} (${e.error.message})`))
    dealer.events.on("handshake:error:protocol", e => refused(`security handshake failed: ${e.error.message}${this.security ? "" : " (does the server require CURVE?)"}`))
    let handshakes = 0
    dealer.events.on("handshake", () => {
      // A new connection after the first: the server may have restarted and has no state for us,
      // and may not be the same server (so it is probed again).
      if (++handshakes > 1) {
        void this.serial(() => {
          if (this.dealer !== dealer) return
          this.cServer = false
          dealer.receiveHighWaterMark = receiveHwm
          return this.startSession("reconnected")
        })
      }
    })
    dealer.connect(this.endpoint!)
    void this.receiveLoop(dealer)
    await this.startSession(null)
  }

  private async receiveLoop(dealer: Dealer): Promise<void> {
    while (!this.closed && this.dealer === dealer) {
      let frames: Buffer[]
      try {
        frames = await dealer.receive()
      } catch {
        if (dealer.closed || this.dealer !== dealer) return
        continue
      }
      await this.serial(() => (this.dealer === dealer ? this.handle(frames) : undefined))
    }
  }

  private async startSession(reason: string | null): Promise<void> {
    if (this.closed) return
    if (reason !== null) {
      this.log(`new session: ${reason}`)
      this.emit("disconnected", reason)
    }
    await this.writer?.abandon(true)
    this.state = "connecting"
    this.pendingAcks = 0
    this.flow.reset()
    this.sessionStart = this.lastHeard = Date.now()
    this.stats.sessions++
    // The probe that tells the C server apart before we grant any credit (spec/filemq.md §7). A
    // KTHXBAI with no session open is silence to our server (server.ts ignores it before OHAI),
    // while the C server answers it from its `start` state with its `defaults` "*" event:
    // RTFM with an empty reason, then `terminate` (fmq_server.xml; the client state it drops is
    // the one this very KTHXBAI created, so OHAI starts afresh). Replies keep their order on the
    // connection, so that RTFM arrives before OHAI-OK. Waiting for the first CHEEZBURGER (it has
    // no headers from C) would be too late: its first burst spends whatever credit we gave, and
    // ends in the livelock B1 unless that credit runs out at exactly 0 (credit.ts).
    this.send({id: "KTHXBAI"})
    this.send({id: "OHAI"})
  }

  /** Starts a new session after `backoff` (grows while the server keeps refusing us). */
  private restartLater(reason: string): void {
    if (this.restartTimer || this.closed) return
    this.state = "connecting" // ignore everything until the new session's OHAI-OK
    this.backoff = Math.min(5000, this.backoff === 0 ? 100 : this.backoff * 2)
    this.log(`restart in ${this.backoff} ms: ${reason}`)
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null
      void this.serial(() => this.startSession(reason))
    }, this.backoff)
    this.restartTimer.unref()
  }

  private send(msg: FmqMessageInit): void {
    const dealer = this.dealer
    if (!dealer || dealer.closed) return
    this.log(`-> ${msg.id === "NOM" ? `NOM ${msg.credit}` : msg.id === "ICANHAZ" ? `ICANHAZ ${msg.path}` : msg.id}`)
    try {
      dealer.send(encode(msg)).catch(() => {})
    } catch {
      // closed meanwhile
    }
  }

  private tick(): void {
    if (this.closed || !this.dealer) return
    const now = Date.now()
    if (this.state !== "ready") {
      if (this.restartTimer === null && now - this.sessionStart >= this.opts.timeoutMs) {
        this.log("no answer to OHAI: reconnecting")
        this.emit("disconnected", "no answer")
        return void this.newSocket()
      }
      return
    }
    // The C server hashes every changed file (sub_patch_add → zdir_patch_digest_set, fmq_server.c)
    // in its monitor timer, before it reads or sends anything: about 3 s for 1 GiB here. Its own
    // limit for a silent client is 60 s (server/timeout); a new session meanwhile would lose the
    // burst it is preparing (it sends changes only, never the tree again).
    const silence = this.cServer ? Math.max(this.opts.timeoutMs, C_SERVER_SILENCE_MS) : this.opts.timeoutMs
    if (now - this.lastHeard >= silence) {
      this.log("server silent: reconnecting")
      this.emit("disconnected", "server silent")
      return void this.newSocket()
    }
    if (now - this.lastHeard >= this.opts.heartbeatMs && now - this.lastHugz >= this.opts.heartbeatMs) {
      this.lastHugz = now
      this.send({id: "HUGZ"})
    }
  }

  private sendIcanhaz(sub: string): void {
    const {options, cache} = icanhazFor(this.writer!.manifest, sub, this.opts)
    this.pendingAcks++
    this.send({id: "ICANHAZ", path: sub, options, cache})
  }

  private topUp(): void {
    const nom = this.flow.topUp()
    if (nom) this.send(nom)
  }

  // ---- messages -----------------------------------------------------------------------------

  private async handle(frames: Buffer[]): Promise<void> {
    if (this.closed) return
    this.lastHeard = Date.now()
    const decoded = tryDecode(frames)
    if (!decoded.ok) {
      this.log(`malformed from server, ignored: ${decoded.error.message}`)
      return
    }
    const msg = decoded.message
    if (msg.id !== "CHEEZBURGER") this.log(`<- ${describe(msg)}`)
    switch (this.state) {
      case "connecting":
        // Anything before OHAI-OK belongs to an earlier session.
        if (msg.id === "OHAI_OK") {
          this.state = "subscribing"
          this.flow.restartSequence()
          this.flow.setWindow(this.cServer ? Math.max(C_SERVER_CREDIT, this.opts.credit) : this.opts.credit)
          this.emit("connected")
          if (this.subs.length === 0) this.state = "ready"
          for (const sub of this.subs) this.sendIcanhaz(sub)
        } else if (msg.id === "HUGZ") {
          this.send({id: "HUGZ_OK"})
        } else if (msg.id === "RTFM" && msg.reason === "" && !this.cServer) {
          // The C server's answer to the KTHXBAI probe (our server never sends an empty reason).
          this.cServer = true
          // With the credit off, our DEALER's receive HWM is what bounds our memory: 64 messages
          // of at most 1 MB (libzmq's rule, which zmtp follows: applied to the existing pipe).
          if (this.dealer) this.dealer.receiveHighWaterMark = C_SERVER_RCVHWM
          this.log(`the server answered KTHXBAI before OHAI with an empty RTFM, as the C FileMQ server does: credit window ${C_SERVER_CREDIT} (its livelock B1, spec §7)`)
        }
        return
      case "subscribing":
      case "ready":
        return this.inSession(msg)
      default:
        return
    }
  }

  private async inSession(msg: FmqMessage): Promise<void> {
    switch (msg.id) {
      case "ICANHAZ_OK":
        if (this.pendingAcks > 0) this.pendingAcks--
        if (this.pendingAcks === 0) {
          this.state = "ready"
          this.backoff = 0
          this.topUp()
          this.emit("subscribed")
        }
        return
      case "CHEEZBURGER":
        if (!this.flow.take(msg)) {
          // The same message again: the C server re-sends its last one when the credit left is
          // smaller than its next chunk (reference bug B1). It carries nothing new.
          this.log(`CHEEZBURGER ${msg.sequence} again (a stale re-send), ignored`)
          return
        }
        if (msg.operation === OP_DELETE) await this.writer!.onDelete(msg)
        else if (msg.operation === OP_CREATE) await this.writer!.onChunk(msg)
        if (this.state === "ready") this.topUp()
        return
      case "HUGZ":
        this.send({id: "HUGZ_OK"})
        return
      case "HUGZ_OK":
      case "OHAI_OK":
        return
      case "RTFM":
      case "SRSLY":
        this.emit("disconnected", `${msg.id} ${msg.reason}`)
        this.restartLater(`server sent ${msg.id} ${JSON.stringify(msg.reason)}`)
        await this.writer?.abandon(true)
        return
      default:
        this.log(`unexpected ${msg.id} from server, ignored`)
    }
  }
}
