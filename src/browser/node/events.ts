/** node:events in the browser build: the EventEmitter calls zmtp makes, in order of listening. */
type Listener = (...args: any[]) => void

export class EventEmitter {
  private readonly listeners = new Map<string | symbol, Listener[]>()

  on(event: string | symbol, listener: Listener): this {
    const list = this.listeners.get(event)
    if (list) list.push(listener)
    else this.listeners.set(event, [listener])
    return this
  }

  addListener(event: string | symbol, listener: Listener): this {
    return this.on(event, listener)
  }

  once(event: string | symbol, listener: Listener): this {
    const once: Listener & {listener?: Listener} = (...args) => {
      this.off(event, once)
      listener.apply(this, args)
    }
    once.listener = listener
    return this.on(event, once)
  }

  off(event: string | symbol, listener: Listener): this {
    const list = this.listeners.get(event)
    if (!list) return this
    const i = list.findIndex(l => l === listener || (l as {listener?: Listener}).listener === listener)
    if (i >= 0) list.splice(i, 1)
    if (list.length === 0) this.listeners.delete(event)
    return this
  }

  removeListener(event: string | symbol, listener: Listener): this {
    return this.off(event, listener)
  }

  removeAllListeners(event?: string | symbol): this {
    if (event === undefined) this.listeners.clear()
    else this.listeners.delete(event)
    return this
  }

  emit(event: string | symbol, ...args: unknown[]): boolean {
    const list = this.listeners.get(event)
    if (!list || list.length === 0) {
      if (event === "error") throw args[0] instanceof Error ? args[0] : new Error(String(args[0]))
      return false
    }
    for (const listener of [...list]) listener.apply(this, args)
    return true
  }

  listenerCount(event: string | symbol): number {
    return this.listeners.get(event)?.length ?? 0
  }
}
