/**
 * A pipe joins a socket to one peer: an outbound queue (socket → peer) bounded by the send
 * high-water mark and an inbound queue (peer → socket) bounded by the receive high-water mark.
 * Both count whole messages, never frames, so a multipart message is never split by a HWM
 * (libzmq pipe.cpp: only the last frame counts).
 *
 * Whatever carries the messages (engine.ts: ZMTP over tcp/ipc, STREAM's raw bytes, inproc) is the
 * pipe's transport: it pulls outbound messages when kicked, pushes inbound ones, and stops reading
 * when the inbound queue is full so the kernel pushes back on the sender. A receiver never drops.
 */
import { Buffer } from "node:buffer";
import { copySmall, FrameStager, StagedFrames } from "./encoder.js";
import { Queue } from "./queue.js";
/**
 * Within one tick, the transport writes without waiting for the tick's end when the pipe has just
 * filled up (a PUB that never yields would otherwise drop everything past its HWM before anything
 * reached the wire) or, without a HWM, every this many messages. Not sooner: each write becomes
 * its own TCP segment, and the receiver's kernel pays per segment. PUSH→PULL tcp 16 B, interleaved:
 * a write every 256 messages 2.92M msgs/s, every 1,024 3.10M, at the HWM (1,000) 3.58M.
 */
