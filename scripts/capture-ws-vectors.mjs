#!/usr/bin/env node
// Captures spec/vectors/websocket.json from the real libzmq: the devDependency `zeromq` (zeromq.js
// 6.8.0, native libzmq 4.3.5, which has the ws:// transport but not wss://) on one side, a raw
// Node `net` socket speaking HTTP and WebSocket by hand on the other, on 127.0.0.1 only. Never
// part of `npm test`.
//
//   node scripts/capture-ws-vectors.mjs            print the vectors (JSON) on stdout
//   node scripts/capture-ws-vectors.mjs --write    (re)write spec/vectors/websocket.json
//   node scripts/capture-ws-vectors.mjs --probes   also run the probes and print (on stderr)
//                                                  what libzmq did; nothing is written for them
//   node scripts/capture-ws-vectors.mjs --probe NAME   run one probe
//
// How each kind of vector is taken
// - Upgrade requests: a libzmq DEALER (NULL, PLAIN or CURVE) dials a raw listener at
//   ws://127.0.0.1:PORT/path; the bytes up to the blank line are recorded.
// - Upgrade responses: a raw client sends a libzmq DEALER bound to ws://127.0.0.1:0/path the
//   request libzmq's own client would send (with RFC 6455's example key, so the accept value is
//   fixed) and records the answer; also for a request offering only "ZWS2.0".
// - Frames: after the upgrade the raw side plays a DEALER (or PUB, or SUB) over ZWS and records
//   whole WebSocket frames, header included. A raw client masks with RFC 6455's example mask
//   37 FA 21 3D; libzmq's client picks its own masks, which each vector records.
// - CURVE: a libzmq CURVE client and server talk through a raw TCP relay that records the frames
//   going each way; keys and nonces are random, and the vector marks those parts.
// libzmq takes its masking keys and Sec-WebSocket-Key from rand(), which it never seeds, so they
// repeat from run to run as long as nothing else in the process draws from rand() first; every
// capture therefore runs in its own child process, and a re-capture rewrites the file identically
// except for CURVE's keys, nonces and boxes.
//
// Probes (--probes) check what spec/websocket.md describes as "checked on the wire": addresses and
// paths, what libzmq accepts and refuses in the upgrade (as server and as client) and in frames,
// pipelining, closing, the handshake timer, bare ZWS2.0, heartbeats, ZMTP commands sent over ws,
// PUB/SUB per mechanism, and a CURVE MESSAGE flagged COMMAND (a relay between two libzmq sockets
// flips the bit). Each runs in its own process, since some make libzmq abort (that is the finding).
import {createRequire} from "node:module"
import * as net from "node:net"
import {createHash} from "node:crypto"
import {writeFileSync} from "node:fs"
import {fileURLToPath} from "node:url"
import {spawnSync} from "node:child_process"

const require = createRequire(import.meta.url)
const zmq = require("zeromq")

const HOST = "127.0.0.1"
const STEP_MS = 5000
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
const KEY = "dGhlIHNhbXBsZSBub25jZQ==" // RFC 6455 §1.3's example key
const MASK = Buffer.from("37fa213d", "hex") // RFC 6455 §5.7's example mask
const OP = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}

const sleep = ms => new Promise(r => setTimeout(r, ms))
const hex = b => Buffer.from(b).toString("hex").replace(/(..)(?!$)/g, "$1 ")
/** Bytes as spec/vectors pieces (spec/zmtp.md §9): hex, with runs of 16 or more equal bytes as repeats. */
function pieces(b) {
  b = Buffer.from(b)
  const out = []
  let start = 0
  for (let i = 0; i < b.length; ) {
    let j = i
    while (j < b.length && b[j] === b[i]) j++
    if (j - i >= 16) {
      if (i > start) out.push(hex(b.subarray(start, i)))
      out.push({repeat: b.subarray(i, i + 1).toString("hex"), length: j - i})
      start = j
    }
    i = j
  }
  if (start < b.length || out.length === 0) out.push(hex(b.subarray(start)))
  return out
}
const acceptFor = key => createHash("sha1").update(key + GUID).digest("base64")

// ---- HTTP and WebSocket bits for the raw side ----

/** The upgrade request exactly as libzmq's client lays it out (ws_engine.cpp:130-139). */
function request({path = "/path", host = HOST, protocol = "ZWS2.0/NULL,ZWS2.0", key = KEY, lines = null} = {}) {
  const head = lines ?? [
    `GET ${path} HTTP/1.1`,
    `Host: ${host}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${key}`,
    `Sec-WebSocket-Protocol: ${protocol}`,
    "Sec-WebSocket-Version: 13",
  ]
  return Buffer.from(head.join("\r\n") + "\r\n\r\n", "latin1")
}

