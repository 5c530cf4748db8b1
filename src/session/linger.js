import { hasQueued } from "./queued.js";
import { lingerEnded, lingerStarted } from "../sockets/linger.js";
export class Linger {
    lingerer;
    work = new Set();
    /** ms since the epoch when linger ends; Infinity for -1; 0 before close() and for linger 0. */
    until = 0;
    timer = null;
    constructor(lingerer) {
        this.lingerer = lingerer;
    }
    /** close() with ZMQ_LINGER `ms`: work added until start() gets that long. */
    begin(ms) {
        this.until = ms < 0 ? Infinity : ms > 0 ? Date.now() + ms : 0;
    }
    /** Linger 0 (or not closing): what is queued is dropped. */
    get dropping() {
        return this.until === 0;
    }
    /** ms of linger left for a connection to flush (-1: no limit). */
    left() {
        return this.until === Infinity ? -1 : Math.max(1, this.until - Date.now());
    }
    add(work) {
        this.work.add(work);
    }
    has(work) {
        return this.work.has(work);
    }
    /** Everything was added: hold the process at exit while it runs, and arm the deadline. */
    start(ms) {
        if (this.work.size === 0)
            return;
        lingerStarted(this.lingerer);
        if (this.until === Infinity)
            return;
        this.timer = setTimeout(() => this.expire(), ms);
        this.timer.unref();
    }
    /**
     * At close, for each pipe not kept by its connect session: a live connection with messages still
     * to write gets the linger to flush them. An inproc pipe hands everything to the peer whatever
     * the linger: libzmq's inproc pipe is one queue shared by both sockets, so what was written is
     * the peer's to read.
     */
    lingerOrTerminate(pipe) {
        const engine = pipe.transport;
        engine?.deliverRest();
        // Linger 0 drops what is still queued, but libzmq's I/O thread has written most of what was
        // sent by then; zmtp writes at the tick's end, so what the kernel takes now goes out first.
        if (this.dropping)
            engine?.flushNow();
        if (!this.dropping && engine && !engine.closed && hasQueued(pipe)) {
            this.add(engine);
            engine.closeAfterFlush(this.left());
            return;
        }
        pipe.terminate();
    }
    /** One piece finished (flushed, or given up). */
    done(work) {
        if (!this.work.delete(work) || this.work.size > 0)
            return;
        if (this.timer)
            clearTimeout(this.timer);
        this.timer = null;
        lingerEnded(this.lingerer);
    }
    /** Linger ran out: whatever is still queued is dropped. */
    expire() {
        this.timer = null;
        for (const work of [...this.work]) {
            if ("lingerExpired" in work)
                work.lingerExpired();
            else
                work.close();
        }
    }
}
