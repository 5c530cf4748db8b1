/**
 * STREAM: raw TCP peers addressed like a ROUTER's: [routing id, data]. A new connection and a
 * lost one each show up as [id, ""] when ZMQ_STREAM_NOTIFY is on (the default); sending
 * [id, ""] closes that connection. An unknown id is an error (EHOSTUNREACH).
 */
import { Buffer } from "node:buffer";
import { errnoError } from "../../errors.js";
import { Pattern } from "../pattern.js";
import { FairQueue } from "../strategies/fq.js";
import { RoutingIds } from "../strategies/routing-id.js";
const EMPTY = Buffer.alloc(0);
export class StreamPattern extends Pattern {
    fq = new FairQueue();
    byId = new Map();
    ids = new RoutingIds();
    /** Pipes whose connection was announced with [id, ""]; only those are announced as gone. */
    announced = new WeakSet();
    attach(pipe) {
        // A connect()ed pipe named with ZMQ_CONNECT_ROUTING_ID is addressable at once, as in libzmq
        // (the pipe exists from connect() on): a request sent right after connect() is queued.
        const id = pipe.routingId;
        if (id && !this.byId.has(id.toString("latin1")))
            this.byId.set(id.toString("latin1"), pipe);
    }
    connected(pipe) {
        let id = pipe.routingId;
        if (!id || (this.byId.has(id.toString("latin1")) && this.byId.get(id.toString("latin1")) !== pipe)) {
            id = this.ids.generate();
        }
        pipe.routingId = id;
        this.byId.set(id.toString("latin1"), pipe);
        this.announced.add(pipe);
        if (this.options.notify)
            pipe.push([EMPTY]);
        return true;
    }
    terminated(pipe) {
        const key = pipe.routingId?.toString("latin1");
        if (key === undefined || this.byId.get(key) !== pipe) {
            // Closed by the application (send [id, ""]): no disconnect notice, as in libzmq, where only
            // the engine's error path (the peer went away) pushes the final empty message.
            this.fq.detach(pipe);
            return;
        }
        this.byId.delete(key);
        // The disconnect notice comes after any data already received from that peer, and only for a
        // connection that was announced (a connect()ed id that never connected goes silently).
        if (this.options.notify && this.announced.has(pipe))
            pipe.push([EMPTY]);
        else
            this.fq.detach(pipe);
    }
    readable(pipe) {
        this.fq.activate(pipe);
    }
    send(msg) {
        if (msg.length < 2)
            throw errnoError("EHOSTUNREACH");
        const pipe = this.byId.get(msg[0].toString("latin1"));
        if (!pipe)
            throw errnoError("EHOSTUNREACH");
        const body = msg.slice(1);
        const data = body.length === 1 ? body : [Buffer.concat(body)];
        if (data[0].length === 0) {
            // libzmq stream.cpp xsend: a zero-length frame terminates that peer's pipe. Its id is gone at
            // once (the next send to it is EHOSTUNREACH) and no [id, ""] notice follows. The raw engine
            // ends the connection after writing what was queued before.
            pipe.forceWrite(data);
            this.byId.delete(msg[0].toString("latin1"));
            return true;
        }
        if (!pipe.write(data))
            return false;
        return true;
    }
    recv() {
        const msg = this.fq.recv();
        if (!msg)
            return undefined;
        return [this.fq.lastPipe.routingId ?? EMPTY, ...msg];
    }
    get canSend() {
        return true;
    }
    get canRecv() {
        return this.fq.readable;
    }
}
