/**
 * Writes that only the end of the process can end (ZMQ_LINGER at exit, as zeromq.js has it).
 *
 * A write the kernel could not take at once stays pending in libuv, and a pending write keeps the
 * event loop alive even though the connection's handle is unreferenced. When the reader is a
 * socket of this same process that has stopped reading (at its receive HWM) and nothing else is
 * left to run, that write can never finish: nothing will ever read again, and the process would
 * hang. zeromq.js's process ends there: its exit closes every socket, the reader's close ends the
 * connection, and with it the writer's wait. The same end here, in two steps:
 *
 * - an open socket's connection whose write is pending toward a reader of this process is
 *   watched (writePending); once such writes are all that keeps the process alive, the program is
 *   done, and what 'beforeExit' would have done is done (sockets/linger.ts closes the sockets
 *   that still have messages, with their linger);
 * - a closed socket's lingering connection whose write cannot end is let go (writeCannotEnd,
 *   flush-close.ts), which ends the linger as the reader's close does in zeromq.js (for a
 *   connection that was accepted: a dialled one waits, as there).
 */
import type {Duplex} from "node:stream"
import {peerIsLocal, wasAccepted} from "../transport/local-peers.js"

/** How often a pending write to a reader of this process looks at what keeps the process alive. */
const CHECK_EVERY_MS = 100

/** libuv requests of a stream write (write, writev) and of its end (shutdown). */
const WRITE_REQUESTS = new Set(["SimpleWriteWrap", "WriteWrap", "ShutdownWrap"])

/** What the process does once only these writes are left (sockets/linger.ts: its exit hook). */
let programDone: () => void = () => {}
/** Referenced timers of our own that hold the process while sockets linger at exit. */
let ownTimers: () => number = () => 0

export function onProgramDone(done: () => void, timers: () => number): void {
  programDone = done
  ownTimers = timers
}

/**
 * stdout and stderr, once a program has used them, are listed as a TTYWrap or PipeWrap although
 * they hold the event loop only while a write of theirs is pending (listed as a request then).
 */
function stdioHandles(): number {
  let n = 0
  for (const s of [process.stdout, process.stderr]) if ((s as {_handle?: unknown})._handle) n++
  return n
}

/** True when pending writes (and our own exit hold) are all that keeps the event loop alive. */
function onlyWritesLeft(): boolean {
  const info = typeof process === "object" ? process.getActiveResourcesInfo : undefined
  if (typeof info !== "function") return false // Bun, Deno, browsers: no way to tell
  let timers = ownTimers()
  let stdio = stdioHandles()
  let writes = 0
  for (const r of info.call(process)) {
    if (WRITE_REQUESTS.has(r)) writes++
    else if (r === "Timeout" && timers > 0) timers--
    else if ((r === "TTYWrap" || r === "PipeWrap") && stdio > 0) stdio--
    else return false
  }
  return writes > 0
}

const lastCheck = new WeakMap<Duplex, number>()

/**
 * True when `stream`, a lingering connection with bytes not yet written, is to be let go: its
 * reader is in this process and pending writes are all that keeps the event loop alive. Only a
 * connection a listener accepted: in libzmq its pipe ends with it, so the reader's close at exit
 * ends the wait. A dialled one's pipe outlives the connection and redials for as long as the
 * linger lasts, so zeromq.js waits (and warns) at exit: here the exit hook runs, which warns.
 */
export function writeCannotEnd(stream: Duplex): boolean {
  const now = Date.now()
  if (now - (lastCheck.get(stream) ?? 0) < CHECK_EVERY_MS) return false
  lastCheck.set(stream, now)
  if (!peerIsLocal(stream) || !onlyWritesLeft()) return false
  if (wasAccepted(stream)) return true
  programDone()
  return false
}

/** Open connections with a write pending toward a reader of this process. */
const waiting = new Set<Duplex>()
let watch: NodeJS.Timeout | null = null

/** `stream` could not write everything at once (it waits for 'drain'). */
export function writePending(stream: Duplex): void {
  if (waiting.has(stream) || !peerIsLocal(stream)) return
  waiting.add(stream)
  if (watch) return
  watch = setInterval(checkWaiting, CHECK_EVERY_MS)
  watch.unref()
}

function checkWaiting(): void {
  for (const s of waiting) if (s.destroyed || s.writableLength === 0) waiting.delete(s)
  if (waiting.size === 0) {
    clearInterval(watch!)
    watch = null
    return
  }
  if (onlyWritesLeft()) programDone()
}
