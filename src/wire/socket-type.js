/**
 * Socket types: libzmq's numeric ids (ZMQ_PAIR..ZMQ_STREAM, then the draft ZMQ_SERVER..ZMQ_CHANNEL), the names sent in the READY
 * `Socket-Type` property, and which pairs may talk (37/ZMTP "The Socket-Type Property"; libzmq's
 * `mechanism_t::check_socket_type` holds the same table).
 */
export const SocketTypeId = {
    PAIR: 0,
    PUB: 1,
    SUB: 2,
    REQ: 3,
    REP: 4,
    DEALER: 5,
    ROUTER: 6,
    PULL: 7,
    PUSH: 8,
    XPUB: 9,
    XSUB: 10,
    STREAM: 11,
    // libzmq's draft types (include/zmq.h's draft section; RFC 41/CLIENT-SERVER, 48/RADIO-DISH,
    // 49/SCATTER-GATHER, 51/PEER, 52/CHANNEL). DGRAM never speaks ZMTP: it is udp:// only.
    SERVER: 12,
    CLIENT: 13,
    RADIO: 14,
    DISH: 15,
    GATHER: 16,
    SCATTER: 17,
    DGRAM: 18,
    PEER: 19,
    CHANNEL: 20,
};
const names = Object.keys(SocketTypeId);
export function socketTypeName(id) {
    return names[id];
}
const compatible = {
    PAIR: ["PAIR"],
    PUB: ["SUB", "XSUB"],
    SUB: ["PUB", "XPUB"],
    REQ: ["REP", "ROUTER"],
    REP: ["REQ", "DEALER"],
    DEALER: ["REP", "DEALER", "ROUTER"],
    ROUTER: ["REQ", "DEALER", "ROUTER"],
    PULL: ["PUSH"],
    PUSH: ["PULL"],
    XPUB: ["SUB", "XSUB"],
    XSUB: ["PUB", "XPUB"],
    STREAM: [],
    SERVER: ["CLIENT"],
    CLIENT: ["SERVER"],
    RADIO: ["DISH"],
    DISH: ["RADIO"],
    GATHER: ["SCATTER"],
    SCATTER: ["GATHER"],
    DGRAM: ["DGRAM"],
    PEER: ["PEER"],
    CHANNEL: ["CHANNEL"],
};
/** True when a local socket of type `local` may accept a peer announcing `peer`. */
export function socketTypesCompatible(local, peer) {
    return compatible[local].includes(peer);
}
/** libzmq sends the Identity property only from these types (mechanism_t::add_basic_properties). */
export function sendsIdentity(type) {
    return type === "REQ" || type === "DEALER" || type === "ROUTER";
}
/**
 * libzmq's thread-safe draft types (socket_base_t's `thread_safe_` argument): single-part messages
 * only, and a multipart send is EINVAL (client.cpp, server.cpp, radio.cpp... `xsend`).
 */
export function singlePartOnly(type) {
    return SocketTypeId[type] >= SocketTypeId.SERVER && type !== "DGRAM";
}
