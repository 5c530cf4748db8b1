/**
 * The zeromq.js Context: a bag of libzmq context options (ZMQ_IO_THREADS...), the inproc name
 * table, and the socket count behind maxSockets. There are no I/O threads in a pure stack; the
 * options are kept and validated so code that sets them runs unchanged.
 */
import { errnoError } from "./errors.js";
import { InprocRegistry } from "./transport/inproc.js";
import { checkArgumentCount } from "./native-class.js";
import { ContextOptionId as C } from "./sockets/option-ids.js";
import { sharedSlots } from "./shared-context.js";
const contextOptions = {
    [C.IO_THREADS]: { kind: "Int32", access: "rw", valid: v => v >= 0 },
    [C.MAX_SOCKETS]: { kind: "Int32", access: "rw", valid: v => v >= 1 && v <= 65535 },
    // One id, two options: ZMQ_SOCKET_LIMIT when read, ZMQ_THREAD_PRIORITY when written.
    [C.SOCKET_LIMIT]: { kind: "Int32", access: "rw", valid: v => v >= -1 },
    [C.THREAD_SCHED_POLICY]: { kind: "Int32", access: "w", valid: v => v >= -1 },
    [C.MAX_MSGSZ]: { kind: "Int32", access: "rw", valid: v => v >= 0 },
    [C.IPV6]: { kind: "Bool", access: "rw" },
    [C.BLOCKY]: { kind: "Bool", access: "rw" },
};
/** The stored options and their defaults (libzmq ctx.cpp). */
const DEFAULTS = [
    [C.IO_THREADS, 1],
    [C.MAX_SOCKETS, 1023],
    [C.SOCKET_LIMIT, 65535],
    [C.MAX_MSGSZ, 2147483647],
    [C.IPV6, false],
    [C.BLOCKY, true],
];
/** The default context's options in int32 slots shared by every thread (shared-context.ts). */
class SharedValues {
    slots;
    constructor(slots) {
        this.slots = slots;
    }
    get(id) {
        const i = DEFAULTS.findIndex(([k]) => k === id);
        if (i < 0)
            return undefined;
        const v = Atomics.load(this.slots, i);
        return typeof DEFAULTS[i][1] === "boolean" ? v !== 0 : v;
    }
    set(id, value) {
        const i = DEFAULTS.findIndex(([k]) => k === id);
        if (i >= 0)
            Atomics.store(this.slots, i, typeof value === "boolean" ? Number(value) : value);
    }
}
let shareValues;
export class Context {
    #values = new Map(DEFAULTS);
    /** @internal */
    inproc = new InprocRegistry();
    /** @internal live sockets, for maxSockets and for linger at process exit */
    sockets = new Set();
    static {
        shareValues = (ctx, values) => {
            ctx.#values = values;
        };
    }
    constructor(options) {
        if (options !== undefined && (typeof options !== "object" || options === null)) {
            throw new TypeError("Options must be an object");
        }
        checkArgumentCount(arguments.length, 1);
        Object.preventExtensions(this);
        if (options)
            assignOptions(this, options, "Context");
    }
    getBoolOption(id) {
        return this.#get(id, "Bool");
    }
    setBoolOption(id, value) {
        if (typeof value !== "boolean")
            throw new TypeError("Option value must be a boolean");
        this.#set(id, "Bool", value);
    }
    getInt32Option(id) {
        return this.#get(id, "Int32");
    }
    setInt32Option(id, value) {
        if (typeof value !== "number")
            throw new TypeError("Option value must be a number");
        this.#set(id, "Int32", value);
    }
    #get(id, kind) {
        const def = contextOptions[id];
        if (!def || def.kind !== kind || !def.access.includes("r"))
            throw errnoError("EINVAL");
        return this.#values.get(id);
    }
    #set(id, kind, value) {
        const def = contextOptions[id];
        if (!def || def.kind !== kind || !def.access.includes("w"))
            throw errnoError("EINVAL");
        if (typeof value === "number" && (!Number.isInteger(value) || (def.valid && !def.valid(value))))
            throw errnoError("EINVAL");
        // ZMQ_THREAD_PRIORITY (3) shares its id with the read-only ZMQ_SOCKET_LIMIT: never store it.
        if (id !== 3 && id !== 4)
            this.#values.set(id, value);
    }
    /** @internal */
    get maxSocketCount() {
        return this.#values.get(C.MAX_SOCKETS);
    }
    /** @internal */
    get blockyDefault() {
        return this.#values.get(C.BLOCKY);
    }
    /** @internal */
    get ipv6Default() {
        return this.#values.get(C.IPV6);
    }
}
/**
 * Applies constructor options the way zeromq.js does: each key is assigned as a property of the
 * (non-extensible) object, so unknown keys and read-only properties throw TypeErrors.
 */
export function assignOptions(target, options, className = "Socket") {
    for (const [key, value] of Object.entries(options)) {
        if (key === "context")
            continue;
        let proto = target;
        let desc;
        while (proto && !(desc = Object.getOwnPropertyDescriptor(proto, key)))
            proto = Object.getPrototypeOf(proto);
        if (!desc)
            throw new TypeError(`Cannot add property ${key}, object is not extensible`);
        if (desc.get && !desc.set)
            throw new TypeError(`Cannot set property ${key} of #<${className}> which has only a getter`);
        target[key] = value;
    }
}
export const context = new Context();
// Its inproc names are the process's: a socket of another thread may connect to them.
context.inproc.shareAcrossThreads();
// The default context's options are the process's, whatever thread reads them.
const shared = sharedSlots(DEFAULTS.length);
if (shared) {
    const values = new SharedValues(shared.slots);
    if (shared.fresh)
        for (const [id, value] of DEFAULTS)
            values.set(id, value);
    shareValues(context, values);
}
