/**
 * The process's inproc names, shared by every thread: which copy of zmtp (a thread may load two,
 * ESM and CommonJS) has bound each name. bind() must fail with EADDRINUSE at once, and v5's
 * bindSync() cannot wait for an answer from other threads, so the table is memory every thread
 * reads and writes under a lock: a SharedArrayBuffer handed down to workers as environment data,
 * like the default context's options (shared-context.ts).
 *
 * Layout (Int32 words): [0] the lock, [1] the last owner id given out, then SLOTS entries of
 * SLOT_WORDS words: [state, owner, thread, name length, name bytes (UTF-8)...]. A name longer than
 * NAME_BYTES is kept as its SHA-256, which is as unique as the name for this purpose.
 */
import {Buffer} from "node:buffer"
import {createHash} from "node:crypto"
import {sharedBuffer} from "../shared-context.js"

const SLOTS = 4096
const SLOT_WORDS = 64
const HEADER_WORDS = 4
const NAME_BYTES = (SLOT_WORDS - HEADER_WORDS) * 4
const FIRST = 16
const BOUND = 1

export class ThreadNames {
  private readonly words: Int32Array
  private readonly bytes: Uint8Array

  constructor(sab: SharedArrayBuffer) {
    this.words = new Int32Array(sab)
    this.bytes = new Uint8Array(sab)
  }

  /** The table of this process (made by the first thread to ask), or null without threads. */
  static shared(): ThreadNames | null {
    const sab = sharedBuffer("zmtp:inproc-names:1", (FIRST + SLOTS * SLOT_WORDS) * 4)
    return sab ? new ThreadNames(sab) : null
  }

  /** A process-wide id for one copy of zmtp in one thread. */
  newOwner(): number {
    return Atomics.add(this.words, 1, 1) + 1
  }

  /** Records `name` as bound by `owner`; false when some owner has it already. */
  add(name: string, owner: number, thread: number): boolean {
    const key = keyOf(name)
    return this.locked(() => {
      if (this.find(key) >= 0) return false
      for (let i = 0; i < SLOTS; i++) {
        const at = FIRST + i * SLOT_WORDS
        if (this.words[at] === BOUND) continue
        this.words[at + 1] = owner
        this.words[at + 2] = thread
        this.words[at + 3] = key.length
        this.bytes.set(key, (at + HEADER_WORDS) * 4)
        this.words[at] = BOUND
        return true
      }
      throw new RangeError(`zmtp: more than ${SLOTS} inproc names are bound in this process`)
    })
  }

  /** Who has bound `name` (its owner id and thread), or null when nobody has. */
  holder(name: string): {owner: number; thread: number} | null {
    const key = keyOf(name)
    return this.locked(() => {
      const at = this.find(key)
      return at < 0 ? null : {owner: this.words[at + 1]!, thread: this.words[at + 2]!}
    })
  }

  /** Forgets `name` if `owner` has it. */
  remove(name: string, owner: number): void {
    const key = keyOf(name)
    this.locked(() => {
      const at = this.find(key)
      if (at >= 0 && this.words[at + 1] === owner) this.words[at] = 0
    })
  }

  /** Forgets every name of a thread that is gone (or of one owner, when `owner` is given). */
  removeAll(thread: number, owner?: number): void {
    this.locked(() => {
      for (let i = 0; i < SLOTS; i++) {
        const at = FIRST + i * SLOT_WORDS
        if (this.words[at] === BOUND && this.words[at + 2] === thread && (owner === undefined || this.words[at + 1] === owner)) this.words[at] = 0
      }
    })
  }

  private find(key: Uint8Array): number {
    const {words, bytes} = this
    for (let i = 0; i < SLOTS; i++) {
      const at = FIRST + i * SLOT_WORDS
      if (words[at] !== BOUND || words[at + 3] !== key.length) continue
      const start = (at + HEADER_WORDS) * 4
      let j = 0
      while (j < key.length && bytes[start + j] === key[j]) j++
      if (j === key.length) return at
    }
    return -1
  }

  /** Runs `fn` holding the table's lock (held for a few microseconds at most, so it spins). */
  private locked<T>(fn: () => T): T {
    const words = this.words
    while (Atomics.compareExchange(words, 0, 0, 1) !== 0) Atomics.wait(words, 0, 1, 1)
    try {
      return fn()
    } finally {
      Atomics.store(words, 0, 0)
      Atomics.notify(words, 0, 1)
    }
  }
}

function keyOf(name: string): Uint8Array {
  const utf8 = Buffer.from(name, "utf8")
  // A long name is kept as its digest (marked by a byte no UTF-8 text starts with).
  return utf8.length <= NAME_BYTES ? utf8 : Buffer.concat([Buffer.from([0xff]), createHash("sha256").update(utf8).digest()])
}
