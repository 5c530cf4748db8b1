/**
 * ZMTP commands (37/ZMTP "Formal Grammar"):
 *
 *   command      = (%x04 short-size | %x06 long-size) command-body
 *   command-body = name-len(1 byte, 1..255) name command-data
 *
 * The prose of 23/37 speaks of a NUL separator after the name; the ABNF and libzmq use the 1-byte
 * length prefix, so we do too: READY is `05 "READY"`, never `"READY\0"`.
 */
import { Buffer } from "node:buffer";
import { ZmtpError } from "./errors.js";
import { FLAG_COMMAND, frameHeaderSize, writeFrameHeader } from "./frame.js";
import { encodedMetadataSize, parseMetadata, writeMetadata } from "./metadata.js";
/** Splits a command frame's body into name and data. */
export function parseCommand(body) {
    const nameLen = body.length > 0 ? body[0] : 0;
    if (nameLen === 0 || 1 + nameLen > body.length) {
        throw new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "Command frame without a valid name");
    }
    return { name: body.toString("latin1", 1, 1 + nameLen), data: body.subarray(1 + nameLen) };
}
const LIBZMQ_PLAIN_ERROR = Buffer.from("^RROR", "latin1");
/**
 * parseCommand for handshake commands, tolerating libzmq's malformed PLAIN ERROR: its
 * `"\x05ERROR"` C literal lets the hex escape swallow the "E", so a libzmq PLAIN server refuses a
 * client with `5E "RROR" reason` (all 4.3.x releases). We read that as ERROR.
 */
export function parseHandshakeCommand(body) {
    if (body.length >= 6 && body.subarray(0, 5).equals(LIBZMQ_PLAIN_ERROR)) {
        return { name: "ERROR", data: body.subarray(5) };
    }
    return parseCommand(body);
}
/** A whole command frame (header included) for `name` with the given data pieces. */
export function encodeCommand(name, ...data) {
    let dataLen = 0;
    for (const d of data)
        dataLen += d.length;
    const bodyLen = 1 + name.length + dataLen;
    const out = Buffer.allocUnsafe(frameHeaderSize(bodyLen) + bodyLen);
    let at = writeFrameHeader(out, 0, FLAG_COMMAND, bodyLen);
    out[at++] = name.length;
    at += out.write(name, at, "latin1");
    for (const d of data) {
        out.set(d, at);
        at += d.length;
    }
    return out;
}
/** READY (NULL mechanism, and PLAIN's server READY) carrying metadata properties in the given order. */
export function encodeReady(properties, name = "READY") {
    const list = [...properties];
    const meta = Buffer.allocUnsafe(encodedMetadataSize(list));
    writeMetadata(meta, 0, list);
    return encodeCommand(name, meta);
}
export function parseReady(data) {
    return parseMetadata(data, 0, "ERR_ZMTP_MALFORMED_COMMAND_READY");
}
/** ERROR: reason-len(1 byte) 0*255 VCHAR. */
export function encodeError(reason) {
    const text = Buffer.from(reason.slice(0, 255), "latin1");
    return encodeCommand("ERROR", Buffer.of(text.length), text);
}
export function parseError(data) {
    if (data.length < 1 || 1 + data[0] > data.length) {
        throw new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND_ERROR", "ERROR command with a malformed reason");
    }
    return data.toString("latin1", 1, 1 + data[0]);
}
/** 37/ZMTP: SUBSCRIBE and CANCEL commands, sent only to peers that announced minor version 1. */
export function encodeSubscribe(topic) {
    return encodeCommand("SUBSCRIBE", topic);
}
export function encodeCancel(topic) {
    return encodeCommand("CANCEL", topic);
}
/** The most context bytes a PING may carry and a PONG echoes (37/ZMTP "Connection Heartbeating"). */
export const PING_CONTEXT_MAX = 16;
/**
 * PING: ping-ttl (uint16, deciseconds) ping-context (0..16 bytes).
 * libzmq multiplies the TTL by 100 in a uint16, so a TTL above 655 ds makes it time out almost at
 * once; callers cap it (see engine/heartbeat).
 */
export function encodePing(ttlDeciseconds, context = Buffer.alloc(0)) {
    const ttl = Buffer.allocUnsafe(2);
    ttl.writeUInt16BE(Math.max(0, Math.min(0xffff, Math.floor(ttlDeciseconds))));
    return encodeCommand("PING", ttl, context.subarray(0, PING_CONTEXT_MAX));
}
export function parsePing(data) {
    if (data.length < 2) {
        throw new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "PING without its 2-byte TTL");
    }
    // libzmq echoes at most 16 context bytes; a longer context is tolerated and cut, as libzmq does.
    return { ttlDeciseconds: data.readUInt16BE(0), context: data.subarray(2, 2 + PING_CONTEXT_MAX) };
}
export function encodePong(context) {
    return encodeCommand("PONG", context.subarray(0, PING_CONTEXT_MAX));
}
