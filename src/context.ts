/**
 * The zeromq.js Context: a bag of libzmq context options (ZMQ_IO_THREADS...), the inproc name
 * table, and the socket count behind maxSockets. There are no I/O threads in a pure stack; the
 * options are kept and validated so code that sets them runs unchanged.
 */
import {errnoError} from "./errors.js"
import {InprocRegistry} from "./transport/inproc.js"
import {checkArgumentCount} from "./native-class.js"
import {ContextOptionId as C} from "./sockets/option-ids.js"
import {sharedSlots} from "./shared-context.js"

type ContextOption = {kind: "Bool" | "Int32"; access: "r" | "w" | "rw"; valid?: (v: number) => boolean}

const contextOptions: Record<number, ContextOption> = {
  [C.IO_THREADS]: {kind: "Int32", access: "rw", valid: v => v >= 0},
  [C.MAX_SOCKETS]: {kind: "Int32", access: "rw", valid: v => v >= 1 && v <= 65535},
  // One id, two options: ZMQ_SOCKET_LIMIT when read, ZMQ_THREAD_PRIORITY when written.
  [C.SOCKET_LIMIT]: {kind: "Int32", access: "rw", valid: v => v >= -1},
  [C.THREAD_SCHED_POLICY]: {kind: "Int32", access: "w", valid: v => v >= -1},
  [C.MAX_MSGSZ]: {kind: "Int32", access: "rw", valid: v => v >= 0},
  [C.IPV6]: {kind: "Bool", access: "rw"},
  [C.BLOCKY]: {kind: "Bool", access: "rw"},
}

/** The stored options and their defaults (libzmq ctx.cpp). */
const DEFAULTS: [number, number | boolean][] = [
  [C.IO_THREADS, 1],
  [C.MAX_SOCKETS, 1023],
  [C.SOCKET_LIMIT, 65535],
  [C.MAX_MSGSZ, 2147483647],
  [C.IPV6, false],
  [C.BLOCKY, true],
]

/** Where a context keeps its options: its own map, or (the default context) shared slots. */
interface OptionValues {
  get(id: number): number | boolean | undefined
  set(id: number, value: number | boolean): void
}

/** The default context's options in int32 slots shared by every thread (shared-context.ts). */
class SharedValues implements OptionValues {
  constructor(private readonly slots: Int32Array) {}
  get(id: number): number | boolean | undefined {
    const i = DEFAULTS.findIndex(([k]) => k === id)
    if (i < 0) return undefined
    const v = Atomics.load(this.slots, i)
    return typeof DEFAULTS[i]![1] === "boolean" ? v !== 0 : v
  }
  set(id: number, value: number | boolean): void {
    const i = DEFAULTS.findIndex(([k]) => k === id)
    if (i >= 0) Atomics.store(this.slots, i, typeof value === "boolean" ? Number(value) : value)
  }
}

let shareValues: (ctx: Context, values: OptionValues) => void

export class Context {
  #values: OptionValues = new Map<number, number | boolean>(DEFAULTS)
  /** @internal */
  readonly inproc = new InprocRegistry()
  /** @internal live sockets, for maxSockets and for linger at process exit */
  readonly sockets = new Set<{close(): void}>()

  static {
    shareValues = (ctx, values) => {
      ctx.#values = values
    }
  }

  constructor(options?: Record<string, unknown>) {
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new TypeError("Options must be an object")
    }
    checkArgumentCount(arguments.length, 1)
    Object.preventExtensions(this)
    if (options) assignOptions(this, options, "Context")
  }

  protected getBoolOption(id: number): boolean {
    return this.#get(id, "Bool") as boolean
  }

  protected setBoolOption(id: number, value: boolean): void {
    if (typeof value !== "boolean") throw new TypeError("Option value must be a boolean")
    this.#set(id, "Bool", value)
  }

  protected getInt32Option(id: number): number {
    return this.#get(id, "Int32") as number
  }

  protected setInt32Option(id: number, value: number): void {
    if (typeof value !== "number") throw new TypeError("Option value must be a number")
    this.#set(id, "Int32", value)
  }

  #get(id: number, kind: ContextOption["kind"]): number | boolean {
    const def = contextOptions[id]
    if (!def || def.kind !== kind || !def.access.includes("r")) throw errnoError("EINVAL")
    return this.#values.get(id)!
  }

  #set(id: number, kind: ContextOption["kind"], value: number | boolean): void {
    const def = contextOptions[id]
    if (!def || def.kind !== kind || !def.access.includes("w")) throw errnoError("EINVAL")
    if (typeof value === "number" && (!Number.isInteger(value) || (def.valid && !def.valid(value)))) throw errnoError("EINVAL")
    // ZMQ_THREAD_PRIORITY (3) shares its id with the read-only ZMQ_SOCKET_LIMIT: never store it.
    if (id !== 3 && id !== 4) this.#values.set(id, value)
  }

  /** @internal */
  get maxSocketCount(): number {
    return this.#values.get(C.MAX_SOCKETS) as number
  }

  /** @internal */
  get blockyDefault(): boolean {
    return this.#values.get(C.BLOCKY) as boolean
  }

  /** @internal */
  get ipv6Default(): boolean {
    return this.#values.get(C.IPV6) as boolean
  }
}

/**
 * Applies constructor options the way zeromq.js does: each key is assigned as a property of the
 * (non-extensible) object, so unknown keys and read-only properties throw TypeErrors.
 */
export function assignOptions(target: object, options: Record<string, unknown>, className = "Socket"): void {
  for (const [key, value] of Object.entries(options)) {
    if (key === "context") continue
    let proto: object | null = target
    let desc: PropertyDescriptor | undefined
    while (proto && !(desc = Object.getOwnPropertyDescriptor(proto, key))) proto = Object.getPrototypeOf(proto)
    if (!desc) throw new TypeError(`Cannot add property ${key}, object is not extensible`)
    if (desc.get && !desc.set) throw new TypeError(`Cannot set property ${key} of #<${className}> which has only a getter`)
    ;(target as Record<string, unknown>)[key] = value
  }
}

/** The option properties (index.ts installs the accessors, as zeromq.js does). */
export interface Context {
  ioThreads: number
  maxSockets: number
  readonly maxSocketsLimit: number
  threadPriority: number
  threadSchedulingPolicy: number
  maxMessageSize: number
  ipv6: boolean
  blocky: boolean
}

export const context = new Context()

// Its inproc names are the process's: a socket of another thread may connect to them.
context.inproc.shareAcrossThreads()

// The default context's options are the process's, whatever thread reads them.
const shared = sharedSlots(DEFAULTS.length)
if (shared) {
  const values = new SharedValues(shared.slots)
  if (shared.fresh) for (const [id, value] of DEFAULTS) values.set(id, value)
  shareValues(context, values)
}
