/**
 * inproc:// across the threads of a process (libzmq: one context, so one table of inproc names,
 * whatever thread a socket lives in). The default context of each copy of zmtp in each thread
 * has one ThreadBus. Names are claimed in the shared table (thread-names.ts); everything else is
 * said over one process-wide BroadcastChannel, addressed by owner id:
 *
 * - "connect": a socket has joined a name bound in another thread. It did so at once, as libzmq
 *   joins an inproc connect to a bound socket within connect(): the table gave it the bound
 *   socket's details, and it made the two rings (engine/thread-ring.ts) and began writing. The
 *   message hands the rings and its own details (socket type, routing id, RCVHWM) to the bound
 *   socket's thread, which joins its end; if that socket has closed meanwhile, it closes the
 *   rings, and the connecting pipe ends as one to a closed inproc peer does.
 * - "bound": a name was bound; a thread with connects waiting for it asks again.
 * - "dead": a worker thread has ended. A thread cannot announce its own termination, so the thread
 *   that started it does (process "worker" event, then the worker's "exit"), frees its names and
 *   tells everyone; links to that thread, or to threads it started (they end with it), end after
 *   their rings are read. A thread whose own loop ends closes its links at process "exit".
 *
 * The channel is unref'd: waiting for a peer keeps no thread alive; pending operations do.
 */
import * as threads from "node:worker_threads";
import { newRing, RingReader, RingWriter, waitAsync } from "../engine/thread-ring.js";
import { ThreadEngine } from "../engine/thread-engine.js";
import { ThreadNames } from "./thread-names.js";
const CHANNEL = "zmtp:inproc-threads:1";
/** This thread and the threads that started it, innermost first (a thread ends with its parent). */
const LINEAGE_KEY = "zmtp:thread-lineage:1";
export class ThreadBus {
    names;
    side;
    owner;
    lineage;
    channel = null;
    engines = new Set();
    constructor(names, side) {
        this.names = names;
        this.side = side;
        this.owner = names.newOwner();
        const env = threads;
        const parents = env.getEnvironmentData?.(LINEAGE_KEY);
        this.lineage = [threads.threadId, ...(Array.isArray(parents) ? parents : [])];
        threads.setEnvironmentData?.(LINEAGE_KEY, this.lineage);
        buses.add(this);
        watchWorkers(names);
    }
    /** The bus of a default context, or null where there are no threads to share with. */
    static start(side) {
        if (typeof threads.BroadcastChannel !== "function" || waitAsync === undefined)
            return null;
        const names = ThreadNames.shared(thread => ended.has(thread));
        return names ? new ThreadBus(names, side) : null;
    }
    post(message) {
        this.open().postMessage(message);
    }
    open() {
        if (this.channel === null) {
            const channel = (this.channel = new threads.BroadcastChannel(CHANNEL));
            channel.unref();
            channel.onmessage = event => this.received(event.data);
        }
        return this.channel;
    }
    /** Claims `name` for this process's table: false when a socket anywhere has it. */
    bind(name, bound) {
        this.open();
        if (!this.names.add(name, { owner: this.owner, lineage: this.lineage, ...bound }))
            return false;
        this.post({ k: "bound", name });
        return true;
    }
    unbind(name) {
        this.names.remove(name, this.owner);
    }
    /** Joins a connect to `name` if another thread has bound it (else it keeps waiting for a bind). */
    seek(connecter) {
        this.open();
        const holder = this.names.holder(connecter.name);
        if (holder === null || holder.owner === this.owner)
            return;
        // Ours to write, theirs to write.
        const rings = [newRing(), newRing()];
        this.side.joined(connecter);
        connecter.completeThread(this.link(connecter.name, new RingWriter(rings[0]), new RingReader(rings[1]), holder, holder.lineage));
        this.post({ k: "connect", to: holder.owner, name: connecter.name, peer: connecter.threadPeer(), lineage: this.lineage, rings });
    }
    received(m) {
        switch (m.k) {
            case "connect": {
                if (m.to !== this.owner)
                    return;
                const [theirs, ours] = m.rings;
                const link = this.link(m.name, new RingWriter(ours), new RingReader(theirs), m.peer, m.lineage);
                // Gone since: the connecting side's pipe ends as one to a closed peer.
                if (!this.side.accept(m.name, m.peer, link))
                    link.engine().abort();
                return;
            }
            case "bound":
                for (const c of [...this.side.waitingFor(m.name)])
                    this.seek(c);
                return;
            case "dead":
                ended.add(m.thread);
                this.threadGone(m.thread);
                return;
        }
    }
    link(name, out, inn, peer, lineage) {
        return {
            address: "inproc://" + name,
            out,
            inn,
            peer,
            engine: () => {
                const engine = new ThreadEngine(out, inn, peer.recvHwm, lineage, e => this.engines.delete(e));
                this.engines.add(engine);
                // Its thread ended before we heard of the link (the news and the link come by different
                // ways, in any order): once attached, it reads what the thread wrote, then ends.
                if (lineage.some(t => ended.has(t)))
                    queueMicrotask(() => engine.peerGone());
                return engine;
            },
        };
    }
    /** A thread has ended: its links, and those to threads it started, end after their rings are read. */
    threadGone(thread) {
        for (const e of [...this.engines])
            if (e.lineage.includes(thread))
                e.peerGone();
    }
    /** This thread is ending: its links end now (what they wrote, and what fits now, stays readable). */
    exiting() {
        for (const e of [...this.engines])
            e.exit();
        this.names.removeAll(threads.threadId, this.owner);
        this.channel?.close();
    }
}
const buses = new Set();
/** Threads known to have ended (a number per ended worker for the life of the process). */
const ended = new Set();
let watching = false;
/** Announces the end of every worker this thread starts (only its starter can see it). */
function watchWorkers(names) {
    if (watching)
        return;
    watching = true;
    process.on("worker", (worker) => {
        const thread = worker.threadId;
        worker.once("exit", () => {
            ended.add(thread);
            names.removeAll(thread);
            const channel = new threads.BroadcastChannel(CHANNEL);
            channel.postMessage({ k: "dead", thread });
            channel.close();
            for (const bus of buses)
                bus.threadGone(thread);
        });
    });
    process.once("exit", () => {
        for (const bus of buses)
            bus.exiting();
    });
}
