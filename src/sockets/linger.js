/** Sockets that are open (candidates for closeForExit). */
const open = new Set();
/** Closed sockets still delivering. */
const lingering = new Set();
let hooked = false;
let hold = null;
let warnTimer = null;
let warned = false;
/** zeromq.js warns when terminating a context at exit takes longer than this (module.h). */
const WARN_AFTER_MS = 500;
export function socketOpened(socket) {
    open.add(socket);
    if (hooked)
        return;
    hooked = true;
    process.on("beforeExit", atExit);
}
export function socketClosed(socket) {
    open.delete(socket);
}
export function lingerStarted(socket) {
    lingering.add(socket);
}
export function lingerEnded(socket) {
    if (!lingering.delete(socket) || lingering.size > 0)
        return;
    if (hold)
        clearInterval(hold);
    if (warnTimer)
        clearTimeout(warnTimer);
    hold = warnTimer = null;
}
function atExit() {
    for (const socket of [...open])
        socket.closeForExit();
    if (lingering.size === 0 || hold)
        return;
    hold = setInterval(() => { }, 1 << 30);
    if (warned)
        return;
    warnTimer = setTimeout(() => {
        warnTimer = null;
        warned = true;
        // The suffix depends on the context's blocky option, as zeromq.js's Terminator reads it.
        const blocky = [...lingering].some(s => s.context.blockyDefault);
        process.stderr.write(`(node:${process.pid}) WARNING: Waiting for queued ZeroMQ messages to be delivered.` +
            (blocky ? " Set 'context.blocky = false' to change this behaviour." : "") +
            "\n");
    }, WARN_AFTER_MS);
    warnTimer.unref();
}
