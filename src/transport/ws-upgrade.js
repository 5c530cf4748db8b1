/**
 * The HTTP upgrade that turns a tcp (or TLS) connection into a ZWS one (RFC 6455 §4; libzmq
 * ws_engine.cpp's client_handshake and server_handshake; spec/websocket.md):
 *
 * - the client sends a GET with Sec-WebSocket-Protocol listing the ZWS subprotocols of its
 *   mechanism (NULL: "ZWS2.0/NULL,ZWS2.0", as libzmq does), reads the 101 and checks it;
 * - the server (node:http's "upgrade" event, so it reads any HTTP request correctly) picks the
 *   first offered subprotocol its own mechanism speaks and answers 101, or refuses with 400.
 *   Bare "ZWS2.0" (what a browser offers) means no handshake, routing ids instead (zws-frames.ts).
 *
 * Either way the result is a ZwsStream for a ZmtpEngine. A peer that never completes the upgrade
 * is dropped after `timeoutMs`, as the engine's handshake deadline would.
 */
import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import { ZwsStream } from "../engine/zws-stream.js";
import { WsError } from "./websocket/errors.js";
import { checkClientRequest, checkServerResponse, clientRequest, parseResponseHead, serverResponse } from "./websocket/handshake.js";
/** Bare "ZWS2.0": no security handshake, routing ids instead (NULL only; zws-frames.ts). */
export const BARE_ZWS = "ZWS2.0";
/**
 * The ZWS subprotocols a mechanism speaks, in the order libzmq's client offers them (and a server
 * accepts: the first of the client's list that it speaks, ws_engine.cpp server_handshake).
 */
export function zwsProtocols(mechanism) {
    switch (mechanism) {
        case "plain":
            return ["ZWS2.0/PLAIN"];
        case "curve":
            return ["ZWS2.0/CURVE"];
        default:
            return ["ZWS2.0/NULL", BARE_ZWS];
    }
}
/** A random 16-byte nonce, base64 (RFC 6455 §4.1). */
function newKey() {
    const nonce = new Uint8Array(16);
    globalThis.crypto.getRandomValues(nonce);
    return Buffer.from(nonce).toString("base64");
}
/**
 * The client side: sends the upgrade request on `socket` and calls `done` with the ZwsStream,
 * or with an error (the connection is then destroyed).
 */
export function upgradeAsClient(socket, host, path, o, done) {
    const key = newKey();
    const offered = zwsProtocols(o.mechanism);
    let head = Buffer.alloc(0);
    let finished = false;
    const timer = o.timeoutMs > 0 ? setTimeout(() => finish(new WsError("ERR_WS_HANDSHAKE", `No WebSocket upgrade within ${o.timeoutMs} ms`, null, { fatal: false, kind: "other" })), o.timeoutMs) : null;
    timer?.unref();
    const finish = (error, stream = null) => {
        if (finished)
            return;
        finished = true;
        if (timer)
            clearTimeout(timer);
        socket.off("data", onData);
        socket.off("error", onFailure);
        socket.off("close", onClosed);
        if (error) {
            socket.destroy();
            done(null, error);
        }
        else {
            done(stream);
        }
    };
    const onData = (chunk) => {
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
        try {
            const response = parseResponseHead(head);
            if (response === null)
                return;
            const protocol = checkServerResponse(response, key, offered);
            // Stop reading until the stream listens: nothing may be lost in between.
            socket.pause();
            finish(null, new ZwsStream(socket, true, head.subarray(response.headLength), o.maxMessage, protocol === BARE_ZWS));
        }
        catch (e) {
            finish(e);
        }
    };
    const onFailure = (e) => finish(e);
    const onClosed = () => finish(new WsError("ERR_WS_HANDSHAKE", "The server closed the connection during the WebSocket upgrade", null, { fatal: false, kind: "other" }));
    socket.on("data", onData);
    socket.on("error", onFailure);
    socket.on("close", onClosed);
    socket.write(clientRequest({ host, path, key, protocols: offered }));
}
/**
 * The server side for one listener: hand it each accepted connection; `onStream` gets each one
 * that upgraded. Any other HTTP request gets 426 Upgrade Required; a bad upgrade 400.
 */
export class UpgradeServer {
    o;
    http;
    constructor(o, onStream, onRefused) {
        this.o = o;
        const http = createServer();
        this.http = http;
        http.on("request", (_req, res) => {
            res.writeHead(426, { Connection: "close", Upgrade: "websocket" }).end();
        });
        http.on("upgrade", (req, socket, head) => {
            const ws = socket;
            this.settled(socket);
            try {
                const { key, protocols } = checkClientRequest(req.headers, req.method ?? "", req.httpVersion);
                const ours = zwsProtocols(o.mechanism);
                const protocol = protocols.find(p => ours.includes(p));
                if (protocol === undefined) {
                    throw new WsError("ERR_WS_HANDSHAKE", `The client offered ${protocols.join(", ") || "no subprotocol"}; this socket speaks ${ours.join(" or ")}`, 1002);
                }
                ws.write(serverResponse(key, protocol));
                onStream(new ZwsStream(ws, false, head, o.maxMessage, protocol === BARE_ZWS));
            }
            catch (e) {
                ws.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
                onRefused(e);
            }
        });
        http.on("clientError", (_e, socket) => socket.destroy());
    }
    /** Connections not upgraded yet, with their deadline. */
    waiting = new Map();
    /** A new tcp (or TLS) connection to serve. */
    accept(socket) {
        // A client that never sends its upgrade is dropped (node:http's own timeouts only run for a
        // server that listens itself).
        const ms = this.o.timeoutMs;
        const timer = ms > 0 ? setTimeout(() => socket.destroy(), ms).unref() : null;
        this.waiting.set(socket, timer);
        socket.once("close", () => this.settled(socket));
        this.http.emit("connection", socket);
        // The listener accepts paused (pauseOnConnect): node:http reads only a flowing socket.
        socket.resume();
    }
    settled(socket) {
        const timer = this.waiting.get(socket);
        if (timer)
            clearTimeout(timer);
        this.waiting.delete(socket);
    }
    close() {
        this.http.close();
    }
}
