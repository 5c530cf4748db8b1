/**
 * The opening handshake (src/transport/websocket/handshake.ts): RFC 6455 §1.3's accept key, the
 * request and the 101 exactly as libzmq 4.3.5 writes them (ws_engine.cpp), the response head
 * parser's limits, and every check §4.1 and §4.2.1 ask of each side, good and bad. The last test
 * runs the two halves against node:http's own parser, as ws-upgrade.ts uses them.
 */
import {Buffer} from "node:buffer"
import {createServer, type IncomingMessage} from "node:http"
import {connect, type AddressInfo} from "node:net"
import {describe, expect, test} from "vitest"
import {WsError} from "../../src/transport/websocket/errors.js"
import {acceptKey, checkClientRequest, checkServerResponse, clientRequest, HEAD_MAX, parseResponseHead, serverResponse, WS_GUID, type ResponseHead} from "../../src/transport/websocket/handshake.js"

const key = "dGhlIHNhbXBsZSBub25jZQ=="
const accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

/** What `run` throws: a WsError with code ERR_WS_HANDSHAKE and no close status, else fails. */
function refusal(run: () => unknown): string {
  try {
    run()
  } catch (e) {
    expect(e).toBeInstanceOf(WsError)
    expect(e).toMatchObject({code: "ERR_WS_HANDSHAKE", closeCode: null})
    return (e as WsError).message
  }
  throw new Error("expected a WsError, nothing was thrown")
}