/** The 101 answer exactly as libzmq's server lays it out (ws_engine.cpp:496-504). */
function response(key, protocol, {lines = null} = {}) {
  const head = lines ?? [
    "HTTP/1.1 101 Switching Protocols",
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Accept: ${acceptFor(key)}`,
    `Sec-WebSocket-Protocol: ${protocol}`,
  ]
  return Buffer.from(head.join("\r\n") + "\r\n\r\n", "latin1")
}

/** One WebSocket frame; `mask` (4 bytes) masks it. */
function wsFrame(opcode, payload, {mask = null, fin = true, rsv = 0, sizeForm = null} = {}) {
  payload = Buffer.from(payload)
  const n = payload.length
  const form = sizeForm ?? (n <= 125 ? 7 : n <= 0xffff ? 16 : 64)
  const head = [(fin ? 0x80 : 0) | (rsv << 4) | opcode]
  const m = mask ? 0x80 : 0
  if (form === 7) head.push(m | n)
  else if (form === 16) head.push(m | 126, n >> 8, n & 0xff)
  else {
    head.push(m | 127)
    const b = Buffer.alloc(8)
    b.writeBigUInt64BE(BigInt(n))
    head.push(...b)
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload])
  const body = Buffer.from(payload.map((x, i) => x ^ mask[i % 4]))
  return Buffer.concat([Buffer.from(head), mask, body])
}

/** A ZWS frame: one binary WebSocket frame holding the flags byte and the ZMTP frame body. */
const zws = (flags, body, mask = null) => wsFrame(2, Buffer.concat([Buffer.of(flags), Buffer.from(body)]), {mask})

/** A ZMTP command body (name length, name, data), without any ZMTP frame header. */
const cmd = (name, data = Buffer.alloc(0)) =>
  Buffer.concat([Buffer.of(name.length), Buffer.from(name, "latin1"), Buffer.from(data)])

function readyBody(props) {
  const parts = [Buffer.of(5), Buffer.from("READY")]
  for (const [k, v] of props) {
    const len = Buffer.alloc(4)
    len.writeUInt32BE(Buffer.byteLength(v, "latin1"))
    parts.push(Buffer.of(k.length), Buffer.from(k, "latin1"), len, Buffer.from(v, "latin1"))
  }
  return Buffer.concat(parts)
}

/** Splits a byte stream into the HTTP head (up to and including the blank line), then WebSocket frames. */
class WsReader {
  constructor() {
    this.buf = Buffer.alloc(0)
    this.head = null
    this.frames = []
    this.waiters = []
    this.closed = false
  }
  push(chunk) {
    this.buf = Buffer.concat([this.buf, chunk])
    if (this.head === null) {
      const end = this.buf.indexOf("\r\n\r\n")
      if (end < 0) return this.wake()
      this.head = this.buf.subarray(0, end + 4).toString("latin1")
      this.buf = this.buf.subarray(end + 4)
    }
    for (;;) {
      const b = this.buf
      if (b.length < 2) break
      const masked = (b[1] & 0x80) !== 0
      let len = b[1] & 0x7f
      let off = 2
      if (len === 126) {
        if (b.length < 4) break
        len = b.readUInt16BE(2)
        off = 4
      } else if (len === 127) {
        if (b.length < 10) break
        len = Number(b.readBigUInt64BE(2))
        off = 10
      }
      const mask = masked ? b.subarray(off, off + 4) : null
      if (masked) off += 4
      if (b.length < off + len) break
      const raw = Buffer.from(b.subarray(0, off + len))
      let payload = Buffer.from(b.subarray(off, off + len))
      if (mask) payload = Buffer.from(payload.map((x, i) => x ^ mask[i % 4]))
      this.frames.push({
        fin: (b[0] & 0x80) !== 0,
        rsv: (b[0] >> 4) & 7,
        opcode: b[0] & 0x0f,
        masked,
        mask: mask && Buffer.from(mask),
        payload,
        raw,
      })
      this.buf = b.subarray(off + len)
    }
    this.wake()
  }
  wake() {
    for (const w of this.waiters.splice(0)) w()
  }
  async until(ok, what, ms = STEP_MS) {
    const deadline = Date.now() + ms
    while (!ok()) {
      const left = deadline - Date.now()
      if (left <= 0 || this.closed) throw new Error(`${this.closed ? "closed" : "timed out"} waiting for ${what}`)
      await new Promise(resolve => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => (clearTimeout(t), resolve()))
      })
    }
  }
  async nextHead() {
    await this.until(() => this.head !== null, "the HTTP head")
    return this.head
  }
  async next(what, ms) {
    await this.until(() => this.frames.length > 0, what, ms)
    return this.frames.shift()
  }
  /** Whether the peer closed within `ms` (frames that came first are kept). */
  async closesWithin(ms) {
    try {
      await this.until(() => this.closed, "close", ms)
    } catch {}
    return this.closed
  }
}

/** Wraps a raw TCP connection; as a client it masks everything it sends with MASK. */
function rawWs(conn, role) {
  const reader = new WsReader()
  conn.on("data", chunk => reader.push(chunk))
  conn.on("close", () => ((reader.closed = true), reader.wake()))
  conn.on("error", () => {})
  const mask = role === "client" ? MASK : null
  return {
    conn,
    reader,
    mask,
    write: b => conn.write(b),
    send: (flags, body) => conn.write(zws(flags, body, mask)),
    sendMessage(parts) {
      parts.forEach((p, i) => conn.write(zws(i < parts.length - 1 ? 1 : 0, Buffer.from(p), mask)))
    },
    ready: type => conn.write(zws(2, readyBody([["Socket-Type", type]]), mask)),
  }
}

function listen() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on("error", reject)
    server.listen(0, HOST, () => resolve(server))
  })
}

function nextConnection(server) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no connection")), STEP_MS)
    server.once("connection", c => (clearTimeout(t), resolve(c)))
  })
}

function dial(port) {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, HOST, () => resolve(c))
    c.once("error", reject)
  })
}

const portOf = endpoint => Number(/:(\d+)(\/|$)/.exec(endpoint)[1])

/** A libzmq socket bound to ws://127.0.0.1:0`path` and its port. */
async function bound(sock, path = "/path") {
  await sock.bind(`ws://${HOST}:0${path}`)
  return portOf(sock.lastEndpoint)
}

/** A raw server and a libzmq socket dialling it at `path`: the accepted connection as a raw server side. */
async function dialledBy(sock, path = "/path") {
  const server = await listen()
  const accepted = nextConnection(server)
  sock.connect(`ws://${HOST}:${server.address().port}${path}`)
  const peer = rawWs(await accepted, "server")
  server.close()
  return peer
}

/** A raw client that sent `req` to a libzmq socket bound with `bound`. */
async function dialling(port, req = request()) {
  const peer = rawWs(await dial(port), "client")
  peer.write(req)
  return peer
}

// ---- describing what was captured ----

const headLines = head => head.replace(/\r\n\r\n$/, "").split("\r\n")

/** A captured HTTP head as vector fields: its lines, and the whole as bytes (CRLFs included). */
const httpVector = head => ({lines: headLines(head), bytes: [{ascii: head}]})

function describeZmtpBody(flags, body) {
  if (!(flags & 2)) return undefined
  const n = body[0]
  const name = body.subarray(1, 1 + n).toString("latin1")
  const out = {name}
  if (name === "READY") {
    const props = []
    for (let i = 1 + n; i < body.length; ) {
      const kl = body[i]
      const k = body.subarray(i + 1, i + 1 + kl).toString("latin1")
      const vl = body.readUInt32BE(i + 1 + kl)
      props.push([k, body.subarray(i + 5 + kl, i + 5 + kl + vl).toString("latin1")])
      i += 5 + kl + vl
    }
    out.properties = props
  }
  return out
}

/** A captured WebSocket frame as vector fields. */
function frameVector(f) {
  const v = {
    wire: pieces(f.raw),
    frame: {fin: f.fin, opcode: OP[f.opcode] ?? f.opcode, masked: f.masked, mask: f.mask ? hex(f.mask) : null, length: f.payload.length},
    payload: pieces(f.payload),
  }
  if (f.opcode === 2 && f.payload.length > 0) {
    const flags = f.payload[0]
    v.zws = {flags, more: (flags & 1) !== 0, command: (flags & 2) !== 0, body: pieces(f.payload.subarray(1))}
    const c = describeZmtpBody(flags, f.payload.subarray(1))
    if (c) v.zws.decoded = c
  }
  return v
}

const vec = (name, fields, captured, source = "libzmq") => ({name, ...fields, source, captured})

// ---- captures (each in its own child process; see the header) ----

const captures = {
  /** The upgrade request of a libzmq client, per mechanism, and what its first frame is. */
  async "client-requests"() {
    const out = []
    const keys = zmq.curveKeyPair()
    const server = zmq.curveKeyPair()
    const cases = [
      ["request-null", {}, "ZWS2.0/NULL", "a DEALER with the NULL mechanism (the default)"],
      ["request-plain", {plainUsername: "admin", plainPassword: "secret"}, "ZWS2.0/PLAIN", "a DEALER with plainUsername \"admin\", plainPassword \"secret\""],
      ["request-curve", {curveServerKey: server.publicKey, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey}, "ZWS2.0/CURVE", "a DEALER with curveServerKey, curvePublicKey and curveSecretKey set"],
    ]
    for (const [name, opts, answer, what] of cases) {
      const sock = new zmq.Dealer({linger: 0, ...opts})
      const peer = await dialledBy(sock)
      const head = await peer.reader.nextHead()
      const key = /Sec-WebSocket-Key: (.*)\r\n/.exec(head)[1]
      out.push(
        vec(
          name,
          {...httpVector(head), key: {value: key, bytes: hex(Buffer.from(key, "base64")), accept: acceptFor(key)}},
          `${what} dialled ws://127.0.0.1:PORT/path (a raw listener); the bytes up to and including the blank line. key: the Sec-WebSocket-Key sent (16 bytes from libzmq's unseeded rand(), the same every run) and the accept value a server must answer`,
        ),
      )
      // Answer with that protocol and record libzmq's first frame, masked.
      peer.write(response(key, answer))
      const f = await peer.reader.next(`${name}: first frame`)
      out.push(
        vec(
          `${name.replace("request", "client-first-frame")}`,
          frameVector(f),
          `the same client, after a raw 101 answer choosing ${answer}: its first WebSocket frame (masked with the mask shown; payload is unmasked)` +
            (answer === "ZWS2.0/PLAIN" ? ". PLAIN HELLO: 05 \"HELLO\", 05 \"admin\", 06 \"secret\"" : ""),
        ),
      )
      peer.conn.destroy()
      sock.close()
    }
    // A NULL client whose server chose bare ZWS2.0: its first frame is its routing id.
    const sock = new zmq.Dealer({linger: 0, routingId: "cli"})
    const peer = await dialledBy(sock)
    const head = await peer.reader.nextHead()
    peer.write(response(/Sec-WebSocket-Key: (.*)\r\n/.exec(head)[1], "ZWS2.0"))
    const f = await peer.reader.next("routing id")
    out.push(
      vec(
        "client-first-frame-bare",
        frameVector(f),
        "a NULL DEALER with routingId \"cli\" dialled a raw server that answered 101 choosing bare \"ZWS2.0\": its first frame, the routing id as a one-frame message (flags 00, \"cli\"), masked; no READY",
      ),
    )
    peer.conn.destroy()
    sock.close()
    return out
  },

  /** What a libzmq server answers, and its first frame, per offered protocol and mechanism. */
  async "server-responses"() {
    const out = []
    const server = zmq.curveKeyPair()
    const cases = [
      ["response-null", {}, "ZWS2.0/NULL,ZWS2.0", "a NULL DEALER bound to ws://127.0.0.1:0/path got the request libzmq's NULL client sends"],
      ["response-bare", {}, "ZWS2.0", "a NULL DEALER got a request offering only \"ZWS2.0\" (no mechanism)"],
      ["response-plain", {plainServer: true}, "ZWS2.0/PLAIN", "a DEALER with plainServer true got the request libzmq's PLAIN client sends"],
      ["response-curve", {curveServer: true, curveSecretKey: server.secretKey, curvePublicKey: server.publicKey}, "ZWS2.0/CURVE", "a DEALER with curveServer true got the request libzmq's CURVE client sends"],
    ]
    for (const [name, opts, protocol, what] of cases) {
      const sock = new zmq.Dealer({linger: 0, ...opts})
      const port = await bound(sock)
      const req = request({protocol})
      const peer = await dialling(port, req)
      const head = await peer.reader.nextHead()
      out.push(
        vec(
          name,
          {request: headLines(req.toString("latin1")), ...httpVector(head)},
          `${what} (Sec-WebSocket-Key: RFC 6455's example "${KEY}", so the accept value is fixed); the bytes up to and including the blank line`,
        ),
      )
      if (name === "response-null" || name === "response-bare") {
        const f = await peer.reader.next(`${name}: first frame`)
        out.push(
          vec(
            name.replace("response", "server-first-frame"),
            frameVector(f),
            name === "response-null"
              ? "the same server: its first WebSocket frame after the 101 (unmasked): READY with the command flag, no ZMTP greeting before it"
              : "the same server after choosing bare ZWS2.0: its first frame is its routing id as a one-frame message (here empty: flags 00, nothing else); no greeting, no READY",
          ),
        )
      }
      peer.conn.destroy()
      sock.close()
    }
    return out
  },

  /** Two-part messages both ways, and what libzmq delivers from a raw peer. */
  async messages() {
    const out = []
    // server -> client: a libzmq DEALER server sends to a raw client
    {
      const sock = new zmq.Dealer({linger: 0})
      const port = await bound(sock)
      const peer = await dialling(port)
      await peer.reader.nextHead()
      await peer.reader.next("READY")
      peer.ready("DEALER")
      await sleep(100)
      await sock.send(["hi", "hello"])
      const a = await peer.reader.next("part 1")
      const b = await peer.reader.next("part 2")
      out.push(
        vec("server-to-client-two-part", {message: ["68 69", "68 65 6c 6c 6f"], frames: [frameVector(a), frameVector(b)]},
          "a libzmq DEALER bound to ws:// sent [\"hi\", \"hello\"] to a raw client DEALER after the NULL handshake: two unmasked frames, flags 01 then 00"),
      )
      // raw client -> libzmq server, masked with MASK: what libzmq delivers
      const wire = [zws(1, Buffer.from("hi"), MASK), zws(0, Buffer.from("hello"), MASK)]
      for (const w of wire) peer.write(w)
      const got = await sock.receive()
      out.push(
        vec("client-to-server-two-part-raw", {message: ["68 69", "68 65 6c 6c 6f"], wire: wire.map(hex), mask: hex(MASK), delivered: got.map(hex)},
          "the raw client sent these two masked frames (mask 37 FA 21 3D, RFC 6455's example) to the libzmq DEALER server; delivered is what its receive() returned", "zmtp"),
      )
      peer.conn.destroy()
      sock.close()
    }
    // client -> server: a libzmq DEALER client sends to a raw server
    {
      const sock = new zmq.Dealer({linger: 0})
      const peer = await dialledBy(sock)
      const head = await peer.reader.nextHead()
      peer.write(response(/Sec-WebSocket-Key: (.*)\r\n/.exec(head)[1], "ZWS2.0/NULL"))
      await peer.reader.next("READY")
      peer.ready("DEALER")
      await sleep(100)
      await sock.send(["hi", "hello"])
      const a = await peer.reader.next("part 1")
      const b = await peer.reader.next("part 2")
      out.push(
        vec("client-to-server-two-part", {message: ["68 69", "68 65 6c 6c 6f"], frames: [frameVector(a), frameVector(b)]},
          "a libzmq DEALER that dialled a raw server sent [\"hi\", \"hello\"] after the NULL handshake: two masked frames, each with its own mask (recorded); payload is unmasked"),
      )
      const wire = [zws(1, Buffer.from("hi")), zws(0, Buffer.from("hello"))]
      for (const w of wire) peer.write(w)
      const got = await sock.receive()
      out.push(
        vec("server-to-client-two-part-raw", {message: ["68 69", "68 65 6c 6c 6f"], wire: wire.map(hex), delivered: got.map(hex)},
          "the raw server sent these two unmasked frames to the libzmq DEALER client; delivered is what its receive() returned", "zmtp"),
      )
      peer.conn.destroy()
      sock.close()
    }
    return out
  },

  /** A SUB's subscription and cancel frames, as client (masked) and as server. */
  async subscriptions() {
    const out = []
    {
      const sub = new zmq.Subscriber({linger: 0})
      const peer = await dialledBy(sub)
      const head = await peer.reader.nextHead()
      peer.write(response(/Sec-WebSocket-Key: (.*)\r\n/.exec(head)[1], "ZWS2.0/NULL"))
      const ready = await peer.reader.next("READY")
      peer.ready("PUB")
      // libzmq's SUB hands its subscriptions over from the application's thread (spec/interop.md
      // L1): keep a receive pending so zeromq.js keeps calling in.
      sub.receive().catch(() => {})
      await sleep(100)
      const steps = [
        ["subscribe-topic", () => sub.subscribe("topic"), "sub.subscribe(\"topic\")"],
        ["unsubscribe-topic", () => sub.unsubscribe("topic"), "sub.unsubscribe(\"topic\")"],
        ["subscribe-all", () => sub.subscribe(), "sub.subscribe() (everything: the empty topic)"],
      ]
      for (const [name, act, what] of steps) {
        act()
        const f = await peer.reader.next(name)
        out.push(vec(`client-${name}`, frameVector(f),
          `a libzmq SUB that dialled a raw PUB over ws (NULL), after the handshake: ${what}. Masked; the payload is flags 00, then 01 (subscribe) or 00 (cancel), then the topic: the ZMTP 3.0 message form, not a SUBSCRIBE command`))
      }
      out.push(vec("client-sub-ready", frameVector(ready), "the same SUB's READY (masked)"))
      peer.conn.destroy()
      sub.close()
    }
    {
      const sub = new zmq.Subscriber({linger: 0})
      const port = await bound(sub)
      const peer = await dialling(port)
      await peer.reader.nextHead()
      await peer.reader.next("READY")
      peer.ready("PUB")
      sub.receive().catch(() => {})
      await sleep(100)
      sub.subscribe("topic")
      const f = await peer.reader.next("subscribe")
      out.push(vec("server-subscribe-topic", frameVector(f),
        "a libzmq SUB bound to ws://, dialled by a raw PUB: sub.subscribe(\"topic\") after the handshake, unmasked"))
      peer.conn.destroy()
      sub.close()
    }
    return out
  },

  /** Heartbeats (WebSocket ping/pong), pong to a ping with data, and the close echo. */
  async control() {
    const out = []
    // server side
    {
      const sock = new zmq.Dealer({linger: 0, heartbeatInterval: 100})
      const port = await bound(sock)
      const peer = await dialling(port)
      await peer.reader.nextHead()
      await peer.reader.next("READY")
      peer.ready("DEALER")
      const ping = await peer.reader.next("ping")
      out.push(vec("server-heartbeat-ping", frameVector(ping),
        "a libzmq DEALER server with heartbeatInterval 100 ms, after the NULL handshake with a raw client: the heartbeat it sends, a WebSocket ping (opcode 9) with no data, not a ZMTP PING command"))
      const ours = wsFrame(9, Buffer.from("abc"), {mask: MASK})
      peer.write(ours)
      let pong
      do pong = await peer.reader.next("pong")
      while (pong.opcode !== 10)
      out.push(vec("server-pong", {sent: pieces(ours), ...frameVector(pong)},
        "the raw client sent the masked ping in `sent` (data \"abc\"); the libzmq server's answer: a pong with no data (RFC 6455 wants the ping's data echoed)"))
      const close = wsFrame(8, Buffer.concat([Buffer.from("03e8", "hex"), Buffer.from("bye")]), {mask: MASK})
      peer.write(close)
      let echo
      do echo = await peer.reader.next("close")
      while (echo.opcode !== 8)
      const closed = await peer.reader.closesWithin(1000)
      out.push(vec("server-close-echo", {sent: pieces(close), ...frameVector(echo), tcpClosed: closed},
        "the raw client sent the masked close frame in `sent` (status 1000, reason \"bye\"); the libzmq server's answer: a close frame with the same payload, then it closed the TCP connection (tcpClosed) at its next output, here the next heartbeat (without heartbeats it waits for the application to send: spec/websocket.md §8)"))
      sock.close()
    }
    // client side
    {
      const sock = new zmq.Dealer({linger: 0, heartbeatInterval: 100})
      const peer = await dialledBy(sock)
      const head = await peer.reader.nextHead()
      peer.write(response(/Sec-WebSocket-Key: (.*)\r\n/.exec(head)[1], "ZWS2.0/NULL"))
      await peer.reader.next("READY")
      peer.ready("DEALER")
      const ping = await peer.reader.next("ping")
      out.push(vec("client-heartbeat-ping", frameVector(ping),
        "a libzmq DEALER client with heartbeatInterval 100 ms, after the NULL handshake with a raw server: its heartbeat, a masked WebSocket ping with no data"))
      const ours = wsFrame(9, Buffer.from("abc"))
      peer.write(ours)
      let pong
      do pong = await peer.reader.next("pong")
      while (pong.opcode !== 10)
      out.push(vec("client-pong", {sent: pieces(ours), ...frameVector(pong)},
        "the raw server sent the unmasked ping in `sent` (data \"abc\"); the libzmq client's answer: a masked pong with no data"))
      const close = wsFrame(8, Buffer.from("03e8", "hex"))
      peer.write(close)
      let echo
      do echo = await peer.reader.next("close")
      while (echo.opcode !== 8)
      const closed = await peer.reader.closesWithin(1000)
      out.push(vec("client-close-echo", {sent: pieces(close), ...frameVector(echo), tcpClosed: closed},
        "the raw server sent the close frame in `sent` (status 1000); the libzmq client echoed it, masked, and closed the TCP connection (tcpClosed) at its next heartbeat"))
      sock.close()
    }
    return out
  },

  /** A whole CURVE connection over ws between two libzmq sockets, through a recording relay. */
  async curve() {
    const srv = zmq.curveKeyPair()
    const cli = zmq.curveKeyPair()
    const server = new zmq.Dealer({linger: 0, curveServer: true, curveSecretKey: srv.secretKey, curvePublicKey: srv.publicKey})
    const port = await bound(server)
    const relay = await listen()
    const log = {c2s: new WsReader(), s2c: new WsReader()}
    relay.on("connection", c => {
      const s = net.connect(port, HOST)
      c.on("data", d => (log.c2s.push(d), s.write(d)))
      s.on("data", d => (log.s2c.push(d), c.write(d)))
      c.on("error", () => {})
      s.on("error", () => {})
      c.on("close", () => s.destroy())
      s.on("close", () => c.destroy())
    })
    const client = new zmq.Dealer({linger: 0, curveServerKey: srv.publicKey, curvePublicKey: cli.publicKey, curveSecretKey: cli.secretKey})
    client.connect(`ws://${HOST}:${relay.address().port}/path`)
    await client.send(["hi", "hello"])
    const got = await server.receive()
    await server.send("back")
    await client.receive()
    await sleep(100)
    const summary = (r, who) =>
      r.frames.map(f => ({
        from: who,
        opcode: OP[f.opcode],
        masked: f.masked,
        flags: f.payload[0],
        command: f.payload.subarray(2, 2 + f.payload[1]).toString("latin1"),
        payloadLength: f.payload.length,
        header: hex(f.raw.subarray(0, f.raw.length - f.payload.length)),
      }))
    const hello = log.c2s.frames[0]
    const p = hello.payload
    const helloVector = {
      name: "hello",
      frame: {fin: hello.fin, opcode: OP[hello.opcode], masked: hello.masked, mask: hex(hello.mask), length: p.length},
      header: hex(hello.raw.subarray(0, 8)),
      layout: [
        {bytes: pieces(p.subarray(0, 1)), what: "ZWS flags: COMMAND"},
        {bytes: pieces(p.subarray(1, 7)), what: "05 \"HELLO\""},
        {bytes: pieces(p.subarray(7, 9)), what: "version 1.0"},
        {bytes: pieces(p.subarray(9, 81)), what: "72 bytes of anti-amplification padding, zero"},
        {random: 32, what: "the client's transient public key C'"},
        {bytes: pieces(p.subarray(113, 121)), what: "short nonce: counter 1"},
        {random: 80, what: "signature box (64 zero bytes, boxed)"},
      ],
      source: "libzmq",
      captured:
        "a libzmq CURVE DEALER client dialled a libzmq CURVE DEALER server over ws:// through a recording relay: its first frame. 201-byte payload (flags + the 200-byte ZMTP HELLO body), so the 16-bit length form: header is 82 FE 00 C9 and the 4-byte mask. layout is the unmasked payload in order; C' and the box are random (libsodium) and differ every run; the mask comes from libzmq's unseeded rand()",
    }
    // sanity: fixed parts
    if (p[0] !== 2 || p.subarray(1, 7).toString("latin1") !== "\x05HELLO" || p.length !== 201) throw new Error("unexpected HELLO " + hex(hello.raw))
    const c2s = summary(log.c2s, "client")
    const s2c = summary(log.s2c, "server")
    relay.close()
    client.close()
    server.close()
    return {
      hello: helloVector,
      connection: {
        name: "curve-connection",
        upgrade: {request: headLines(log.c2s.head), response: headLines(log.s2c.head)},
        client: c2s,
        server: s2c,
        delivered: got.map(hex),
        source: "libzmq",
        captured:
          "the same relay: every WebSocket frame each side sent, in order (client: HELLO, INITIATE, then the MESSAGEs of [\"hi\", \"hello\"]; server: WELCOME, READY, then the MESSAGE of \"back\"). flags is the ZWS flags byte, command the ZMTP command name that follows it; header is the WebSocket header (mask included). Note the MESSAGE frames carry flags 00, not COMMAND, as over ZMTP",
      },
    }
  },
}

// ---- probes: what libzmq does with odd input (printed, not written) ----

/** Runs `--capture NAME` or `--probe NAME` of this file in a child process. */
function child(kind, name) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), kind, name], {encoding: "utf8", timeout: 120000})
  return {status: r.status, signal: r.signal, stdout: r.stdout.trim(), stderr: r.stderr.trim().split("\n").slice(-3).join(" | ")}
}

