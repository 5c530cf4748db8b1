/**
 * The Node globals zmtp uses, for its browser build only (esbuild `inject`: they replace the free
 * names inside the bundle, and the page's own globals are left alone). Timers get Node's
 * ref()/unref()/hasRef() (a page has nothing to keep alive: they do nothing); `process` has what
 * zmtp asks of it: env, pid, emitWarning (to the console), nextTick, and inert exit hooks.
 */
type Callback = (...args: any[]) => void

class Timer {
  constructor(readonly id: ReturnType<typeof globalThis.setTimeout>) {}
  ref(): this {
    return this
  }
  unref(): this {
    return this
  }
  hasRef(): boolean {
    return true
  }
  [Symbol.toPrimitive](): number {
    return this.id as unknown as number
  }
}

function idOf(t: unknown): ReturnType<typeof globalThis.setTimeout> | undefined {
  return t instanceof Timer ? t.id : (t as ReturnType<typeof globalThis.setTimeout> | undefined)
}

const setTimeoutShim = (fn: Callback, ms?: number, ...args: unknown[]) => new Timer(globalThis.setTimeout(fn, ms, ...args))
const setIntervalShim = (fn: Callback, ms?: number, ...args: unknown[]) => new Timer(globalThis.setInterval(fn, ms, ...args))
const clearTimeoutShim = (t: unknown) => globalThis.clearTimeout(idOf(t))
const clearIntervalShim = (t: unknown) => globalThis.clearInterval(idOf(t))

// setImmediate: a macrotask after I/O, as on Node (a MessageChannel post runs before timers).
const channel = new MessageChannel()
const immediates = new Map<number, () => void>()
let nextImmediate = 1
channel.port1.onmessage = event => {
  const run = immediates.get(event.data as number)
  immediates.delete(event.data as number)
  run?.()
}
const setImmediateShim = (fn: Callback, ...args: unknown[]) => {
  const id = nextImmediate++
  immediates.set(id, () => fn(...args))
  channel.port2.postMessage(id)
  return id
}
const clearImmediateShim = (id: number) => void immediates.delete(id)

const processShim = {
  env: {} as Record<string, string | undefined>,
  pid: 0,
  platform: "browser",
  exitCode: undefined as number | undefined,
  emitWarning(warning: string | Error): void {
    console.warn(typeof warning === "string" ? warning : warning.message)
  },
  nextTick(fn: Callback, ...args: unknown[]): void {
    queueMicrotask(() => fn(...args))
  },
  on(): typeof processShim {
    return processShim
  },
  once(): typeof processShim {
    return processShim
  },
  off(): typeof processShim {
    return processShim
  },
  removeListener(): typeof processShim {
    return processShim
  },
  exit(): never {
    throw new Error("process.exit is not available in a browser")
  },
  stderr: {write: (s: string) => (console.error(s), true)},
}

export {
  setTimeoutShim as setTimeout,
  setIntervalShim as setInterval,
  clearTimeoutShim as clearTimeout,
  clearIntervalShim as clearInterval,
  setImmediateShim as setImmediate,
  clearImmediateShim as clearImmediate,
  processShim as process,
}

// A free `Buffer` in the code (none is meant to be there) still finds the bundled one.
export {Buffer} from "buffer"