describe("keys", () => {
  test("RFC 6455 §1.3's example accept key", () => {
    expect(WS_GUID).toBe("258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
    expect(acceptKey(key)).toBe(accept)
  })
})

describe("what we send", () => {
  test("the request, byte for byte as libzmq's start_ws_handshake writes it", () => {
    expect(clientRequest({host: "127.0.0.1:5555", path: "/zmq", key, protocols: ["ZWS2.0/NULL", "ZWS2.0"]})).toBe(
      "GET /zmq HTTP/1.1\r\n" +
        "Host: 127.0.0.1:5555\r\n" +
        "Upgrade: websocket\r\n" +
        "Connection: Upgrade\r\n" +
        `Sec-WebSocket-Key: ${key}\r\n` +
        "Sec-WebSocket-Protocol: ZWS2.0/NULL,ZWS2.0\r\n" +
        "Sec-WebSocket-Version: 13\r\n\r\n",
    )
  })

  test("no subprotocol offered: no empty Sec-WebSocket-Protocol header", () => {
    expect(clientRequest({host: "h:1", path: "/", key, protocols: []})).not.toMatch(/Protocol/)
  })

  test("a path with what a request line cannot hold is percent-encoded; an unsafe host, key or subprotocol throws", () => {
    expect(clientRequest({host: "[::1]:80", path: "/a b\r\nX: y/é", key, protocols: []})).toMatch(/^GET \/a%20b%0D%0AX:%20y\/%C3%A9 HTTP\/1\.1\r\nHost: \[::1\]:80\r\n/)
    expect(clientRequest({host: "h:1", path: "rel", key, protocols: []})).toMatch(/^GET \/rel HTTP/)
    expect(refusal(() => clientRequest({host: "h:1\r\nX: y", path: "/", key, protocols: []}))).toMatch(/host/)
    expect(refusal(() => clientRequest({host: "", path: "/", key, protocols: []}))).toMatch(/host/)
    expect(refusal(() => clientRequest({host: "h:1", path: "/", key: "a\r\nb", protocols: []}))).toMatch(/Key/)
    expect(refusal(() => clientRequest({host: "h:1", path: "/", key, protocols: ["ZWS2.0, evil"]}))).toMatch(/subprotocol/)
  })

  test("the 101, byte for byte as libzmq's server_handshake writes it", () => {
    expect(serverResponse(key, "ZWS2.0/NULL")).toBe(
      "HTTP/1.1 101 Switching Protocols\r\n" + "Upgrade: websocket\r\n" + "Connection: Upgrade\r\n" + `Sec-WebSocket-Accept: ${accept}\r\n` + "Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n" + "\r\n",
    )
    expect(serverResponse(key, null)).toBe("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + `Sec-WebSocket-Accept: ${accept}\r\n\r\n`)
  })
})

describe("parseResponseHead", () => {
  const good = serverResponse(key, "ZWS2.0/NULL")

  test("the head, its length, and the WebSocket bytes after it", () => {
    const buf = Buffer.concat([Buffer.from(good), Buffer.from([0x82, 0x01, 0x00])])
    const head = parseResponseHead(buf)!
    expect(head.status).toBe(101)
    expect(head.headLength).toBe(good.length)
    expect(buf.subarray(head.headLength).toString("hex")).toBe("820100")
    expect([...head.headers.keys()]).toEqual(["upgrade", "connection", "sec-websocket-accept", "sec-websocket-protocol"])
    expect(head.headers.get("sec-websocket-accept")).toEqual([accept])
  })

  test("null at every prefix short of the blank line", () => {
    const buf = Buffer.from(good)
    for (let i = 0; i < buf.length; i++) expect(parseResponseHead(buf.subarray(0, i))).toBeNull()
    expect(parseResponseHead(buf)).not.toBeNull()
  })

  test("names lower-cased, values trimmed, repeated headers kept in order, an empty reason allowed", () => {
    const head = parseResponseHead(Buffer.from("HTTP/1.1 101\r\nX-A:  one \t\r\nx-a:two\r\nEmpty:\r\n\r\n"))!
    expect(head.status).toBe(101)
    expect(head.headers.get("x-a")).toEqual(["one", "two"])
    expect(head.headers.get("empty")).toEqual([""])
  })

  test("a head over HEAD_MAX (8 KiB) throws, complete or not; one of exactly HEAD_MAX is read", () => {
    const padded = (size: number) => {
      const start = "HTTP/1.1 101 Switching Protocols\r\nX: "
      return Buffer.from(start + "a".repeat(size - start.length - 4) + "\r\n\r\n")
    }
    expect(padded(HEAD_MAX).length).toBe(HEAD_MAX)
    expect(parseResponseHead(padded(HEAD_MAX))).not.toBeNull()
    expect(refusal(() => parseResponseHead(padded(HEAD_MAX + 1)))).toMatch(/over 8192/)
    expect(parseResponseHead(Buffer.alloc(HEAD_MAX, 0x41))).toBeNull()
    expect(refusal(() => parseResponseHead(Buffer.alloc(HEAD_MAX + 1, 0x41)))).toMatch(/over 8192/)
  })

  test("malformed status and header lines throw", () => {
    const bad = [
      "HTTP/1.0 101 Switching Protocols\r\n\r\n",
      "HTTP/1.1 10 Short\r\n\r\n",
      "HTTP/1.1 abc\r\n\r\n",
      "SSH-2.0-OpenSSH\r\n\r\n",
      "HTTP/1.1 101 OK\r\nno colon here\r\n\r\n",
      "HTTP/1.1 101 OK\r\n: no name\r\n\r\n",
      "HTTP/1.1 101 OK\r\nUpgrade : websocket\r\n\r\n",
      "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n folded\r\n\r\n",
      "HTTP/1.1 101 OK\r\nUpgrade: web\nsocket\r\n\r\n",
      "HTTP/1.1 101 OK\r\nX: a\rb\r\n\r\n",
    ]
    for (const text of bad) expect(refusal(() => parseResponseHead(Buffer.from(text))), JSON.stringify(text)).toMatch(/status line|header line/)
  })
})

describe("checkServerResponse (§4.1)", () => {
  const offered = ["ZWS2.0/NULL", "ZWS2.0"]
  const good = serverResponse(key, "ZWS2.0/NULL")
  const head = (text: string): ResponseHead => parseResponseHead(Buffer.from(text))!
  const check = (text: string, ours: string[] = offered) => () => checkServerResponse(head(text), key, ours)

  test("libzmq's own 101 passes, and gives the subprotocol chosen", () => {
    expect(checkServerResponse(head(good), key, offered)).toBe("ZWS2.0/NULL")
    expect(checkServerResponse(head(serverResponse(key, "ZWS2.0")), key, offered)).toBe("ZWS2.0")
  })

  test("tokens and case as HTTP allows them", () => {
    const loose = good.replace("Upgrade: websocket", "upgrade: WebSocket").replace("Connection: Upgrade", "CONNECTION: keep-alive, upgrade")
    expect(checkServerResponse(head(loose), key, offered)).toBe("ZWS2.0/NULL")
  })

  test("nothing offered and nothing chosen: the empty subprotocol", () => {
    expect(checkServerResponse(head(serverResponse(key, null)), key, [])).toBe("")
  })

  test("each refusal, with a message that says why", () => {
    expect(refusal(check(good.replace("101 Switching Protocols", "404 Not Found")))).toMatch(/answered 404/)
    expect(refusal(check(good.replace("101 Switching Protocols", "200 OK")))).toMatch(/answered 200/)
    expect(refusal(check(good.replace("Upgrade: websocket\r\n", "")))).toMatch(/Upgrade: websocket/)
    expect(refusal(check(good.replace("Upgrade: websocket", "Upgrade: h2c")))).toMatch(/Upgrade: websocket/)
    expect(refusal(check(good.replace("Connection: Upgrade\r\n", "")))).toMatch(/Connection: Upgrade/)
    expect(refusal(check(good.replace("Connection: Upgrade", "Connection: keep-alive")))).toMatch(/Connection: Upgrade/)
    expect(refusal(check(good.replace(`Sec-WebSocket-Accept: ${accept}\r\n`, "")))).toMatch(/no Sec-WebSocket-Accept/)
    expect(refusal(check(good.replace(accept, "AAAA")))).toMatch(/wrong Sec-WebSocket-Accept/)
    expect(refusal(check(good.replace(accept, accept.toLowerCase())))).toMatch(/wrong Sec-WebSocket-Accept/)
    expect(refusal(check(good.replace("\r\n\r\n", `\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)))).toMatch(/Sec-WebSocket-Accept/)
    expect(refusal(check(good.replace("\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n")))).toMatch(/extensions/)
    expect(refusal(check(good, ["ZWS2.0/CURVE"]))).toMatch(/did not offer/)
    expect(refusal(check(good.replace("ZWS2.0/NULL", "zws2.0/null")))).toMatch(/did not offer/)
    expect(refusal(check(good.replace("Sec-WebSocket-Protocol: ZWS2.0/NULL\r\n", "")))).toMatch(/no subprotocol/)
    expect(refusal(check(good.replace("ZWS2.0/NULL", "ZWS2.0/NULL, ZWS2.0")))).toMatch(/several/)
    expect(refusal(check(serverResponse(key, "ZWS2.0"), []))).toMatch(/did not offer/)
  })
})

describe("checkClientRequest (§4.2.1)", () => {
  const ok = {host: "h:1", upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": key, "sec-websocket-version": "13", "sec-websocket-protocol": "ZWS2.0/NULL,ZWS2.0"}

  test("libzmq's request passes: the key and the subprotocols in the client's order", () => {
    expect(checkClientRequest(ok, "GET", "1.1")).toEqual({key, protocols: ["ZWS2.0/NULL", "ZWS2.0"]})
  })

  test("subprotocols from a comma list, repeated headers, or both; any case and spacing of the rest", () => {
    const loose = {...ok, upgrade: "WebSocket", connection: "keep-alive, UPGRADE", "sec-websocket-protocol": ["ZWS2.0/PLAIN , ZWS2.0/CURVE", "ZWS2.0"]}
    expect(checkClientRequest(loose, "GET", "1.1").protocols).toEqual(["ZWS2.0/PLAIN", "ZWS2.0/CURVE", "ZWS2.0"])
    expect(checkClientRequest({...ok, "sec-websocket-protocol": undefined}, "GET", "1.1").protocols).toEqual([])
    expect(checkClientRequest(ok, "GET", "2.0").key).toBe(key)
  })

  test("each refusal, with a message that says why", () => {
    expect(refusal(() => checkClientRequest(ok, "POST", "1.1"))).toMatch(/method POST/)
    expect(refusal(() => checkClientRequest(ok, "GET", "1.0"))).toMatch(/HTTP\/1.0/)
    expect(refusal(() => checkClientRequest(ok, "GET", "x"))).toMatch(/HTTP\/x/)
    expect(refusal(() => checkClientRequest({...ok, upgrade: undefined}, "GET", "1.1"))).toMatch(/Upgrade/)
    expect(refusal(() => checkClientRequest({...ok, upgrade: "h2c"}, "GET", "1.1"))).toMatch(/Upgrade/)
    expect(refusal(() => checkClientRequest({...ok, connection: "keep-alive"}, "GET", "1.1"))).toMatch(/Connection/)
    expect(refusal(() => checkClientRequest({...ok, "sec-websocket-version": "8"}, "GET", "1.1"))).toMatch(/Version 8/)
    expect(refusal(() => checkClientRequest({...ok, "sec-websocket-version": undefined}, "GET", "1.1"))).toMatch(/Version missing/)
    expect(refusal(() => checkClientRequest({...ok, "sec-websocket-version": "13, 8"}, "GET", "1.1"))).toMatch(/Version/)
    expect(refusal(() => checkClientRequest({...ok, "sec-websocket-key": undefined}, "GET", "1.1"))).toMatch(/no Sec-WebSocket-Key/)
    expect(refusal(() => checkClientRequest({...ok, "sec-websocket-key": "short"}, "GET", "1.1"))).toMatch(/16 bytes/)
    expect(refusal(() => checkClientRequest({...ok, "sec-websocket-key": Buffer.alloc(17).toString("base64")}, "GET", "1.1"))).toMatch(/16 bytes/)
    expect(refusal(() => checkClientRequest({...ok, "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ!="}, "GET", "1.1"))).toMatch(/16 bytes/)
    expect(refusal(() => checkClientRequest({...ok, "sec-websocket-key": `${key}, ${key}`}, "GET", "1.1"))).toMatch(/more than one/)
    expect(refusal(() => checkClientRequest({...ok, "sec-websocket-protocol": "ZWS2.0 NULL"}, "GET", "1.1"))).toMatch(/not visible ASCII/)
  })
})

describe("both halves over node:http, as ws-upgrade.ts uses them", () => {
  test("node:http parses our request; we parse its socket's 101", async () => {
    const server = createServer()
    const seen: {protocols: string[]}[] = []
    server.on("upgrade", (req: IncomingMessage, socket) => {
      const got = checkClientRequest(req.headers, req.method!, req.httpVersion)
      seen.push(got)
      socket.end(serverResponse(got.key, got.protocols[0]!))
    })
    await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve))
    const {port} = server.address() as AddressInfo
    try {
      // Our request, and one with Sec-WebSocket-Protocol repeated (which node:http joins).
      const ours = clientRequest({host: `127.0.0.1:${port}`, path: "/", key, protocols: ["ZWS2.0/NULL", "ZWS2.0"]})
      const repeated = ours.replace("Sec-WebSocket-Protocol: ZWS2.0/NULL,ZWS2.0\r\n", "Sec-WebSocket-Protocol: ZWS2.0\r\nSec-WebSocket-Protocol: ZWS2.0/NULL\r\n")
      for (const [request, chosen] of [
        [ours, "ZWS2.0/NULL"],
        [repeated, "ZWS2.0"],
      ] as const) {
        const response = await new Promise<Buffer>((resolve, reject) => {
          const parts: Buffer[] = []
          const socket = connect(port, "127.0.0.1", () => socket.write(request))
          socket.on("data", d => parts.push(d))
          socket.on("end", () => resolve(Buffer.concat(parts)))
          socket.on("error", reject)
        })
        const head = parseResponseHead(response)!
        expect(head.headLength).toBe(response.length)
        expect(checkServerResponse(head, key, ["ZWS2.0/NULL", "ZWS2.0"])).toBe(chosen)
      }
      expect(seen.map(s => s.protocols)).toEqual([
        ["ZWS2.0/NULL", "ZWS2.0"],
        ["ZWS2.0", "ZWS2.0/NULL"],
      ])
    } finally {
      await new Promise(resolve => server.close(resolve))
    }
  })
})