/** A libzmq DEALER server (`opts`) that a raw client has upgraded to with `req` and then done the NULL handshake with. */
async function serverSession(opts = {}, req = request(), type = "DEALER", Sock = zmq.Dealer) {
  const sock = new Sock({linger: 0, ...opts})
  const port = await bound(sock)
  const peer = await dialling(port, req)
  await peer.reader.nextHead()
  await peer.reader.next("READY")
  peer.ready(type)
  await sleep(100)
  return {sock, peer, port}
}

/** A libzmq DEALER client (`opts`) that dialled a raw server, after the NULL handshake. */
async function clientSession(opts = {}, protocol = "ZWS2.0/NULL") {
  const sock = new zmq.Dealer({linger: 0, ...opts})
  const peer = await dialledBy(sock)
  const head = await peer.reader.nextHead()
  peer.write(response(/Sec-WebSocket-Key: (.*)\r\n/.exec(head)[1], protocol))
  await peer.reader.next("READY")
  peer.ready("DEALER")
  await sleep(100)
  return {sock, peer}
}

/** Whether `sock` delivers a message within `ms`: its parts as text, or "nothing". */
async function delivered(sock, ms = 500) {
  sock.receiveTimeout = ms
  try {
    return JSON.stringify((await sock.receive()).map(b => b.toString("latin1")))
  } catch {
    return "nothing"
  }
}

