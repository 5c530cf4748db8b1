/**
 * The socket option store behind zeromq.js's raw `get{Type}Option(id)` / `set{Type}Option(id, v)`
 * methods, with libzmq 4.3.5's `zmq_setsockopt` / `zmq_getsockopt` semantics (src/options.cpp,
 * socket_base.cpp and the `xsetsockopt` overrides in router.cpp, xpub.cpp, req.cpp, dealer.cpp,
 * sub.cpp, xsub.cpp, stream.cpp, radio.cpp), as built into zeromq@6.8.0 (draft API on, CURVE on,
 * GSSAPI/VMCI/WSS off).
 *
 * libzmq sees every option as `(void *optval, size_t optvallen)`, and zeromq.js decides that
 * length from the method used, not from the option: Bool/Int32/Uint32 pass 4 bytes, Int64/Uint64
 * 8, String the UTF-8 bytes (or the Buffer, or NULL for `null`), and getters offer a buffer of 4,
 * 8 or 1024 bytes. libzmq then checks the length per option, so for example
 * `setInt32Option(22 /* MAXMSGSIZE *\/, 1)` is EINVAL (int64 option), `setStringOption(23, "abcd")`
 * sets SNDHWM to 0x64636261 (4 bytes make an int) and the CURVE key getters always fail (libzmq
 * only answers into exactly 32 or 41 bytes). To get every such corner right this module keeps
 * that model: the JS value is marshalled to bytes exactly as zeromq.js's socket.cc does
 * (option-marshal.ts), the option table (option-table.ts, its entry shapes in option-spec.ts)
 * validates bytes exactly as libzmq does, and getters are unmarshalled from a buffer of
 * zeromq.js's size.
 *
 * The rest of the stack reads the typed fields of {@link SocketOptions} directly.
 */
import {Buffer} from "node:buffer"
import {errnoError} from "../errors.js"
import {SocketTypeId} from "../wire/socket-type.js"
import {acceptsPeer, type TcpAcceptFilter} from "./accept-filter.js"
import {checkId, EMPTY, fill, GET_SIZE, marshal, text, toInt64, unmarshal, type OptionKind} from "./option-marshal.js"
import {OptionId} from "./option-ids.js"
import {specsFor} from "./option-table.js"

export type {OptionKind} from "./option-marshal.js"
export type {TcpAcceptFilter} from "./accept-filter.js"

export type SubscriptionActions = {subscribe(topic: Buffer): void; unsubscribe(topic: Buffer): void}

/** Live socket state behind the read-only state options (all optional; default 0/false). */
export type SocketStateHooks = {
  /** ZMQ_RCVMORE (13) */
  rcvMore?(): boolean
  /** ZMQ_EVENTS (15): ZMQ_POLLIN (1) | ZMQ_POLLOUT (2) */
  events?(): number
  /** ZMQ_TOPICS_COUNT (116, draft; PUB/SUB/XPUB/XSUB) */
  topicsCount?(): number
}

/** Context options that libzmq copies into every new socket (socket_base_t's constructor). */
export type ContextDefaults = {ipv6?: boolean; blocky?: boolean}

export type Mechanism = "null" | "plain" | "curve"

/** libzmq socket type ids (ZMQ_PAIR … ZMQ_STREAM, then the draft types). */
const {PAIR, SUB, XSUB, DISH, SERVER, CLIENT, RADIO, GATHER, SCATTER, PEER, CHANNEL} = SocketTypeId
const MAX_SOCKET_TYPE = CHANNEL
/** Thread-safe, no ZMQ_FD: every draft type but DGRAM. */
const THREAD_SAFE_TYPES: readonly number[] = [SERVER, CLIENT, RADIO, DISH, GATHER, SCATTER, PEER, CHANNEL]

const MECHANISMS: readonly Mechanism[] = ["null", "plain", "curve"]

/**
 * Options that zeromq.js (src/socket.cc `WarnUnlessImmediateOption`) lets you change on a socket
 * that is already bound/connected without emitting "Socket option will not take effect until
 * next connect/bind."
 */
const IMMEDIATE_OPTIONS: ReadonlySet<number> = new Set([
  OptionId.SUBSCRIBE,
  OptionId.UNSUBSCRIBE,
  OptionId.LINGER,
  OptionId.ROUTER_MANDATORY,
  OptionId.PROBE_ROUTER,
  OptionId.XPUB_VERBOSE,
  OptionId.REQ_CORRELATE,
  OptionId.REQ_RELAXED,
  OptionId.ROUTER_HANDOVER,
  OptionId.XPUB_VERBOSER,
  OptionId.SNDHWM, // libzmq >= 4.2 applies it to existing pipes
  OptionId.RCVHWM,
  OptionId.SNDTIMEO, // zeromq.js implements the timeouts itself
  OptionId.RCVTIMEO,
])

