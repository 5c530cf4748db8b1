/**
 * ZMTP over WebSocket as libzmq 4.3.5 speaks it (ws_engine.cpp, ws_encoder.cpp, ws_decoder.cpp;
 * the ZWS 2.0 draft; spec/websocket.md): after the HTTP upgrade there is no greeting (the
 * subprotocol, ZWS2.0/NULL, /PLAIN or /CURVE, chose the mechanism), and every ZMTP frame travels
 * as one binary WebSocket message whose first byte holds the frame's flags (1 = MORE,
 * 2 = COMMAND) and whose rest is the frame's body. Heartbeats are WebSocket ping/pong, not ZMTP
 * PING/PONG commands.
 *
 * This stream sits between the WebSocket connection and an unchanged ZmtpEngine (started with
 * `greeting: false`): upwards it turns each message into ZMTP frame bytes for the engine's
 * FrameDecoder, downwards it cuts what the engine writes into frames and sends each as a message.
 * The engine keeps every ZMTP rule (mechanisms, READY, CURVE boxes, HWMs) in one place.
 *
 * The client masks what it sends (RFC 6455 §5.3) into new buffers: a caller's Buffer is never
 * altered (libzmq's client masks the message in place).
 */
import { Buffer } from "node:buffer";
import { Duplex } from "node:stream";
import { encodeCommand } from "../wire/command.js";
import { FLAG_COMMAND } from "../wire/frame.js";
import { WsError } from "../transport/websocket/errors.js";
import { encodeFrame, encodeFrameHeader, Opcode, randomMask } from "../transport/websocket/frame.js";
import { WsReader } from "../transport/websocket/reader.js";
import { ZWS_STREAM, BareRoutingIds, encodeCommandFrame, FrameCutter, isCommand, PING, PONG, zmtpFrame, zwsFlags } from "./zws-frames.js";
export class ZwsStream extends Duplex {
    socket;
    client;
    [ZWS_STREAM] = true;
    reader;
    /** Our outgoing ZMTP bytes, cut into frames (the engine may write a frame in several pieces). */
    frames = new FrameCutter((flags, body) => this.sendFrame(flags, body));
    closeSent = false;
    writeCallback = null;
    /** Bare "ZWS2.0": routing-id messages instead of a handshake (zws-frames.ts). */
    bare;
    constructor(socket, 
    /** The side that dialled: it masks its frames and expects unmasked ones. */
    client, 
    /** Bytes that came with the upgrade, after the HTTP head. */
    head, 
    /** ZMQ_MAXMSGSIZE (-1: none): a larger message closes the connection. */
    maxMessage, 
    /** The subprotocol agreed was bare "ZWS2.0". */
    bare = false) {
        super({ decodeStrings: false });
        this.socket = socket;
        this.client = client;
        this.bare = bare ? new BareRoutingIds() : null;
        // A frame's message is its body plus the flags byte.
        this.reader = new WsReader({ expectMasked: !client, maxMessage: maxMessage < 0 ? -1 : maxMessage + 1 }, this);
        socket.on("data", (chunk) => this.received(chunk));
        socket.on("end", () => this.push(null));
        socket.on("error", (e) => this.destroy(e));
        socket.on("close", () => this.destroy());
        socket.on("drain", () => this.drained());
        // What arrived with the upgrade is read once the engine listens.
        if (head.length > 0)
            queueMicrotask(() => this.received(head));
    }
    get remoteAddress() {
        return this.socket.remoteAddress;
    }
    received(chunk) {
        if (this.destroyed)
            return;
        try {
            this.reader.push(chunk);
        }
        catch (e) {
            this.fail(e instanceof WsError ? e : new WsError("ERR_WS_PROTOCOL", String(e?.message ?? e), 1002));
        }
    }
    /** A violation: close with its status code (RFC 6455 §7.1.7), then end with the error. */
    fail(error) {
        this.sendClose(error.closeCode ?? 1002);
        this.destroy(error);
    }
    // ---- WsHandler: what the peer sent ------------------------------------------------------
    message(opcode, data) {
        // libzmq sends binary messages only, each at least its flags byte (ws_decoder.cpp refuses an
        // empty one and any text).
        if (opcode !== Opcode.Binary)
            throw new WsError("ERR_WS_TEXT", "ZWS carries binary messages only, not text", 1003);
        if (data.length === 0)
            throw new WsError("ERR_WS_EMPTY", "A ZWS message holds at least its flags byte", 1002);
        let room = true;
        for (const part of this.bare ? this.bare.incoming(data) : zmtpFrame(data))
            room = this.push(part) && room;
        if (!room)
            this.socket.pause();
    }
    ping(data) {
        // RFC 6455 §5.5.2: answer with the same payload.
        this.socket.write(encodeFrame(Opcode.Pong, data, this.client ? randomMask() : null));
    }
    pong(data) {
        // Liveness for the engine's heartbeat, which hears any bytes: a ZMTP PONG it ignores.
        this.push(encodeCommandFrame(encodeCommand("PONG", data)));
    }
    close(code) {
        // §5.5.1: answer a close with a close (echoing its status), then end the connection.
        this.sendClose(code ?? 1000);
        this.socket.end();
    }
    sendClose(code) {
        if (this.closeSent || this.socket.destroyed)
            return;
        this.closeSent = true;
        const payload = Buffer.allocUnsafe(2);
        payload.writeUInt16BE(code, 0);
        this.socket.write(encodeFrame(Opcode.Close, payload, this.client ? randomMask() : null));
    }
    // ---- Duplex: the engine's side -----------------------------------------------------------
    _read() {
        this.socket.resume();
    }
    _write(chunk, _encoding, callback) {
        try {
            this.frames.push(chunk);
        }
        catch (e) {
            callback(e);
            return;
        }
        // Done once the socket takes more: the engine's writableLength then shows the backlog.
        if (this.socket.writableNeedDrain)
            this.writeCallback = callback;
        else
            callback();
    }
    drained() {
        const callback = this.writeCallback;
        this.writeCallback = null;
        callback?.();
    }
    _final(callback) {
        // Our close frame, then FIN; finished once the socket has handed everything to the kernel (a
        // destroy right after must not cut what is still queued).
        this.sendClose(1000);
        this.socket.end(() => callback());
    }
    _destroy(error, callback) {
        this.socket.destroy();
        callback(error);
    }
    /** One ZMTP frame of ours as one WebSocket message. */
    sendFrame(zmtpFlags, frameBody) {
        const [flags, body] = this.bare ? this.bare.outgoing(zmtpFlags, frameBody) : [zmtpFlags, frameBody];
        if (flags & FLAG_COMMAND && isCommand(body, PING)) {
            // libzmq answers WebSocket pings, not ZMTP PING commands (ws_engine.cpp decode_and_push).
            this.socket.write(encodeFrame(Opcode.Ping, Buffer.alloc(0), this.client ? randomMask() : null));
            return;
        }
        if (flags & FLAG_COMMAND && isCommand(body, PONG)) {
            this.socket.write(encodeFrame(Opcode.Pong, Buffer.alloc(0), this.client ? randomMask() : null));
            return;
        }
        const wsFlags = zwsFlags(flags);
        if (this.client) {
            this.socket.write(encodeFrame(Opcode.Binary, [wsFlags, ...body], randomMask()));
            return;
        }
        // The server does not mask: header and flags byte, then the body as it is (no copy).
        let size = 1;
        for (const part of body)
            size += part.length;
        this.socket.write(Buffer.concat([encodeFrameHeader(Opcode.Binary, size, null), wsFlags]));
        for (const part of body)
            if (part.length > 0)
                this.socket.write(part);
    }
}
