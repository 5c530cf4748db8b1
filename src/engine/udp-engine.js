/**
 * One udp:// endpoint (libzmq udp_engine.cpp): datagrams, no connection, no handshake.
 *
 * - RADIO (send only): each [group, body] message goes out as one datagram, 1 byte of group
 *   length, the group, the body (RFC 48/RADIO-DISH over UDP), to the connected address.
 * - DISH (receive only): each datagram is split back into [group, body]. What the DISH writes
 *   (its JOINs) has nowhere to go and is dropped, as libzmq's engine does.
 * - DGRAM (both, "raw"): a datagram is [sender "a.b.c.d:port" + NUL, body] (udp_engine's
 *   sockaddr_to_msg writes the NUL); a send [address, body] goes to that address.
 *
 * Nothing a datagram holds can fail the endpoint: a truncated one, one whose group is longer than
 * what follows, one that arrives while the pipe is full (UDP has no push-back; libzmq drops it),
 * or a send to an unparsable address is dropped and counted in `dropped` (and the wire trace).
 */
import { Buffer } from "node:buffer";
import { decodeRadioDatagram, encodeRadioDatagram, GROUP_MAX_LENGTH } from "../wire/group.js";
import { traceFor } from "./trace.js";
/** Datagram sends handed to the kernel and not yet confirmed; the pipe waits beyond this. */
const SENDS_IN_FLIGHT = 64;
export class UdpEngine {
    socket;
    role;
    target;
    address;
    handler;
    takesFrames = false;
    handshaking = false;
    /** Datagrams (or sends) dropped: malformed, unaddressable, or no room in the pipe. */
    dropped = 0;
    pipe = null;
    ended = false;
    /** The pipe's inbound queue is full: datagrams are dropped until it has room. */
    full = false;
    inFlight = 0;
    lingerTimer = null;
    trace;
    constructor(socket, role, 
    /** Where a RADIO sends; null for DISH and DGRAM. */
    target, address, handler) {
        this.socket = socket;
        this.role = role;
        this.target = target;
        this.address = address;
        this.handler = handler;
        this.trace = traceFor(`${role.toUpperCase()} ${address}`);
        if (role !== "radio")
            socket.on("message", (data, from) => this.received(data, from));
        // A send error (no route, a full buffer) loses that datagram only, as UDP would.
        socket.on("error", error => this.trace?.note(`udp error: ${error.message}`));
        socket.on("close", () => this.close());
    }
    /** The socket is bound: the endpoint is up ("connected" at once, as there is no handshake). */
    start() {
        this.handler.onHandshake(this, { socketType: "", identity: Buffer.alloc(0), minor: 0, address: this.address });
    }
    attach(pipe, peer) {
        this.pipe = pipe;
        pipe.attach(this, peer);
    }
    get closed() {
        return this.ended;
    }
    get unwritten() {
        return this.inFlight;
    }
    drop(why) {
        this.dropped++;
        this.trace?.note(`dropped: ${why} (${this.dropped} so far)`);
    }
    received(data, from) {
        const pipe = this.pipe;
        if (pipe === null || this.ended)
            return;
        if (this.full)
            return this.drop("receive queue full");
        let msg;
        if (this.role === "dgram") {
            msg = [Buffer.from(`${from.address}:${from.port}\0`, "latin1"), data];
        }
        else {
            const parts = decodeRadioDatagram(data);
            if (parts === null)
                return this.drop(`truncated datagram of ${data.length} bytes`);
            msg = [parts.group, parts.body];
        }
        this.trace?.message("in", msg);
        if (!pipe.push(msg))
            this.full = true;
    }
    resume() {
        this.full = false;
    }
    kick() {
        const pipe = this.pipe;
        if (pipe === null || this.ended)
            return;
        while (this.inFlight < SENDS_IN_FLIGHT) {
            const msg = pipe.pull();
            if (msg === undefined)
                return;
            this.sendOne(msg);
        }
    }
    flushNow() {
        this.kick();
    }
    sendOne(msg) {
        // A DISH's JOIN/LEAVE, or anything a DISH would write: nowhere to go over UDP.
        if (this.role === "dish" || msg.subscribe !== undefined)
            return;
        let data;
        let host;
        let port;
        if (this.role === "dgram") {
            const to = parseSender(msg[0]);
            if (msg.length !== 2 || to === null)
                return this.drop("send to an unparsable address");
            data = msg[1];
            ({ host, port } = to);
        }
        else {
            if (msg.length !== 2 || msg[0].length > GROUP_MAX_LENGTH)
                return this.drop("message is not [group, body]");
            data = encodeRadioDatagram(msg[0], msg[1]);
            ({ host, port } = this.target);
        }
        this.trace?.message("out", msg);
        this.inFlight++;
        this.socket.send(data, port, host, () => {
            this.inFlight--;
            this.kick();
            if (this.lingerTimer !== null && this.inFlight === 0 && (this.pipe?.outLength ?? 0) === 0)
                this.close();
        });
    }
    offer() {
        return false;
    }
    deliverRest() { }
    /** ZMQ_LINGER at close: send what is queued, then close, within `lingerMs` (-1: no limit). */
    closeAfterFlush(lingerMs) {
        this.kick();
        if (this.ended || lingerMs === 0 || (this.inFlight === 0 && (this.pipe?.outLength ?? 0) === 0)) {
            this.close();
            return;
        }
        this.lingerTimer = setTimeout(() => this.close(), lingerMs < 0 ? 2 ** 31 - 1 : lingerMs);
    }
    close() {
        if (this.ended)
            return;
        this.ended = true;
        if (this.lingerTimer !== null)
            clearTimeout(this.lingerTimer);
        try {
            this.socket.close();
        }
        catch {
            // closed already (its own "close" event brought us here)
        }
        const pipe = this.pipe;
        this.pipe = null;
        pipe?.detach(this);
        this.handler.onClose(this, null, false);
    }
}
/** libzmq's resolve_raw_address: "a.b.c.d:port" (a trailing NUL allowed), port not 0; else null. */
function parseSender(frame) {
    if (frame === undefined)
        return null;
    const text = frame.toString("latin1").replace(/\0+$/, "");
    const colon = text.lastIndexOf(":");
    if (colon <= 0)
        return null;
    const port = Number(text.slice(colon + 1));
    const host = text.slice(0, colon);
    if (!Number.isInteger(port) || port <= 0 || port > 65535 || !/^\d+\.\d+\.\d+\.\d+$/.test(host))
        return null;
    return { host, port };
}