/**
 * True for ids whose change takes effect on an already bound/connected socket. zeromq.js emits
 * the warning for every other id when the socket has endpoints (or is not open), before it calls
 * libzmq, so even when the set then fails; that is the socket's job, not this store's.
 */
export function appliesImmediately(id: number): boolean {
  return IMMEDIATE_OPTIONS.has(id)
}

/**
 * One socket's options. `get`/`set` are zeromq.js's raw `get{Kind}Option`/`set{Kind}Option`;
 * the fields are the current values for the rest of the stack (names follow zeromq.js's
 * properties). Fields are not validated when assigned directly.
 */
export class SocketOptions {
  readonly type: number
  readonly threadSafe: boolean
  readonly actions: SubscriptionActions | undefined
  readonly hooks: SocketStateHooks

  /** Options libzmq stores as 64-bit integers; exposed as numbers by the accessors below. */
  readonly wide = {affinity: 0n, maxMessageSize: -1n}
  /** Options libzmq stores as byte strings; exposed as `string | null` by the accessors below. */
  readonly bytes: Record<"plainUsername" | "plainPassword" | "zapDomain" | "socksProxy" | "socksUsername" | "socksPassword" | "interface", Buffer> = {
    plainUsername: EMPTY,
    plainPassword: EMPTY,
    zapDomain: EMPTY,
    socksProxy: EMPTY,
    socksUsername: EMPTY,
    socksPassword: EMPTY,
    interface: EMPTY,
  }

  // zmtp extensions (sockets/extensions.ts; no libzmq option id, so the raw get/set methods
  // do not reach them)
  /** PUB, XPUB, RADIO, ROUTER: a full peer's oldest queued message makes room for the new one. */
  dropOldest = false
  /** Spill to disk past the send HWM: the directory (null: off), its budget per peer in bytes, and
   * whether a restart delivers what an earlier run left there (else it is removed). */
  spillDirectory: string | null = null
  spillBudget = 1024 * 1024 * 1024
  spillRecover = false
  /** The socket has bound or connected with spillDirectory set: the spill options are fixed. */
  spillFixed = false
  /**
   * PUB, XPUB, RADIO: durable subscribers (README "Durable subscribers"). ms a subscriber that
   * sent a routing id keeps its queue after its connection ends; 0: off.
   */
  durableGrace = 0

  // Queues and timing
  sendHighWaterMark = 1000
  receiveHighWaterMark = 1000
  sendTimeout = -1
  receiveTimeout = -1
  /** -1 = wait forever; 0 by default for SUB/XSUB/DISH and when the context is not blocky. */
  linger: number
  reconnectInterval = 100
  reconnectMaxInterval = 0
  reconnectStop = 0
  backlog = 100
  immediate = false
  conflate = false
  handshakeInterval = 30000
  heartbeatInterval = 0
  /** In ms, always a multiple of 100 (libzmq keeps deciseconds). */
  heartbeatTimeToLive = 0
  /** -1 = use heartbeatInterval */
  heartbeatTimeout = -1
  connectTimeout = 0

  // Identity and routing
  routingId: Buffer | null = null
  connectRoutingId: Buffer | null = null
  /** Set by the socket on bind/connect. */
  lastEndpoint: string | null = null
  mandatory = false
  handover = false
  probeRouter = false
  routerRaw = false
  /** ZMQ_ROUTER_NOTIFY bits: 1 = connect, 2 = disconnect */
  routerNotify = 0
  correlate = false
  relaxed = false
  /** ZMQ_STREAM_NOTIFY: STREAM reports connects/disconnects as empty messages. */
  notify = true

  // Pub/sub
  invertMatching = false
  noDrop = false
  manual = false
  manualLastValue = false
  /** ZMQ_XPUB_VERBOSE: pass duplicate subscriptions. */
  verbose = false
  /** ZMQ_XPUB_VERBOSER: pass duplicate unsubscriptions too (implies verbose). */
  verboser = false
  welcomeMessage: Buffer | null = null
  onlyFirstSubscribe = false
  xsubVerboseUnsubscribe = false

  // Transport
  ipv6: boolean
  sendBufferSize = -1
  receiveBufferSize = -1
  typeOfService = 0
  priority = 0
  tcpKeepalive = -1
  tcpKeepaliveCount = -1
  tcpKeepaliveIdle = -1
  tcpKeepaliveInterval = -1
  tcpMaxRetransmitTimeout = 0
  tcpAcceptFilter: readonly TcpAcceptFilter[] = []
  ipcFilterPid = new Set<number>()
  ipcFilterUid = new Set<number>()
  ipcFilterGid = new Set<number>()
  loopbackFastPath = false
  useFd = -1
  busyPoll = 0
  inBatchSize = 8192
  outBatchSize = 8192

