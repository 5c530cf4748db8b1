/**
 * udp:// addresses as libzmq reads them (udp_address.cpp):
 *
 *   udp://host:port               bind (DISH, DGRAM): the local address to receive on; a multicast
 *                                 host means "join that group on any interface, bind the port".
 *                                 connect (RADIO): where to send.
 *   udp://source;group:port       multicast only: `source` (an IP address, an interface name, or *)
 *                                 picks the interface that joins (bind) or sends (connect).
 *
 * Which socket types may use it, and how (socket_base.cpp): DISH and DGRAM bind, RADIO connects;
 * anything else is ENOCOMPATPROTO. Host names other than "localhost" would need a DNS lookup,
 * which libzmq does synchronously; they are EINVAL here (literal addresses only).
 */
import { isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { errnoError } from "../errors.js";
/** 224.0.0.0/4 and ff00::/8. */
export function isMulticast(host) {
    const family = isIP(host);
    if (family === 4) {
        const first = Number(host.slice(0, host.indexOf(".")));
        return first >= 224 && first <= 239;
    }
    return family === 6 && host.toLowerCase().startsWith("ff");
}
/** An interface name, IP literal or * (any) of the `source;` part, as its address (null: any). */
function sourceAddress(source, address) {
    if (source === "*")
        return null;
    if (isIP(source)) {
        // A multicast address cannot be a source (udp_address.cpp: EINVAL).
        if (isMulticast(source))
            throw errnoError("EINVAL", undefined, address);
        return source;
    }
    const nic = networkInterfaces()[source];
    const v4 = nic?.find(a => a.family === "IPv4");
    if (!v4)
        throw errnoError("ENODEV", undefined, address);
    return v4.address;
}
export function parseUdp(address, forBind, ipv6) {
    const rest = address.slice(address.indexOf("://") + 3);
    const semicolon = rest.lastIndexOf(";");
    const source = semicolon >= 0 ? rest.slice(0, semicolon) : null;
    const target = semicolon >= 0 ? rest.slice(semicolon + 1) : rest;
    const colon = target.lastIndexOf(":");
    if (colon <= 0)
        throw errnoError("EINVAL", undefined, address);
    let host = target.slice(0, colon);
    const portText = target.slice(colon + 1);
    if (portText === "*" && forBind) {
        // libzmq's resolver takes * as port 0 where the address is bindable.
    }
    else if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
        throw errnoError("EINVAL", undefined, address);
    }
    const port = portText === "*" ? 0 : Number(portText);
    if (host.startsWith("[") && host.endsWith("]"))
        host = host.slice(1, -1);
    if (host === "localhost")
        host = "127.0.0.1";
    if (host === "*") {
        if (!forBind)
            throw errnoError("EINVAL", undefined, address);
        host = ipv6 ? "::" : "0.0.0.0";
    }
    const family = isIP(host);
    if (family === 0)
        throw errnoError("EINVAL", undefined, address);
    if (family === 6 && !ipv6)
        throw errnoError("EINVAL", undefined, address);
    const multicast = isMulticast(host);
    let interfaceAddress = null;
    if (source !== null) {
        // An interface names where a multicast group is joined or sent from: with a unicast target
        // libzmq refuses it.
        if (!multicast)
            throw errnoError("EINVAL", undefined, address);
        interfaceAddress = sourceAddress(source, address);
        if (interfaceAddress !== null && isIP(interfaceAddress) !== family)
            throw errnoError("EINVAL", undefined, address);
    }
    // IPv6 multicast needs an interface index, which only a named interface gives (ENODEV).
    if (family === 6 && multicast)
        throw errnoError("ENODEV", undefined, address);
    return { address, family, host, port, multicast, interfaceAddress };
}
