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
 * that model: the JS value is marshalled to bytes exactly as zeromq.js's socket.cc does, the
 * option table below validates bytes exactly as libzmq does, and getters are unmarshalled from a
 * buffer of zeromq.js's size.
 *
 * The rest of the stack reads the typed fields of {@link SocketOptions} directly.
 */
import { Buffer } from "node:buffer";
import { isIPv4, isIPv6 } from "node:net";
import { networkInterfaces } from "node:os";
import { errnoError } from "../errors.js";
import { SocketTypeId } from "../wire/socket-type.js";
import { z85Decode, z85Encode } from "../wire/z85.js";
import { OptionId } from "./option-ids.js";
/** libzmq socket type ids (ZMQ_PAIR … ZMQ_STREAM, then the draft types). */
const { PAIR, PUB, SUB, REQ, REP, DEALER, ROUTER, XPUB, XSUB, STREAM } = SocketTypeId;
const { SERVER, CLIENT, RADIO, DISH, GATHER, SCATTER, PEER, CHANNEL } = SocketTypeId;
const MAX_SOCKET_TYPE = CHANNEL;
/** Thread-safe, no ZMQ_FD: every draft type but DGRAM. */
const THREAD_SAFE_TYPES = [SERVER, CLIENT, RADIO, DISH, GATHER, SCATTER, PEER, CHANNEL];
const MECHANISMS = ["null", "plain", "curve"];
/**
 * Options that zeromq.js (src/socket.cc `WarnUnlessImmediateOption`) lets you change on a socket
 * that is already bound/connected without emitting "Socket option will not take effect until
 * next connect/bind."
 */
const IMMEDIATE_OPTIONS = new Set([
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
]);
/**
 * True for ids whose change takes effect on an already bound/connected socket. zeromq.js emits
 * the warning for every other id when the socket has endpoints (or is not open), before it calls
 * libzmq, so even when the set then fails; that is the socket's job, not this store's.
 */
export function appliesImmediately(id) {
    return IMMEDIATE_OPTIONS.has(id);
}
const EMPTY = Buffer.alloc(0);
const int32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n | 0);
    return b;
};
/** `is_int && value`: the int an options_t setter sees, or undefined when optvallen != 4. */
const intOf = (v) => (v !== null && v.length === 4 ? v.readInt32LE(0) : undefined);
/** A std::string / blob getter answer: the bytes plus the terminating NUL. */
const cString = (b) => ({ mode: "blob", bytes: Buffer.concat([b, Buffer.alloc(1)]) });
/** A getter of an int computed by socket_base (`do_getsockopt<int>`): "at least 4 bytes". */
const intBlob = (n) => ({ mode: "blob", bytes: int32(n) });
const copy = (v) => (v === null ? EMPTY : Buffer.from(v));
const text = (b) => (b.length === 0 ? null : b.toString("utf8"));
/** An int option: `if (is_int && valid(value)) field = value`. */
function intOpt(id, name, field, valid, readable = true) {
    return {
        id,
        name,
        set(o, v) {
            const n = intOf(v);
            if (n === undefined || !valid(n))
                return false;
            o[field] = n;
            return true;
        },
        get: readable ? o => ({ mode: "int", value: o[field] }) : undefined,
    };
}
/**
 * An int-as-bool option. libzmq has three flavours: `strict` accepts only 0/1
 * (do_setsockopt_int_as_bool_strict and the open-coded `value == 0 || value == 1` checks),
 * `relaxed` any int (do_setsockopt_int_as_bool_relaxed), `nonNegative` any int >= 0 (the
 * router/dealer/req/xpub options).
 */
function boolOpt(id, name, field, accepts, extra = {}) {
    return {
        id,
        name,
        types: extra.types,
        set(o, v) {
            const n = intOf(v);
            if (n === undefined)
                return false;
            if (accepts === "strict" && n !== 0 && n !== 1)
                return false;
            if (accepts === "nonNegative" && n < 0)
                return false;
            o[field] = n !== 0;
            return true;
        },
        get: extra.readable === false ? undefined : o => ({ mode: "int", value: o[field] ? 1 : 0 }),
    };
}
/**
 * A string option stored as bytes. `empty` is how libzmq treats NULL / zero length:
 * - "strict" (do_setsockopt_string_allow_empty_strict): NULL clears, a zero-length non-NULL
 *   value is EINVAL;
 * - "relaxed" (do_setsockopt_string_allow_empty_relaxed, ZMQ_ZAP_DOMAIN): both are EINVAL;
 * - "either" (ZMQ_SOCKS_USERNAME/PASSWORD): both clear.
 */
