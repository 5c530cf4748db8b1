/**
 * tcp://, ipc:// and ws:// over Node's net module: a listener that accepts connections, and a
 * connecter that dials, and redials with libzmq's backoff when the connection fails or drops. A
 * ws:// connection is upgraded (ws-upgrade.ts) before it is handed on, as a ZwsStream.
 */
import net from "node:net"
import type {Duplex} from "node:stream"
import {networkInterfaces} from "node:os"
import {unlinkSync} from "node:fs"
import {errnoError, fromSystemError} from "../errors.js"
import {formatIpc, formatTcp, formatWs, type Endpoint, type WsEndpoint} from "./endpoint.js"
import {acceptDirect, connectDirect, socketOnHandle} from "./direct-read.js"
import {bindTcpHandle, takeOverAccept} from "./node-internals.js"
import {BROWSER} from "../platform.js"
import {dialBrowserWs} from "./browser-dial.js"
import {noteLocal} from "./local-peers.js"
import {acceptTls, connectTls, serverContext, type TlsOptions} from "./tls.js"
import {upgradeAsClient, UpgradeServer, type UpgradeOptions} from "./ws-upgrade.js"

/** What a listener accepts and a connecter dials: tcp, ipc, and ws (a tcp connection upgraded). */
export type StreamEndpoint = Extract<Endpoint, {protocol: "tcp" | "ipc"}> | WsEndpoint

const isWs = (e: Endpoint): e is WsEndpoint => e.protocol === "ws" || e.protocol === "wss"

/** A connection handed to the session: a net.Socket, or a ZwsStream over one. */
export type Connection = Duplex & {remoteAddress?: string}

export type SocketEvent = {type: string; address?: string; interval?: number; error?: Error}

export interface TransportOptions extends TlsOptions {
  backlog: number
  ipv6: boolean
  reconnectInterval: number
  reconnectMaxInterval: number
  connectTimeout: number
  tcpKeepalive: number
  tcpKeepaliveIdle: number
  // For ws:// (the subprotocol follows the mechanism; the upgrade has the handshake's deadline).
  mechanism: UpgradeOptions["mechanism"]
  maxMessageSize: number
  handshakeInterval: number
}

function upgradeOptions(opts: TransportOptions): UpgradeOptions {
  return {mechanism: opts.mechanism, maxMessage: opts.maxMessageSize, timeoutMs: opts.handshakeInterval}
}

/** Applies per-connection TCP settings: no Nagle delay (libzmq sets TCP_NODELAY), keepalive. */
function tune(stream: net.Socket, endpoint: Endpoint, opts: TransportOptions, accepted: boolean): void {
  stream.unref()
  if (endpoint.protocol !== "tcp" && !isWs(endpoint)) return
  noteLocal(stream, accepted)
  stream.setNoDelay(true)
  if (opts.tcpKeepalive === 1) stream.setKeepAlive(true, opts.tcpKeepaliveIdle > 0 ? opts.tcpKeepaliveIdle * 1000 : 0)
}

/** libzmq resolves a bind host as an IP literal or a local interface name, never through DNS. */
function bindHost(endpoint: Extract<Endpoint, {protocol: "tcp"}> | WsEndpoint, ipv6: boolean): string {
  const host = endpoint.host
  if (net.isIP(host) || endpoint.wildcardHost) return host
  if (host === "localhost") return ipv6 ? "::1" : "127.0.0.1"
  const iface = networkInterfaces()[host]
  const addr = iface?.find(a => a.family === "IPv4") ?? (ipv6 ? iface?.find(a => a.family === "IPv6") : undefined)
  if (!addr) throw errnoError("ENODEV", undefined, endpoint.address)
  return addr.address
}

export class StreamListener {
  private server: net.Server | null = null
  /** The resolved endpoint (ZMQ_LAST_ENDPOINT form). */
  address = ""

  /** ws://: the HTTP side that upgrades each accepted connection. */
  private upgrades: UpgradeServer | null = null

  constructor(
    readonly endpoint: StreamEndpoint,
    private readonly opts: TransportOptions,
    private readonly onAccepted: (stream: Connection, listener: StreamListener) => void,
    private readonly emit: (event: SocketEvent) => void,
  ) {}

  listen(): Promise<void> {
    return new Promise((resolve, reject) => this.begin(err => (err ? reject(err) : resolve())))
  }

  /**
   * Binds before returning. Node binds a tcp socket with an IP host (and an ipc path) inside
   * listen() and only reports the outcome on the next tick; a bound handle has an address at
   * once. When it has none the bind failed, and the likeliest cause is a busy address.
   */
  listenSync(): void {
    let failure: Error | null = null
    const bound = this.begin(err => (failure = err))
    if (failure) throw failure
    if (!bound) {
      this.pending?.close()
      this.pending = null
      throw errnoError("EADDRINUSE", undefined, this.endpoint.address)
    }
  }

  private pending: net.Server | null = null

