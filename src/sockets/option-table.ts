/**
 * The option table: every option id libzmq 4.3.5 (draft API on) knows, which socket types take it
 * (a type's `xsetsockopt` before options_t, as in socket_base.cpp), and how it is validated,
 * stored in {@link SocketOptions} and read back.
 */
import {Buffer} from "node:buffer"
import {SocketTypeId} from "../wire/socket-type.js"
import {parseAcceptFilter} from "./accept-filter.js"
import {cString, copy, EMPTY, intBlob, intOf} from "./option-marshal.js"
import {boolOpt, curveKeyOpt, idSetOpt, intOpt, messageOpt, plainCredentialOpt, stringOpt, wssOpt, type OptionSpec} from "./option-spec.js"
import {OptionId} from "./option-ids.js"

const {PUB, SUB, REQ, REP, DEALER, ROUTER, XPUB, XSUB, STREAM, RADIO} = SocketTypeId

const OPTIONS: readonly OptionSpec[] = [
  /* ---- options_t (src/options.cpp): every socket type ---- */
  {
    id: OptionId.AFFINITY,
    name: "ZMQ_AFFINITY",
    set(o, v) {
      if (v === null || v.length !== 8) return false
      o.wide.affinity = v.readBigUInt64LE(0)
      return true
    },
    get: o => ({mode: "uint64", value: o.wide.affinity}),
  },
  {
    id: OptionId.ROUTING_ID,
    name: "ZMQ_ROUTING_ID",
    // Any binary string of 1..255 bytes (libzmq 4.3 no longer rejects a leading zero byte).
    set(o, v) {
      if (v === null || v.length === 0 || v.length > 255) return false
      o.routingId = copy(v)
      return true
    },
    get: o => ({mode: "blob", bytes: o.routingId ?? EMPTY}),
  },
  intOpt(OptionId.RATE, "ZMQ_RATE", "rate", n => n > 0),
  intOpt(OptionId.RECOVERY_IVL, "ZMQ_RECOVERY_IVL", "recoveryInterval", n => n >= 0),
  intOpt(OptionId.SNDBUF, "ZMQ_SNDBUF", "sendBufferSize", n => n >= -1),
  intOpt(OptionId.RCVBUF, "ZMQ_RCVBUF", "receiveBufferSize", n => n >= -1),
  {id: OptionId.RCVMORE, name: "ZMQ_RCVMORE", get: o => intBlob(o.hooks.rcvMore?.() ? 1 : 0)},
  // ZMQ_FD (14): there is no file descriptor to hand out; EINVAL, as libzmq answers for
  // thread-safe sockets.
  {id: OptionId.EVENTS, name: "ZMQ_EVENTS", get: o => intBlob(o.hooks.events?.() ?? 0)},
  {id: OptionId.TYPE, name: "ZMQ_TYPE", get: o => ({mode: "int", value: o.type})},
  intOpt(OptionId.LINGER, "ZMQ_LINGER", "linger", n => n >= -1),
  intOpt(OptionId.RECONNECT_IVL, "ZMQ_RECONNECT_IVL", "reconnectInterval", n => n >= -1),
  intOpt(OptionId.BACKLOG, "ZMQ_BACKLOG", "backlog", n => n >= 0),
  intOpt(OptionId.RECONNECT_IVL_MAX, "ZMQ_RECONNECT_IVL_MAX", "reconnectMaxInterval", n => n >= 0),
  {
    id: OptionId.MAXMSGSIZE,
    name: "ZMQ_MAXMSGSIZE",
    // Any int64, negative included (only -1 means "no limit" to the decoder, but libzmq does
    // not validate).
    set(o, v) {
      if (v === null || v.length !== 8) return false
      o.wide.maxMessageSize = v.readBigInt64LE(0)
      return true
    },
    get: o => ({mode: "int64", value: o.wide.maxMessageSize}),
  },
  intOpt(OptionId.SNDHWM, "ZMQ_SNDHWM", "sendHighWaterMark", n => n >= 0),
  intOpt(OptionId.RCVHWM, "ZMQ_RCVHWM", "receiveHighWaterMark", n => n >= 0),
  intOpt(OptionId.MULTICAST_HOPS, "ZMQ_MULTICAST_HOPS", "multicastHops", n => n > 0),
  intOpt(OptionId.RCVTIMEO, "ZMQ_RCVTIMEO", "receiveTimeout", n => n >= -1),
  intOpt(OptionId.SNDTIMEO, "ZMQ_SNDTIMEO", "sendTimeout", n => n >= -1),
  {
    id: OptionId.IPV4ONLY,
    name: "ZMQ_IPV4ONLY",
    // Deprecated inverse of ZMQ_IPV6.
    set(o, v) {
      const n = intOf(v)
      if (n !== 0 && n !== 1) return false
      o.ipv6 = n === 0
      return true
    },
    get: o => ({mode: "int", value: o.ipv6 ? 0 : 1}),
  },
  {id: OptionId.LAST_ENDPOINT, name: "ZMQ_LAST_ENDPOINT", get: o => cString(Buffer.from(o.lastEndpoint ?? "", "utf8"))},
  intOpt(OptionId.TCP_KEEPALIVE, "ZMQ_TCP_KEEPALIVE", "tcpKeepalive", n => n >= -1 && n <= 1),
  intOpt(OptionId.TCP_KEEPALIVE_CNT, "ZMQ_TCP_KEEPALIVE_CNT", "tcpKeepaliveCount", n => n >= -1),
  intOpt(OptionId.TCP_KEEPALIVE_IDLE, "ZMQ_TCP_KEEPALIVE_IDLE", "tcpKeepaliveIdle", n => n >= -1),
  intOpt(OptionId.TCP_KEEPALIVE_INTVL, "ZMQ_TCP_KEEPALIVE_INTVL", "tcpKeepaliveInterval", n => n >= -1),
  {
    id: OptionId.TCP_ACCEPT_FILTER,
    name: "ZMQ_TCP_ACCEPT_FILTER",
    // NULL clears the list; otherwise 1..255 bytes naming a numeric address with an optional
    // "/prefix", appended to the list. Write-only in libzmq.
    set(o, v) {
      if (v === null) {
        o.tcpAcceptFilter = []
        return true
      }
      if (v.length === 0 || v.length > 255) return false
      const nul = v.indexOf(0)
      const filter = parseAcceptFilter(v.subarray(0, nul < 0 ? v.length : nul).toString("latin1"), o.ipv6)
      if (!filter) return false
      o.tcpAcceptFilter = [...o.tcpAcceptFilter, filter]
      return true
    },
  },
  boolOpt(OptionId.IMMEDIATE, "ZMQ_IMMEDIATE", "immediate", "strict"),
  boolOpt(OptionId.IPV6, "ZMQ_IPV6", "ipv6", "strict"),
  {id: OptionId.MECHANISM, name: "ZMQ_MECHANISM", get: o => ({mode: "int", value: o.mechanismId})},
  {
    id: OptionId.PLAIN_SERVER,
    name: "ZMQ_PLAIN_SERVER",
    set(o, v) {
      const n = intOf(v)
      if (n !== 0 && n !== 1) return false
      o.asServer = n === 1
      o.mechanismId = n === 1 ? 1 : 0
      return true
    },
    get: o => ({mode: "int", value: o.plainServer ? 1 : 0}),
  },
  plainCredentialOpt(OptionId.PLAIN_USERNAME, "ZMQ_PLAIN_USERNAME", "plainUsername"),
  plainCredentialOpt(OptionId.PLAIN_PASSWORD, "ZMQ_PLAIN_PASSWORD", "plainPassword"),
  {
    id: OptionId.CURVE_SERVER,
    name: "ZMQ_CURVE_SERVER",
    set(o, v) {
      const n = intOf(v)
      if (n !== 0 && n !== 1) return false
      o.asServer = n === 1
      o.mechanismId = n === 1 ? 2 : 0
      return true
    },
    get: o => ({mode: "int", value: o.curveServer ? 1 : 0}),
  },
  curveKeyOpt(OptionId.CURVE_PUBLICKEY, "ZMQ_CURVE_PUBLICKEY", "curvePublicKey"),
  curveKeyOpt(OptionId.CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY", "curveSecretKey"),
  curveKeyOpt(OptionId.CURVE_SERVERKEY, "ZMQ_CURVE_SERVERKEY", "curveServerKey"),
  boolOpt(OptionId.CONFLATE, "ZMQ_CONFLATE", "conflate", "strict"),
  // ZMQ_ZAP_DOMAIN: 1..255 bytes; unlike the other strings neither NULL nor "" is accepted, so
  // a domain cannot be cleared once set.
  stringOpt(OptionId.ZAP_DOMAIN, "ZMQ_ZAP_DOMAIN", "zapDomain", 255, "relaxed"),
  intOpt(OptionId.TOS, "ZMQ_TOS", "typeOfService", n => n >= 0),
  idSetOpt(OptionId.IPC_FILTER_PID, "ZMQ_IPC_FILTER_PID", "ipcFilterPid"),
  idSetOpt(OptionId.IPC_FILTER_UID, "ZMQ_IPC_FILTER_UID", "ipcFilterUid"),
  idSetOpt(OptionId.IPC_FILTER_GID, "ZMQ_IPC_FILTER_GID", "ipcFilterGid"),
  // ZMQ_GSSAPI_* (62-65, 90, 91): libzmq is built without GSSAPI here, so EINVAL.
  intOpt(OptionId.HANDSHAKE_IVL, "ZMQ_HANDSHAKE_IVL", "handshakeInterval", n => n >= 0),
  stringOpt(OptionId.SOCKS_PROXY, "ZMQ_SOCKS_PROXY", "socksProxy", Infinity, "strict"),
  boolOpt(OptionId.INVERT_MATCHING, "ZMQ_INVERT_MATCHING", "invertMatching", "relaxed"),
  intOpt(OptionId.HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL", "heartbeatInterval", n => n >= 0),
  {
    id: OptionId.HEARTBEAT_TTL,
    name: "ZMQ_HEARTBEAT_TTL",
    // Stored in deciseconds in a uint16: the value is divided by 100 (C division, so -99..99
    // become 0) before the range check, and reads back rounded down to a multiple of 100.
    set(o, v) {
      const n = intOf(v)
      if (n === undefined) return false
      const ds = Math.trunc(n / 100)
      if (ds < 0 || ds > 0xffff) return false
      o.heartbeatTimeToLive = ds * 100
      return true
    },
    get: o => ({mode: "int", value: o.heartbeatTimeToLive}),
  },
  intOpt(OptionId.HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT", "heartbeatTimeout", n => n >= 0),
  intOpt(OptionId.CONNECT_TIMEOUT, "ZMQ_CONNECT_TIMEOUT", "connectTimeout", n => n >= 0),
  intOpt(OptionId.TCP_MAXRT, "ZMQ_TCP_MAXRT", "tcpMaxRetransmitTimeout", n => n >= 0),
  {id: OptionId.THREAD_SAFE, name: "ZMQ_THREAD_SAFE", get: o => intBlob(o.threadSafe ? 1 : 0)},
  intOpt(OptionId.MULTICAST_MAXTPDU, "ZMQ_MULTICAST_MAXTPDU", "multicastMaxTransportDataUnit", n => n > 0),
  // ZMQ_VMCI_* (85-88): libzmq is built without VMCI here, so EINVAL.
  intOpt(OptionId.USE_FD, "ZMQ_USE_FD", "useFd", n => n >= -1),
  stringOpt(OptionId.BINDTODEVICE, "ZMQ_BINDTODEVICE", "interface", 16 /* IFNAMSIZ */, "strict"),
  boolOpt(OptionId.ZAP_ENFORCE_DOMAIN, "ZMQ_ZAP_ENFORCE_DOMAIN", "zapEnforceDomain", "relaxed"),
  boolOpt(OptionId.LOOPBACK_FASTPATH, "ZMQ_LOOPBACK_FASTPATH", "loopbackFastPath", "relaxed"),
  {
    id: OptionId.METADATA,
    name: "ZMQ_METADATA",
    // "X-key:value", key 1..255 bytes starting with "X-", value non-empty. Write-only; a
    // std::map insert, so the first value set for a key wins. A 4-byte value is rejected
    // (libzmq's `!is_int`).
    set(o, v) {
      if (v === null || v.length === 0 || v.length === 4) return false
      const s = v.toString("latin1")
      const pos = s.indexOf(":")
      if (pos <= 0 || pos === s.length - 1) return false
      const key = s.slice(0, pos)
      if (!key.startsWith("X-") || key.length > 255) return false
      if (!o.metadata.has(key)) o.metadata.set(key, Buffer.from(s.slice(pos + 1), "latin1"))
      return true
    },
  },
  boolOpt(OptionId.MULTICAST_LOOP, "ZMQ_MULTICAST_LOOP", "multicastLoop", "relaxed"),
  {id: OptionId.ROUTER_NOTIFY, name: "ZMQ_ROUTER_NOTIFY", get: o => ({mode: "int", value: o.routerNotify})},
  stringOpt(OptionId.SOCKS_USERNAME, "ZMQ_SOCKS_USERNAME", "socksUsername", 255, "either"),
  stringOpt(OptionId.SOCKS_PASSWORD, "ZMQ_SOCKS_PASSWORD", "socksPassword", 255, "either"),
  intOpt(OptionId.IN_BATCH_SIZE, "ZMQ_IN_BATCH_SIZE", "inBatchSize", n => n > 0),
  intOpt(OptionId.OUT_BATCH_SIZE, "ZMQ_OUT_BATCH_SIZE", "outBatchSize", n => n > 0),
  // ZMQ_WSS_* (103-107): zmtp's wss:// (transport/tls.ts). Set-only, taken as given (options.cpp
  // under ZMQ_HAVE_WSS); the libzmq in zeromq.js is built without WSS and gives EINVAL.
  wssOpt(OptionId.WSS_KEY_PEM, "ZMQ_WSS_KEY_PEM", "keyPem"),
  wssOpt(OptionId.WSS_CERT_PEM, "ZMQ_WSS_CERT_PEM", "certPem"),
  wssOpt(OptionId.WSS_TRUST_PEM, "ZMQ_WSS_TRUST_PEM", "trustPem"),
  wssOpt(OptionId.WSS_HOSTNAME, "ZMQ_WSS_HOSTNAME", "hostname"),
  boolOpt(OptionId.WSS_TRUST_SYSTEM, "ZMQ_WSS_TRUST_SYSTEM", "wssTrustSystem", "strict", {readable: false}),
  intOpt(OptionId.RECONNECT_STOP, "ZMQ_RECONNECT_STOP", "reconnectStop", () => true),
  messageOpt(OptionId.HELLO_MSG, "ZMQ_HELLO_MSG", "helloMessage"),
  messageOpt(OptionId.DISCONNECT_MSG, "ZMQ_DISCONNECT_MSG", "disconnectMessage"),
  intOpt(OptionId.PRIORITY, "ZMQ_PRIORITY", "priority", n => n >= 0),
  intOpt(OptionId.BUSY_POLL, "ZMQ_BUSY_POLL", "busyPoll", () => true, false),
  messageOpt(OptionId.HICCUP_MSG, "ZMQ_HICCUP_MSG", "hiccupMessage"),

  /* ---- routing_socket_base_t (ROUTER, REP, STREAM) ---- */
  {
    id: OptionId.CONNECT_ROUTING_ID,
    name: "ZMQ_CONNECT_ROUTING_ID",
    types: [REP, ROUTER, STREAM],
    // Any non-empty value, without the 255-byte limit of ZMQ_ROUTING_ID. Write-only; consumed
    // by the next connect().
    set(o, v) {
      if (v === null || v.length === 0) return false
      o.connectRoutingId = copy(v)
      return true
    },
  },

  /* ---- router_t (ROUTER, and REP which derives from it): write-only, any int >= 0 ---- */
  boolOpt(OptionId.ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY", "mandatory", "nonNegative", {types: [REP, ROUTER], readable: false}),
  boolOpt(OptionId.ROUTER_RAW, "ZMQ_ROUTER_RAW", "routerRaw", "nonNegative", {types: [REP, ROUTER], readable: false}),
  boolOpt(OptionId.ROUTER_HANDOVER, "ZMQ_ROUTER_HANDOVER", "handover", "nonNegative", {types: [REP, ROUTER], readable: false}),
  // ZMQ_PROBE_ROUTER: router_t and dealer_t (so REQ too).
  boolOpt(OptionId.PROBE_ROUTER, "ZMQ_PROBE_ROUTER", "probeRouter", "nonNegative", {types: [REQ, REP, DEALER, ROUTER], readable: false}),
  {
    id: OptionId.ROUTER_NOTIFY,
    name: "ZMQ_ROUTER_NOTIFY",
    types: [REP, ROUTER],
    // ZMQ_NOTIFY_CONNECT (1) | ZMQ_NOTIFY_DISCONNECT (2). Readable on every socket (options_t).
    set(o, v) {
      const n = intOf(v)
      if (n === undefined || n < 0 || n > 3) return false
      o.routerNotify = n
      return true
    },
  },

  /* ---- req_t ---- */
  boolOpt(OptionId.REQ_CORRELATE, "ZMQ_REQ_CORRELATE", "correlate", "nonNegative", {types: [REQ], readable: false}),
  boolOpt(OptionId.REQ_RELAXED, "ZMQ_REQ_RELAXED", "relaxed", "nonNegative", {types: [REQ], readable: false}),

  /* ---- stream_t ---- */
  boolOpt(OptionId.STREAM_NOTIFY, "ZMQ_STREAM_NOTIFY", "notify", "strict", {types: [STREAM], readable: false}),

  /* ---- sub_t: any bytes are a topic, NULL is the empty topic ---- */
  {
    id: OptionId.SUBSCRIBE,
    name: "ZMQ_SUBSCRIBE",
    types: [SUB],
    set(o, v) {
      o.actions?.subscribe(copy(v))
      return true
    },
  },
  {
    id: OptionId.UNSUBSCRIBE,
    name: "ZMQ_UNSUBSCRIBE",
    types: [SUB],
    set(o, v) {
      o.actions?.unsubscribe(copy(v))
      return true
    },
  },

  /* ---- xpub_t (XPUB, and PUB which derives from it): write-only, any int >= 0 ---- */
  {
    id: OptionId.SUBSCRIBE,
    name: "ZMQ_SUBSCRIBE",
    types: [PUB, XPUB],
    // Only in manual mode: adds the subscription to the pipe of the last received subscription.
    set(o, v) {
      if (!o.manual) return false
      o.actions?.subscribe(copy(v))
      return true
    },
  },
  {
    id: OptionId.UNSUBSCRIBE,
    name: "ZMQ_UNSUBSCRIBE",
    types: [PUB, XPUB],
    set(o, v) {
      if (!o.manual) return false
      o.actions?.unsubscribe(copy(v))
      return true
    },
  },
  {
    id: OptionId.XPUB_VERBOSE,
    name: "ZMQ_XPUB_VERBOSE",
    types: [PUB, XPUB],
    // Pass duplicate subscriptions; clears the "unsubscriptions too" part of VERBOSER.
    set(o, v) {
      const n = intOf(v)
      if (n === undefined || n < 0) return false
      o.verbose = n !== 0
      o.verboser = false
      return true
    },
  },
  {
    id: OptionId.XPUB_VERBOSER,
    name: "ZMQ_XPUB_VERBOSER",
    types: [PUB, XPUB],
    // Pass duplicate subscriptions and unsubscriptions: sets (or clears) both flags.
    set(o, v) {
      const n = intOf(v)
      if (n === undefined || n < 0) return false
      o.verbose = n !== 0
      o.verboser = n !== 0
      return true
    },
  },
  // ZMQ_XPUB_NODROP: also radio_t.
  boolOpt(OptionId.XPUB_NODROP, "ZMQ_XPUB_NODROP", "noDrop", "nonNegative", {types: [PUB, XPUB, RADIO], readable: false}),
  boolOpt(OptionId.XPUB_MANUAL, "ZMQ_XPUB_MANUAL", "manual", "nonNegative", {types: [PUB, XPUB], readable: false}),
  messageOpt(OptionId.XPUB_WELCOME_MSG, "ZMQ_XPUB_WELCOME_MSG", "welcomeMessage", [PUB, XPUB]),
  {
    id: OptionId.XPUB_MANUAL_LAST_VALUE,
    name: "ZMQ_XPUB_MANUAL_LAST_VALUE",
    types: [PUB, XPUB],
    set(o, v) {
      const n = intOf(v)
      if (n === undefined || n < 0) return false
      o.manual = n !== 0
      o.manualLastValue = n !== 0
      return true
    },
  },
  // ZMQ_ONLY_FIRST_SUBSCRIBE: xpub_t and xsub_t (but not sub_t, whose xsetsockopt does not
  // fall back to xsub_t's).
  boolOpt(OptionId.ONLY_FIRST_SUBSCRIBE, "ZMQ_ONLY_FIRST_SUBSCRIBE", "onlyFirstSubscribe", "nonNegative", {types: [PUB, XPUB, XSUB], readable: false}),
  {
    id: OptionId.XSUB_VERBOSE_UNSUBSCRIBE,
    name: "ZMQ_XSUB_VERBOSE_UNSUBSCRIBE",
    types: [XSUB],
    // libzmq reads an int from optval without checking optvallen (and crashes on NULL); here a
    // short value is zero-padded and NULL is EINVAL.
    set(o, v) {
      if (v === null) return false
      const b = Buffer.alloc(4)
      v.copy(b, 0, 0, 4)
      o.xsubVerboseUnsubscribe = b.readInt32LE(0) !== 0
      return true
    },
  },
  {id: OptionId.TOPICS_COUNT, name: "ZMQ_TOPICS_COUNT", types: [PUB, SUB, XPUB, XSUB], get: o => intBlob(o.hooks.topicsCount?.() ?? 0)},
]

/** id → specs, type-specific ones first (libzmq tries xsetsockopt before options_t). */
const SPECS = new Map<number, OptionSpec[]>()
for (const spec of OPTIONS) {
  const list = SPECS.get(spec.id) ?? []
  if (spec.types) list.unshift(spec)
  else list.push(spec)
  SPECS.set(spec.id, list)
}

export function specsFor(id: number, type: number, has: "set" | "get"): OptionSpec[] {
  return (SPECS.get(id) ?? []).filter(s => s[has] !== undefined && (!s.types || s.types.includes(type)))
}
