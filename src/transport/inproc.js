/**
 * inproc:// names: which socket has bound a name, and the connects waiting for it (libzmq ≥ 4.0
 * lets a connect come first). The two sockets' pipes are then joined by engine/inproc-engine.ts.
 * The default context's names are the whole process's (libzmq: one context, all threads): its
 * registry also claims them in the table every thread shares, and a connect to a name bound in
 * another thread is joined over rings (thread-bus.ts, engine/thread-engine.ts).
 */
import { ThreadBus } from "./thread-bus.js";
/** Per-context table of inproc names; connects made before the bind wait here (libzmq ≥ 4.0). */
export class InprocRegistry {
    binds = new Map();
    waiting = new Map();
    /** The default context's link to the other threads (null for other contexts, or no threads). */
    threads = null;
    /** Makes this registry's names the process's (the default context only). */
    shareAcrossThreads() {
        this.threads ??= ThreadBus.start(this);
    }
    bind(name, binder) {
        if (this.binds.has(name))
            return false;
        if (this.threads && !this.threads.bind(name, binder.threadPeer()))
            return false;
        this.binds.set(name, binder);
        const pending = this.waiting.get(name);
        if (pending) {
            this.waiting.delete(name);
            for (const c of pending)
                c.completeInproc(binder);
        }
        return true;
    }
    unbind(name, binder) {
        if (this.binds.get(name) !== binder)
            return false;
        this.binds.delete(name);
        this.threads?.unbind(name);
        return true;
    }
    isBound(name) {
        return this.binds.has(name);
    }
    connect(connecter) {
        const binder = this.binds.get(connecter.name);
        if (binder) {
            connecter.completeInproc(binder);
            return;
        }
        let set = this.waiting.get(connecter.name);
        if (!set)
            this.waiting.set(connecter.name, (set = new Set()));
        set.add(connecter);
        this.threads?.seek(connecter);
    }
    cancel(connecter) {
        this.waiting.get(connecter.name)?.delete(connecter);
    }
    // ---- for the other threads (ThreadSide) ---------------------------------------------------
    accept(name, peer, link) {
        return this.binds.get(name)?.acceptThread(peer, link) ?? false;
    }
    waitingFor(name) {
        return this.waiting.get(name) ?? [];
    }
    joined(connecter) {
        this.waiting.get(connecter.name)?.delete(connecter);
    }
}
