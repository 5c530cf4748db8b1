/**
 * inproc:// between two threads: the pipe's messages go out through one ring (thread-ring.ts)
 * and come in through the other. It keeps inproc's rules (inproc-engine.ts): whole messages,
 * subscriptions in the stack's own form, no handshake, and one bound of SNDHWM + RCVHWM: the
 * sender's pipe holds up to its SNDHWM, and the ring plus the receiver's pipe up to the receiver's
 * RCVHWM, because a message leaves the sender's pipe only while fewer than RCVHWM messages are
 * written and not yet taken by the receiving socket (the Consumed word is the receiver's count).
 *
 * Ends: close() marks both rings closed and wakes the peer, which reads what is left in its ring
 * and then terminates its pipe, as a closed inproc peer's pipe ends. A peer thread that exits or
 * is terminated cannot say so; transport/thread-bus.ts learns it and calls peerGone().
 */
import { parseCommand } from "../wire/command.js";
import { FrameDecoder } from "../wire/frame.js";
import { toZmtpError } from "./engine.js";
import { subscription } from "./subscription.js";
import { RingFrames } from "./thread-frames.js";
import { sleepUnless, wakeIfWaiting } from "./thread-ring.js";
/** Chunks taken from the ring per wake-up before yielding to the event loop. */
const TAKES = 4;
export class ThreadEngine {
    out;
    inn;
    peerRecvHwm;
    lineage;
    onClose;
    /** The pipe stages small messages as ZMTP frames: they go into the ring as they are. */
    takesFrames = true;
    handshaking = false;
    unwritten = 0;
    closed = false;
    pipe = null;
    /** Whole messages written to the ring (credit: this minus the peer's Consumed). */
    written = 0;
    /** Messages pushed to our pipe: Consumed is this minus what the pipe still holds. */
    pushed = 0;
    /** The Consumed count last given to the writer. */
    credited = 0;
    frames;
    decoder = new FrameDecoder({
        onMessage: frames => this.deliver(frames),
        onCommand: body => {
            const { name, data } = parseCommand(body);
            this.deliver(subscription(data, name === "SUBSCRIBE"));
        },
    });
    /** A wake-up is armed (Atomics.waitAsync, or a setImmediate): one at a time per direction. */
    writeArmed = false;
    readArmed = false;
    /** A drain is queued as a microtask (the socket is reading its pipe low). */
    drainQueued = false;
    /**
     * The socket is closing: every message it queued is the peer's to read, past the peer's HWM and
     * whatever the linger (as inproc within a thread, inproc-engine.ts). They are taken from the pipe
     * into `backlog` and written as the reader makes room; the engine closes when they are written.
     */
    flushing = false;
    backlog = [];
    /** close() came while flushing: only the writing goes on. */
    closing = false;
    /** Keeps the thread alive while messages taken from the pipe still go out. */
    keepAlive = null;
    peerGoneSeen = false;
    /** The peer's Consumed count as last read. */
    seenConsumed = 0;
    wakeWriter = () => {
        this.writeArmed = false;
        this.writeNow();
    };
    wakeReader = () => {
        this.readArmed = false;
        this.drain();
    };
    drainSoon = () => {
        this.drainQueued = false;
        this.drain();
    };
    constructor(out, inn, 
    /** The peer socket's RCVHWM when it connected (0: no limit). */
    peerRecvHwm, 
    /** The peer's thread and those that started it (thread-bus.ts: the end of any ends the link). */
    lineage, onClose) {
        this.out = out;
        this.inn = inn;
        this.peerRecvHwm = peerRecvHwm;
        this.lineage = lineage;
        this.onClose = onClose;
        this.frames = new RingFrames(out);
    }
    attach(pipe, peer) {
        this.pipe = pipe;
        pipe.attach(this, peer);
        if (this.closed)
            return;
        pipe.onRead = () => this.consumed();
        // Not now: the session tells the socket of its new peer first (a ROUTER names it), and only
        // then may the messages already in the ring arrive.
        queueMicrotask(this.drainSoon);
    }
    // ---- writing ----------------------------------------------------------------------------
    /** How many more messages the peer's RCVHWM lets us write now (its count read afresh only when out). */
    credit() {
        const hwm = this.peerRecvHwm;
        if (this.flushing || hwm <= 0)
            return Infinity;
        let left = hwm - (this.written - this.seenConsumed);
        if (left <= 0) {
            this.seenConsumed = Atomics.load(this.out.ctl, 8 /* Ctl.Consumed */);
            left = hwm - (this.written - this.seenConsumed);
        }
        return left;
    }
    /**
     * The pipe has messages: they go into the ring at once. A message `send` has accepted is then in
     * memory the peer reads, whatever becomes of this thread next (worker.terminate() runs no more
     * of its JavaScript), as libzmq's send puts it in the shared pipe. Writing them at the tick's end
     * instead (as the ZMTP encoder does) was ~20% faster for 16 B messages, and lost the last ones.
     */
    kick() {
        this.writeNow();
    }
    writeNow() {
        const pipe = this.pipe;
        // Tried whenever the pipe kicks, armed or not: credit or room may have come without a wake.
        if (this.closed || (pipe === null && !this.closing))
            return;
        this.write();
        this.out.publish();
        // Messages taken from the pipe are this engine's to deliver: it keeps the thread up meanwhile.
        const holding = this.backlog.length > 0 || !this.frames.idle;
        if (holding !== (this.keepAlive !== null))
            this.hold(holding);
        if (holding || (pipe?.outLength ?? 0) > 0)
            this.sleepWriter();
        else if (this.closing)
            this.abort();
    }
    /** Waits for room or credit: wakes when the reader's position or count moves from what we saw. */
    sleepWriter() {
        const ctl = this.out.ctl;
        if (Atomics.load(ctl, 7 /* Ctl.ReaderClosed */) !== 0)
            return this.ended();
        if (this.writeArmed)
            return;
        this.writeArmed = true;
        // What stopped the writing was read afresh when it did: wait for that to move. (Room when
        // something waits to be written, else credit.)
        const room = !this.frames.idle;
        const read = this.out.seenRead;
        const consumed = this.seenConsumed;
        const ready = () => (room ? Atomics.load(ctl, 1 /* Ctl.Read */) >>> 0 !== read : Atomics.load(ctl, 8 /* Ctl.Consumed */) !== consumed) || Atomics.load(ctl, 7 /* Ctl.ReaderClosed */) !== 0;
        sleepUnless(ctl, 4 /* Ctl.WriterWaiting */, 5 /* Ctl.WriterWake */, ready, this.wakeWriter);
    }
    hold(on) {
        if (on && this.keepAlive === null)
            this.keepAlive = setInterval(() => { }, 1 << 30);
        else if (!on && this.keepAlive !== null) {
            clearInterval(this.keepAlive);
            this.keepAlive = null;
        }
    }
    /**
     * Writes messages while the peer has credit and the ring has room. What does not fit waits in
     * `frames`, and nothing more is taken until it is written.
     */
    write() {
        const frames = this.frames;
        for (;;) {
            if (!frames.flush())
                return;
            const credit = this.credit();
            if (credit <= 0)
                return;
            const entry = this.backlog.length > 0 ? this.backlog.shift() : this.pipe?.pullFrames(true, credit);
            if (entry === undefined)
                return;
            this.written += frames.put(entry);
        }
    }
    /** The pipe filled up within the tick: write now (engine.ts flushNow). */
    flushNow() {
        this.writeNow();
    }
    offer() {
        return false;
    }
    /** The socket is closing: what it queued is the peer's to read (see `flushing`). */
    deliverRest() {
        const pipe = this.pipe;
        if (this.closed || pipe === null)
            return;
        this.flushing = true;
        for (let entry = pipe.pullFrames(true); entry !== undefined; entry = pipe.pullFrames(true))
            this.backlog.push(entry);
        this.writeNow();
    }
    /** Inproc ignores the linger: what was sent is delivered (deliverRest), then the link ends. */
    closeAfterFlush() {
        this.deliverRest();
        this.close();
    }
    // ---- reading ----------------------------------------------------------------------------
    /** Reads what the ring holds into the pipe; then sleeps until more comes (or yields if more is there). */
    drain() {
        const pipe = this.pipe;
        if (this.closed || pipe === null)
            return;
        const inn = this.inn;
        try {
            for (let i = 0, chunk = inn.take(); chunk !== null; chunk = ++i < TAKES ? inn.take() : null) {
                inn.release();
                this.decoder.push(chunk);
            }
        }
        catch (e) {
            // Our own writer's frames: a failure is a bug of ours. It ends this link only, visibly.
            toZmtpError(e);
            return this.ended();
        }
        if (this.readArmed)
            return;
        this.readArmed = true;
        if (inn.available() > 0) {
            setImmediate(this.wakeReader);
            return;
        }
        if (Atomics.load(inn.ctl, 6 /* Ctl.WriterClosed */) !== 0 || this.peerGoneSeen) {
            this.readArmed = false;
            return this.ended();
        }
        sleepUnless(inn.ctl, 2 /* Ctl.ReaderWaiting */, 3 /* Ctl.ReaderWake */, () => inn.available() > 0 || Atomics.load(inn.ctl, 6 /* Ctl.WriterClosed */) !== 0, this.wakeReader);
    }
    deliver(msg) {
        this.pushed++;
        this.pipe.push(msg);
    }
    /**
     * The receiving socket took a message: credit for the writer, given back in batches of half the
     * receive HWM (libzmq's pipe sends activate_write every LWM messages read, LWM being about half
     * the HWM), or when the pipe is empty; one message at a time would wake the writer per message.
     */
    consumed() {
        const pipe = this.pipe;
        const held = pipe.in.length;
        const half = (pipe.recvHwm + 1) >> 1;
        // Reading the pipe low: refill it from the ring in this turn (a wake-up waits for the next).
        if (held <= half && !this.drainQueued && this.inn.available() > 0) {
            this.drainQueued = true;
            queueMicrotask(this.drainSoon);
        }
        const consumed = this.pushed - held;
        if (held > 0 && consumed - this.credited < half)
            return;
        this.credited = consumed;
        const ctl = this.inn.ctl;
        Atomics.store(ctl, 8 /* Ctl.Consumed */, consumed);
        wakeIfWaiting(ctl, 4 /* Ctl.WriterWaiting */, 5 /* Ctl.WriterWake */);
    }
    resume() { }
    // ---- ending -----------------------------------------------------------------------------
    /** The peer's thread is gone: read what it wrote, then end as if it had closed. */
    peerGone() {
        if (this.closed)
            return;
        this.peerGoneSeen = true;
        if (this.closing)
            return this.abort();
        // Its ring will not wake us: read what it holds now.
        this.readArmed = false;
        this.drain();
    }
    /** The peer closed its end: our pipe ends as a closed connection's would. */
    ended() {
        const pipe = this.pipe;
        this.abort();
        pipe?.terminate();
    }
    close() {
        if (this.closed || this.closing)
            return;
        const inn = this.inn;
        if (this.pipe !== null)
            this.pipe.onRead = null;
        this.pipe = null;
        if (this.flushing && (this.backlog.length > 0 || !this.frames.idle)) {
            // Still writing what the closing socket sent: stop reading now, end when written.
            this.closing = true;
            Atomics.store(inn.ctl, 7 /* Ctl.ReaderClosed */, 1);
            Atomics.store(inn.ctl, 4 /* Ctl.WriterWaiting */, 1);
            wakeIfWaiting(inn.ctl, 4 /* Ctl.WriterWaiting */, 5 /* Ctl.WriterWake */);
            return;
        }
        this.abort();
    }
    /**
     * The thread is ending (process "exit": only synchronous code runs now): what the pipe still
     * holds goes into the ring, past the peer's HWM, as far as the ring's room goes; then the end.
     */
    exit() {
        if (this.closed)
            return;
        const pipe = this.pipe;
        this.flushing = true;
        if (pipe !== null)
            for (let entry = pipe.pullFrames(true); entry !== undefined; entry = pipe.pullFrames(true))
                this.backlog.push(entry);
        this.write();
        this.out.publish();
        this.abort();
    }
    /** Ends the link now, whatever is left to write (the thread is ending, or all is written). */
    abort() {
        if (this.closed)
            return;
        this.closed = true;
        this.closing = false;
        this.backlog = [];
        this.hold(false);
        if (this.pipe !== null)
            this.pipe.onRead = null;
        this.pipe = null;
        const { out, inn } = this;
        Atomics.store(out.ctl, 6 /* Ctl.WriterClosed */, 1);
        Atomics.store(inn.ctl, 7 /* Ctl.ReaderClosed */, 1);
        // Wake the peer whichever way it sleeps: its reader on our writes, its writer on our reads.
        Atomics.store(out.ctl, 2 /* Ctl.ReaderWaiting */, 1);
        wakeIfWaiting(out.ctl, 2 /* Ctl.ReaderWaiting */, 3 /* Ctl.ReaderWake */);
        Atomics.store(inn.ctl, 4 /* Ctl.WriterWaiting */, 1);
        wakeIfWaiting(inn.ctl, 4 /* Ctl.WriterWaiting */, 5 /* Ctl.WriterWake */);
        this.onClose(this);
    }
}
