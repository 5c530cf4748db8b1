/**
 * zmtp/browser: the same API as `zmtp` (and its draft sockets), for a page. It connects over
 * ws:// and wss:// through the browser's own WebSocket and uses inproc://; bind() and the other
 * transports fail with a clear error (session/endpoints.ts). Built by scripts/build-browser.mjs
 * into one ESM file, dist/browser/zmtp.js, with no node: imports.
 */
export * from "../index.js"
export {Server, Client, Radio, Dish, Gather, Scatter, Datagram, Peer, Channel} from "../draft-sockets.js"
