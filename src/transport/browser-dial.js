/**
 * ws:// and wss:// from a browser page: the browser's own WebSocket does the upgrade, and its
 * connection becomes a BrowserWsStream for the engine. A page can offer only bare "ZWS2.0" (a
 * browser refuses "ZWS2.0/NULL": "/" may not appear in a subprotocol), which has no security
 * handshake, so a page's socket must use the NULL mechanism.
 */
import { BrowserWsStream } from "../engine/browser-ws-stream.js";
import { WsError } from "./websocket/errors.js";
import { BARE_ZWS } from "./ws-upgrade.js";
/** Dials; `onOpen` with the stream, or `onFail` (with why, when the server answered). Returns a canceller. */
export function dialBrowserWs(endpoint, mechanism, onOpen, onFail) {
    const WebSocket = globalThis.WebSocket;
    if (WebSocket === undefined)
        throw new Error("This environment has no WebSocket");
    const host = endpoint.host.includes(":") ? `[${endpoint.host}]` : endpoint.host;
    if (mechanism !== "null")
        throw new WsError("ERR_WS_HANDSHAKE", `A page can only offer bare ZWS2.0, which has no ${mechanism.toUpperCase()} handshake: use NULL over wss://`, null);
    const offered = [BARE_ZWS];
    const ws = new WebSocket(`${endpoint.protocol}://${host}:${endpoint.port}${endpoint.path}`, offered);
    let settled = false;
    ws.addEventListener("open", () => {
        if (settled)
            return;
        settled = true;
        if (ws.protocol !== offered[0]) {
            ws.close(1000);
            onFail(new WsError("ERR_WS_HANDSHAKE", `The server chose the ${ws.protocol || "empty"} subprotocol, which zmtp does not speak`, null));
            return;
        }
        onOpen(new BrowserWsStream(ws));
    });
    const failed = () => {
        if (settled)
            return;
        settled = true;
        onFail(null);
    };
    ws.addEventListener("error", failed);
    ws.addEventListener("close", failed);
    return () => {
        if (!settled) {
            settled = true;
            ws.close(1000);
        }
    };
}