const FLUSH_EVERY = 4096;
export class Pipe {
    owner;
    sendHwm;
    recvHwm;
    endpoint;
    /** Outbound messages, some of them packed together as StagedFrames. */
    out = new Queue();
    /** Messages waiting in `out` (a StagedFrames entry counts as its messages). */
    outCount = 0;
    /** Frames small messages for an engine that takes frames (encoder.ts). */
    stager = new FrameStager();
    /** Messages unpacked from a StagedFrames for a transport that takes messages. */
    unpacked = null;
    in = new Queue();
    transport = null;
    peer = null;
    /** ROUTER's name for this peer. */
    routingId = null;
    terminated = false;
    /** ZMQ_CONFLATE: each queue holds only the newest message, and never blocks. */
    conflate = false;
    /**
     * zmtp extension `dropOldest` (README "zmtp extensions"), read live from the socket's options:
     * a write to a full pipe discards the oldest queued message instead of being refused. Set only
     * for the socket types that drop at the HWM (PUB, XPUB, RADIO, ROUTER); the others never write
     * to a full pipe, they wait for room.
     */
    dropPolicy = null;
    /**
     * zmtp extension "spill to disk": past the send HWM, messages go to a log on disk (spill.ts)
     * and come back in order as the peer catches up. `spill` opens at the first message that needs
     * it (or at once, when an earlier run left this peer's log to recover).
     */
    spillSource = null;
    spill = null;
    /** A connect()ed endpoint's pipe (its spill log is named after the endpoint, not the peer). */
    connecting = false;
    /**
     * In its socket's fair-queue ring (strategies/fq.ts). A pipe belongs to one socket and is
     * fair-queued by at most one FairQueue, so a flag replaces a Set lookup on every message.
     */
    fairQueued = false;
    readPaused = false;
    /** Told of every message the socket reads (inproc between threads counts them for its HWM). */
    onRead = null;
    /**
     * Durable subscribers (acks.ts), publisher side: what the current connection took and the peer
     * has not acknowledged; after it ended, what went back to the front of the queue.
     */
    inFlight = null;
    requeued = null;
    /** Subscriber side: the current connection acknowledges what the application takes. */
    ackOut = null;
    /** Subscriber side: the last acknowledging connection, for the next one's X-Zmtp-Resume. */
    resume = null;
    constructor(owner, sendHwm, recvHwm, 
    /** The endpoint this pipe came from (connect()ed endpoints keep their pipe across reconnects). */
    endpoint) {
        this.owner = owner;
        this.sendHwm = sendHwm;
        this.recvHwm = recvHwm;
        this.endpoint = endpoint;
    }
    // ---- socket side ------------------------------------------------------------------------
    /** Messages queued for the peer and not yet taken by the transport. */
    get outLength() {
        return this.outCount;
    }
    /** True when a message would be accepted now. */
    get writable() {
        if (this.terminated)
            return false;
        if (this.sendHwm <= 0)
            return true;
        const spill = this.spill;
        if (spill === null)
            return this.outCount < this.sendHwm || this.spillSource !== null;
        // While anything waits on disk, new messages queue behind it there, budget permitting.
        return spill.hasRoom || (this.outCount < this.sendHwm && spill.empty);
    }
    /** Queues a message; returns false (and queues nothing) when the pipe is full or terminated. */
    write(msg) {
        if (this.conflate && !this.terminated) {
            this.clearOut();
            this.out.push(msg);
            this.outCount = 1;
            this.transport?.kick();
            return true;
        }
        if (this.spillSource !== null) {
            const spilled = this.toSpill(msg);
            if (spilled !== null)
                return spilled;
        }
        if (!this.writable) {
            if (this.terminated || this.dropPolicy?.dropOldest !== true)
                return false;
            // Full with drop-oldest: the queue stays at the HWM, so no flush is due (queued() did it
            // when it first filled up) and no sender is waiting for room.
            this.discardOldest();
            this.out.push(msg);
            this.stager.cut();
            this.outCount++;
            return true;
        }
        // Nothing queued ahead: an inproc peer with room takes it at once (what kick() would do).
        if (this.outCount === 0 && this.transport?.offer(msg) === true)
            return true;
        this.out.push(msg);
        this.stager.cut();
        this.queued();
        return true;
    }
    /**
     * Queues a message of small parts the caller still owns (one Buffer or their array, each at most
     * STAGE_PART_MAX bytes), copying them: framed at once when the engine takes frames, else as
     * private copies. Returns false (and queues nothing) when the pipe is full or terminated.
     */
    writeSmall(message) {
        if (this.conflate || this.transport?.takesFrames !== true) {
            return this.write(Buffer.isBuffer(message) ? [copySmall(message)] : message.map(copySmall));
        }
        if (this.spillSource !== null) {
            const spilled = this.toSpill(message);
            if (spilled !== null)
                return spilled;
        }
        if (!this.writable)
            return false;
        const fresh = this.stager.stage(message);
        if (fresh !== null)
            this.out.push(fresh);
        this.queued();
        return true;
    }
    /**
     * Spill to disk: a message that finds the queue at its HWM, or anything already waiting on
     * disk, goes to the log (copied). Returns null when the message belongs in memory, false when
     * the log is at its budget (the socket's usual HWM action then applies: block or drop).
     */
    toSpill(parts) {
        if (this.terminated || this.sendHwm <= 0)
            return null;
        let spill = this.spill;
        if (this.outCount < this.sendHwm && (spill === null || spill.empty))
            return null;
        if (spill === null)
            spill = this.spill = this.spillSource.open(this, true);
        if (spill === null) {
            // No log to be had (the directory refused it, or the socket is closing): plain HWM from now on.
            this.spillSource = null;
            return null;
        }
        if (!spill.hasRoom)
            return spill.empty ? null : false;
        spill.append(parts);
        return true;
    }
    /**
     * Takes messages back from disk until the queue is at its HWM again. Called when it has gone
     * down to half (libzmq's low-water mark for a pipe), so one read serves many messages.
     */
    refill() {
        this.spill.read(this.sendHwm - this.outCount, msg => {
            this.out.push(msg);
            this.outCount++;
        });
        this.stager.cut();
    }
    /** Picks up the log an earlier run left for this peer, if any, to deliver first. */
    adoptSpill() {
        if (this.spillSource === null || this.spill !== null || this.terminated)
            return;
        const spill = this.spillSource.open(this, false);
        if (spill === null)
            return;
        this.spill = spill;
        if (this.outCount < this.sendHwm)
            this.refill();
    }
    queued() {
        const queued = ++this.outCount;
        if (queued === 1)
            this.transport?.kick();
        else if (queued === this.sendHwm || (queued & (FLUSH_EVERY - 1)) === 0)
            this.transport?.flushNow();
    }
    /** Queues a message even past the HWM (used for subscriptions and welcome messages). */
    forceWrite(msg) {
        if (this.terminated)
            return;
        this.out.push(msg);
        this.stager.cut();
        if (++this.outCount === 1)
            this.transport?.kick();
    }
    /**
     * Discards the next message the transport would take, whole (a queue entry is a whole message,
     * or whole messages framed together), so a multipart message is never cut.
     */
    discardOldest() {
        const requeued = this.requeued;
        if (requeued !== null && requeued.left > 0) {
            requeued.first++;
            requeued.left--;
        }
        if (this.unpacked !== null) {
            this.unpacked.shift();
            if (this.unpacked.length === 0)
                this.unpacked = null;
        }
        else {
            const head = this.out.peek();
            if (head instanceof StagedFrames && head.count > 1) {
                head.takeFirst(1);
            }
            else {
                this.out.shift();
                if (head instanceof StagedFrames)
                    this.stager.taken(head);
            }
        }
        this.outCount--;
    }
    clearOut() {
        this.out.clear();
        this.outCount = 0;
        this.stager.cut();
        this.unpacked = null;
    }
    get readable() {
        return this.in.length > 0;
    }
    read() {
        const before = this.in.length;
        const msg = this.in.shift();
        // The current connection's messages are the queue's last `pending`: one of them is acknowledged
        // now, before the application has it (acks.ts).
        const ackOut = this.ackOut;
        if (ackOut !== null && msg !== undefined && before <= ackOut.pending)
            ackOut.consume();
        if (this.onRead !== null && msg !== undefined)
            this.onRead();
        if (msg && this.readPaused && (this.recvHwm <= 0 || this.in.length < this.recvHwm)) {
            this.readPaused = false;
            this.transport?.resume();
        }
        return msg;
    }
    // ---- transport side ---------------------------------------------------------------------
    /**
     * Takes the next outbound entry: a message, or (when the transport takes frames now) small
     * messages already framed, at most `most` of them (the first `most` of a larger stage are cut
     * off it).
     */
    pullFrames(takesFrames, most = Infinity) {
        if (!takesFrames || this.unpacked !== null || this.inFlight !== null)
            return this.pull();
        const head = this.out.peek();
        if (head instanceof StagedFrames && head.count > most) {
            this.taken(most);
            return head.takeFirst(most);
        }
        const entry = this.out.shift();
        if (entry === undefined)
            return undefined;
        if (entry instanceof StagedFrames) {
            this.stager.taken(entry);
            this.taken(entry.count);
        }
        else {
            this.taken(1);
        }
        return entry;
    }
    /** Takes the next outbound message for the wire. */
    pull() {
        if (this.unpacked !== null) {
            const msg = this.unpacked.shift();
            if (this.unpacked.length === 0)
                this.unpacked = null;
            this.taken(1);
            if (this.inFlight !== null)
                this.inFlight.taken(msg);
            return msg;
        }
        const entry = this.out.peek();
        if (entry === undefined)
            return undefined;
        if (entry instanceof StagedFrames) {
            // Framed for an engine that has gone; this transport wants messages.
            this.out.shift();
            this.stager.taken(entry);
            this.unpacked = entry.unpack();
            return this.pull();
        }
        this.out.shift();
        this.taken(1);
        if (this.inFlight !== null && entry.subscribe === undefined)
            this.inFlight.taken(entry);
        return entry;
    }
    taken(n) {
        const before = this.outCount;
        this.outCount = before - n;
        if (this.spill !== null) {
            this.spillTaken(before);
            return;
        }
        // Full → not full: a blocked sender may go on (whether or not it tried a write first).
        if (this.sendHwm > 0 && before >= this.sendHwm && this.outCount < this.sendHwm && !this.terminated) {
            this.owner.pipeWritable(this);
        }
    }
    spillTaken(before) {
        const spill = this.spill;
        const hwm = this.sendHwm;
        const wasWritable = spill.hasRoom || (before < hwm && spill.empty);
        if (!spill.empty && this.outCount <= hwm >> 1)
            this.refill();
        if (!wasWritable && this.writable)
            this.owner.pipeWritable(this);
    }
    /** Delivers an inbound message; returns false when the transport should stop reading. */
    push(msg) {
        if (this.conflate) {
            const wasEmpty = this.in.length === 0;
            this.in.clear();
            this.in.push(msg);
            if (wasEmpty)
                this.owner.pipeReadable(this);
            return true;
        }
        this.in.push(msg);
        const ackOut = this.ackOut;
        if (ackOut !== null) {
            ackOut.pending++;
            ackOut.received++;
        }
        if (this.in.length === 1)
            this.owner.pipeReadable(this);
        if (this.recvHwm > 0 && this.in.length >= this.recvHwm) {
            this.readPaused = true;
            return false;
        }
        return true;
    }
    get inboundFull() {
        return this.readPaused;
    }
    attach(transport, peer) {
        if (this.terminated) {
            transport.close();
            return;
        }
        this.transport = transport;
        this.peer = peer;
        this.readPaused = false;
        if (this.requeued !== null)
            this.resumeFrom(peer.durable?.resume ?? null);
        this.adoptSpill();
        if (this.outCount > 0)
            transport.kick();
    }
    /** The transport went away. A connect-side pipe survives this and waits for the next one. */
    detach(transport) {
        if (this.transport === transport)
            this.transport = null;
        if (this.inFlight?.transport === transport)
            this.requeue(this.inFlight);
        const ackOut = this.ackOut;
        if (ackOut?.transport === transport) {
            this.ackOut = null;
            this.resume = { token: ackOut.token, received: ackOut.received };
        }
    }
    /**
     * Publisher side: the connection ended with messages unacknowledged. They go back to the front
     * of the queue, in order, even past the HWM (by at most what was in flight), so the subscriber
     * gets them first when it comes back: acks.ts.
     */
    requeue(inFlight) {
        this.inFlight = null;
        const msgs = inFlight.msgs;
        const n = msgs.length;
        this.requeued = n > 0 ? { token: inFlight.token, first: inFlight.acked + 1, left: n } : null;
        if (n === 0 || this.terminated)
            return;
        if (this.unpacked !== null) {
            this.unpacked.unshift(...msgs);
        }
        else {
            for (let i = n - 1; i >= 0; i--)
                this.out.unshift(msgs.at(i));
        }
        this.outCount += n;
    }
    /**
     * Publisher side, a new connection: a subscriber resuming the connection whose messages were put
     * back already has the first of them (it received them and keeps them): drop those.
     */
    resumeFrom(resume) {
        const requeued = this.requeued;
        this.requeued = null;
        if (resume === null || !resume.token.equals(requeued.token))
            return;
        let drop = Math.min(requeued.left, resume.received - requeued.first + 1);
        while (drop-- > 0)
            this.discardOldest();
    }
    /** Removes the pipe for good: its unsent messages are discarded (bind-side semantics). */
    terminate() {
        if (this.terminated)
            return;
        this.terminated = true;
        const transport = this.transport;
        this.transport = null;
        this.clearOut();
        if (this.spill !== null) {
            this.spill.close(!this.spillSource.keeps(this));
            this.spill = null;
        }
        transport?.close();
        this.owner.pipeTerminated(this);
    }
}
