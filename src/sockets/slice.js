/**
 * The event-loop slice (ARCHITECTURE.md §A.5): how long sends and receives that complete at once may
 * hold the event loop before the next one waits for its check phase. socket.ts asks mayRunNow()
 * for every send and receive, and starts a new slice when the loop has turned for one of them.
 */
import { performance } from "node:perf_hooks";
/**
 * Never starve the event loop: once sends and receives that complete at once have run for this
 * long without the event loop turning, the next one waits for its check phase (setImmediate), so
 * that timers, I/O and the socket's own connections run. zeromq.js yields after 512 such
 * operations (socket.cc max_sync_operations), about a millisecond at its cost per operation; zmtp
 * does 512 in about 0.1 ms, where a yield every 512 cost PUSH→PULL 15-30% of its throughput. A
 * time slice bounds the wait of a timer the same way at any speed (ARCHITECTURE.md §A.5).
 */
const SLICE_MS = 1;
/** A wait at least this long went through the event loop (microtask turns take microseconds). */
const REAL_WAIT_MS = 0.2;
/**
 * Whether an operation that began to wait at `since` (performance.now()) waited for the event loop,
 * rather than being completed from a microtask of the same turn (an inproc peer's answer).
 */
export function waitedForLoop(since) {
    return performance.now() - since >= REAL_WAIT_MS;
}
/** The clock is read every this many operations (performance.now() costs some 30 ns). */
const CLOCK_EVERY = 64;
/**
 * The slice is the event loop's, so it is shared by every socket: operations of all sockets done
 * at once since the loop last turned for one of them, when the clock started (0: not yet read),
 * and whether the slice is used up. Shared, a PUSH and the PULL it feeds in one process yield in
 * the same turn; each with its own slice, one of them paused while the other filled the queues
 * to their HWMs, and inproc 16 B lost a quarter of its throughput.
 */
let syncOps = 0;
let sliceStart = 0;
let yieldDue = false;
/** Whether an operation may complete at once (SLICE_MS); once used up, until the loop turns. */
export function mayRunNow() {
    if (yieldDue)
        return false;
    if ((++syncOps & (CLOCK_EVERY - 1)) !== 0)
        return true;
    const now = performance.now();
    if (sliceStart === 0)
        sliceStart = now;
    else if (now - sliceStart >= SLICE_MS)
        yieldDue = true;
    return !yieldDue;
}
/**
 * The event loop turned for us (a socket's own check-phase callback, or an operation that waited
 * for longer than microtasks take: #finish): a new slice starts.
 */
export function newSlice() {
    syncOps = 0;
    sliceStart = 0;
    yieldDue = false;
}
