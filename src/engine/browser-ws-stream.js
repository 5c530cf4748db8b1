/**
 * ZWS over a browser's own WebSocket (the page cannot open sockets itself): the browser does the
 * upgrade, the framing and the masking; this turns its messages into ZMTP frame bytes for an
 * unchanged ZmtpEngine (started without a greeting, as over zws-stream.ts) and the engine's
 * frames into messages. It offers the part of a Node Duplex the engine uses: write, cork/uncork,
 * writableLength, pause/resume, end, destroy, and the data/drain/error/end/close events.
 *
 * A page can offer only bare "ZWS2.0" ("/" is not allowed in a subprotocol), so there is no
 * security handshake: NULL only, routing ids exchanged as first messages (zws-frames.ts).
 * Heartbeats: a page cannot send WebSocket pings, so ZMTP PING commands are dropped here (the
 * browser answers the server's pings by itself).
 */
import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";
import { ZWS_STREAM, BareRoutingIds, FrameCutter, isCommand, PING, PONG, zwsFlags } from "./zws-frames.js";
/** What the engine waits for before it writes more (its WRITE_HIGH_WATER is of this order). */
const DRAIN_POLL_MS = 10;
export class BrowserWsStream extends EventEmitter {
    ws;
    [ZWS_STREAM] = true;
    frames = new FrameCutter((flags, body) => this.sendFrame(flags, body));
    paused = false;
    held = [];
    ended = false;
    drainTimer = null;
    /** A page can only offer bare "ZWS2.0" (zws-frames.ts): routing ids instead of a handshake. */
    bare = new BareRoutingIds();
    destroyed = false;
    constructor(ws) {
        super();
        this.ws = ws;
        ws.binaryType = "arraybuffer";
        ws.addEventListener("message", event => this.received(event.data));
        ws.addEventListener("error", () => this.destroy(new Error(`WebSocket error on ${ws.url}`)));
        ws.addEventListener("close", () => this.closed());
    }
    /** A page has no peer address to show; the URL stands in (ZAP and events read it). */
    get remoteAddress() {
        return this.ws.url;
    }
    get writableLength() {
        return this.ended ? 0 : this.ws.bufferedAmount;
    }
    received(data) {
        if (this.destroyed)
            return;
        // ZWS is binary only, each message at least its flags byte (libzmq's ws_decoder).
        if (typeof data === "string" || data.byteLength === 0) {
            this.destroy(new Error("A ZWS message must be binary and hold its flags byte"));
            return;
        }
        for (const part of this.bare.incoming(Buffer.from(data))) {
            if (this.paused)
                this.held.push(part);
            else
                this.emit("data", part);
        }
    }
    write(chunk) {
        if (this.ended || this.destroyed)
            return false;
        this.frames.push(chunk);
        return this.ws.bufferedAmount < 256 * 1024 || (this.waitForDrain(), false);
    }
    sendFrame(zmtpFlags, frameBody) {
        const [flags, body] = this.bare.outgoing(zmtpFlags, frameBody);
        // The page's WebSocket API has no ping: heartbeats are the browser's own business.
        if (isCommand(body, PING) || isCommand(body, PONG))
            return;
        this.ws.send(Buffer.concat([zwsFlags(flags), ...body]));
    }
    waitForDrain() {
        if (this.drainTimer !== null)
            return;
        const poll = () => {
            this.drainTimer = null;
            if (this.destroyed)
                return;
            if (this.ws.bufferedAmount > 0)
                this.drainTimer = setTimeout(poll, DRAIN_POLL_MS);
            else
                this.emit("drain");
        };
        this.drainTimer = setTimeout(poll, DRAIN_POLL_MS);
    }
    cork() { }
    uncork() { }
    pause() {
        this.paused = true;
        return this;
    }
    resume() {
        this.paused = false;
        const held = this.held;
        this.held = [];
        for (const part of held)
            this.emit("data", part);
        return this;
    }
    end() {
        if (!this.ended) {
            this.ended = true;
            this.ws.close(1000);
            // What the page's WebSocket holds still goes out: the linger's wait is over (flush-close.ts).
            queueMicrotask(() => this.emit("finish"));
        }
        return this;
    }
    destroy(error) {
        if (this.destroyed)
            return this;
        this.destroyed = true;
        if (this.drainTimer !== null)
            clearTimeout(this.drainTimer);
        this.ws.close(1000);
        if (error)
            this.emit("error", error);
        this.emit("close");
        return this;
    }
    closed() {
        if (this.destroyed)
            return;
        this.emit("end");
        this.destroy();
    }
}
