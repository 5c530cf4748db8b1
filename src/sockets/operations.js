/**
 * A socket's send and receive as zeromq.js gives them: one pending operation of each kind. One that
 * can complete now does (a send that can be queued, a receive with a message there); otherwise it
 * waits until the pattern can take it or its timeout passes (EAGAIN), and every state change that
 * may unblock it (a message in, room out, a peer gone) retries it. Every operation also takes its
 * turn in the event loop's slice (slice.ts), so a loop of awaited calls never starves timers or I/O.
 */
import { performance } from "node:perf_hooks";
import { busyReading, busyWriting, errnoError } from "../errors.js";
import { smallParts, toFrame } from "./message.js";
import { mayRunNow, newSlice, waitedForLoop } from "./slice.js";
const RESOLVED = Promise.resolve();
/** The keep-alive timer's callback: the timer only holds the event loop open. */
const keepNothing = () => { };
export class Operations {
    pattern;
    options;
    sendOp = null;
    recvOp = null;
    wakeScheduled = false;
    /** An operation waits for the event loop's check phase (slice.ts). */
    yieldScheduled = false;
    /** Inside retry (see there). */
    retrying = false;
    keepAlive = null;
    closed = false;
    constructor(pattern, options) {
        this.pattern = pattern;
        this.options = options;
    }
    send(message) {
        if (this.sendOp)
            throw busyWriting();
        const timeout = this.options.sendTimeout;
        const now = timeout === 0 || mayRunNow();
        // Small Buffers to a PUSH or DEALER with room: framed straight into the pipe (one copy).
        const small = now ? smallParts(message) : null;
        if (small !== null && this.pattern.sendSmall(small) === true)
            return this.sent();
        const msg = Array.isArray(message) ? message.map(toFrame) : [toFrame(message)];
        if (msg.length === 0)
            return RESOLVED;
        if (!now)
            this.yieldToEventLoop();
        else if (timeout === 0 || this.pattern.canSend) {
            try {
                if (this.pattern.send(msg))
                    return this.sent();
            }
            catch (e) {
                return Promise.reject(e);
            }
            if (timeout === 0)
                return Promise.reject(errnoError("EAGAIN"));
        }
        return new Promise((resolve, reject) => {
            const op = { msg, resolve, reject, timer: null, since: performance.now(), held: !now };
            if (timeout > 0)
                op.timer = setTimeout(() => this.expireSend(op), timeout);
            this.sendOp = op;
            this.updateKeepAlive();
        });
    }
    /** A send done at once may have made a waiting receive possible (REP): wake retries it. */
    sent() {
        this.wake();
        return RESOLVED;
    }
    receive() {
        if (this.recvOp)
            throw busyReading();
        const timeout = this.options.receiveTimeout;
        // As zeromq.js: receive now if a message is there (ZMQ_POLLIN) or no waiting is allowed;
        // otherwise wait, and try once more when the wait ends (an out-of-turn REQ/REP gets EFSM).
        const now = timeout === 0 || mayRunNow();
        if (!now)
            this.yieldToEventLoop();
        else if (timeout === 0 || this.pattern.canRecv) {
            try {
                const msg = this.pattern.recv();
                if (msg) {
                    this.wake();
                    return Promise.resolve(msg);
                }
            }
            catch (e) {
                return Promise.reject(e);
            }
            if (timeout === 0)
                return Promise.reject(errnoError("EAGAIN"));
        }
        return new Promise((resolve, reject) => {
            const op = { resolve, reject, timer: null, since: performance.now(), held: !now };
            if (timeout > 0)
                op.timer = setTimeout(() => this.expireReceive(op), timeout);
            this.recvOp = op;
            this.updateKeepAlive();
        });
    }
    /** A receive that completes now, or undefined (the async iterator's fast path). */
    receiveNow() {
        if (this.recvOp)
            return undefined;
        if (this.options.receiveTimeout !== 0 && !mayRunNow())
            return undefined;
        const msg = this.pattern.tryRecv();
        if (msg)
            this.wake();
        return msg;
    }
    /** A receive whose wait ended (timeout or close) makes one last attempt, as zeromq.js does. */
    expireReceive(op) {
        if (this.recvOp !== op)
            return;
        this.recvOp = null;
        if (op.timer)
            clearTimeout(op.timer);
        this.updateKeepAlive();
        try {
            const msg = this.closed ? undefined : this.pattern.recv();
            if (msg)
                op.resolve(msg);
            else
                op.reject(errnoError("EAGAIN"));
        }
        catch (e) {
            op.reject(e);
        }
    }
    /** zeromq.js tries the send once more when the wait ends: an out-of-turn REQ gets EFSM here. */
    expireSend(op) {
        if (this.sendOp !== op)
            return;
        this.sendOp = null;
        if (op.timer)
            clearTimeout(op.timer);
        this.updateKeepAlive();
        try {
            if (this.pattern.send(op.msg))
                op.resolve();
            else
                op.reject(errnoError("EAGAIN"));
        }
        catch (e) {
            op.reject(e);
        }
    }
    /** The operation being made waits for the event loop's check phase, however ready the socket is. */
    yieldToEventLoop() {
        if (this.yieldScheduled)
            return;
        this.yieldScheduled = true;
        setImmediate(() => {
            this.yieldScheduled = false;
            newSlice();
            this.retry();
        });
    }
    /** Something changed that may let a waiting operation complete: retry it in a microtask. */
    wake() {
        if (this.wakeScheduled || (!this.sendOp && !this.recvOp))
            return;
        this.wakeScheduled = true;
        queueMicrotask(() => {
            this.wakeScheduled = false;
            this.retry();
        });
    }
    /**
     * Completes a waiting send and a waiting receive if they can be now. Never from inside itself:
     * a send or receive can re-enter the socket synchronously (an inproc read resumes the peer,
     * whose next message arrives at once; an inproc request can bring its reply), and a nested
     * retry would complete the same operation a second time, settling it with another message and
     * losing the first. A nested call becomes the usual microtask retry.
     *
     * Called directly when a message arrives while a receive waits: on a round trip every step
     * between a read and the reply's write counts twice.
     */
    retry() {
        // An operation held back for the event loop's turn completes in that turn, not sooner.
        if (this.yieldScheduled)
            return;
        if (this.retrying) {
            this.wake();
            return;
        }
        this.retrying = true;
        try {
            this.retryNow();
        }
        finally {
            this.retrying = false;
        }
    }
    retryNow() {
        const send = this.sendOp;
        if (send && this.pattern.canSend) {
            try {
                if (this.pattern.send(send.msg))
                    this.finish(send, () => send.resolve());
            }
            catch (e) {
                this.finish(send, () => send.reject(e));
            }
        }
        const recv = this.recvOp;
        if (recv && this.pattern.canRecv) {
            try {
                const msg = this.pattern.recv();
                if (msg)
                    this.finish(recv, () => recv.resolve(msg));
            }
            catch (e) {
                this.finish(recv, () => recv.reject(e));
            }
        }
    }
    /** A send is waiting (a pipe that gained room wakes it). */
    get sending() {
        return this.sendOp !== null;
    }
    /** A receive is waiting (a message that arrives completes it at once). */
    get receiving() {
        return this.recvOp !== null;
    }
    finish(op, settle) {
        // An operation that waited longer than a turn of microtasks takes (REAL_WAIT_MS) waited for
        // the event loop: a new slice starts. One completed within the same turn (an inproc peer's
        // answer) did not, and counts on in this slice.
        if (waitedForLoop(op.since))
            newSlice();
        if (op.timer)
            clearTimeout(op.timer);
        if (this.sendOp === op)
            this.sendOp = null;
        if (this.recvOp === op)
            this.recvOp = null;
        this.updateKeepAlive();
        settle();
        this.wake();
    }
    /**
     * A pending send or receive keeps the process alive, as in zeromq.js; an idle socket does not.
     * One long timer per socket, ref'd while an operation waits: creating and clearing a timer for
     * every receive that waits showed in a request/reply profile.
     */
    updateKeepAlive() {
        const busy = this.sendOp !== null || this.recvOp !== null;
        if (busy) {
            if (this.keepAlive)
                this.keepAlive.ref();
            else
                this.keepAlive = setInterval(keepNothing, 1 << 30);
        }
        else if (this.keepAlive) {
            if (this.closed) {
                clearInterval(this.keepAlive);
                this.keepAlive = null;
            }
            else {
                this.keepAlive.unref();
            }
        }
    }
    /**
     * The socket closes. Pending operations end as in zeromq.js, whose poller fires them once more
     * as it closes: what can complete does (a message there is received, a send with room is queued
     * and then lingered over), the rest rejects with the operation's own error (ENOTSUP for a
     * receive on a PUSH, EFSM for a REQ receive before its request) or EAGAIN. An operation held
     * only for the event loop's turn rejects with ENOTSOCK: zeromq.js runs its delayed operation in
     * that turn, on the socket it has closed by then.
     */
    close(sendOnly) {
        const held = this.yieldScheduled;
        const send = this.sendOp;
        if (send && held && send.held)
            this.abandon(send, "ENOTSOCK");
        else if (send)
            this.expireSend(send);
        const recv = this.recvOp;
        if (recv && held && recv.held) {
            this.abandon(recv, "ENOTSOCK");
        }
        else if (recv) {
            if (sendOnly)
                this.abandon(recv, "ENOTSUP");
            else
                this.expireReceive(recv);
        }
        this.closed = true;
        this.updateKeepAlive();
    }
    abandon(op, code) {
        if (this.sendOp === op)
            this.sendOp = null;
        if (this.recvOp === op)
            this.recvOp = null;
        if (op.timer)
            clearTimeout(op.timer);
        op.reject(errnoError(code));
    }
}