function stringOpt(id, name, field, maxLen, empty) {
    return {
        id,
        name,
        set(o, v) {
            const isEmpty = v === null || v.length === 0;
            if (isEmpty) {
                if (empty === "relaxed" || (empty === "strict" && v !== null))
                    return false;
                o.bytes[field] = EMPTY;
                return true;
            }
            if (v.length > maxLen)
                return false;
            o.bytes[field] = copy(v);
            return true;
        },
        get: o => cString(o.bytes[field]),
    };
}
/** A ZMQ_WSS_* string: stored as given (a PEM, or the name to verify), set-only. */
function wssOpt(id, name, field) {
    return {
        id,
        name,
        set(o, v) {
            o.wss[field] = v === null || v.length === 0 ? null : v.toString("utf8");
            return true;
        },
    };
}
/** A message-like option (ZMQ_XPUB_WELCOME_MSG, ZMQ_HELLO_MSG, …): anything, empty clears. */
function messageOpt(id, name, field, types) {
    return {
        id,
        name,
        types,
        set(o, v) {
            o[field] = v === null || v.length === 0 ? null : copy(v);
            return true;
        },
    };
}
/** ZMQ_IPC_FILTER_PID/UID/GID (do_setsockopt_set): NULL clears, 4 bytes add one id. */
function idSetOpt(id, name, field) {
    return {
        id,
        name,
        set(o, v) {
            if (v === null) {
                o[field].clear();
                return true;
            }
            const n = intOf(v);
            if (n === undefined)
                return false;
            o[field].add(field === "ipcFilterPid" ? n : n >>> 0);
            return true;
        },
    };
}
/** ZMQ_CURVE_*KEY (options_t::set_curve_key): 32 raw bytes or 40 Z85 characters. */
function curveKeyOpt(id, name, field) {
    return {
        id,
        name,
        set(o, v) {
            if (v === null || (v.length !== 32 && v.length !== 40 && v.length !== 41))
                return false;
            let key;
            if (v.length === 32) {
                key = copy(v);
            }
            else {
                // 40 or 41 bytes go through zmq_z85_decode, which reads a C string (so up to the first
                // NUL: 40 characters plus a NUL terminator is fine) and fails unless its length is a
                // non-zero multiple of 5. A shorter string decodes into the start of the key only.
                const nul = v.indexOf(0);
                const z = v.subarray(0, nul < 0 ? v.length : nul).toString("latin1");
                if (z.length < 5 || z.length % 5 !== 0)
                    return false;
                let decoded;
                try {
                    decoded = z85Decode(z);
                }
                catch {
                    return false;
                }
                key = Buffer.alloc(32);
                (o[field] ?? key).copy(key);
                decoded.copy(key);
            }
            o[field] = key;
            o.mechanismId = 2;
            if (field === "curveServerKey")
                o.asServer = false;
            return true;
        },
        get: o => ({ mode: "curve", key: o[field] ?? Buffer.alloc(32) }),
    };
}
/** ZMQ_PLAIN_USERNAME / ZMQ_PLAIN_PASSWORD. */
function plainCredentialOpt(id, name, field) {
    return {
        id,
        name,
        set(o, v) {
            if (v === null) {
                // NULL switches back to the NULL mechanism but keeps the stored string.
                o.mechanismId = 0;
                return true;
            }
            if (v.length === 0 || v.length > 255)
                return false;
            o.bytes[field] = copy(v);
            o.asServer = false;
            o.mechanismId = 1;
            return true;
        },
        get: o => cString(o.bytes[field]),
    };
}
const OPTIONS = [
    /* ---- options_t (src/options.cpp): every socket type ---- */
    {
        id: OptionId.AFFINITY,
        name: "ZMQ_AFFINITY",
        set(o, v) {
            if (v === null || v.length !== 8)
                return false;
            o.wide.affinity = v.readBigUInt64LE(0);
            return true;
        },
        get: o => ({ mode: "uint64", value: o.wide.affinity }),
    },
    {
        id: OptionId.ROUTING_ID,
        name: "ZMQ_ROUTING_ID",
        // Any binary string of 1..255 bytes (libzmq 4.3 no longer rejects a leading zero byte).
        set(o, v) {
            if (v === null || v.length === 0 || v.length > 255)
                return false;
            o.routingId = copy(v);
            return true;
        },
        get: o => ({ mode: "blob", bytes: o.routingId ?? EMPTY }),
    },
    intOpt(OptionId.RATE, "ZMQ_RATE", "rate", n => n > 0),
    intOpt(OptionId.RECOVERY_IVL, "ZMQ_RECOVERY_IVL", "recoveryInterval", n => n >= 0),
    intOpt(OptionId.SNDBUF, "ZMQ_SNDBUF", "sendBufferSize", n => n >= -1),
    intOpt(OptionId.RCVBUF, "ZMQ_RCVBUF", "receiveBufferSize", n => n >= -1),
    { id: OptionId.RCVMORE, name: "ZMQ_RCVMORE", get: o => intBlob(o.hooks.rcvMore?.() ? 1 : 0) },
    // ZMQ_FD (14): there is no file descriptor to hand out; EINVAL, as libzmq answers for
    // thread-safe sockets.
    { id: OptionId.EVENTS, name: "ZMQ_EVENTS", get: o => intBlob(o.hooks.events?.() ?? 0) },
    { id: OptionId.TYPE, name: "ZMQ_TYPE", get: o => ({ mode: "int", value: o.type }) },
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
            if (v === null || v.length !== 8)
                return false;
            o.wide.maxMessageSize = v.readBigInt64LE(0);
            return true;
        },
        get: o => ({ mode: "int64", value: o.wide.maxMessageSize }),
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
            const n = intOf(v);
            if (n !== 0 && n !== 1)
                return false;
            o.ipv6 = n === 0;
            return true;
        },
        get: o => ({ mode: "int", value: o.ipv6 ? 0 : 1 }),
    },
    { id: OptionId.LAST_ENDPOINT, name: "ZMQ_LAST_ENDPOINT", get: o => cString(Buffer.from(o.lastEndpoint ?? "", "utf8")) },
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
                o.tcpAcceptFilter = [];
                return true;
            }
            if (v.length === 0 || v.length > 255)
                return false;
            const nul = v.indexOf(0);
            const filter = parseAcceptFilter(v.subarray(0, nul < 0 ? v.length : nul).toString("latin1"), o.ipv6);
            if (!filter)
                return false;
            o.tcpAcceptFilter = [...o.tcpAcceptFilter, filter];
            return true;
        },
    },
    boolOpt(OptionId.IMMEDIATE, "ZMQ_IMMEDIATE", "immediate", "strict"),
    boolOpt(OptionId.IPV6, "ZMQ_IPV6", "ipv6", "strict"),
    { id: OptionId.MECHANISM, name: "ZMQ_MECHANISM", get: o => ({ mode: "int", value: o.mechanismId }) },
    {
        id: OptionId.PLAIN_SERVER,
        name: "ZMQ_PLAIN_SERVER",
        set(o, v) {
            const n = intOf(v);
            if (n !== 0 && n !== 1)
                return false;
            o.asServer = n === 1;
            o.mechanismId = n === 1 ? 1 : 0;
            return true;
        },
        get: o => ({ mode: "int", value: o.plainServer ? 1 : 0 }),
    },
    plainCredentialOpt(OptionId.PLAIN_USERNAME, "ZMQ_PLAIN_USERNAME", "plainUsername"),
    plainCredentialOpt(OptionId.PLAIN_PASSWORD, "ZMQ_PLAIN_PASSWORD", "plainPassword"),
    {
        id: OptionId.CURVE_SERVER,
        name: "ZMQ_CURVE_SERVER",
        set(o, v) {
            const n = intOf(v);
            if (n !== 0 && n !== 1)
                return false;
            o.asServer = n === 1;
            o.mechanismId = n === 1 ? 2 : 0;
            return true;
        },
        get: o => ({ mode: "int", value: o.curveServer ? 1 : 0 }),
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
            const n = intOf(v);
            if (n === undefined)
                return false;
            const ds = Math.trunc(n / 100);
            if (ds < 0 || ds > 0xffff)
                return false;
            o.heartbeatTimeToLive = ds * 100;
            return true;
        },
        get: o => ({ mode: "int", value: o.heartbeatTimeToLive }),
    },
    intOpt(OptionId.HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT", "heartbeatTimeout", n => n >= 0),
    intOpt(OptionId.CONNECT_TIMEOUT, "ZMQ_CONNECT_TIMEOUT", "connectTimeout", n => n >= 0),
    intOpt(OptionId.TCP_MAXRT, "ZMQ_TCP_MAXRT", "tcpMaxRetransmitTimeout", n => n >= 0),
    { id: OptionId.THREAD_SAFE, name: "ZMQ_THREAD_SAFE", get: o => intBlob(o.threadSafe ? 1 : 0) },
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
            if (v === null || v.length === 0 || v.length === 4)
                return false;
            const s = v.toString("latin1");
            const pos = s.indexOf(":");
            if (pos <= 0 || pos === s.length - 1)
                return false;
            const key = s.slice(0, pos);
            if (!key.startsWith("X-") || key.length > 255)
                return false;
            if (!o.metadata.has(key))
                o.metadata.set(key, Buffer.from(s.slice(pos + 1), "latin1"));
            return true;
        },
    },
    boolOpt(OptionId.MULTICAST_LOOP, "ZMQ_MULTICAST_LOOP", "multicastLoop", "relaxed"),
    { id: OptionId.ROUTER_NOTIFY, name: "ZMQ_ROUTER_NOTIFY", get: o => ({ mode: "int", value: o.routerNotify }) },
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
    boolOpt(OptionId.WSS_TRUST_SYSTEM, "ZMQ_WSS_TRUST_SYSTEM", "wssTrustSystem", "strict", { readable: false }),
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
            if (v === null || v.length === 0)
                return false;
            o.connectRoutingId = copy(v);
            return true;
        },
    },
    /* ---- router_t (ROUTER, and REP which derives from it): write-only, any int >= 0 ---- */
    boolOpt(OptionId.ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY", "mandatory", "nonNegative", { types: [REP, ROUTER], readable: false }),
    boolOpt(OptionId.ROUTER_RAW, "ZMQ_ROUTER_RAW", "routerRaw", "nonNegative", { types: [REP, ROUTER], readable: false }),
    boolOpt(OptionId.ROUTER_HANDOVER, "ZMQ_ROUTER_HANDOVER", "handover", "nonNegative", { types: [REP, ROUTER], readable: false }),
    // ZMQ_PROBE_ROUTER: router_t and dealer_t (so REQ too).
    boolOpt(OptionId.PROBE_ROUTER, "ZMQ_PROBE_ROUTER", "probeRouter", "nonNegative", { types: [REQ, REP, DEALER, ROUTER], readable: false }),
    {
        id: OptionId.ROUTER_NOTIFY,
        name: "ZMQ_ROUTER_NOTIFY",
        types: [REP, ROUTER],
        // ZMQ_NOTIFY_CONNECT (1) | ZMQ_NOTIFY_DISCONNECT (2). Readable on every socket (options_t).
        set(o, v) {
            const n = intOf(v);
            if (n === undefined || n < 0 || n > 3)
                return false;
            o.routerNotify = n;
            return true;
        },
    },
    /* ---- req_t ---- */
    boolOpt(OptionId.REQ_CORRELATE, "ZMQ_REQ_CORRELATE", "correlate", "nonNegative", { types: [REQ], readable: false }),
    boolOpt(OptionId.REQ_RELAXED, "ZMQ_REQ_RELAXED", "relaxed", "nonNegative", { types: [REQ], readable: false }),
    /* ---- stream_t ---- */
    boolOpt(OptionId.STREAM_NOTIFY, "ZMQ_STREAM_NOTIFY", "notify", "strict", { types: [STREAM], readable: false }),
    /* ---- sub_t: any bytes are a topic, NULL is the empty topic ---- */
    {
        id: OptionId.SUBSCRIBE,
        name: "ZMQ_SUBSCRIBE",
        types: [SUB],
        set(o, v) {
            o.actions?.subscribe(copy(v));
            return true;
        },
    },
    {
        id: OptionId.UNSUBSCRIBE,
        name: "ZMQ_UNSUBSCRIBE",
        types: [SUB],
        set(o, v) {
            o.actions?.unsubscribe(copy(v));
            return true;
        },
    },
    /* ---- xpub_t (XPUB, and PUB which derives from it): write-only, any int >= 0 ---- */
    {
        id: OptionId.SUBSCRIBE,
        name: "ZMQ_SUBSCRIBE",
        types: [PUB, XPUB],
        // Only in manual mode: adds the subscription to the pipe of the last received subscription.
        set(o, v) {
            if (!o.manual)
                return false;
            o.actions?.subscribe(copy(v));
            return true;
        },
    },
    {
        id: OptionId.UNSUBSCRIBE,
        name: "ZMQ_UNSUBSCRIBE",
        types: [PUB, XPUB],
        set(o, v) {
            if (!o.manual)
                return false;
            o.actions?.unsubscribe(copy(v));
            return true;
        },
    },
    {
        id: OptionId.XPUB_VERBOSE,
        name: "ZMQ_XPUB_VERBOSE",
        types: [PUB, XPUB],
        // Pass duplicate subscriptions; clears the "unsubscriptions too" part of VERBOSER.
        set(o, v) {
            const n = intOf(v);
            if (n === undefined || n < 0)
                return false;
            o.verbose = n !== 0;
            o.verboser = false;
            return true;
        },
    },
    {
        id: OptionId.XPUB_VERBOSER,
        name: "ZMQ_XPUB_VERBOSER",
        types: [PUB, XPUB],
        // Pass duplicate subscriptions and unsubscriptions: sets (or clears) both flags.
        set(o, v) {
            const n = intOf(v);
            if (n === undefined || n < 0)
                return false;
            o.verbose = n !== 0;
            o.verboser = n !== 0;
            return true;
        },
    },
    // ZMQ_XPUB_NODROP: also radio_t.
    boolOpt(OptionId.XPUB_NODROP, "ZMQ_XPUB_NODROP", "noDrop", "nonNegative", { types: [PUB, XPUB, RADIO], readable: false }),
    boolOpt(OptionId.XPUB_MANUAL, "ZMQ_XPUB_MANUAL", "manual", "nonNegative", { types: [PUB, XPUB], readable: false }),
    messageOpt(OptionId.XPUB_WELCOME_MSG, "ZMQ_XPUB_WELCOME_MSG", "welcomeMessage", [PUB, XPUB]),
    {
        id: OptionId.XPUB_MANUAL_LAST_VALUE,
        name: "ZMQ_XPUB_MANUAL_LAST_VALUE",
        types: [PUB, XPUB],
        set(o, v) {
            const n = intOf(v);
            if (n === undefined || n < 0)
                return false;
            o.manual = n !== 0;
            o.manualLastValue = n !== 0;
            return true;
        },
    },
    // ZMQ_ONLY_FIRST_SUBSCRIBE: xpub_t and xsub_t (but not sub_t, whose xsetsockopt does not
    // fall back to xsub_t's).
    boolOpt(OptionId.ONLY_FIRST_SUBSCRIBE, "ZMQ_ONLY_FIRST_SUBSCRIBE", "onlyFirstSubscribe", "nonNegative", { types: [PUB, XPUB, XSUB], readable: false }),
    {
        id: OptionId.XSUB_VERBOSE_UNSUBSCRIBE,
        name: "ZMQ_XSUB_VERBOSE_UNSUBSCRIBE",
        types: [XSUB],
        // libzmq reads an int from optval without checking optvallen (and crashes on NULL); here a
        // short value is zero-padded and NULL is EINVAL.
        set(o, v) {
            if (v === null)
                return false;
            const b = Buffer.alloc(4);
            v.copy(b, 0, 0, 4);
            o.xsubVerboseUnsubscribe = b.readInt32LE(0) !== 0;
            return true;
        },
    },
    { id: OptionId.TOPICS_COUNT, name: "ZMQ_TOPICS_COUNT", types: [PUB, SUB, XPUB, XSUB], get: o => intBlob(o.hooks.topicsCount?.() ?? 0) },
];
/** id → specs, type-specific ones first (libzmq tries xsetsockopt before options_t). */
const SPECS = new Map();
for (const spec of OPTIONS) {
    const list = SPECS.get(spec.id) ?? [];
    if (spec.types)
        list.unshift(spec);
    else
        list.push(spec);
    SPECS.set(spec.id, list);
}
function specsFor(id, type, has) {
    return (SPECS.get(id) ?? []).filter(s => s[has] !== undefined && (!s.types || s.types.includes(type)));
}
/* ------------------------------------------------------------------------------------------ */
/* ZMQ_TCP_ACCEPT_FILTER parsing (tcp_address_mask_t::resolve with a numeric-only resolver).   */
/** glibc's inet_aton, exact form: 1-4 parts, each decimal, octal (0…) or hex (0x…). */
function parseInetAton(s) {
    const parts = s.split(".");
    if (parts.length > 4)
        return undefined;
    const values = [];
    for (const p of parts) {
        let n;
        if (/^0[xX][0-9a-fA-F]*$/.test(p))
            n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
        else if (/^0[0-7]*$/.test(p))
            n = parseInt(p, 8);
        else if (/^[1-9][0-9]*$/.test(p))
            n = parseInt(p, 10);
        else
            return undefined;
        values.push(n);
    }
    const last = values.pop();
    if (values.some(n => n > 255))
        return undefined;
    const lastMax = 2 ** (8 * (4 - values.length)) - 1;
    if (last > lastMax)
        return undefined;
    const out = Buffer.alloc(4);
    values.forEach((n, i) => (out[i] = n));
    out.writeUIntBE(last, values.length, 4 - values.length);
    return out;
}
function parseIPv6(s) {
    if (!isIPv6(s))
        return undefined;
    const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined];
    const words = (part) => {
        if (!part)
            return [];
        const out = [];
        for (const w of part.split(":")) {
            if (isIPv4(w)) {
                const b = w.split(".").map(Number);
                out.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
            }
            else
                out.push(parseInt(w, 16));
        }
        return out;
    };
    const h = words(head);
    const t = words(tail);
    const all = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
    const out = Buffer.alloc(16);
    all.forEach((w, i) => out.writeUInt16BE(w, i * 2));
    return out;
}
function parseAcceptFilter(name, ipv6) {
    let addr = name;
    let maskStr;
    const slash = name.lastIndexOf("/");
    if (slash >= 0) {
        addr = name.slice(0, slash);
        maskStr = name.slice(slash + 1);
        if (maskStr === "")
            return undefined;
    }
    if (addr.startsWith("[") && addr.endsWith("]"))
        addr = addr.slice(1, -1);
    let family;
    let address;
    const v4 = parseInetAton(addr);
    if (v4) {
        // With ZMQ_IPV6 the resolver asks for AF_INET6 with AI_V4MAPPED.
        if (ipv6)
            [family, address] = [6, Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), v4])];
        else
            [family, address] = [4, v4];
    }
    else {
        const pct = addr.indexOf("%");
        const host = pct < 0 ? addr : addr.slice(0, pct);
        if (pct >= 0) {
            if (!ipv6)
                return undefined;
            const scope = addr.slice(pct + 1);
            if (!/^[0-9]+$/.test(scope) && !(scope in networkInterfaces()))
                return undefined;
        }
        const v6 = parseIPv6(host);
        if (!v6)
            return undefined;
        const mapped = v6.subarray(0, 12).equals(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]));
        if (ipv6)
            [family, address] = [6, v6];
        else if (mapped)
            [family, address] = [4, Buffer.from(v6.subarray(12))]; // glibc maps ::ffff:a.b.c.d back to AF_INET
        else
            return undefined;
    }
    const full = family === 6 ? 128 : 32;
    let mask = full;
    if (maskStr !== undefined) {
        if (maskStr === "0")
            mask = 0;
        else {
            // strtol: leading whitespace, optional sign, digits; trailing junk ignored.
            const m = /^\s*([+-]?\d+)/.exec(maskStr);
            const n = m ? parseInt(m[1], 10) : 0;
            if (n < 1 || n > full)
                return undefined;
            mask = n;
        }
    }
    return { family, address, mask };
}
/* ------------------------------------------------------------------------------------------ */
/* zeromq.js marshalling (src/socket.cc SetSockOpt<T> / GetSockOpt<T>).                       */
const MAX_SAFE_WARNING = "Value is larger than Number.MAX_SAFE_INTEGER and may have been rounded inaccurately.";
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
/** napi_get_value_int64: truncate, saturate, non-finite → 0. */
function toInt64(v) {
    if (!Number.isFinite(v))
        return 0n;
    const t = BigInt(Math.trunc(v));
    return t > INT64_MAX ? INT64_MAX : t < INT64_MIN ? INT64_MIN : t;
}
/** zeromq.js's NumberCast<uint64_t>: negative → 0, ≥ 2^64 → max, warns above 2^53-1. */
function toUint64(v) {
    if (v < 0)
        return 0n;
    if (v > Number.MAX_SAFE_INTEGER)
        process.emitWarning(MAX_SAFE_WARNING);
    if (v >= 2 ** 64)
        return UINT64_MAX;
    // static_cast<uint64_t>(NaN) is the x86-64 "integer indefinite" value.
    if (Number.isNaN(v))
        return 2n ** 63n;
    return BigInt(Math.trunc(v));
}
/** The `(optval, optvallen)` zeromq.js passes to zmq_setsockopt; throws its TypeErrors. */
function marshal(kind, value) {
    if (kind === "Bool") {
        if (typeof value !== "boolean")
            throw new TypeError("Option value must be a boolean");
        return int32(value ? 1 : 0);
    }
    if (kind === "String") {
        if (value === null)
            return null;
        if (typeof value === "string")
            return Buffer.from(value, "utf8");
        if (ArrayBuffer.isView(value)) {
            // N-API accepts any ArrayBufferView as a "buffer" but cannot read a DataView's data.
            if (value instanceof DataView)
                throw new Error("Invalid argument");
            // A view without a backing store has a NULL data pointer, which libzmq sees as NULL.
            if (value.buffer.byteLength === 0)
                return null;
            return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        }
        throw new TypeError("Option value must be a string or buffer");
    }
    if (typeof value !== "number")
        throw new TypeError("Option value must be a number");
    const b = Buffer.alloc(kind === "Int64" || kind === "Uint64" ? 8 : 4);
    switch (kind) {
        case "Int32":
            b.writeInt32LE(value | 0); // napi_get_value_int32: ToInt32 (wraps), non-finite → 0
            break;
        case "Uint32":
            b.writeUInt32LE(value >>> 0);
            break;
        case "Int64":
            b.writeBigInt64LE(toInt64(value));
            break;
        case "Uint64":
            b.writeBigUInt64LE(toUint64(value));
            break;
        default:
            throw new TypeError(`Unknown option kind ${String(kind)}`);
    }
    return b;
}
/** The buffer size zeromq.js offers zmq_getsockopt for each getter. */
const GET_SIZE = { Bool: 4, Int32: 4, Uint32: 4, Int64: 8, Uint64: 8, String: 1024 };
/** zmq_getsockopt into a `size`-byte buffer: the filled buffer and the returned length, or undefined for EINVAL. */
function fill(answer, size) {
    const buf = Buffer.alloc(size);
    switch (answer.mode) {
        case "int":
            if (size !== 4)
                return undefined;
            buf.writeInt32LE(answer.value | 0);
            return { buf, len: 4 };
        case "int64":
        case "uint64":
            if (size !== 8)
                return undefined;
            if (answer.mode === "int64")
                buf.writeBigInt64LE(answer.value);
            else
                buf.writeBigUInt64LE(answer.value);
            return { buf, len: 8 };
        case "blob":
            if (size < answer.bytes.length)
                return undefined;
            answer.bytes.copy(buf);
            return { buf, len: answer.bytes.length };
        case "curve":
            if (size === 32) {
                answer.key.copy(buf);
                return { buf, len: 32 };
            }
            if (size === 41) {
                buf.write(z85Encode(answer.key), "latin1");
                return { buf, len: 41 };
            }
            return undefined;
    }
}
function unmarshal(kind, buf, len) {
    switch (kind) {
        case "Bool":
            return buf.readInt32LE(0) !== 0;
        case "Int32":
            return buf.readInt32LE(0);
        case "Uint32":
            return buf.readUInt32LE(0);
        case "Int64":
            return Number(buf.readBigInt64LE(0));
        case "Uint64":
            return Number(buf.readBigUInt64LE(0));
        case "String": {
            if (len === 0 || (len === 1 && buf[0] === 0))
                return null;
            // Napi::String::New(const char*): a C string, so up to the first NUL.
            const bytes = buf.subarray(0, len);
            const nul = bytes.indexOf(0);
            return bytes.subarray(0, nul < 0 ? bytes.length : nul).toString("utf8");
        }
    }
}
function checkId(id) {
    if (typeof id !== "number")
        throw new TypeError("Identifier must be a number");
    return id | 0; // int32_t option = Napi::Number (ToInt32)
}
/* ------------------------------------------------------------------------------------------ */
/**
 * One socket's options. `get`/`set` are zeromq.js's raw `get{Kind}Option`/`set{Kind}Option`;
 * the fields are the current values for the rest of the stack (names follow zeromq.js's
 * properties). Fields are not validated when assigned directly.
 */
