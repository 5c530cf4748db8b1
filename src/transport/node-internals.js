/**
 * Every use of Node's undocumented internals, in one place, each feature-checked so that a Node
 * without it falls back to the public API (slower or asynchronous, never wrong). The test
 * test/engine/node-internals.test.ts fails loudly when a Node upgrade removes or changes one, so
 * the fallback never goes unnoticed.
 *
 * - net._createServerHandle: binds and listens on a TCP handle synchronously, as libzmq's bind does
 *   (bindSync(), lastEndpoint at once, errors with their real errno). The public listen() resolves
 *   even an IP literal through dns.lookup first, which makes it asynchronous.
 * - socket._handle: an accepted connection's handle, moved into a net.Socket made with the `onread`
 *   option (which net.Server lacks) so that large bodies are read straight into their memory
 *   (direct-read.ts).
 * - server._handle.onconnection: the listening handle's accept callback (libuv's connection wrap
 *   looks it up on the handle at every accept). Taken over, each accepted handle goes straight into
 *   the one net.Socket we read it through, as libzmq's tcp_listener_t hands an accepted fd to its
 *   engine: Node's own path first builds a net.Socket of its own (a Duplex, its options, the
 *   server's bookkeeping), emits 'connection', and we then throw that socket away for ours. On
 *   1,000 connections that was about a quarter of a ROUTER's CPU.
 */
import net from "node:net";
import { getSystemErrorName } from "node:util";
function createServerHandleFn() {
    const create = net._createServerHandle;
    return typeof create === "function" ? create : null;
}
/** Which internals this Node offers (the test asserts all of them on the Node versions we support). */
export function nodeInternals() {
    const socket = new net.Socket();
    const hasHandleSlot = "_handle" in socket;
    socket.destroy();
    return { createServerHandle: createServerHandleFn() !== null, acceptedHandle: hasHandleSlot };
}
/**
 * A listening TCP handle for host:port (synchronously), an errno name when the bind or listen
 * failed, or null where Node lacks the factory (then the caller uses the public, asynchronous path).
 */
export function bindTcpHandle(host, port, backlog) {
    const create = createServerHandleFn();
    if (create === null)
        return null;
    const handle = create(host, port, net.isIP(host) === 6 ? 6 : 4);
    if (typeof handle === "number")
        return getSystemErrorName(handle);
    const err = handle.listen(backlog);
    if (err) {
        handle.close();
        return getSystemErrorName(err);
    }
    return handle;
}
/**
 * Detaches an accepted socket's handle, when it is one that can read into memory we name; the
 * socket is destroyed (closing nothing: it has no handle left). null leaves the socket as it is.
 */
export function takeAcceptedHandle(accepted) {
    const slot = accepted;
    const handle = slot._handle;
    if (!handle || typeof handle.useUserBuffer !== "function")
        return null;
    slot._handle = null;
    accepted.destroy();
    return handle;
}
let acceptTakeover = true;
/**
 * Turns the accept takeover off (or back on) for servers that start listening after the call.
 * Tests use it to run the public 'connection' path, the one Bun and Deno take, on this Node.
 */
export function setAcceptTakeover(enabled) {
    acceptTakeover = enabled;
}
/**
 * Has a listening `server` hand each accepted connection's handle to `accept` instead of making a
 * net.Socket and emitting 'connection'. A handle that cannot read into memory we name, and an
 * accept error (EMFILE and the like), go down Node's own path as before, so the server's
 * 'connection' and 'error' listeners must stay. false: this server has no handle to take over
 * (the 'connection' path stays, for every connection).
 */
export function takeOverAccept(server, accept) {
    if (!acceptTakeover)
        return false;
    const handle = server._handle;
    const nodes = handle?.onconnection;
    if (!handle || typeof nodes !== "function")
        return false;
    handle.onconnection = function (err, client) {
        if (err || !client || typeof client.useUserBuffer !== "function")
            return nodes.call(this, err, client);
        accept(client);
        return undefined;
    };
    return true;
}