  /** Starts listening; returns true when the bind completed synchronously. */
  private begin(done: (err: Error | null) => void): boolean {
    const endpoint = this.endpoint
    let host = ""
    if (endpoint.protocol !== "ipc") {
      try {
        host = bindHost(endpoint, this.opts.ipv6)
      } catch (e) {
        done(e as Error)
        return false
      }
    } else if (!endpoint.path.startsWith("\0")) {
      // libzmq unlinks a stale socket file before binding an ipc path.
      try {
        unlinkSync(endpoint.path)
      } catch {
        // nothing there
      }
    }
    let tlsContext: ReturnType<typeof serverContext> | null = null
    if (endpoint.protocol === "wss") {
      try {
        tlsContext = serverContext(this.opts, endpoint.address)
      } catch (e) {
        done(e as Error)
        return false
      }
    }
    if (isWs(endpoint)) {
      // A failed upgrade is the peer's handshake failing: zeromq.js reports it as a protocol error.
      this.upgrades = new UpgradeServer(
        upgradeOptions(this.opts),
        stream => this.onAccepted(stream, this),
        error => this.emit({type: "handshake:error:protocol", address: this.address, error}),
      )
    }
    const accept = (stream: net.Socket) => {
      tune(stream, endpoint, this.opts, true)
      this.emit({type: "accept", address: this.address})
      if (this.upgrades) this.upgrades.accept(tlsContext ? acceptTls(stream, tlsContext) : stream)
      else this.onAccepted(stream, this)
    }
    // The public path, for what finish() does not take over (ws://, a Node without the internal):
    // pauseOnConnect, so nothing is read before acceptDirect has moved the connection to a socket
    // that reads large bodies in place (ws:// reads through node:http and the ZwsStream instead).
    const server = net.createServer({noDelay: true, pauseOnConnect: true}, accepted => accept(isWs(endpoint) ? accepted : acceptDirect(accepted)))
    this.pending = server
    let finished = false
    const finish = () => {
      if (finished) return
      finished = true
      this.pending = null
      server.removeAllListeners("error")
      server.on("error", () => {})
      server.unref()
      this.server = server
      // tcp and ipc: each accepted handle goes straight into the socket that reads it in place.
      if (!isWs(endpoint)) takeOverAccept(server, handle => accept(socketOnHandle(handle)))
      if (endpoint.protocol === "tcp") {
        const info = server.address() as net.AddressInfo
        this.address = formatTcp(info.address, info.port)
      } else if (isWs(endpoint)) {
        const info = server.address() as net.AddressInfo
        this.address = formatWs(endpoint.protocol, info.address, info.port, endpoint.path)
      } else {
        this.address = formatIpc(endpoint.path)
      }
      this.emit({type: "bind", address: this.address})
      done(null)
    }
    server.once("error", (e: NodeJS.ErrnoException) => {
      if (finished) return
      finished = true
      this.pending = null
      const err = fromSystemError(e, endpoint.address)
      // libzmq closes the socket it failed to bind before it reports the failure.
      this.emit({type: "close"})
      this.emit({type: "bind:error", address: endpoint.address.replace(/^[a-z]+:\/\//, ""), error: err})
      done(err)
    })
    if (endpoint.protocol !== "ipc") {
      const handle = bindTcpHandle(host, endpoint.port, this.opts.backlog)
      if (typeof handle === "string") {
        server.emit("error", Object.assign(new Error(handle), {code: handle}))
        return false
      }
      if (handle) server.listen(handle, this.opts.backlog, finish)
      else server.listen({host, port: endpoint.port, backlog: this.opts.backlog, ipv6Only: false}, finish)
    } else {
      server.listen({path: endpoint.path, backlog: this.opts.backlog}, finish)
    }
    if (server.address() !== null) {
      finish()
      return true
    }
    return false
  }

  close(): void {
    this.upgrades?.close()
    this.upgrades = null
    if (!this.server) return
    this.server.close()
    this.server = null
    if (this.endpoint.protocol === "ipc" && !this.endpoint.path.startsWith("\0")) {
      try {
        unlinkSync(this.endpoint.path)
      } catch {
        // already gone
      }
    }
    this.emit({type: "close", address: this.address})
  }
}

/**
 * Dials an endpoint and redials after failures: wait = ivl + random(ivl), and with
 * reconnectMaxInterval > ivl the base doubles up to that maximum (libzmq
 * stream_connecter_base_t::get_new_reconnect_ivl). A reconnectInterval of -1 means never redial.
 */
export class StreamConnecter {
  private timer: NodeJS.Timeout | null = null
  private attemptStream: net.Socket | null = null
  private currentIvl: number
  private stopped = false

  constructor(
    readonly endpoint: StreamEndpoint,
    private readonly opts: TransportOptions,
    private readonly onConnected: (stream: Connection, connecter: StreamConnecter) => void,
    private readonly emit: (event: SocketEvent) => void,
  ) {
    this.currentIvl = opts.reconnectInterval
  }

  start(): void {
    this.attempt()
  }

  get active(): boolean {
    return !this.stopped
  }

  private attempt(): void {
    if (this.stopped) return
    const endpoint = this.endpoint
    if (BROWSER && isWs(endpoint)) {
      this.attemptInBrowser(endpoint)
      return
    }
    const stream =
      isWs(endpoint)
        ? net.connect({host: endpoint.host, port: endpoint.port, noDelay: true, family: this.opts.ipv6 ? 0 : 4})
        : endpoint.protocol === "tcp"
          ? connectDirect({host: endpoint.host, port: endpoint.port, noDelay: true, family: this.opts.ipv6 ? 0 : 4})
          : connectDirect({path: endpoint.path})
    stream.unref()
    this.attemptStream = stream
    // A unix-domain connect completes (or fails) at once: libzmq reports no delay for ipc.
    if (endpoint.protocol !== "ipc") this.emit({type: "connect:delay", address: endpoint.address})
    let timeout: NodeJS.Timeout | null = null
    if (this.opts.connectTimeout > 0) {
      timeout = setTimeout(() => stream.destroy(errnoError("ETIMEDOUT")), this.opts.connectTimeout)
      timeout.unref()
    }
    const onError = () => {
      if (timeout) clearTimeout(timeout)
      this.attemptStream = null
      stream.destroy()
      if (this.stopped) return
      this.emit({type: "close", address: endpoint.address})
      this.scheduleRetry()
    }
    stream.once("error", onError)
    stream.once("connect", () => {
      if (timeout) clearTimeout(timeout)
      stream.off("error", onError)
      this.attemptStream = null
      if (this.stopped) {
        stream.destroy()
        return
      }
      // A successful connection resets the backoff.
      this.currentIvl = this.opts.reconnectInterval
      tune(stream, endpoint, this.opts, false)
      this.emit({type: "connect", address: endpoint.address})
      if (!isWs(endpoint)) {
        this.onConnected(stream, this)
        return
      }
      const refused = (error: Error) => {
        // A refused TLS or WebSocket handshake: a failed handshake, and the connecter dials again.
        this.emit({type: "handshake:error:protocol", address: endpoint.address, error})
        this.emit({type: "disconnect", address: endpoint.address})
        this.scheduleRetry()
      }
      const upgrade = (socket: Connection) => {
        const host = net.isIP(endpoint.host) === 6 ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`
        upgradeAsClient(socket, host, endpoint.path, upgradeOptions(this.opts), (zws, error) => {
          if (this.stopped) zws?.destroy()
          else if (zws) this.onConnected(zws, this)
          else refused(error!)
        })
      }
      if (endpoint.protocol === "ws") upgrade(stream)
      else connectTls(stream, endpoint.host, this.opts, (secure, error) => (this.stopped ? secure?.destroy() : secure ? upgrade(secure) : refused(error!)))
    })
  }

  /** A page's dial: the browser's WebSocket does TCP, TLS and the upgrade (browser-dial.ts). */
  private cancelDial: (() => void) | null = null

  private attemptInBrowser(endpoint: WsEndpoint): void {
    this.emit({type: "connect:delay", address: endpoint.address})
    this.cancelDial = dialBrowserWs(
      endpoint,
      this.opts.mechanism,
      stream => {
        this.cancelDial = null
        if (this.stopped) {
          stream.destroy()
          return
        }
        this.currentIvl = this.opts.reconnectInterval
        this.emit({type: "connect", address: endpoint.address})
        // It offers the part of a Duplex that the engine uses (browser-ws-stream.ts).
        this.onConnected(stream as unknown as Connection, this)
      },
      error => {
        this.cancelDial = null
        if (this.stopped) return
        if (error) this.emit({type: "handshake:error:protocol", address: endpoint.address, error})
        this.emit({type: "close", address: endpoint.address})
        this.scheduleRetry()
      },
    )
  }

  /** The connection this connecter made has ended; dial again unless told to stop. */
  connectionLost(reconnect: boolean): void {
    if (this.stopped) return
    if (!reconnect) {
      this.stopped = true
      return
    }
    this.scheduleRetry()
  }

  private scheduleRetry(): void {
    const ivl = this.opts.reconnectInterval
    if (ivl < 0 || this.stopped || this.timer) return
    const base = this.currentIvl > 0 ? this.currentIvl : ivl
    const interval = ivl > 0 ? base + Math.floor(Math.random() * ivl) : base
    const max = this.opts.reconnectMaxInterval
    if (max > 0 && max > ivl) this.currentIvl = Math.min(base * 2, max)
    this.emit({type: "connect:retry", address: this.endpoint.address, interval})
    this.timer = setTimeout(() => {
      this.timer = null
      this.attempt()
    }, interval)
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
    this.cancelDial?.()
    this.cancelDial = null
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const attempt = this.attemptStream
    this.attemptStream = null
    if (attempt) {
      // The handle lives until its close completes on a later turn; without its listeners it no
      // longer reaches this connecter and its socket, so a closed socket (and its Context) can be
      // collected at once, as with zeromq.js.
      attempt.removeAllListeners("connect")
      attempt.removeAllListeners("error")
      attempt.on("error", () => {})
      attempt.destroy()
    }
  }
}