  // Security
  /** ZMQ_MECHANISM: 0 NULL, 1 PLAIN, 2 CURVE; follows the last PLAIN_* / CURVE_* option set. */
  mechanismId = 0
  /** libzmq's `as_server`, shared by PLAIN and CURVE. */
  asServer = false
  curvePublicKey: Buffer | null = null
  curveSecretKey: Buffer | null = null
  curveServerKey: Buffer | null = null
  zapEnforceDomain = false
  /** ZMQ_METADATA properties ("X-…" → value) */
  metadata = new Map<string, Buffer>()
  helloMessage: Buffer | null = null
  disconnectMessage: Buffer | null = null
  hiccupMessage: Buffer | null = null

  // Multicast (pgm/norm are not built): stored only
  rate = 100
  recoveryInterval = 10000
  multicastHops = 1
  multicastMaxTransportDataUnit = 1500
  multicastLoop = true
  /** wss:// (ZMQ_WSS_*): our key and certificate (bind), what to trust and the name to check (connect). */
  readonly wss: {keyPem: string | null; certPem: string | null; trustPem: string | null; hostname: string | null} = {keyPem: null, certPem: null, trustPem: null, hostname: null}
  wssTrustSystem = false

  // Not built into this libzmq (GSSAPI, VMCI): libzmq's defaults, but get/set is EINVAL
  readonly gssapiServer = false
  readonly gssapiPrincipal: string | null = null
  readonly gssapiServicePrincipal: string | null = null
  readonly gssapiPlainText = false
  readonly gssapiPrincipalNameType = 0
  readonly gssapiServicePrincipalNameType = 0
  readonly vmciBufferSize = 0
  readonly vmciBufferMinSize = 0
  readonly vmciBufferMaxSize = 0
  readonly vmciConnectTimeout = -1

  constructor(socketType: number, actions?: SubscriptionActions & SocketStateHooks, context: ContextDefaults = {}) {
    if (!Number.isInteger(socketType) || socketType < PAIR || socketType > MAX_SOCKET_TYPE) throw errnoError("EINVAL")
    this.type = socketType
    this.threadSafe = THREAD_SAFE_TYPES.includes(socketType)
    this.actions = actions
    this.hooks = actions ?? {}
    this.ipv6 = context.ipv6 ?? false
    // socket_base_t takes linger from the context's ZMQ_BLOCKY; sub/xsub/dish then set 0.
    const subscriber = socketType === SUB || socketType === XSUB || socketType === DISH
    this.linger = (context.blocky ?? true) && !subscriber ? -1 : 0
  }

  /** zeromq.js `get{kind}Option(id)` */
  get(id: number, kind: OptionKind): boolean | number | string | null {
    const option = checkId(id)
    const spec = specsFor(option, this.type, "get")[0]
    if (!spec) throw errnoError("EINVAL")
    const filled = fill(spec.get!(this), GET_SIZE[kind])
    if (!filled) throw errnoError("EINVAL")
    return unmarshal(kind, filled.buf, filled.len)
  }

  /** zeromq.js `set{kind}Option(id, value)` */
  set(id: number, kind: OptionKind, value: unknown): void {
    const option = checkId(id)
    const raw = marshal(kind, value)
    // libzmq: the socket type's xsetsockopt first, then options_t on EINVAL.
    for (const spec of specsFor(option, this.type, "set")) {
      if (spec.set!(this, raw)) return
    }
    throw errnoError("EINVAL")
  }

  /** The routing id for the next outgoing connection, cleared as libzmq does on connect. */
  takeConnectRoutingId(): Buffer | null {
    const id = this.connectRoutingId
    this.connectRoutingId = null
    return id
  }

  /** Whether ZMQ_TCP_ACCEPT_FILTER lets a peer at `ip` in (no filters: everyone). */
  acceptsPeer(ip: string): boolean {
    return acceptsPeer(this.tcpAcceptFilter, ip)
  }

  get mechanism(): Mechanism {
    return MECHANISMS[this.mechanismId] ?? "null"
  }

  get plainServer(): boolean {
    return this.asServer && this.mechanismId === 1
  }

  get curveServer(): boolean {
    return this.asServer && this.mechanismId === 2
  }

  get maxMessageSize(): number {
    return Number(this.wide.maxMessageSize)
  }
  set maxMessageSize(v: number) {
    this.wide.maxMessageSize = toInt64(v)
  }

  get affinity(): number {
    return Number(this.wide.affinity)
  }
  set affinity(v: number) {
    this.wide.affinity = BigInt.asUintN(64, toInt64(v))
  }

  get plainUsername(): string | null {
    return text(this.bytes.plainUsername)
  }
  get plainPassword(): string | null {
    return text(this.bytes.plainPassword)
  }
  get zapDomain(): string | null {
    return text(this.bytes.zapDomain)
  }
  get socksProxy(): string | null {
    return text(this.bytes.socksProxy)
  }
  get socksUsername(): string | null {
    return text(this.bytes.socksUsername)
  }
  get socksPassword(): string | null {
    return text(this.bytes.socksPassword)
  }
  get interface(): string | null {
    return text(this.bytes.interface)
  }
}
