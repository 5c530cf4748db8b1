class InprocEngine {
    from;
    to;
    reverse;
    closed = false;
    takesFrames = false;
    handshaking = false;
    unwritten = 0;
    constructor(from, to) {
        this.from = from;
        this.to = to;
    }
    attach(pipe, peer) {
        pipe.attach(this, peer);
    }
    kick() {
        const { from, to } = this;
        while (!this.closed && !to.terminated && !to.inboundFull) {
            const msg = from.pull();
            if (!msg)
                break;
            to.push(msg);
        }
    }
    flushNow() { }
    /**
     * The sending socket is closing: everything it queued moves to the peer, past the peer's
     * receive HWM. libzmq's inproc pipe is one queue bounded by SNDHWM + RCVHWM, shared by both
     * sockets, so whatever was written is the peer's to read whatever the linger.
     */
    deliverRest() {
        const to = this.to;
        if (this.closed || to.terminated)
            return;
        for (let msg = this.from.pull(); msg; msg = this.from.pull())
            to.push(msg);
    }
    offer(msg) {
        const to = this.to;
        if (this.closed || to.terminated || to.inboundFull)
            return false;
        to.push(msg);
        return true;
    }
    resume() {
        this.reverse.kick();
    }
    close() {
        if (this.closed)
            return;
        this.closed = true;
        this.reverse.closed = true;
        // The peer sees its pipe end: libzmq terminates both halves of an inproc pipe pair.
        this.to.terminate();
    }
    /** Nothing sits between the two queues: deliver the rest and end. */
    closeAfterFlush() {
        this.deliverRest();
        this.close();
    }
}
/** Joins pipe `a` (owned by one socket) and `b` (owned by the other): the engines a→b and b→a. */
export function linkInproc(a, b) {
    const ab = new InprocEngine(a, b);
    const ba = new InprocEngine(b, a);
    ab.reverse = ba;
    ba.reverse = ab;
    return { ab, ba };
}
