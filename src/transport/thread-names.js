/**
 * The process's inproc names, shared by every thread: which copy of zmtp (a thread may load two,
 * ESM and CommonJS) has bound each name, and what a socket connecting from another thread needs
 * to know of the bound one to start at once (its socket type, routing id, RCVHWM and threads).
 * bind() must fail with EADDRINUSE at once, and v5's bindSync() and connect() cannot wait for
 * other threads to answer, so the table is memory every thread reads and writes under a lock: a
 * SharedArrayBuffer handed down to workers as environment data, like the default context's
 * options (shared-context.ts).
 *
 * Layout (Int32 words): [0] the lock (its holder's thread id + 1), [1] the last owner id given out, then SLOTS slots of
 * SLOT_WORDS words: [state, owner, thread, name length, RCVHWM, routing id length (-1: none),
 * socket type length, LINEAGE thread ids (-1 past the end)], then at NAME_AT the name's UTF-8
 * bytes, at TYPE_AT the socket type's, at ID_AT the routing id. A name longer than NAME_BYTES is
 * kept as its SHA-256, as unique as the name for this purpose.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import * as threads from "node:worker_threads";
import { sharedBuffer } from "../shared-context.js";
const SLOTS = 1024;
const SLOT_WORDS = 256;
const LINEAGE = 8;
const NAME_AT = 16;
const NAME_BYTES = 512;
const TYPE_AT = NAME_AT + NAME_BYTES / 4;
const TYPE_BYTES = 16;
const ID_AT = TYPE_AT + TYPE_BYTES / 4;
const FIRST = 16;
const BOUND = 1;
export class ThreadNames {
    gone;
    words;
    bytes;
    constructor(sab, 
    /** Whether a thread is known to have ended (thread-bus.ts). */
    gone) {
        this.gone = gone;
        this.words = new Int32Array(sab);
        this.bytes = Buffer.from(sab);
    }
    /** The table of this process (made by the first thread to ask), or null without threads. */
    static shared(gone) {
        const sab = sharedBuffer("zmtp:inproc-names:2", (FIRST + SLOTS * SLOT_WORDS) * 4);
        return sab ? new ThreadNames(sab, gone) : null;
    }
    /** A process-wide id for one copy of zmtp in one thread. */
    newOwner() {
        return Atomics.add(this.words, 1, 1) + 1;
    }
    /** Records `name` as bound by `holder`; false when some socket has it already. */
    add(name, holder) {
        const key = keyOf(name);
        return this.locked(() => {
            if (this.find(key) >= 0)
                return false;
            for (let i = 0; i < SLOTS; i++) {
                const at = FIRST + i * SLOT_WORDS;
                if (this.words[at] === BOUND)
                    continue;
                this.write(at, key, holder);
                this.words[at] = BOUND;
                return true;
            }
            throw new RangeError(`zmtp: more than ${SLOTS} inproc names are bound in this process`);
        });
    }
    /** Who has bound `name`, or null when nobody has. */
    holder(name) {
        const key = keyOf(name);
        return this.locked(() => {
            const at = this.find(key);
            return at < 0 ? null : this.read(at);
        });
    }
    /** Forgets `name` if `owner` has it. */
    remove(name, owner) {
        const key = keyOf(name);
        this.locked(() => {
            const at = this.find(key);
            if (at >= 0 && this.words[at + 1] === owner)
                this.words[at] = 0;
        });
    }
    /** Forgets every name of a thread that is gone (or of one owner in it, when `owner` is given). */
    removeAll(thread, owner) {
        this.locked(() => {
            for (let i = 0; i < SLOTS; i++) {
                const at = FIRST + i * SLOT_WORDS;
                if (this.words[at] === BOUND && this.words[at + 2] === thread && (owner === undefined || this.words[at + 1] === owner))
                    this.words[at] = 0;
            }
        });
    }
    write(at, key, h) {
        const { words, bytes } = this;
        const type = Buffer.from(h.socketType, "latin1").subarray(0, TYPE_BYTES);
        words[at + 1] = h.owner;
        words[at + 2] = h.lineage[0];
        words[at + 3] = key.length;
        words[at + 4] = h.recvHwm;
        words[at + 5] = h.routingId === null ? -1 : h.routingId.length;
        words[at + 6] = type.length;
        for (let i = 0; i < LINEAGE; i++)
            words[at + 7 + i] = h.lineage[i] ?? -1;
        bytes.set(key, (at + NAME_AT) * 4);
        bytes.set(type, (at + TYPE_AT) * 4);
        if (h.routingId !== null)
            bytes.set(h.routingId, (at + ID_AT) * 4);
    }
    read(at) {
        const { words, bytes } = this;
        const lineage = [];
        for (let i = 0; i < LINEAGE && words[at + 7 + i] >= 0; i++)
            lineage.push(words[at + 7 + i]);
        const idLength = words[at + 5];
        const id = (at + ID_AT) * 4;
        return {
            owner: words[at + 1],
            lineage,
            recvHwm: words[at + 4],
            socketType: bytes.toString("latin1", (at + TYPE_AT) * 4, (at + TYPE_AT) * 4 + words[at + 6]),
            routingId: idLength < 0 ? null : Uint8Array.prototype.slice.call(bytes, id, id + idLength),
        };
    }
    find(key) {
        const { words, bytes } = this;
        for (let i = 0; i < SLOTS; i++) {
            const at = FIRST + i * SLOT_WORDS;
            if (words[at] !== BOUND || words[at + 3] !== key.length)
                continue;
            const start = (at + NAME_AT) * 4;
            let j = 0;
            while (j < key.length && bytes[start + j] === key[j])
                j++;
            if (j === key.length)
                return at;
        }
        return -1;
    }
    /**
     * Runs `fn` holding the table's lock (held for a few microseconds at most, so it spins). The lock
     * word holds its holder's thread id + 1: a worker terminated inside `fn` runs no `finally`, and
     * the lock of a thread known to be gone (`gone`) is taken over.
     */
    locked(fn) {
        const words = this.words;
        const me = threads.threadId + 1;
        for (;;) {
            const holder = Atomics.compareExchange(words, 0, 0, me);
            if (holder === 0)
                break;
            if (this.gone(holder - 1) && Atomics.compareExchange(words, 0, holder, me) === holder)
                break;
            Atomics.wait(words, 0, holder, 1);
        }
        try {
            return fn();
        }
        finally {
            Atomics.store(words, 0, 0);
            Atomics.notify(words, 0, 1);
        }
    }
}
function keyOf(name) {
    const utf8 = Buffer.from(name, "utf8");
    // A long name is kept as its digest (marked by a byte no UTF-8 text starts with).
    return utf8.length <= NAME_BYTES ? utf8 : Buffer.concat([Buffer.from([0xff]), createHash("sha256").update(utf8).digest()]);
}
