/**
 * zeromq.js's default `context` is one libzmq context for the whole process: an option set on it
 * in one worker thread is seen in every other (its context-thread test sets ioThreads = 3 in the
 * main thread and reads 3 in a worker). zmtp's threads each load their own copy of the module, so
 * the default context keeps its options in a SharedArrayBuffer handed down to worker threads as
 * environment data (worker_threads.setEnvironmentData: a worker started afterwards gets a clone,
 * and a clone of a SharedArrayBuffer is the same memory). The first thread to load zmtp makes it;
 * workers it starts later, and theirs, share it. Where worker_threads or SharedArrayBuffer is
 * missing (a browser page), the options are simply the thread's own. sharedBuffer() is the general
 * form: the process's inproc names (transport/thread-names.ts) are shared the same way.
 */
import * as threads from "node:worker_threads";
const KEY = "zmtp:default-context-options:1";
/** `count` shared int32 slots, and whether this thread made them (so sets the defaults). */
export function sharedSlots(count) {
    const fresh = !inherited(KEY);
    const sab = sharedBuffer(KEY, count * 4);
    return sab ? { slots: new Int32Array(sab), fresh } : null;
}
function inherited(key) {
    // A page without cross-origin isolation has no SharedArrayBuffer at all.
    return typeof SharedArrayBuffer === "function" && threads.getEnvironmentData?.(key) instanceof SharedArrayBuffer;
}
/**
 * The process's shared memory under `key` (`bytes` long, zeroed when new): the one this thread
 * inherited, or one it makes and hands down to the workers it starts from now on.
 */
export function sharedBuffer(key, bytes) {
    const env = threads;
    if (typeof env.getEnvironmentData !== "function" || typeof env.setEnvironmentData !== "function" || typeof SharedArrayBuffer !== "function")
        return null;
    const existing = env.getEnvironmentData(key);
    if (existing instanceof SharedArrayBuffer && existing.byteLength === bytes)
        return existing;
    const sab = new SharedArrayBuffer(bytes);
    env.setEnvironmentData(key, sab);
    return sab;
}
