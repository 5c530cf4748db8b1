/**
 * inproc:// names: which socket has bound a name, and the connects waiting for it (libzmq ≥ 4.0
 * lets a connect come first). The two sockets' pipes are then joined by engine/inproc-engine.ts.
 */
/** A socket that has bound an inproc name. */
export interface InprocBinder {
  /** Called with the connecting side's details; returns false if the bound socket is closed. */
  acceptInproc(connecter: InprocConnecter): boolean
}

/** A socket that wants to connect to an inproc name (possibly before it is bound). */
export interface InprocConnecter {
  readonly name: string
  /** The bound side is there: make the pipes. */
  completeInproc(binder: InprocBinder): void
}

/** Per-context table of inproc names; connects made before the bind wait here (libzmq ≥ 4.0). */
export class InprocRegistry {
  private readonly binds = new Map<string, InprocBinder>()
  private readonly waiting = new Map<string, Set<InprocConnecter>>()

  bind(name: string, binder: InprocBinder): boolean {
    if (this.binds.has(name)) return false
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
  }

  cancel(connecter: InprocConnecter): void {
    this.waiting.get(connecter.name)?.delete(connecter)
  }
}
