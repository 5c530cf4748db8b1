/**
 * setsockopt/getsockopt for the v5 API: what each old option id reads and writes on the wrapped v6
 * socket. The table follows zeromq.js's compat layer option by option, including its asymmetries
 * (some ids can only be written, some only read, booleans read back as 1/0, a few refuse outright),
 * so that code written against `zeromq/v5-compat` sees the same values and the same errors here.
 */
import * as C from "./constants.js"

/** The v6 socket as this table sees it: named properties and the SUB methods, nothing typed. */
export type Target = Record<string, any>

interface Access {
  read?: (s: Target) => unknown
  write?: (s: Target, value: any) => void
}

/** A v6 property read and written as it is. */
const same = (name: string): Access => ({
  read: s => s[name],
  write: (s, value) => {
    s[name] = value
  },
})

/** A v6 boolean property: written from any truthy/falsy value, read back as 1 or 0. */
const bit = (name: string): Access => ({
  read: s => (s[name] ? 1 : 0),
  write: (s, value) => {
    s[name] = Boolean(value)
  },
})

const writeOnly = (name: string, convert: (value: any) => unknown = v => v): Access => ({
  write: (s, value) => {
    s[name] = convert(value)
  },
})

const fail = (message: string) => (): never => {
  throw new Error(message)
}
const unsupported = (what: string) => fail(`${what} is not supported in compatibility mode`)

const table = new Map<number, Access>([
  [C.ZMQ_AFFINITY, same("affinity")],
  [C.ZMQ_IDENTITY, same("routingId")],
  [C.ZMQ_SUBSCRIBE, {write: (s, value) => s.subscribe(value)}],
  [C.ZMQ_UNSUBSCRIBE, {write: (s, value) => s.unsubscribe(value)}],
  [C.ZMQ_RATE, same("rate")],
  [C.ZMQ_RECOVERY_IVL, same("recoveryInterval")], // also ZMQ_RECOVERY_IVL_MSEC (same id)
  [C.ZMQ_SNDBUF, same("sendBufferSize")],
  [C.ZMQ_RCVBUF, same("receiveBufferSize")],
  [C.ZMQ_RCVMORE, {read: unsupported("ZMQ_RCVMORE")}],
  [C.ZMQ_FD, {read: unsupported("ZMQ_FD")}],
  [C.ZMQ_EVENTS, {read: s => (s.readable ? C.ZMQ_POLLIN : 0) | (s.writable ? C.ZMQ_POLLOUT : 0)}],
  [C.ZMQ_TYPE, {read: s => s.type}],
  [C.ZMQ_LINGER, same("linger")],
  [C.ZMQ_RECONNECT_IVL, same("reconnectInterval")],
  [C.ZMQ_BACKLOG, same("backlog")],
  [C.ZMQ_RECONNECT_IVL_MAX, same("reconnectMaxInterval")],
  [C.ZMQ_MAXMSGSIZE, same("maxMessageSize")],
  [C.ZMQ_SNDHWM, same("sendHighWaterMark")],
  [C.ZMQ_RCVHWM, same("receiveHighWaterMark")],
  [C.ZMQ_MULTICAST_HOPS, same("multicastHops")],
  [C.ZMQ_RCVTIMEO, same("receiveTimeout")],
  [C.ZMQ_SNDTIMEO, same("sendTimeout")],
  [
    C.ZMQ_IPV4ONLY,
    {
      read: s => !s.ipv6,
      write: (s, value) => {
        s.ipv6 = !value
      },
    },
  ],
  [C.ZMQ_LAST_ENDPOINT, {read: s => s.lastEndpoint}],
  [C.ZMQ_ROUTER_MANDATORY, bit("mandatory")],
  [C.ZMQ_TCP_KEEPALIVE, same("tcpKeepalive")],
  [C.ZMQ_TCP_KEEPALIVE_CNT, same("tcpKeepaliveCount")],
  [C.ZMQ_TCP_KEEPALIVE_IDLE, same("tcpKeepaliveIdle")],
  [C.ZMQ_TCP_KEEPALIVE_INTVL, same("tcpKeepaliveInterval")],
  [C.ZMQ_TCP_ACCEPT_FILTER, writeOnly("tcpAcceptFilter")],
  [C.ZMQ_DELAY_ATTACH_ON_CONNECT, bit("immediate")],
  [C.ZMQ_XPUB_VERBOSE, {read: fail("Reading ZMQ_XPUB_VERBOSE is not supported"), ...writeOnly("verbosity", v => (v ? "allSubs" : null))}],
  [C.ZMQ_ROUTER_RAW, {read: unsupported("ZMQ_ROUTER_RAW"), write: unsupported("ZMQ_ROUTER_RAW")}],
  [C.ZMQ_IPV6, bit("ipv6")],
  [C.ZMQ_MECHANISM, {read: s => ({plain: 1, curve: 2, gssapi: 3})[s.securityMechanism as string] ?? 0}],
  [C.ZMQ_PLAIN_SERVER, bit("plainServer")],
  [C.ZMQ_PLAIN_USERNAME, same("plainUsername")],
  [C.ZMQ_PLAIN_PASSWORD, same("plainPassword")],
  [C.ZMQ_CURVE_SERVER, bit("curveServer")],
  [C.ZMQ_CURVE_PUBLICKEY, same("curvePublicKey")],
  [C.ZMQ_CURVE_SECRETKEY, same("curveSecretKey")],
  [C.ZMQ_CURVE_SERVERKEY, same("curveServerKey")],
  [C.ZMQ_ZAP_DOMAIN, same("zapDomain")],
  [C.ZMQ_ROUTER_HANDOVER, writeOnly("handover", Boolean)],
  [C.ZMQ_HEARTBEAT_IVL, same("heartbeatInterval")],
  [C.ZMQ_HEARTBEAT_TTL, same("heartbeatTimeToLive")],
  [C.ZMQ_HEARTBEAT_TIMEOUT, same("heartbeatTimeout")],
  [C.ZMQ_CONNECT_TIMEOUT, same("connectTimeout")],
])