/**
 * Sends `bytes` to a libzmq server after the handshake, then a valid message "ok", and says what
 * happened: what the application received, what came back, and whether the connection was closed.
 */
async function serverGets(bytes, opts = {}) {
  const {sock, peer} = await serverSession(opts)
  peer.write(bytes)
  const got = await delivered(sock)
  peer.write(zws(0, Buffer.from("ok"), MASK))
  const after = await delivered(sock)
  const closed = await peer.reader.closesWithin(1000)
  const frames = peer.reader.frames.map(f => hex(f.raw))
  sock.close()
  return `delivered ${got}, then ${after}; sent back [${frames.join(" | ")}]; connection ${closed ? "closed" : "up after 1.5 s"}`
}

/** Whether a libzmq server upgrades for raw request `req`: the status line, or "closed, no answer". */
async function upgradeFor(req, opts = {}) {
  const sock = new zmq.Dealer({linger: 0, ...opts})
  const port = await bound(sock)
  const peer = await dialling(port, req)
  let out
  try {
    const head = await peer.reader.nextHead()
    out = headLines(head).join(" / ")
  } catch (e) {
    out = peer.reader.closed ? "closed, no answer" : e.message
  }
  peer.conn.destroy()
  sock.close()
  return out
}

/** What a libzmq client does with raw response `bytes`: whether it goes on to send a frame, and how often it dials in 1.5 s. */
async function clientGets(makeResponse) {
  const sock = new zmq.Dealer({linger: 0, reconnectInterval: 50})
  const server = await listen()
  let dials = 0
  let first = null
  server.on("connection", c => {
    dials++
    const r = rawWs(c, "server")
    r.reader.nextHead().then(head => {
      c.write(makeResponse(/Sec-WebSocket-Key: (.*)\r\n/.exec(head)[1]))
      r.reader.next("frame", 1000).then(f => (first ??= f), () => {})
    }, () => {})
  })
  sock.connect(`ws://${HOST}:${server.address().port}/path`)
  await sleep(1500)
  sock.close()
  server.close()
  return `${first ? "sent " + (frameVector(first).zws?.decoded?.name ?? hex(first.raw)) : "sent no frame"}; dialled ${dials} time(s) in 1.5 s`
}

