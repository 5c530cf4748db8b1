/**
 * REP (28/REQREP): receives one request at a time (fair-queued), keeps its envelope (every frame
 * up to and including the empty delimiter), and routes the reply back to the same peer with that
 * envelope. A request without a delimiter is dropped; a reply to a peer that has gone is dropped.
 */
import { errnoError } from "../../errors.js";
import { Buffer } from "node:buffer";
import { STAGE_PART_MAX } from "../../engine/encoder.js";
import { Pattern } from "../pattern.js";
import { FairQueue } from "../strategies/fq.js";
export class RepPattern extends Pattern {
    fq = new FairQueue();
    replyTo = null;
    attach(_pipe) { }
    terminated(pipe) {
        this.fq.detach(pipe);
    }
    readable(pipe) {
        this.fq.activate(pipe);
    }
    send(msg) {
        const to = this.replyTo;
        if (!to)
            throw errnoError("EFSM");
        this.replyTo = null;
        // Like a ROUTER without mandatory: a gone or full requester loses the reply silently.
        if (!to.pipe.terminated)
            to.pipe.write([...to.envelope, ...msg]);
        return true;
    }
    /**
     * A reply of small parts: with its envelope, straight into the requester's pipe (framed there
     * when its engine takes frames, as a PUSH's). Without a request to answer, the general path
     * gives the error.
     */
    sendSmall(parts) {
        const to = this.replyTo;
        if (!to)
            return null;
        const envelope = to.envelope;
        for (let i = 0; i < envelope.length; i++)
            if (envelope[i].length > STAGE_PART_MAX)
                return null;
        this.replyTo = null;
        // Like send(): a gone or full requester loses the reply silently.
        to.pipe.writeSmall(Buffer.isBuffer(parts) ? [...envelope, parts] : [...envelope, ...parts]);
        return true;
    }
    recv() {
        if (this.replyTo)
            throw errnoError("EFSM");
        for (;;) {
            const msg = this.fq.recv();
            if (!msg)
                return undefined;
            const delimiter = msg.findIndex(f => f.length === 0);
            if (delimiter < 0)
                continue;
            this.replyTo = { pipe: this.fq.lastPipe, envelope: msg.slice(0, delimiter + 1) };
            return msg.slice(delimiter + 1);
        }
    }
    get canSend() {
        return this.replyTo !== null;
    }
    get canRecv() {
        return this.replyTo === null && this.fq.readable;
    }
}
