import { errnoError } from "../errors.js";
export class Pattern {
    host;
    constructor(host) {
        this.host = host;
    }
    get options() {
        return this.host.options;
    }
    /** A handshake completed on the pipe (pipe.peer is set). Return false to refuse the peer. */
    connected(_pipe) {
        return true;
    }
    /**
     * A receive that completes now, or undefined: never throws and never changes the pattern's
     * state when nothing is there (the async iterator's fast path). PULL, whose recv() is a plain
     * fair-queue read with no state, overrides it to skip the separate canRecv pass (~6% on inproc
     * 16 B). Types with state (REQ, REP, ROUTER...) keep this default.
     */
    tryRecv() {
        return this.canRecv ? this.recv() : undefined;
    }
    /**
     * Sends a message of small Buffers the caller still owns (the pipe frames or copies them).
     * null: this pattern does not offer it (its send() changes or inspects messages).
     */
    sendSmall(_parts) {
        return null;
    }
    /** zmq_join / zmq_leave: only a DISH has groups (dish.ts); libzmq's default is ENOTSUP. */
    join(_group) {
        throw errnoError("ENOTSUP");
    }
    leave(_group) {
        throw errnoError("ENOTSUP");
    }
    /** ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE set on the socket (SUB, and XPUB in manual mode). */
    subscribe(_topic) { }
    unsubscribe(_topic) { }
}