const probes = {
  async "bind-path-ignored"() {
    console.log("GET /other:", await upgradeFor(request({path: "/other"})))
    console.log("GET /:", await upgradeFor(request({path: "/"})))
    console.log("GET * (any token):", await upgradeFor(request({path: "*"})))
  },
  async "connect-path"() {
    for (const path of ["", "/", "/a/b", "/a?x=1", "/a:b"]) {
      const sock = new zmq.Dealer({linger: 0})
      const server = await listen()
      const accepted = nextConnection(server)
      try {
        sock.connect(`ws://${HOST}:${server.address().port}${path}`)
        const peer = rawWs(await accepted, "server")
        console.log(JSON.stringify(path), "->", headLines(await peer.reader.nextHead())[0], "|", headLines(peer.reader.head)[1])
        peer.conn.destroy()
      } catch (e) {
        console.log(JSON.stringify(path), "->", e.code ?? e.message)
      }
      server.close()
      sock.close()
    }
  },
  async "connect-ipv6-host"() {
    const sock = new zmq.Dealer({linger: 0, ipv6: true})
    const server = net.createServer()
    await new Promise(r => server.listen(0, "::1", r))
    const accepted = nextConnection(server)
    sock.connect(`ws://[::1]:${server.address().port}/path`)
    const peer = rawWs(await accepted, "server")
    console.log(headLines(await peer.reader.nextHead()).slice(0, 2).join(" | "))
    peer.conn.destroy()
    server.close()
    sock.close()
  },
  async "bind-wildcard"() {
    for (const ep of ["ws://*:0/p", "ws://*:*/p", "ws://127.0.0.1:*", "ws://127.0.0.1:0"]) {
      const sock = new zmq.Dealer({linger: 0})
      try {
        await sock.bind(ep)
        console.log(ep, "->", sock.lastEndpoint)
      } catch (e) {
        console.log(ep, "->", e.code ?? e.message)
      }
      sock.close()
    }
    // Two sockets, one port, different paths.
    const a = new zmq.Dealer({linger: 0})
    const b = new zmq.Dealer({linger: 0})
    const port = await bound(a, "/one")
    try {
      await b.bind(`ws://${HOST}:${port}/two`)
      console.log("second bind, same port, other path -> bound", b.lastEndpoint)
    } catch (e) {
      console.log("second bind, same port, other path ->", e.code ?? e.message)
    }
    a.close()
    b.close()
    for (const ep of ["ws://127.0.0.1", "ws://127.0.0.1/p"]) {
      const c = new zmq.Dealer({linger: 0})
      try {
        c.connect(ep)
        console.log("connect", ep, "-> accepted")
      } catch (e) {
        console.log("connect", ep, "->", e.code ?? e.message)
      }
      c.close()
    }
    const s = new zmq.Dealer({linger: 0})
    try {
      await s.bind("wss://127.0.0.1:0/p")
    } catch (e) {
      console.log("wss bind ->", e.code ?? e.message)
    }
    s.close()
  },
  async "upgrade-checks"() {
    const base = [
      "GET /path HTTP/1.1",
      "Host: 127.0.0.1",
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${KEY}`,
      "Sec-WebSocket-Protocol: ZWS2.0/NULL,ZWS2.0",
      "Sec-WebSocket-Version: 13",
    ]
    const without = name => base.filter(l => !l.startsWith(name + ":"))
    const replace = (name, line) => base.map(l => (l.startsWith(name + ":") ? line : l))
    const cases = {
      "no Host": without("Host"),
      "no Sec-WebSocket-Version": without("Sec-WebSocket-Version"),
      "Sec-WebSocket-Version: 8": replace("Sec-WebSocket-Version", "Sec-WebSocket-Version: 8"),
      "no Sec-WebSocket-Key": without("Sec-WebSocket-Key"),
      "Sec-WebSocket-Key: x (not 16 bytes)": replace("Sec-WebSocket-Key", "Sec-WebSocket-Key: x"),
      "no Sec-WebSocket-Protocol": without("Sec-WebSocket-Protocol"),
      "no Upgrade": without("Upgrade"),
      "Upgrade: WebSocket": replace("Upgrade", "Upgrade: WebSocket"),
      "no Connection": without("Connection"),
      "Connection: keep-alive, Upgrade": replace("Connection", "Connection: keep-alive, Upgrade"),
      "Connection: upgrade": replace("Connection", "Connection: upgrade"),
      "header names lower-case": base.map((l, i) => (i === 0 ? l : l.replace(/^[^:]+/, n => n.toLowerCase()))),
      "protocol list with spaces: 'ZWS2.0/PLAIN, ZWS2.0/NULL'": replace("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: ZWS2.0/PLAIN, ZWS2.0/NULL"),
      "protocol two spaces: 'ZWS2.0/PLAIN,  ZWS2.0/NULL'": replace("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: ZWS2.0/PLAIN,  ZWS2.0/NULL"),
      "protocol in two headers": [...without("Sec-WebSocket-Protocol"), "Sec-WebSocket-Protocol: ZWS2.0/PLAIN", "Sec-WebSocket-Protocol: ZWS2.0/NULL"],
      "protocol 'zws2.0/null' (case)": replace("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: zws2.0/null"),
      "protocol 'ZWS2.0/PLAIN' only": replace("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: ZWS2.0/PLAIN"),
      "protocol 'ZWS2.0/CURVE' only": replace("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: ZWS2.0/CURVE"),
      "protocol 'ZWS2.0,ZWS2.0/NULL' (bare first)": replace("Sec-WebSocket-Protocol", "Sec-WebSocket-Protocol: ZWS2.0,ZWS2.0/NULL"),
      "HTTP/1.0": ["GET /path HTTP/1.0", ...base.slice(1)],
      "POST": ["POST /path HTTP/1.1", ...base.slice(1)],
      "LF line ends": null,
      "Origin header added": [...base, "Origin: http://example.com"],
    }
    for (const [name, lines] of Object.entries(cases)) {
      const req = lines ? request({lines}) : Buffer.from(base.join("\n") + "\n\n", "latin1")
      console.log(name, "->", await upgradeFor(req))
    }
    console.log("PLAIN server, 'ZWS2.0/NULL,ZWS2.0' ->", await upgradeFor(request(), {plainServer: true}))
    console.log("PLAIN server, 'ZWS2.0/NULL,ZWS2.0/PLAIN' ->", await upgradeFor(request({protocol: "ZWS2.0/NULL,ZWS2.0/PLAIN"}), {plainServer: true}))
  },
  async "client-response-checks"() {
    const ok = (key, proto = "ZWS2.0/NULL") => response(key, proto)
    const cases = {
      "as libzmq answers": key => ok(key),
      "wrong Sec-WebSocket-Accept": key => response(key, "ZWS2.0/NULL", {lines: ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "Sec-WebSocket-Protocol: ZWS2.0/NULL"]}),
      "no Sec-WebSocket-Accept": key => response(key, "", {lines: ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Protocol: ZWS2.0/NULL"]}),
      "no Sec-WebSocket-Protocol": key => response(key, "", {lines: ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Accept: ${acceptFor(key)}`]}),
      "protocol ZWS2.0 (bare)": key => ok(key, "ZWS2.0"),
      "protocol ZWS2.0/PLAIN to a NULL client": key => ok(key, "ZWS2.0/PLAIN"),
      "Connection: keep-alive, Upgrade": key => response(key, "", {lines: ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: keep-alive, Upgrade", `Sec-WebSocket-Accept: ${acceptFor(key)}`, "Sec-WebSocket-Protocol: ZWS2.0/NULL"]}),
      "reason phrase 'OK'": key => response(key, "", {lines: ["HTTP/1.1 101 OK", "Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Accept: ${acceptFor(key)}`, "Sec-WebSocket-Protocol: ZWS2.0/NULL"]}),
      "HTTP/1.1 404 Not Found": () => Buffer.from("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
      "protocol header twice": key => response(key, "", {lines: ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Accept: ${acceptFor(key)}`, "Sec-WebSocket-Protocol: ZWS2.0/NULL", "Sec-WebSocket-Protocol: ZWS2.0/NULL"]}),
      "TCP close, no answer": () => null,
    }
    for (const [name, make] of Object.entries(cases)) {
      const wrap = key => make(key) ?? Buffer.alloc(0)
      if (name === "TCP close, no answer") {
        const sock = new zmq.Dealer({linger: 0, reconnectInterval: 50})
        const server = await listen()
        let dials = 0
        server.on("connection", c => (dials++, c.destroy()))
        sock.connect(`ws://${HOST}:${server.address().port}/path`)
        await sleep(1500)
        sock.close()
        server.close()
        console.log(name, "->", `dialled ${dials} time(s) in 1.5 s`)
        continue
      }
      console.log(name, "->", await clientGets(wrap))
    }
  },
  async "frames-to-server"() {
    const M = MASK
    const cases = {
      "masked binary, flags 00 'x' (control)": zws(0, Buffer.from("x"), M),
      "unmasked binary frame": zws(0, Buffer.from("x")),
      "text frame 'x'": wsFrame(1, Buffer.from("\x00x"), {mask: M}),
      "non-final binary then continuation": Buffer.concat([wsFrame(2, Buffer.from("\x00a"), {mask: M, fin: false}), wsFrame(0, Buffer.from("b"), {mask: M})]),
      "empty binary frame (no flags byte)": wsFrame(2, Buffer.alloc(0), {mask: M}),
      "RSV1 set on a binary frame": wsFrame(2, Buffer.from("\x00x"), {mask: M, rsv: 4}),
      "reserved opcode 3": wsFrame(3, Buffer.from("\x00x"), {mask: M}),
      "flags byte 0x80 (unknown bits)": zws(0x80, Buffer.from("x"), M),
      "flags 03 (MORE+COMMAND) 'x' then 00 'y'": Buffer.concat([zws(3, Buffer.from("x"), M), zws(0, Buffer.from("y"), M)]),
      "length 'x' in the 16-bit form": wsFrame(2, Buffer.from("\x00x"), {mask: M, sizeForm: 16}),
      "length 'x' in the 64-bit form": wsFrame(2, Buffer.from("\x00x"), {mask: M, sizeForm: 64}),
      "ping with 126 bytes of data (over the 125 limit)": wsFrame(9, Buffer.alloc(126, 0x61), {mask: M}),
      "pong nobody asked for": wsFrame(10, Buffer.alloc(0), {mask: M}),
      "ZMTP PING command in a binary frame": zws(2, cmd("PING", Buffer.from("0000", "hex")), M),
      "unknown command 'FOO'": zws(2, cmd("FOO"), M),
      "a second READY": zws(2, readyBody([["Socket-Type", "DEALER"]]), M),
      "close, no payload": wsFrame(8, Buffer.alloc(0), {mask: M}),
    }
    for (const [name, bytes] of Object.entries(cases)) console.log(name, "->", await serverGets(bytes))
    // The peer's READY (26 bytes after the flags byte) must fit too.
    console.log("maxMessageSize 64, body 64 ->", await serverGets(zws(0, Buffer.alloc(64, 0x61), M), {maxMessageSize: 64}))
    console.log("maxMessageSize 64, body 65 ->", await serverGets(zws(0, Buffer.alloc(65, 0x61), M), {maxMessageSize: 64}))
    console.log("maxMessageSize 64, ping with 65 bytes ->", await serverGets(wsFrame(9, Buffer.alloc(65, 0x61), {mask: M}), {maxMessageSize: 64}))
  },
  async "frames-to-client"() {
    const cases = {
      "masked frame from the server": zws(0, Buffer.from("x"), MASK),
      "unmasked 'x' (control)": zws(0, Buffer.from("x")),
    }
    for (const [name, bytes] of Object.entries(cases)) {
      const {sock, peer} = await clientSession()
      peer.write(bytes)
      const got = await delivered(sock)
      peer.write(zws(0, Buffer.from("ok")))
      const after = await delivered(sock)
      const closed = await peer.reader.closesWithin(1000)
      console.log(name, "->", `delivered ${got}, then ${after}; connection ${closed ? "closed" : "up after 1.5 s"}`)
      sock.close()
    }
  },
  async "handshake-phase-control"() {
    // A ping and a close before the peer's READY (during the NULL handshake).
    for (const [name, f] of [["ping", wsFrame(9, Buffer.alloc(0), {mask: MASK})], ["close", wsFrame(8, Buffer.from("03e8", "hex"), {mask: MASK})]]) {
      const sock = new zmq.Dealer({linger: 0})
      const port = await bound(sock)
      const peer = await dialling(port)
      await peer.reader.nextHead()
      await peer.reader.next("READY")
      peer.write(f)
      const closed = await peer.reader.closesWithin(500)
      console.log(`${name} before our READY ->`, `sent back [${peer.reader.frames.map(x => hex(x.raw)).join(" | ")}]; connection ${closed ? "closed" : "up"}`)
      sock.close()
    }
  },
  async "socket-type-mismatch"() {
    // A raw client announcing PUB to a libzmq DEALER server over ws.
    const sock = new zmq.Dealer({linger: 0})
    const peer = await dialling(await bound(sock))
    await peer.reader.nextHead()
    await peer.reader.next("READY")
    peer.ready("PUB")
    const closed = await peer.reader.closesWithin(1000)
    console.log("READY with Socket-Type PUB to a DEALER ->", `sent back [${peer.reader.frames.map(f => hex(f.raw)).join(" | ")}];`, closed ? "closed" : "up")
    sock.close()
  },
  async "pipelined-request"() {
    // Bytes that arrive in the same read as something libzmq has not answered yet.
    const R = zws(2, readyBody([["Socket-Type", "DEALER"]]), MASK)
    const m = zws(0, Buffer.from("early"), MASK)
    for (const [name, first, later] of [
      ["request + READY + message in one write", Buffer.concat([request(), R, m]), null],
      ["request + READY in one write, message later", Buffer.concat([request(), R]), m],
      ["request, then READY + message in one write before the server's READY is read", request(), Buffer.concat([R, m])],
    ]) {
      const sock = new zmq.Dealer({linger: 0})
      const port = await bound(sock)
      const peer = rawWs(await dial(port), "client")
      peer.write(first)
      if (later) {
        if (name.startsWith("request + READY")) await peer.reader.next("READY")
        peer.write(later)
      }
      const got = await delivered(sock, 1000)
      peer.write(zws(0, Buffer.from("ok"), MASK))
      const after = await delivered(sock)
      console.log(name, "->", `delivered ${got}, then ${after}; got back [${peer.reader.frames.map(f => frameVector(f).zws?.decoded?.name ?? hex(f.raw)).join(", ")}]; ${peer.reader.closed ? "closed" : "up"}`)
      peer.conn.destroy()
      sock.close()
    }
  },
  async "close-without-heartbeat"() {
    // A close frame to a libzmq server with no heartbeats: when does it close the TCP connection?
    const {sock, peer} = await serverSession()
    peer.write(wsFrame(8, Buffer.from("03e8", "hex"), {mask: MASK}))
    const closed = await peer.reader.closesWithin(2000)
    console.log("after the close frame:", `sent back [${peer.reader.frames.map(f => hex(f.raw)).join(" | ")}];`, closed ? "closed" : "still open after 2 s")
    if (!closed) {
      await sock.send("x").catch(e => console.log("send:", e.code ?? e.message))
      console.log("after the application sends:", (await peer.reader.closesWithin(1000)) ? "closed" : "still open", `[${peer.reader.frames.map(f => hex(f.raw)).join(" | ")}]`)
    }
    sock.close()
    // And when libzmq ends a connection itself: a server socket closed, a client that disconnects.
    const s2 = await serverSession()
    s2.sock.close()
    const c2 = await s2.peer.reader.closesWithin(2000)
    console.log("libzmq server socket closed ->", `sent [${s2.peer.reader.frames.map(f => hex(f.raw)).join(" | ")}];`, c2 ? "TCP closed" : "still open")
    const c3 = await clientSession()
    c3.sock.close()
    const closed3 = await c3.peer.reader.closesWithin(2000)
    console.log("libzmq client socket closed ->", `sent [${c3.peer.reader.frames.map(f => hex(f.raw)).join(" | ")}];`, closed3 ? "TCP closed" : "still open")
  },
  async "handshake-timeout"() {
    for (const stage of ["no request", "no READY"]) {
      const sock = new zmq.Dealer({linger: 0, handshakeInterval: 200})
      const port = await bound(sock)
      const peer = rawWs(await dial(port), "client")
      if (stage === "no READY") peer.write(request())
      const closed = await peer.reader.closesWithin(1500)
      console.log(`handshakeInterval 200 ms, ${stage} ->`, closed ? "closed within 1.5 s" : "still open after 1.5 s")
      peer.conn.destroy()
      sock.close()
    }
  },
  async "bare-zws"() {
    // A ROUTER server: the client's first frame becomes its routing id.
    const router = new zmq.Router({linger: 0})
    const port = await bound(router)
    const peer = await dialling(port, request({protocol: "ZWS2.0"}))
    console.log("ROUTER, 101:", headLines(await peer.reader.nextHead()).at(-1))
    const first = await peer.reader.next("routing id")
    console.log("ROUTER's first frame:", hex(first.raw), "payload", hex(first.payload))
    peer.write(zws(0, Buffer.from("abc"), MASK))
    peer.write(zws(0, Buffer.from("hello"), MASK))
    console.log("ROUTER delivered:", await delivered(router))
    await router.send(["abc", "back"])
    const back = await peer.reader.next("reply")
    console.log("ROUTER replied:", hex(back.payload))
    peer.conn.destroy()
    router.close()
    // A DEALER server: a peer of any type (no READY, so no Socket-Type check).
    const d = new zmq.Dealer({linger: 0, routingId: "srv"})
    const p2 = await dialling(await bound(d), request({protocol: "ZWS2.0"}))
    await p2.reader.nextHead()
    console.log("DEALER with routingId 'srv', first frame:", hex((await p2.reader.next("id")).payload))
    p2.write(zws(0, Buffer.alloc(0), MASK))
    p2.write(zws(0, Buffer.from("x"), MASK))
    console.log("DEALER delivered:", await delivered(d))
    p2.conn.destroy()
    d.close()
    // A PUB: subscriptions without a handshake
    const pub = new zmq.Publisher({linger: 0})
    const p3 = await dialling(await bound(pub), request({protocol: "ZWS2.0"}))
    await p3.reader.nextHead()
    await p3.reader.next("id")
    p3.write(zws(0, Buffer.alloc(0), MASK))
    p3.write(zws(0, Buffer.from("\x01"), MASK))
    await sleep(100)
    await pub.send("to-all")
    console.log("PUB sent to a bare ZWS2.0 SUB:", hex((await p3.reader.next("pub msg")).payload))
    // A ping in bare mode
    p3.write(wsFrame(9, Buffer.alloc(0), {mask: MASK}))
    const closed = await p3.reader.closesWithin(300)
    console.log("ping in bare mode -> sent back", JSON.stringify(p3.reader.frames.map(f => hex(f.raw))), closed ? "closed" : "up")
    p3.conn.destroy()
    pub.close()
  },
  async "bare-zws-heartbeat"() {
    // heartbeatInterval on a server that chose bare ZWS2.0: is the process still alive after the first heartbeat?
    const sock = new zmq.Dealer({linger: 0, heartbeatInterval: 100})
    const peer = await dialling(await bound(sock), request({protocol: "ZWS2.0"}))
    await peer.reader.nextHead()
    peer.write(zws(0, Buffer.alloc(0), MASK))
    await sleep(500)
    console.log("alive after 500 ms; frames:", JSON.stringify(peer.reader.frames.map(f => hex(f.raw))))
    sock.close()
  },
  async "mechanism-pubsub"() {
    // PUB/SUB and DEALER/DEALER between two libzmq sockets, over tcp and over ws, per mechanism.
    // libzmq's PLAIN server needs a ZAP handler (plain_server.cpp:151-156): one that says 200 to all.
    const zap = new zmq.Router({linger: 0})
    await zap.bind("inproc://zeromq.zap.01")
    ;(async () => {
      for await (const [id, empty, version, requestId] of zap) await zap.send([id, empty, version, requestId, "200", "OK", "", ""])
    })().catch(() => {})
    const srv = zmq.curveKeyPair()
    const cli = zmq.curveKeyPair()
    const cases = {
      NULL: [{}, {}],
      PLAIN: [{plainServer: true}, {plainUsername: "u", plainPassword: "p"}],
      CURVE: [{curveServer: true, curveSecretKey: srv.secretKey}, {curveServerKey: srv.publicKey, curvePublicKey: cli.publicKey, curveSecretKey: cli.secretKey}],
    }
    for (const transport of ["tcp", "ws"]) {
      for (const [name, [po, so]] of Object.entries(cases)) {
        for (const [Bind, Connect, what] of [[zmq.Dealer, zmq.Dealer, "DEALER-DEALER"], [zmq.Publisher, zmq.Subscriber, "PUB-SUB"]]) {
          const a = new Bind({linger: 0, sendTimeout: 50, ...po})
          await a.bind(`${transport}://${HOST}:0${transport === "ws" ? "/path" : ""}`)
          const b = new Connect({linger: 0, receiveTimeout: 100, ...so})
          b.connect(a.lastEndpoint)
          if (what === "PUB-SUB") b.subscribe("")
          let got = "nothing in 3 s"
          for (let i = 0; i < 30; i++) {
            await a.send("m").catch(() => {})
            try {
              await b.receive()
              got = `delivered after ${i + 1} send(s)`
              break
            } catch {}
          }
          console.log(`${transport} ${name} ${what} (connecting side subscribes/receives) ->`, got)
          a.close()
          b.close()
        }
      }
    }
    zap.close()
  },
  async "curve-message-flags"() {
    // Two libzmq CURVE DEALERs through a relay that sets the COMMAND bit on the client's MESSAGE
    // frames (the third client frame on): does the server still deliver them?
    const srv = zmq.curveKeyPair()
    const cli = zmq.curveKeyPair()
    for (const flip of [false, true]) {
      const server = new zmq.Dealer({linger: 0, receiveTimeout: 1000, curveServer: true, curveSecretKey: srv.secretKey})
      const port = await bound(server)
      const relay = await listen()
      relay.on("connection", c => {
        const s = net.connect(port, HOST)
        let buf = Buffer.alloc(0)
        let head = false
        let n = 0
        c.on("data", d => {
          buf = Buffer.concat([buf, d])
          if (!head) {
            const end = buf.indexOf("\r\n\r\n")
            if (end < 0) return
            s.write(buf.subarray(0, end + 4))
            buf = buf.subarray(end + 4)
            head = true
          }
          for (;;) {
            if (buf.length < 2) break
            let len = buf[1] & 0x7f
            let off = 2
            if (len === 126) (len = buf.length >= 4 ? buf.readUInt16BE(2) : Infinity), (off = 4)
            else if (len === 127) (len = buf.length >= 10 ? Number(buf.readBigUInt64BE(2)) : Infinity), (off = 10)
            off += 4 // client frames are masked
            if (buf.length < off + len) break
            const f = Buffer.from(buf.subarray(0, off + len))
            if (flip && ++n > 2 && (f[0] & 0x0f) === 2) f[off] ^= 0x02 // masked flags byte: flip COMMAND
            s.write(f)
            buf = buf.subarray(off + len)
          }
        })
        s.on("data", d => c.write(d))
        c.on("error", () => {})
        s.on("error", () => {})
        c.on("close", () => s.destroy())
        s.on("close", () => c.destroy())
      })
      const client = new zmq.Dealer({linger: 0, curveServerKey: srv.publicKey, curvePublicKey: cli.publicKey, curveSecretKey: cli.secretKey})
      client.connect(`ws://${HOST}:${relay.address().port}/path`)
      await client.send("m")
      console.log(flip ? "MESSAGE frames flagged 02 (COMMAND) ->" : "MESSAGE frames as sent (flags 00) ->", await delivered(server, 1500))
      relay.close()
      client.close()
      server.close()
    }
  },
  async "subscribe-command-form"() {
    // A raw SUB sends the ZMTP 3.1 SUBSCRIBE command, not the message form, to a libzmq PUB over ws.
    for (const [name, frame] of [
      ["SUBSCRIBE command (flags 02, 09 'SUBSCRIBE')", zws(2, cmd("SUBSCRIBE"), MASK)],
      ["message form (flags 00, 01)", zws(0, Buffer.of(1), MASK)],
    ]) {
      const {sock, peer} = await serverSession({}, request(), "SUB", zmq.Publisher)
      peer.write(frame)
      await sleep(100)
      await sock.send("m")
      let got = "nothing"
      try {
        got = hex((await peer.reader.next("msg", 500)).payload)
      } catch {}
      console.log(name, "-> PUB sent", got)
      peer.conn.destroy()
      sock.close()
    }
  },
  async "heartbeat-timeout"() {
    // A libzmq server with heartbeats, and a peer that never answers its WebSocket pings.
    const {sock, peer} = await serverSession({heartbeatInterval: 100, heartbeatTimeout: 300})
    const start = Date.now()
    // never answer the WebSocket pings
    const closed = await peer.reader.closesWithin(1500)
    console.log("pings never answered, heartbeatTimeout 300 ->", closed ? `closed after ~${Date.now() - start} ms` : "up after 1.5 s")
    console.log("  frames:", JSON.stringify(peer.reader.frames.map(f => OP[f.opcode])))
    sock.close()
  },
}

/**
 * Frames a libzmq server refuses after the NULL handshake, built here (masked with MASK) and
 * checked with --probe frames-to-server; not captured from libzmq. `libzmq` says what it did.
 */
const REFUSED = [
  ["non-final", Buffer.concat([wsFrame(2, Buffer.from("\x00a"), {mask: MASK, fin: false}), wsFrame(0, Buffer.from("b"), {mask: MASK})]), "a binary frame without FIN, then its continuation: libzmq does not reassemble fragments", "stops reading"],
  ["text", wsFrame(1, Buffer.from("\x00x"), {mask: MASK}), "a text frame (opcode 1)", "stops reading"],
  ["reserved-opcode", wsFrame(3, Buffer.from("\x00x"), {mask: MASK}), "opcode 3", "stops reading"],
  ["empty-binary", wsFrame(2, Buffer.alloc(0), {mask: MASK}), "a binary frame with no payload, so no flags byte", "stops reading"],
  ["unmasked-to-server", zws(0, Buffer.from("x")), "an unmasked frame sent to a server", "stops reading"],
  ["masked-to-client", zws(0, Buffer.from("x"), MASK), "a masked frame sent to a client (checked against a libzmq client)", "stops reading"],
  ["over-maxmsgsize", zws(0, Buffer.alloc(65, 0x61), MASK), "a 65-byte body to a server with maxMessageSize 64 (64 is delivered)", "closes"],
].map(([name, bytes, what, libzmq]) => ({
  name,
  wire: pieces(bytes),
  note: what,
  libzmq:
    libzmq === "closes"
      ? "closes the connection (a protocol error: EMSGSIZE)"
      : "stops reading this connection: nothing more is delivered from it, and it is not closed (its decoder fails without setting errno, and a leftover EAGAIN makes the engine pause input instead of failing)",
  source: "zmtp",
}))

// ---- main ----

async function main() {
  const args = process.argv.slice(2)
  if (args[0] === "--probe") {
    await probes[args[1]]()
    return
  }
  if (args[0] === "--capture") {
    process.stdout.write(JSON.stringify(await captures[args[1]]()))
    return
  }
  if (args.includes("--probes")) {
    for (const name of Object.keys(probes)) console.error(`probe ${name}:`, JSON.stringify(child("--probe", name), null, 1))
  }
  const got = {}
  for (const name of Object.keys(captures)) {
    const r = child("--capture", name)
    if (r.status !== 0) throw new Error(`capture ${name} failed: ${r.stderr}`)
    got[name] = JSON.parse(r.stdout)
  }
  const byName = (list, ...names) => names.map(n => list.find(v => v.name === n) ?? (() => { throw new Error(`no ${n}`) })())
  const doc = {
    description:
      "ZeroMQ over WebSocket (spec/websocket.md), captured from libzmq 4.3.5 (zeromq.js 6.8.0, ws:// only; wss:// is not built in) on 127.0.0.1 by scripts/capture-ws-vectors.mjs, which says how. `wire` is one whole WebSocket frame, header included, as hex; `payload` is its payload unmasked; `zws` splits a binary frame's payload into the ZWS flags byte and the ZMTP frame body. HTTP heads are given as `lines` (without CRLF) and as `bytes` (the exact bytes, CRLFs and the blank line included). Vectors with source \"libzmq\" are bytes libzmq sent; source \"zmtp\" marks bytes the raw side sent, with what libzmq delivered.",
    libzmq: zmq.version,
    upgradeRequests: byName(got["client-requests"], "request-null", "request-plain", "request-curve"),
    upgradeResponses: got["server-responses"].filter(v => v.name.startsWith("response-")),
    firstFrames: [
      ...byName(got["server-responses"], "server-first-frame-null", "server-first-frame-bare"),
      ...byName(got["client-requests"], "client-first-frame-null", "client-first-frame-bare", "client-first-frame-plain"),
    ],
    messages: got.messages,
    subscriptions: got.subscriptions,
    control: got.control,
    curve: got.curve,
    refused: REFUSED,
  }
  const json = JSON.stringify(doc, null, 2) + "\n"
  if (args.includes("--write")) {
    writeFileSync(fileURLToPath(new URL("../spec/vectors/websocket.json", import.meta.url)), json)
    console.error("wrote spec/vectors/websocket.json")
  } else process.stdout.write(json)
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e)
    process.exit(1)
  },
)
