/**
 * The WebSocket opening handshake (RFC 6455 §4) as libzmq's ws engine does it (ws_engine.cpp):
 * the client's GET request with its key and subprotocols, the server's 101 with the accept key,
 * and the checks each side makes of the other. Pure text and bytes, no I/O.
 *
 * We send exactly what libzmq sends, but check more than it reads: libzmq's client never checks
 * Sec-WebSocket-Accept (ws_engine.cpp leaves it unchecked) and wants the status line to read
 * "HTTP/1.1 101 Switching Protocols" to the letter; its server ignores Sec-WebSocket-Version and
 * the key's form. We follow §4.1 and §4.2.1, which libzmq's own output always satisfies.
 *
 * node:crypto (SHA-1 for the accept key) is imported here and nowhere else in websocket/: a page's
 * WebSocket does its own handshake, so a browser build needs none of this file.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { WsError } from "./errors.js";
/** §1.3: appended to the client's key before hashing. */
export const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/**
 * The most a response head may hold, status line to blank line. libzmq bounds each header (names
 * 1 KiB, values 2 KiB) but not their number; a bound on the whole is what keeps our buffer finite,
 * and a 101 is a few hundred bytes.
 */
export const HEAD_MAX = 8192;
/** §4.2.2 item 5.4: base64(SHA-1(key + GUID)); the key is used as sent, not decoded. */
export function acceptKey(key) {
    return createHash("sha1").update(key + WS_GUID, "latin1").digest("base64");
}
function fail(why) {
    // closeCode null: there is no WebSocket yet to send a Close frame on.
    throw new WsError("ERR_WS_HANDSHAKE", why, null);
}
/** RFC 7230 §3.2.6 token characters: a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * One subprotocol. §4.1 item 10 asks for U+0021-U+007E without RFC 2616's separators, and "/" is
 * one of them: "ZWS2.0/NULL" is not a valid subprotocol name, and a browser's WebSocket refuses to
 * offer it (which is why a page speaks bare "ZWS2.0"). libzmq sends it, so we take visible ASCII
 * less the comma that separates the list.
 */
const PROTOCOL = /^[\x21-\x2b\x2d-\x7e]+$/;
/**
 * The upgrade request, in libzmq's form and header order (ws_engine.cpp start_ws_handshake), the
 * subprotocols joined by a bare comma as libzmq joins them ("ZWS2.0/NULL,ZWS2.0"). With none
 * offered the header is left out (§4.1 item 10: it lists one or more).
 *
 * The path comes from the user's endpoint: a byte a request-target cannot hold (a space, a control
 * character, non-ASCII) is percent-encoded (RFC 3986 §2.1), where libzmq sends it raw and breaks
 * its own request line. Host, key and subprotocols are ours; one that could end a line throws.
 */
export function clientRequest(o) {
    if (o.host === "" || /[\0-\x20\x7f]/.test(o.host))
        fail(`A WebSocket host of ${JSON.stringify(o.host)}`);
    if (!/^[A-Za-z0-9+/]+=*$/.test(o.key))
        fail(`A Sec-WebSocket-Key of ${JSON.stringify(o.key)}: not base64`);
    for (const p of o.protocols)
        if (!PROTOCOL.test(p))
            fail(`A subprotocol of ${JSON.stringify(p)}: not visible ASCII without commas`);
    const path = requestTarget(o.path);
    return (`GET ${path} HTTP/1.1\r\n` +
        `Host: ${o.host}\r\n` +
        "Upgrade: websocket\r\n" +
        "Connection: Upgrade\r\n" +
        `Sec-WebSocket-Key: ${o.key}\r\n` +
        (o.protocols.length > 0 ? `Sec-WebSocket-Protocol: ${o.protocols.join(",")}\r\n` : "") +
        "Sec-WebSocket-Version: 13\r\n\r\n");
}
/** `path` as an origin-form request-target (RFC 7230 §5.3.1): "/" first, only visible ASCII. */
function requestTarget(path) {
    const target = path.startsWith("/") ? path : "/" + path;
    return target.replace(/[^\x21-\x7e]/gu, c => Buffer.from(c, "utf8").toString("hex").replace(/../g, "%$&").toUpperCase());
}
/**
 * The 101 a server sends, worded as libzmq's server_handshake words it. With no subprotocol
 * (null) the header is left out (§4.2.2: the server then chose none).
 */
export function serverResponse(key, protocol) {
    return ("HTTP/1.1 101 Switching Protocols\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
        (protocol !== null ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : "") +
        "\r\n");
}
/**
 * The server's response head (status line and headers, through CRLFCRLF), or null while it has
 * not all arrived. Call it again with the bytes so far each time more come. Throws a WsError once
 * the head is over HEAD_MAX bytes (complete or not: a server does not get to make us buffer
 * without end), or on a status line or header line that is not HTTP/1.1's form.
 */
