/**
 * ZWS 2.0's mapping between ZMTP frames and WebSocket messages (libzmq ws_encoder.cpp and
 * ws_decoder.cpp; spec/websocket.md), shared by the Node stream (zws-stream.ts) and the browser's
 * (browser-ws-stream.ts): a message is one flags byte (1 = MORE, 2 = COMMAND) and the frame's body.
 */
import { Buffer } from "node:buffer";
import { encodeReady, parseCommand, parseReady } from "../wire/command.js";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, writeFrameHeader } from "../wire/frame.js";
/** Marks a stream that carries ZWS (Node's or a page's): its engine starts without a greeting. */
export const ZWS_STREAM = Symbol("zmtp.zws");
/** ZWS flags byte (libzmq ws_protocol.hpp). */
const WS_MORE = 1;
const WS_COMMAND = 2;
/** A ZMTP PING or PONG command body starts with its name: over ZWS these are WebSocket ping/pong. */
export const PING = Buffer.from("\x04PING", "latin1");
export const PONG = Buffer.from("\x04PONG", "latin1");
/** The ZWS flags byte for a ZMTP frame's flags. */
export function zwsFlags(zmtpFlags) {
    return Buffer.of((zmtpFlags & FLAG_MORE ? WS_MORE : 0) | (zmtpFlags & FLAG_COMMAND ? WS_COMMAND : 0));
}
/** A ZWS message as ZMTP frame bytes for the engine's decoder: [header, body]. */
export function zmtpFrame(message) {
    const flags = message[0];
    const body = message.subarray(1);
    const header = Buffer.allocUnsafe(9);
    const zmtpFlags = (flags & WS_MORE ? FLAG_MORE : 0) | (flags & WS_COMMAND ? FLAG_COMMAND : 0);
    return [header.subarray(0, writeFrameHeader(header, 0, zmtpFlags, body.length)), body];
}
/** Whether a command frame's body (in pieces) starts with `name` ("\x04PING"). */
export function isCommand(body, name) {
    const first = body.length === 1 ? body[0] : Buffer.concat(body);
    return first.length >= name.length && first.subarray(0, name.length).equals(name);
}
/** A whole command frame around a command body (short: a PONG's context is at most 16 bytes). */
export function encodeCommandFrame(body) {
    const frame = Buffer.allocUnsafe(9 + body.length);
    const at = writeFrameHeader(frame, 0, FLAG_COMMAND, body.length);
    body.copy(frame, at);
    return frame.subarray(0, at + body.length);
}
/**
 * Cuts a stream of ZMTP frame bytes (37/ZMTP §3: flags, 1- or 8-byte size, body) into frames,
 * whatever pieces they are written in. Bodies are kept as views of what was written.
 */
export class FrameCutter {
    onFrame;
    header = Buffer.allocUnsafe(9);
    headerLen = 0;
    flags = 0;
    /** Body bytes still to come for the current frame; -1 while reading a header. */
    remaining = -1;
    body = [];
    constructor(onFrame) {
        this.onFrame = onFrame;
    }
    push(chunk) {
        let at = 0;
        while (at < chunk.length) {
            if (this.remaining < 0) {
                this.header[this.headerLen++] = chunk[at++];
                const need = this.header[0] & FLAG_LONG ? 9 : 2;
                if (this.headerLen < need)
                    continue;
                this.flags = this.header[0];
                const size = need === 9 ? Number(this.header.readBigUInt64BE(1)) : this.header[1];
                this.headerLen = 0;
                this.remaining = size;
                if (size === 0)
                    this.frame();
                continue;
            }
            const take = Math.min(this.remaining, chunk.length - at);
            this.body.push(chunk.subarray(at, at + take));
            at += take;
            this.remaining -= take;
            if (this.remaining === 0)
                this.frame();
        }
    }
    frame() {
        const body = this.body;
        this.body = [];
        this.remaining = -1;
        this.onFrame(this.flags, body);
    }
}
const READY = Buffer.from("\x05READY", "latin1");
/**
 * Bare "ZWS2.0" (libzmq ws_engine.cpp select_protocol, routing_id_msg, process_routing_id_msg):
 * no security handshake at all; each side's first message is its routing id (empty unless set),
 * and no socket type is exchanged. It is the only form a browser can offer, since "/" may not
 * appear in a subprotocol token (RFC 6455 §4.1, RFC 7230 §3.2.6). Here it is translated at the
 * edge into the NULL handshake the engine speaks: our READY goes out as our routing-id message,
 * and the peer's first message comes in as a READY carrying it as Identity (and no Socket-Type,
 * which the engine accepts as libzmq does).
 */
export class BareRoutingIds {
    sent = false;
    received = false;
    /** One of our frames, as it is to go out. */
    outgoing(flags, body) {
        if (this.sent || !(flags & FLAG_COMMAND) || !isCommand(body, READY))
            return [flags, body];
        this.sent = true;
        const ready = parseCommand(Buffer.concat(body));
        return [0, [parseReady(ready.data).get("identity") ?? Buffer.alloc(0)]];
    }
    /** One ZWS message from the peer, as ZMTP frame bytes for the engine. */
    incoming(message) {
        if (this.received)
            return zmtpFrame(message);
        this.received = true;
        const identity = message.subarray(1);
        return [encodeReady(identity.length > 0 ? [["Identity", identity]] : [])];
    }
}
