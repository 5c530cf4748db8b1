/**
 * REQ (28/REQREP): strict send/receive alternation (EFSM otherwise), an empty delimiter before
 * the body, round-robin over peers, and replies taken only from the peer the request went to.
 * ZMQ_REQ_RELAXED allows a new request before the reply (the old reply is then ignored);
 * ZMQ_REQ_CORRELATE prefixes a 4-byte request id, in host byte order as libzmq writes it.
 */
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { errnoError } from "../../errors.js";
import { DealerPattern } from "./dealer.js";
const EMPTY = Buffer.alloc(0);
export class ReqPattern extends DealerPattern {
    expectingReply = false;
    replyPipe = null;
    requestId = randomBytes(4).readUInt32LE();
    terminated(pipe) {
        super.terminated(pipe);
        // The reply can no longer come; libzmq's REQ keeps waiting (the app times out or is relaxed).
    }
    /**
     * A request of small parts, sent now: framed behind its delimiter straight into the pipe (as a
     * PUSH's). Anything else (out of turn, ZMQ_REQ_CORRELATE) takes the general path, which also
     * gives the errors.
     */
    sendSmall(parts) {
        if (this.expectingReply || this.options.correlate)
            return null;
        const pipe = this.lb.sendSmall(Buffer.isBuffer(parts) ? [EMPTY, parts] : [EMPTY, ...parts]);
        return pipe !== null && this.requested(pipe);
    }
    send(msg) {
        if (this.expectingReply && !this.options.relaxed)
            throw errnoError("EFSM");
        let frames;
        if (this.options.correlate) {
            this.requestId = (this.requestId + 1) >>> 0;
            const id = Buffer.allocUnsafe(4);
            id.writeUInt32LE(this.requestId);
            frames = [id, EMPTY, ...msg];
        }
        else {
            frames = [EMPTY, ...msg];
        }
        const pipe = this.lb.send(frames);
        return pipe !== null && this.requested(pipe);
    }
    /** A request went to `pipe`: its reply, and only its, is awaited (any earlier one is stale). */
    requested(pipe) {
        this.replyPipe = pipe;
        this.expectingReply = true;
        return true;
    }
    recv() {
        if (!this.expectingReply)
            throw errnoError("EFSM");
        for (;;) {
            const msg = this.fq.recv();
            if (!msg)
                return undefined;
            if (this.fq.lastPipe !== this.replyPipe)
                continue;
            const body = this.unwrap(msg);
            if (!body)
                continue;
            this.expectingReply = false;
            this.replyPipe = null;
            return body;
        }
    }
    /** Strips the envelope; null for a reply that does not belong to the current request. */
    unwrap(msg) {
        if (this.options.correlate) {
            if (msg.length < 2 || msg[0].length !== 4 || msg[0].readUInt32LE() !== this.requestId || msg[1].length !== 0)
                return null;
            return msg.slice(2);
        }
        if (msg.length < 1 || msg[0].length !== 0)
            return null;
        return msg.slice(1);
    }
    get canSend() {
        return (!this.expectingReply || this.options.relaxed) && this.lb.writable;
    }
    get canRecv() {
        return this.expectingReply && this.replyPipe !== null && this.replyPipe.readable;
    }
}
