/** The socket types with a durableGrace (their pipes are the ones parked). */
const PUBLISHERS = new Set(["PUB", "XPUB", "RADIO"]);
export class ParkedPipes {
    options;
    typeName;
    /** routing id (latin1) → the pipe waiting for that subscriber. */
    parked = new Map();
    constructor(options, typeName) {
        this.options = options;
        this.typeName = typeName;
    }
    /**
     * The connection of an accepted peer ended: returns true when its pipe is kept for it (the caller
     * then does not terminate it). Only a subscriber that negotiated acknowledgements has an id to
     * come back with: libzmq's SUB never sends its routing id (mechanism.cpp add_basic_properties
     * sends Identity for REQ, DEALER and ROUTER only).
     */
    park(pipe, closing) {
        const grace = this.options.durableGrace;
        const id = pipe.peer?.durable?.ackId;
        if (closing || grace <= 0 || !id || pipe.terminated || !PUBLISHERS.has(this.typeName))
            return false;
        const key = id.toString("latin1");
        // The same subscriber had two connections at once (libzmq's ROUTER without handover keeps
        // the first and gives the second a pipe of its own, so here both had one): the one that ended
        // last is kept, the other's queue is dropped.
        const earlier = this.parked.get(key);
        if (earlier !== undefined) {
            this.parked.delete(key);
            clearTimeout(earlier.timer);
            earlier.pipe.terminate();
        }
        const timer = setTimeout(() => {
            if (this.parked.get(key)?.pipe !== pipe)
                return;
            this.parked.delete(key);
            pipe.terminate();
        }, grace);
        // A parked subscriber does not keep the process alive.
        timer.unref();
        this.parked.set(key, { pipe, timer });
        return true;
    }
    /** A peer completed its handshake: the pipe parked for it, taken out of parking, or null. */
    unpark(peer) {
        const id = peer.durable?.ackId;
        if (!id || this.parked.size === 0)
            return null;
        const key = id.toString("latin1");
        const entry = this.parked.get(key);
        if (entry === undefined)
            return null;
        this.parked.delete(key);
        clearTimeout(entry.timer);
        return entry.pipe.terminated ? null : entry.pipe;
    }
    /** The pipe was terminated (socket close, or its grace ended): forget it. */
    forget(pipe) {
        const id = pipe.peer?.durable?.ackId;
        if (!id || this.parked.size === 0)
            return;
        const key = id.toString("latin1");
        const entry = this.parked.get(key);
        if (entry?.pipe !== pipe)
            return;
        this.parked.delete(key);
        clearTimeout(entry.timer);
    }
}