/**
 * The v5 option names (`sock.linger = 0`, `setsockopt("linger", 0)`, `zmq.socket(type, {linger: 0})`)
 * and the ids they stand for. Exported from the module as `options`.
 */
export const shortOptions = {
  _fd: C.ZMQ_FD,
  _ioevents: C.ZMQ_EVENTS,
  _receiveMore: C.ZMQ_RCVMORE,
  _subscribe: C.ZMQ_SUBSCRIBE,
  _unsubscribe: C.ZMQ_UNSUBSCRIBE,
  affinity: C.ZMQ_AFFINITY,
  backlog: C.ZMQ_BACKLOG,
  identity: C.ZMQ_IDENTITY,
  linger: C.ZMQ_LINGER,
  rate: C.ZMQ_RATE,
  rcvbuf: C.ZMQ_RCVBUF,
  last_endpoint: C.ZMQ_LAST_ENDPOINT,
  reconnect_ivl: C.ZMQ_RECONNECT_IVL,
  recovery_ivl: C.ZMQ_RECOVERY_IVL,
  sndbuf: C.ZMQ_SNDBUF,
  mechanism: C.ZMQ_MECHANISM,
  plain_server: C.ZMQ_PLAIN_SERVER,
  plain_username: C.ZMQ_PLAIN_USERNAME,
  plain_password: C.ZMQ_PLAIN_PASSWORD,
  curve_server: C.ZMQ_CURVE_SERVER,
  curve_publickey: C.ZMQ_CURVE_PUBLICKEY,
  curve_secretkey: C.ZMQ_CURVE_SECRETKEY,
  curve_serverkey: C.ZMQ_CURVE_SERVERKEY,
  zap_domain: C.ZMQ_ZAP_DOMAIN,
  heartbeat_ivl: C.ZMQ_HEARTBEAT_IVL,
  heartbeat_ttl: C.ZMQ_HEARTBEAT_TTL,
  heartbeat_timeout: C.ZMQ_HEARTBEAT_TIMEOUT,
  connect_timeout: C.ZMQ_CONNECT_TIMEOUT,
}

export type OptionName = keyof typeof shortOptions

/** An option id from an id or a v5 option name (undefined for a name that is not one). */
export function optionId(option: number | OptionName): number | undefined {
  return typeof option === "number" ? option : shortOptions[option]
}

export function writeOption(socket: Target, id: number | undefined, value: unknown): void {
  const write = id === undefined ? undefined : table.get(id)?.write
  if (!write) throw new Error("Unknown option")
  write(socket, value)
}

export function readOption(socket: Target, id: number | undefined): any {
  const read = id === undefined ? undefined : table.get(id)?.read
  if (!read) throw new Error("Unknown option")
  return read(socket)
}
