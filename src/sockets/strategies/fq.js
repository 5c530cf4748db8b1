/**
 * Fair queuing (libzmq fq.cpp), for PULL, DEALER, ROUTER, REP, SUB, XSUB and XPUB's upstream:
 * one whole message per turn from each pipe that has one. Pipes with messages wait in a ring, so
 * a receive is O(1) however many peers there are. A pipe whose peer has gone stays readable until
 * its complete messages are drained (libzmq keeps them).
 */
import { Queue } from "../../engine/queue.js";
export class FairQueue {
    active = new Queue();
    /** The pipe the last message came from (ROUTER and REP need it). */
    lastPipe = null;
    /** A pipe's inbound queue went from empty to non-empty. */
    activate(pipe) {
        if (pipe.fairQueued)
            return;
        pipe.fairQueued = true;
        this.active.push(pipe);
    }
    /** Forgets a pipe; any messages it still holds stay readable until taken. */
    detach(pipe) {
        if (!pipe.readable)
            pipe.fairQueued = false;
    }
    get readable() {
        // Asked before every receive: index the ring rather than iterate it (a generator per call).
        const n = this.active.length;
        for (let i = 0; i < n; i++)
            if (this.active.at(i).readable)
                return true;
        return false;
    }
    recv() {
        const active = this.active;
        if (active.length === 1) {
            // One pipe with messages (a single peer, or the others drained): no rotation to do.
            const pipe = active.peek();
            const msg = pipe.read();
            if (!pipe.readable) {
                active.shift();
                pipe.fairQueued = false;
            }
            if (msg)
                this.lastPipe = pipe;
            return msg;
        }
        for (let tries = this.active.length; tries > 0; tries--) {
            const pipe = this.active.shift();
            const msg = pipe.read();
            if (!msg) {
                pipe.fairQueued = false;
                continue;
            }
            if (pipe.readable)
                this.active.push(pipe);
            else
                pipe.fairQueued = false;
            this.lastPipe = pipe;
            return msg;
        }
        return undefined;
    }
}
