/**
 * inproc:// names: which socket has bound a name, and the connects waiting for it (libzmq ≥ 4.0
 * lets a connect come first). The two sockets' pipes are then joined by engine/inproc-engine.ts.
 * The default context's names are the whole process's (libzmq: one context, all threads): its
 * registry also claims them in the table every thread shares, and a connect to a name bound in
 * another thread is joined over rings (thread-bus.ts, engine/thread-engine.ts).
 */
import {ThreadBus, type ThreadConnecter, type ThreadLink, type ThreadPeer, type ThreadSide} from "./thread-bus.js"

/** A socket that has bound an inproc name. */
export interface InprocBinder {
  /** Called with the connecting side's details; returns false if the bound socket is closed. */
  acceptInproc(connecter: InprocConnecter): boolean
  /** A socket of another thread has joined: its end of `link`; false if the bound socket is closed. */
  acceptThread(peer: ThreadPeer, link: ThreadLink): boolean
  /** What a socket of another thread learns of this one when it connects (thread-names.ts). */
  threadPeer(): ThreadPeer
}

/** A socket that wants to connect to an inproc name (possibly before it is bound). */
export interface InprocConnecter extends ThreadConnecter {
  readonly name: string
  /** The bound side is there: make the pipes. */
  completeInproc(binder: InprocBinder): void
}

/** Per-context table of inproc names; connects made before the bind wait here (libzmq ≥ 4.0). */
export class InprocRegistry implements ThreadSide {
  private readonly binds = new Map<string, InprocBinder>()
  private readonly waiting = new Map<string, Set<InprocConnecter>>()
  /** The default context's link to the other threads (null for other contexts, or no threads). */
  private threads: ThreadBus | null = null

  /** Makes this registry's names the process's (the default context only). */
  shareAcrossThreads(): void {
    this.threads ??= ThreadBus.start(this)
  }

  bind(name: string, binder: InprocBinder): boolean {
    if (this.binds.has(name)) return false
    if (this.threads && !this.threads.bind(name, binder.threadPeer())) return false
    this.binds.set(name, binder)
    const pending = this.waiting.get(name)
    if (pending) {
      this.waiting.delete(name)
      for (const c of pending) c.completeInproc(binder)
    }
    return true
  }

  unbind(name: string, binder: InprocBinder): boolean {
    if (this.binds.get(name) !== binder) return false
    this.binds.delete(name)
    this.threads?.unbind(name)
    return true
  }

  isBound(name: string): boolean {
    return this.binds.has(name)
  }

  connect(connecter: InprocConnecter): void {
    const binder = this.binds.get(connecter.name)
    if (binder) {
      connecter.completeInproc(binder)
      return
    }
    let set = this.waiting.get(connecter.name)
    if (!set) this.waiting.set(connecter.name, (set = new Set()))
    set.add(connecter)
    this.threads?.seek(connecter)
  }

  cancel(connecter: InprocConnecter): void {
    this.waiting.get(connecter.name)?.delete(connecter)
  }

  // ---- for the other threads (ThreadSide) ---------------------------------------------------

  accept(name: string, peer: ThreadPeer, link: ThreadLink): boolean {
    return this.binds.get(name)?.acceptThread(peer, link) ?? false
  }

  waitingFor(name: string): Iterable<InprocConnecter> {
    return this.waiting.get(name) ?? []
  }

  joined(connecter: ThreadConnecter): void {
    this.waiting.get(connecter.name)?.delete(connecter as InprocConnecter)
  }
}
