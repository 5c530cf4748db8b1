/**
 * SERVER (RFC 41/CLIENT-SERVER; libzmq server.cpp): a ROUTER for single-part messages whose peers
 * are named by 32-bit routing ids instead of an envelope frame. Every pipe gets the next id of a
 * counter that starts at a random value and skips 0 (xattach_pipe). A send names its peer: an
 * unknown id is EHOSTUNREACH; a peer at its HWM makes the send wait (libzmq's EAGAIN, which
 * zeromq.js turns into a wait because a SERVER always reports ZMQ_POLLOUT); nothing is dropped.
 *
 * Inside the stack a send arrives as [routing id (4 bytes, big-endian), body] (the public class
 * builds it, draft-sockets.ts); a receive is handed up in zeromq.js's form [body, {routingId}].
 */
import { randomBytes } from "node:crypto";
import { errnoError } from "../../errors.js";
import { Pattern } from "../pattern.js";
import { FairQueue } from "../strategies/fq.js";
import { checkSinglePart } from "../strategies/single-part.js";
export class ServerPattern extends Pattern {
    fq = new FairQueue();
    byId = new Map();
    idOf = new Map();
    nextId = randomBytes(4).readUInt32BE();
    /** The id given to the pipe attached last (PEER's connect returns it). */
    lastId = 0;
    attach(pipe) {
        let id = this.nextId;
        if (id === 0)
            id = 1; // never routing id zero
        this.nextId = (id + 1) >>> 0;
        this.byId.set(id, pipe);
        this.idOf.set(pipe, id);
        this.lastId = id;
    }
    terminated(pipe) {
        const id = this.idOf.get(pipe);
        if (id !== undefined) {
            this.idOf.delete(pipe);
            this.byId.delete(id);
        }
        this.fq.detach(pipe);
    }
    readable(pipe) {
        this.fq.activate(pipe);
    }
    send(msg) {
        checkSinglePart(msg, 2);
        const pipe = this.byId.get(msg[0].readUInt32BE(0));
        if (pipe === undefined)
            throw errnoError("EHOSTUNREACH");
        return pipe.write(msg.slice(1));
    }
    recv() {
        for (;;) {
            const msg = this.fq.recv();
            if (msg === undefined)
                return undefined;
            if (msg.length !== 1)
                continue; // multipart from a peer: dropped whole
            const routingId = this.idOf.get(this.fq.lastPipe);
            if (routingId === undefined)
                continue;
            // zeromq.js's receive form for a SERVER (socket.cc Receive): the message, then its metadata.
            return [msg[0], { routingId }];
        }
    }
    get canSend() {
        return true;
    }
    get canRecv() {
        return this.fq.readable;
    }
}
