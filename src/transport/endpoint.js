/**
 * Endpoint strings, parsed the way libzmq reads them:
 *   tcp://host:port      host = IPv4, [IPv6], hostname, or * (bind: all interfaces); port = number, 0 or *
 *   ipc://path           a Unix domain socket; ipc://@name is Linux's abstract namespace; ipc://* a temp path
 *   inproc://name        in-process, no kernel socket
 *   udp://[source;]host:port   datagrams, for RADIO/DISH/DGRAM only (udp-address.ts)
 *   ws://host:port[/path]      ZMTP over WebSocket (ws-upgrade.ts); wss:// the same over TLS
 * Errors match zeromq.js: EINVAL for a malformed address, EPROTONOSUPPORT for an unknown scheme,
 * both carrying `address`.
 */
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { errnoError } from "../errors.js";
import { parseUdp } from "./udp-address.js";
const SUPPORTED = new Set(["tcp", "ipc", "inproc", "udp", "ws", "wss"]);
const KNOWN_UNSUPPORTED = new Set(["pgm", "epgm", "tipc", "vmci", "norm"]);
/**
 * Built into the libzmq that zeromq.js bundles (4.3.5) though not into zmtp: there, unbind() and
 * disconnect() of such an address are ENOENT (a known protocol, no such endpoint), not
 * EPROTONOSUPPORT.
 */
const LIBZMQ_HAS = new Set(["tipc"]);
/**
 * For unbind() and disconnect() (libzmq term_endpoint): the address is checked as far as libzmq
 * checks it before looking the endpoint up, which is its scheme only (parse_uri, check_protocol):
 * "tcp://x" or a port of 70000 is ENOENT there, not EINVAL. Returns false where it names a
 * transport zmtp lacks but libzmq has, which can only be ENOENT. `udpAllowed`: the socket type may
 * use udp:// at all.
 */
export function checkTermEndpoint(address, udpAllowed) {
    const m = typeof address === "string" ? /^([a-z0-9+.-]+):\/\//i.exec(address) : null;
    if (m && LIBZMQ_HAS.has(m[1].toLowerCase()))
        return false;
    // check_protocol: udp:// belongs to RADIO, DISH and DGRAM only.
    if (parseScheme(address).protocol === "udp" && !udpAllowed)
        throw errnoError("ENOCOMPATPROTO", undefined, address);
    return true;
}
/** The scheme and the rest of an address, checked as libzmq's parse_uri and check_protocol do. */
export function parseScheme(address) {
    if (typeof address !== "string")
        throw new TypeError("Address must be a string");
    const m = /^([a-z0-9+.-]+):\/\/(.+)$/i.exec(address);
    if (!m)
        throw errnoError("EINVAL", undefined, address);
    const protocol = m[1].toLowerCase();
    if (!SUPPORTED.has(protocol)) {
        if (KNOWN_UNSUPPORTED.has(protocol) || /^[a-z]+$/.test(protocol))
            throw errnoError("EPROTONOSUPPORT", undefined, address);
        throw errnoError("EINVAL", undefined, address);
    }
    return { protocol: protocol, rest: m[2] };
}
/**
 * The endpoint, checked as libzmq checks it. `udpAllowed`: this socket type may use udp:// this
 * way (socket_base.cpp: DISH and DGRAM bind, RADIO connects); else ENOCOMPATPROTO, which libzmq's
 * check_protocol reports before it reads the rest of the address.
 */
