/**
 * ZMQ_LINGER at process exit, as zeromq.js gives it.
 *
 * A closed socket may still have messages to deliver: queued for a connection that is not made
 * yet, or written by a connection that is still flushing. libzmq keeps delivering them in its I/O
 * thread for up to `linger` ms after zmq_close(), and zeromq.js terminates its contexts when the
 * process exits, which waits for exactly that (module.h Terminator), printing a warning once the
 * wait has taken 500 ms.
 *
 * zmtp's I/O is the event loop itself, so the equivalent is: lingering work holds nothing while
 * the program runs (its handles are unreferenced, like every idle socket's), and once the program
 * is otherwise done ('beforeExit'), sockets still open with queued messages are closed with their
 * linger, and a referenced timer holds the loop open until every socket has finished lingering.
 */
import type {Context} from "../context.js"
import {onProgramDone} from "../engine/stalled-exit.js"

/** A socket as the exit hook sees it. */
export interface Lingerer {
  readonly context: Context
  /** At exit: closes the socket if it has queued messages and a non-zero linger. */
  closeForExit(): void
}

/** Sockets that are open (candidates for closeForExit). */
const open = new Set<Lingerer>()
/** Closed sockets still delivering. */
const lingering = new Set<Lingerer>()
let hooked = false
let hold: NodeJS.Timeout | null = null
let warnTimer: NodeJS.Timeout | null = null
let warned = false

/** zeromq.js warns when terminating a context at exit takes longer than this (module.h). */
const WARN_AFTER_MS = 500

export function socketOpened(socket: Lingerer): void {
  open.add(socket)
  if (hooked) return
  hooked = true
  process.on("beforeExit", atExit)
}

export function socketClosed(socket: Lingerer): void {
  open.delete(socket)
}

export function lingerStarted(socket: Lingerer): void {
  lingering.add(socket)
}

export function lingerEnded(socket: Lingerer): void {
  if (!lingering.delete(socket) || lingering.size > 0) return
  if (hold) clearInterval(hold)
  if (warnTimer) clearTimeout(warnTimer)
  hold = warnTimer = null
}

function atExit(): void {
  for (const socket of [...open]) socket.closeForExit()
  if (lingering.size === 0 || hold) return
  hold = setInterval(() => {}, 1 << 30)
  if (warned) return
  warnTimer = setTimeout(() => {
    warnTimer = null
    warned = true
    // The suffix depends on the context's blocky option, as zeromq.js's Terminator reads it.
    const blocky = [...lingering].some(s => s.context.blockyDefault)
    process.stderr.write(
      `(node:${process.pid}) WARNING: Waiting for queued ZeroMQ messages to be delivered.` +
        (blocky ? " Set 'context.blocky = false' to change this behaviour." : "") +
        "\n",
    )
  }, WARN_AFTER_MS)
  warnTimer.unref()
}

// Pending writes to a reader of this process that stopped reading keep the event loop alive, so
// 'beforeExit' never comes: engine/stalled-exit.ts tells when they are all that is left (our hold
// timer aside), and the exit hook runs then.
onProgramDone(() => {
  if (hooked) atExit()
}, () => (hold ? 1 : 0))