export function parseResponseHead(buf) {
    const end = buf.indexOf("\r\n\r\n", 0, "latin1");
    if (end < 0 ? buf.length > HEAD_MAX : end + 4 > HEAD_MAX)
        fail(`An upgrade response head over ${HEAD_MAX} bytes`);
    if (end < 0)
        return null;
    const lines = buf.toString("latin1", 0, end).split("\r\n");
    // RFC 7230 §3.1.2: HTTP-version SP status-code SP reason-phrase (the reason may be empty).
    const status = /^HTTP\/1\.1 (\d{3})(?: [^\0-\x08\x0a-\x1f\x7f]*)?$/.exec(lines[0]);
    if (!status)
        fail(`Not an HTTP/1.1 status line: ${JSON.stringify(lines[0].slice(0, 80))}`);
    const headers = new Map();
    for (const line of lines.slice(1)) {
        // A name is a token right before the colon: no space (RFC 7230 §3.2.4), so no obsolete line
        // folding either, and no bare CR or LF (the split above leaves them in a line).
        const colon = line.indexOf(":");
        const name = colon > 0 ? line.slice(0, colon) : "";
        const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
        if (!TOKEN.test(name) || /[\0-\x08\x0a-\x1f\x7f]/.test(value))
            fail(`A malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
        const key = name.toLowerCase();
        const values = headers.get(key);
        if (values)
            values.push(value);
        else
            headers.set(key, [value]);
    }
    return { status: Number(status[1]), headers, headLength: end + 4 };
}
/** Comma-separated tokens of every value of a header (sent once or repeated), trimmed. */
function tokens(values) {
    if (values === undefined)
        return [];
    const list = typeof values === "string" ? [values] : values;
    return list
        .flatMap(v => v.split(","))
        .map(t => t.trim())
        .filter(t => t.length > 0);
}
function hasToken(values, token) {
    return tokens(values).some(t => t.toLowerCase() === token);
}
/**
 * §4.1's checks of the server's answer to our request (key `key`, subprotocols `offered`);
 * returns the subprotocol it chose. ZWS needs one: when we offered any, a response choosing none
 * fails (libzmq's client fails it too); "" only when we offered none and got none.
 */
export function checkServerResponse(res, key, offered) {
    const refused = (why) => fail(`WebSocket upgrade refused: ${why}`);
    // §4.1 item 1: "If the status code received from the server is not 101, the client handles the
    // response per HTTP procedures" (we follow no redirects or authentication: a failure).
    if (res.status !== 101)
        refused(`the server answered ${res.status}, not 101`);
    // Items 2 and 3: case-insensitive; Connection is a token list ("keep-alive, Upgrade").
    if (!hasToken(res.headers.get("upgrade"), "websocket"))
        refused("no Upgrade: websocket");
    if (!hasToken(res.headers.get("connection"), "upgrade"))
        refused("no Connection: Upgrade");
    // Item 4: the accept key, compared exactly (base64 is case-sensitive); one, not several.
    const accept = res.headers.get("sec-websocket-accept") ?? [];
    if (accept.length !== 1 || accept[0] !== acceptKey(key))
        refused(accept.length === 0 ? "no Sec-WebSocket-Accept" : `a wrong Sec-WebSocket-Accept (${accept.join(", ")})`);
    // Item 5: we request no extension, so any in use is one we cannot read (RSV bits, §5.2).
    const extensions = tokens(res.headers.get("sec-websocket-extensions"));
    if (extensions.length > 0)
        refused(`the server uses extensions we did not ask for: ${extensions.join(", ")}`);
    // Item 6: at most one subprotocol, one we offered (compared exactly: §4.1 item 10's tokens).
    const chosen = tokens(res.headers.get("sec-websocket-protocol"));
    if (chosen.length === 0 && offered.length === 0)
        return "";
    if (chosen.length === 0)
        refused(`the server chose no subprotocol; we offered ${offered.join(", ")}`);
    if (chosen.length > 1)
        refused(`the server chose several subprotocols: ${chosen.join(", ")}`);
    if (!offered.includes(chosen[0]))
        refused(`the server chose ${chosen[0]}, which we did not offer (${offered.join(", ") || "none"})`);
    return chosen[0];
}
/**
 * §4.2.1's checks of a client's upgrade request, as node:http's "upgrade" event gives it
 * (`headers` with lower-cased names; a repeated header as an array or joined by ", "). Returns
 * the key and the subprotocols offered, in the client's order of preference (§4.1 item 10), from
 * every Sec-WebSocket-Protocol header: libzmq's server accepts both the comma list it sends and a
 * header per subprotocol.
 */
export function checkClientRequest(headers, method, httpVersion) {
    const bad = (why) => fail(`Bad WebSocket upgrade request: ${why}`);
    // Item 1: "An HTTP/1.1 or higher GET request".
    if (method !== "GET")
        bad(`method ${method}, not GET`);
    const version = /^(\d+)\.(\d+)$/.exec(httpVersion);
    if (!version || Number(version[1]) < 1 || (Number(version[1]) === 1 && Number(version[2]) < 1))
        bad(`HTTP/${httpVersion}, not 1.1 or later`);
    // Items 3 and 4.
    if (!hasToken(headers["upgrade"], "websocket"))
        bad("no Upgrade: websocket");
    if (!hasToken(headers["connection"], "upgrade"))
        bad("no Connection: Upgrade");
    // Item 6: exactly 13 (§4.4: a server would answer 426 with the versions it speaks).
    const versions = tokens(headers["sec-websocket-version"]);
    if (versions.length !== 1 || versions[0] !== "13")
        bad(`Sec-WebSocket-Version ${versions.join(", ") || "missing"}, not 13`);
    // Item 5: one key, "a base64-encoded value that, when decoded, is 16 bytes in length".
    const keys = tokens(headers["sec-websocket-key"]);
    if (keys.length !== 1)
        bad(keys.length === 0 ? "no Sec-WebSocket-Key" : "more than one Sec-WebSocket-Key");
    const key = keys[0];
    // 16 bytes are 22 base64 digits and "==". The last digit's 4 unused bits are not checked (a
    // lenient decoder, as most are, still reads 16 bytes); the accept key hashes the text anyway.
    if (!/^[A-Za-z0-9+/]{22}==$/.test(key))
        bad(`Sec-WebSocket-Key ${JSON.stringify(key.slice(0, 40))} is not 16 bytes in base64`);
    const protocols = tokens(headers["sec-websocket-protocol"]);
    for (const p of protocols)
        if (!PROTOCOL.test(p))
            bad(`a subprotocol of ${JSON.stringify(p.slice(0, 40))}: not visible ASCII`);
    return { key, protocols };
}
