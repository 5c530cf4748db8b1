/**
 * A raw connection for STREAM sockets: no greeting, no framing. Each chunk read becomes a
 * one-frame message; each message sent is written as its bytes; an empty message closes the
 * connection (libzmq stream.cpp).
 */
import { Buffer } from "node:buffer";
import { closeAfterFlush } from "./flush-close.js";
export class RawEngine {
    stream;
    address;
    handler;
    pipe = null;
    ended = false;
    takesFrames = false;
    handshaking = false;
    constructor(stream, address, handler) {
        this.stream = stream;
        this.address = address;
        this.handler = handler;
        stream.on("data", (chunk) => {
            if (this.pipe && !this.pipe.push([chunk]))
                stream.pause();
        });
        stream.on("drain", () => this.kick());
        stream.on("error", () => this.close());
        stream.on("close", () => this.close());
        stream.on("end", () => this.close());
    }
    /** No handshake: "connected" at once. */
    start() {
        this.handler.onHandshake(this, { socketType: "", identity: Buffer.alloc(0), minor: 0, address: this.address });
    }
    attach(pipe, peer) {
        this.pipe = pipe;
        pipe.attach(this, peer);
    }
    kick() {
        const pipe = this.pipe;
        if (!pipe || this.ended)
            return;
        while (this.stream.writableLength < 256 * 1024) {
            const msg = pipe.pull();
            if (!msg)
                return;
            const data = msg.length === 1 ? msg[0] : Buffer.concat(msg);
            if (data.length === 0) {
                this.stream.end();
                return;
            }
            this.stream.write(data);
        }
    }
    get closed() {
        return this.ended;
    }
    get unwritten() {
        return this.ended ? 0 : this.stream.writableLength;
    }
    flushNow() { }
    offer() {
        return false;
    }
    deliverRest() { }
    /** ZMQ_LINGER at close: what was queued is written, then the connection ends (flush-close.ts). */
    closeAfterFlush(lingerMs) {
        if (this.ended || lingerMs === 0) {
            this.close();
            return;
        }
        closeAfterFlush(this, lingerMs, false, () => (this.pipe?.outLength ?? 0) > 0, () => {
            const pipe = this.pipe;
            this.pipe = null;
            pipe?.detach(this);
        });
    }
    resume() {
        if (!this.ended)
            this.stream.resume();
    }
    close() {
        if (this.ended)
            return;
        this.ended = true;
        this.stream.destroy();
        const pipe = this.pipe;
        this.pipe = null;
        pipe?.detach(this);
        this.handler.onClose(this, null, false);
    }
}
