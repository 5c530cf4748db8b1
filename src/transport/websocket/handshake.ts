/**
 * The WebSocket opening handshake (RFC 6455 §4) as libzmq's ws engine does it (ws_engine.cpp):
 * the client's GET request with its key and subprotocols, the server's 101 with the accept key,
 * and the checks each side makes of the other. Pure text and bytes, no I/O; the SHA-1 of the
 * accept key is the only use of node:crypto (a browser's own WebSocket does its handshake itself).
 */
import {Buffer} from "node:buffer"
import {createHash} from "node:crypto"
import {WsError} from "./errors.js"

/** §1.3: appended to the client's key before hashing. */
export const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/** The most a response head may hold before we give up on it. */
const HEAD_MAX = 8192

/** §4.2.2: base64(SHA-1(key + GUID)). */
export function acceptKey(key: string): string {
  return createHash("sha1").update(key + WS_GUID).digest("base64")
}

/** The upgrade request, in libzmq's header order (ws_engine.cpp start_ws_handshake). */
export function clientRequest(o: {host: string; path: string; key: string; protocols: readonly string[]}): string {
  return (
    `GET ${o.path} HTTP/1.1\r\n` +
    `Host: ${o.host}\r\n` +
    "Upgrade: websocket\r\n" +
    "Connection: Upgrade\r\n" +
    `Sec-WebSocket-Key: ${o.key}\r\n` +
    `Sec-WebSocket-Protocol: ${o.protocols.join(",")}\r\n` +
    "Sec-WebSocket-Version: 13\r\n\r\n"
  )
}

/** The 101 a server sends (as libzmq's server_handshake words it). */
export function serverResponse(key: string, protocol: string | null): string {
  return (
    "HTTP/1.1 101 Switching Protocols\r\n" +
    "Upgrade: websocket\r\n" +
    "Connection: Upgrade\r\n" +
    `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
    (protocol !== null ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : "") +
    "\r\n"
  )
}

export interface ResponseHead {
  status: number
  /** Lower-cased names; a header sent more than once keeps every value. */
  headers: Map<string, string[]>
  /** Bytes of the head, through its blank line: what follows is WebSocket data. */
  headLength: number
}

/** The server's response head, or null while it has not all arrived. */
export function parseResponseHead(buf: Buffer): ResponseHead | null {
  const end = buf.indexOf("\r\n\r\n", 0, "latin1")
  if (end < 0) {
    if (buf.length > HEAD_MAX) throw new WsError("ERR_WS_HANDSHAKE", `An upgrade response head over ${HEAD_MAX} bytes`, null)
    return null
  }
  const lines = buf.toString("latin1", 0, end).split("\r\n")
  const status = /^HTTP\/1\.1 (\d{3})(?: .*)?$/.exec(lines[0]!)
  if (!status) throw new WsError("ERR_WS_HANDSHAKE", `Not an HTTP/1.1 status line: ${JSON.stringify(lines[0]!.slice(0, 80))}`, null)
  const headers = new Map<string, string[]>()
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":")
    if (colon <= 0) throw new WsError("ERR_WS_HANDSHAKE", `A malformed header line: ${JSON.stringify(line.slice(0, 80))}`, null)
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    const values = headers.get(name)
    if (values) values.push(value)
    else headers.set(name, [value])
  }
  return {status: Number(status[1]), headers, headLength: end + 4}
}

/** Comma-separated tokens of every value of a header, trimmed. */
function tokens(values: readonly string[] | string | undefined): string[] {
  if (values === undefined) return []
  const list = typeof values === "string" ? [values] : values
  return list.flatMap(v => v.split(",")).map(t => t.trim()).filter(t => t.length > 0)
}

function hasToken(values: readonly string[] | string | undefined, token: string): boolean {
  return tokens(values).some(t => t.toLowerCase() === token)
}

/** §4.1's checks of the server's answer; returns the subprotocol it chose. */
export function checkServerResponse(res: ResponseHead, key: string, offered: readonly string[]): string {
  const fail = (why: string): never => {
    throw new WsError("ERR_WS_HANDSHAKE", `WebSocket upgrade refused: ${why}`, null)
  }
  if (res.status !== 101) fail(`the server answered ${res.status}`)
  if (!hasToken(res.headers.get("upgrade"), "websocket")) fail("no Upgrade: websocket")
  if (!hasToken(res.headers.get("connection"), "upgrade")) fail("no Connection: Upgrade")
  if (res.headers.get("sec-websocket-accept")?.[0] !== acceptKey(key)) fail("a wrong Sec-WebSocket-Accept")
  const chosen = tokens(res.headers.get("sec-websocket-protocol"))
  if (chosen.length !== 1 || !offered.includes(chosen[0]!)) fail(`the subprotocol ${chosen.join(",") || "(none)"} was not offered`)
  return chosen[0]!
}

/** §4.2.1's checks of a client's request (as node:http parsed it); its key and subprotocols. */
export function checkClientRequest(headers: Record<string, string | string[] | undefined>, method: string, httpVersion: string): {key: string; protocols: string[]} {
  const fail = (why: string): never => {
    throw new WsError("ERR_WS_HANDSHAKE", `Bad WebSocket upgrade request: ${why}`, null)
  }
  if (method !== "GET") fail(`method ${method}`)
  const [major, minor] = httpVersion.split(".").map(Number)
  if (!(major! > 1 || (major === 1 && minor! >= 1))) fail(`HTTP/${httpVersion}`)
  if (!hasToken(headers["upgrade"], "websocket")) fail("no Upgrade: websocket")
  if (!hasToken(headers["connection"], "upgrade")) fail("no Connection: Upgrade")
  if (tokens(headers["sec-websocket-version"])[0] !== "13") fail("Sec-WebSocket-Version is not 13")
  const key = tokens(headers["sec-websocket-key"])[0] ?? ""
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) fail("Sec-WebSocket-Key is not 16 bytes in base64")
  return {key, protocols: tokens(headers["sec-websocket-protocol"])}
}