export class SocketOptions {
    type;
    threadSafe;
    actions;
    hooks;
    /** Options libzmq stores as 64-bit integers; exposed as numbers by the accessors below. */
    wide = { affinity: 0n, maxMessageSize: -1n };
    /** Options libzmq stores as byte strings; exposed as `string | null` by the accessors below. */
    bytes = {
        plainUsername: EMPTY,
        plainPassword: EMPTY,
        zapDomain: EMPTY,
        socksProxy: EMPTY,
        socksUsername: EMPTY,
        socksPassword: EMPTY,
        interface: EMPTY,
    };
    // zmtp extensions (sockets/extensions.ts; no libzmq option id, so the raw get/set methods
    // do not reach them)
    /** PUB, XPUB, RADIO, ROUTER: a full peer's oldest queued message makes room for the new one. */
    dropOldest = false;
    /** Spill to disk past the send HWM: the directory (null: off), its budget per peer in bytes, and
     * whether a restart delivers what an earlier run left there (else it is removed). */
    spillDirectory = null;
    spillBudget = 1024 * 1024 * 1024;
    spillRecover = false;
    /** The socket has bound or connected with spillDirectory set: the spill options are fixed. */
    spillFixed = false;
    /**
     * PUB, XPUB, RADIO: durable subscribers (README "Durable subscribers"). ms a subscriber that
     * sent a routing id keeps its queue after its connection ends; 0: off.
     */
    durableGrace = 0;
    // Queues and timing
    sendHighWaterMark = 1000;
    receiveHighWaterMark = 1000;
    sendTimeout = -1;
    receiveTimeout = -1;
    /** -1 = wait forever; 0 by default for SUB/XSUB/DISH and when the context is not blocky. */
    linger;
    reconnectInterval = 100;
    reconnectMaxInterval = 0;
    reconnectStop = 0;
    backlog = 100;
    immediate = false;
    conflate = false;
    handshakeInterval = 30000;
    heartbeatInterval = 0;
    /** In ms, always a multiple of 100 (libzmq keeps deciseconds). */
    heartbeatTimeToLive = 0;
    /** -1 = use heartbeatInterval */
    heartbeatTimeout = -1;
    connectTimeout = 0;
    // Identity and routing
    routingId = null;
    connectRoutingId = null;
    /** Set by the socket on bind/connect. */
    lastEndpoint = null;
    mandatory = false;
    handover = false;
    probeRouter = false;
    routerRaw = false;
    /** ZMQ_ROUTER_NOTIFY bits: 1 = connect, 2 = disconnect */
    routerNotify = 0;
    correlate = false;
    relaxed = false;
    /** ZMQ_STREAM_NOTIFY: STREAM reports connects/disconnects as empty messages. */
    notify = true;
    // Pub/sub
    invertMatching = false;
    noDrop = false;
    manual = false;
    manualLastValue = false;
    /** ZMQ_XPUB_VERBOSE: pass duplicate subscriptions. */
    verbose = false;
    /** ZMQ_XPUB_VERBOSER: pass duplicate unsubscriptions too (implies verbose). */
    verboser = false;
    welcomeMessage = null;
    onlyFirstSubscribe = false;
    xsubVerboseUnsubscribe = false;
    // Transport
    ipv6;
    sendBufferSize = -1;
    receiveBufferSize = -1;
    typeOfService = 0;
    priority = 0;
    tcpKeepalive = -1;
    tcpKeepaliveCount = -1;
    tcpKeepaliveIdle = -1;
    tcpKeepaliveInterval = -1;
    tcpMaxRetransmitTimeout = 0;
    tcpAcceptFilter = [];
    ipcFilterPid = new Set();
    ipcFilterUid = new Set();
    ipcFilterGid = new Set();
    loopbackFastPath = false;
    useFd = -1;
    busyPoll = 0;
    inBatchSize = 8192;
    outBatchSize = 8192;
    // Security
    /** ZMQ_MECHANISM: 0 NULL, 1 PLAIN, 2 CURVE; follows the last PLAIN_* / CURVE_* option set. */
    mechanismId = 0;
    /** libzmq's `as_server`, shared by PLAIN and CURVE. */
    asServer = false;
    curvePublicKey = null;
    curveSecretKey = null;
    curveServerKey = null;
    zapEnforceDomain = false;
    /** ZMQ_METADATA properties ("X-…" → value) */
    metadata = new Map();
    helloMessage = null;
    disconnectMessage = null;
    hiccupMessage = null;
    // Multicast (pgm/norm are not built): stored only
    rate = 100;
    recoveryInterval = 10000;
    multicastHops = 1;
    multicastMaxTransportDataUnit = 1500;
    multicastLoop = true;
    /** wss:// (ZMQ_WSS_*): our key and certificate (bind), what to trust and the name to check (connect). */
    wss = { keyPem: null, certPem: null, trustPem: null, hostname: null };
    wssTrustSystem = false;
    // Not built into this libzmq (GSSAPI, VMCI): libzmq's defaults, but get/set is EINVAL
    gssapiServer = false;
    gssapiPrincipal = null;
    gssapiServicePrincipal = null;
    gssapiPlainText = false;
    gssapiPrincipalNameType = 0;
    gssapiServicePrincipalNameType = 0;
    vmciBufferSize = 0;
    vmciBufferMinSize = 0;
    vmciBufferMaxSize = 0;
    vmciConnectTimeout = -1;
    constructor(socketType, actions, context = {}) {
        if (!Number.isInteger(socketType) || socketType < PAIR || socketType > MAX_SOCKET_TYPE)
            throw errnoError("EINVAL");
        this.type = socketType;
        this.threadSafe = THREAD_SAFE_TYPES.includes(socketType);
        this.actions = actions;
        this.hooks = actions ?? {};
        this.ipv6 = context.ipv6 ?? false;
        // socket_base_t takes linger from the context's ZMQ_BLOCKY; sub/xsub/dish then set 0.
        const subscriber = socketType === SUB || socketType === XSUB || socketType === DISH;
        this.linger = (context.blocky ?? true) && !subscriber ? -1 : 0;
    }
    /** zeromq.js `get{kind}Option(id)` */
    get(id, kind) {
        const option = checkId(id);
        const spec = specsFor(option, this.type, "get")[0];
        if (!spec)
            throw errnoError("EINVAL");
        const filled = fill(spec.get(this), GET_SIZE[kind]);
        if (!filled)
            throw errnoError("EINVAL");
        return unmarshal(kind, filled.buf, filled.len);
    }
    /** zeromq.js `set{kind}Option(id, value)` */
    set(id, kind, value) {
        const option = checkId(id);
        const raw = marshal(kind, value);
        // libzmq: the socket type's xsetsockopt first, then options_t on EINVAL.
        for (const spec of specsFor(option, this.type, "set")) {
            if (spec.set(this, raw))
                return;
        }
        throw errnoError("EINVAL");
    }
    /** The routing id for the next outgoing connection, cleared as libzmq does on connect. */
    takeConnectRoutingId() {
        const id = this.connectRoutingId;
        this.connectRoutingId = null;
        return id;
    }
    /** Whether ZMQ_TCP_ACCEPT_FILTER lets a peer at `ip` in (no filters: everyone). */
    acceptsPeer(ip) {
        if (this.tcpAcceptFilter.length === 0)
            return true;
        const v4 = isIPv4(ip) ? parseInetAton(ip) : undefined;
        const v6 = v4 ? undefined : parseIPv6(ip.replace(/%.*$/, ""));
        const [family, bytes] = v4 ? [4, v4] : v6 ? [6, v6] : [0, undefined];
        if (!bytes)
            return false;
        return this.tcpAcceptFilter.some(f => {
            if (f.family !== family)
                return false;
            const full = Math.floor(f.mask / 8);
            if (!f.address.subarray(0, full).equals(bytes.subarray(0, full)))
                return false;
            const bits = f.mask % 8;
            if (bits === 0)
                return true;
            const m = (0xff << (8 - bits)) & 0xff;
            return (f.address[full] & m) === (bytes[full] & m);
        });
    }
    get mechanism() {
        return MECHANISMS[this.mechanismId] ?? "null";
    }
    get plainServer() {
        return this.asServer && this.mechanismId === 1;
    }
    get curveServer() {
        return this.asServer && this.mechanismId === 2;
    }
    get maxMessageSize() {
        return Number(this.wide.maxMessageSize);
    }
    set maxMessageSize(v) {
        this.wide.maxMessageSize = toInt64(v);
    }
    get affinity() {
        return Number(this.wide.affinity);
    }
    set affinity(v) {
        this.wide.affinity = BigInt.asUintN(64, toInt64(v));
    }
    get plainUsername() {
        return text(this.bytes.plainUsername);
    }
    get plainPassword() {
        return text(this.bytes.plainPassword);
    }
    get zapDomain() {
        return text(this.bytes.zapDomain);
    }
    get socksProxy() {
        return text(this.bytes.socksProxy);
    }
    get socksUsername() {
        return text(this.bytes.socksUsername);
    }
    get socksPassword() {
        return text(this.bytes.socksPassword);
    }
    get interface() {
        return text(this.bytes.interface);
    }
}