export function parseEndpoint(address, forBind, ipv6, udpAllowed = false) {
    const { protocol, rest } = parseScheme(address);
    switch (protocol) {
        case "udp":
            if (!udpAllowed)
                throw errnoError("ENOCOMPATPROTO", undefined, address);
            return { protocol: "udp", address, udp: parseUdp(address, forBind, ipv6) };
        case "inproc":
            return { protocol: "inproc", address, name: rest };
        case "ipc":
            return { protocol: "ipc", address, path: ipcPath(rest, forBind) };
        case "ws":
        case "wss": {
            // As ws_address.cpp: the path starts at the last "/", and what is before it is resolved as
            // host:port, where a numeric port may still be followed by "/..." ("h:1/a/b" is port 1,
            // path "/b"; "h:*/a/b" is EINVAL, "h:*" binds any port with path "/").
            const last = rest.lastIndexOf("/");
            const path = last >= 0 ? rest.slice(last) : "/";
            const hostPort = (last >= 0 ? rest.slice(0, last) : rest).replace(/:(\d+)\/.*$/, ":$1");
            const tcp = parseTcp(address, hostPort, forBind, ipv6);
            if (tcp.protocol !== "tcp")
                throw errnoError("EINVAL", undefined, address);
            return { protocol, address, host: tcp.host, port: tcp.port, wildcardHost: tcp.wildcardHost, path };
        }
        default:
            return parseTcp(address, rest, forBind, ipv6);
    }
}
/** The filesystem (or abstract) path for an ipc:// endpoint. */
function ipcPath(rest, forBind) {
    if (rest === "*" && forBind) {
        // libzmq binds ipc://* to a fresh path in a temporary directory.
        return join(tmpdir(), `zmtp-${process.pid}-${randomBytes(6).toString("hex")}.ipc`);
    }
    // Linux abstract namespace: libzmq maps a leading '@' to a leading NUL byte.
    if (rest.startsWith("@"))
        return "\0" + rest.slice(1);
    return rest;
}
function parseTcp(address, rest, forBind, ipv6) {
    // A connect address may name a source: "src;dest". We take the destination.
    const target = !forBind && rest.includes(";") ? rest.slice(rest.lastIndexOf(";") + 1) : rest;
    const colon = target.lastIndexOf(":");
    if (colon <= 0 || colon === target.length - 1)
        throw errnoError("EINVAL", undefined, address);
    let host = target.slice(0, colon);
    const portText = target.slice(colon + 1);
    let port;
    if (portText === "*") {
        if (!forBind)
            throw errnoError("EINVAL", undefined, address);
        port = 0;
    }
    else {
        if (!/^\d+$/.test(portText))
            throw errnoError("EINVAL", undefined, address);
        port = Number(portText);
        if (port > 65535)
            throw errnoError("EINVAL", undefined, address);
        if (port === 0 && !forBind)
            throw errnoError("EINVAL", undefined, address);
    }
    if (host.startsWith("[") && host.endsWith("]")) {
        host = host.slice(1, -1);
        if (isIP(host) !== 6)
            throw errnoError("EINVAL", undefined, address);
        if (!ipv6)
            throw errnoError(forBind ? "ENODEV" : "EINVAL", undefined, address);
    }
    else if (isIP(host) === 6) {
        throw errnoError("EINVAL", undefined, address);
    }
    const wildcardHost = host === "*";
    if (wildcardHost) {
        if (!forBind)
            throw errnoError("EINVAL", undefined, address);
        host = ipv6 ? "::" : "0.0.0.0";
    }
    if (host.length === 0)
        throw errnoError("EINVAL", undefined, address);
    return { protocol: "tcp", address, host, port, wildcardHost };
}
/** How libzmq spells a bound tcp endpoint in ZMQ_LAST_ENDPOINT. */
export function formatTcp(host, port) {
    return isIP(host) === 6 ? `tcp://[${host}]:${port}` : `tcp://${host}:${port}`;
}
export function formatIpc(path) {
    return "ipc://" + (path.startsWith("\0") ? "@" + path.slice(1) : path);
}
/** How libzmq spells a bound ws endpoint in ZMQ_LAST_ENDPOINT (ws_address.cpp to_string). */
export function formatWs(protocol, host, port, path) {
    return `${protocol}://${isIP(host) === 6 ? `[${host}]` : host}:${port}${path}`;
}
