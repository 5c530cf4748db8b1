#!/usr/bin/env node
// Captures spec/vectors/draft.json from the real libzmq: the devDependency `zeromq` (zeromq.js
// 6.8.0, native libzmq 4.3.5 built with the draft API) on one side, a raw Node `net` or `dgram`
// socket on the other, on 127.0.0.1 only. Never part of `npm test`.
//
//   node scripts/capture-draft-vectors.mjs            print the vectors (JSON) on stdout
//   node scripts/capture-draft-vectors.mjs --write    (re)write spec/vectors/draft.json
//   node scripts/capture-draft-vectors.mjs --probes   also run the probes and print (on stderr)
//                                                     what libzmq did; nothing is written for them
//   node scripts/capture-draft-vectors.mjs --probe NAME   run one probe
//
// How each kind of vector is taken
// - READY: the raw side speaks ZMTP 3.1 with NULL (64-byte greeting, then a READY naming the
//   type libzmq's socket accepts) and records the first command frame libzmq sends after its
//   greeting. A libzmq SERVER, RADIO, GATHER binds and the raw side dials; a CLIENT, DISH,
//   SCATTER dials the raw side. PEER and CHANNEL have no class in zeromq.js, so they are made
//   with its native Socket and the type number (19, 20).
// - JOIN/LEAVE: a libzmq DISH dials a raw "RADIO"; after the handshake the DISH joins and leaves
//   groups and the raw side records each whole command frame (header included). The connection
//   is then cut and the JOINs the DISH sends on its next connection are recorded too.
// - RADIO over ZMTP: a raw "DISH" dials a libzmq RADIO, sends JOIN, and records the frames of a
//   message the RADIO then sends to that group.
// - UDP: a raw dgram socket receives what a libzmq RADIO connected to `udp://127.0.0.1:port`
//   sends; a libzmq DGRAM bound to `udp://127.0.0.1:port` receives a raw datagram (its address
//   frame is recorded) and sends one back to the address it was given; raw datagrams sent to a
//   libzmq DISH bound to `udp://127.0.0.1:port` are recorded with what the DISH delivered.
// Each step waits for bytes, at most 5 s. A fixed source port (47913, else any) keeps the DGRAM
// address frame the same from run to run, so a re-capture rewrites the file identically.
//
// Probes (--probes) check the behaviour spec/draft-sockets.md describes as "checked on the wire":
// what a DISH does with odd frames, commands and datagrams, a RADIO with a 256-byte JOIN, SERVER
// routing errors, udp:// endpoints and addresses. Each runs in its own process, since some make
// libzmq abort (that is the finding).
import {createRequire} from "node:module"
import * as net from "node:net"
import * as dgram from "node:dgram"
import {writeFileSync} from "node:fs"
import {fileURLToPath} from "node:url"
import {spawnSync} from "node:child_process"

const require = createRequire(import.meta.url)
process.removeAllListeners("warning") // zeromq/draft warns that it is experimental
const zmq = require("zeromq")
const draft = require("zeromq/draft")
const native = require("zeromq/lib/native")

const HOST = "127.0.0.1"
const STEP_MS = 5000

// ---- ZMTP bits for the raw side (spec/zmtp.md §2, §3, §4) ----

function greeting(minor = 1) {
  const g = Buffer.alloc(64)
  g[0] = 0xff
  g[9] = 0x7f
  g[10] = 3
  g[11] = minor
  g.write("NULL", 12, "latin1")
  return g
}

function frame(flags, body) {
  const long = body.length > 255
  const head = Buffer.alloc(long ? 9 : 2)
  head[0] = flags | (long ? 0x02 : 0)
  if (long) head.writeBigUInt64BE(BigInt(body.length), 1)
  else head[1] = body.length
  return Buffer.concat([head, body])
}

function command(name, data) {
  return frame(0x04, Buffer.concat([Buffer.of(name.length), Buffer.from(name, "latin1"), data]))
}

function ready(socketType) {
  const name = Buffer.from("Socket-Type", "latin1")
  const value = Buffer.from(socketType, "latin1")
  const len = Buffer.alloc(4)
  len.writeUInt32BE(value.length)
  return command("READY", Buffer.concat([Buffer.of(name.length), name, len, value]))
}

/** Splits a byte stream into its 64-byte greeting and then whole frames (raw bytes kept). */
class Reader {
  constructor() {
    this.buf = Buffer.alloc(0)
    this.greeting = null
    this.frames = []
    this.waiters = []
  }
  push(chunk) {
    this.buf = Buffer.concat([this.buf, chunk])
    if (!this.greeting) {
      if (this.buf.length < 64) return
      this.greeting = this.buf.subarray(0, 64)
      this.buf = this.buf.subarray(64)
    }
    for (;;) {
      if (this.buf.length < 2) break
      const flags = this.buf[0]
      const long = (flags & 0x02) !== 0
      const headLen = long ? 9 : 2
      if (this.buf.length < headLen) break
      const size = long ? Number(this.buf.readBigUInt64BE(1)) : this.buf[1]
      if (this.buf.length < headLen + size) break
      const raw = this.buf.subarray(0, headLen + size)
      this.frames.push({flags, body: raw.subarray(headLen), raw: Buffer.from(raw)})
      this.buf = this.buf.subarray(headLen + size)
    }
    this.wake()
  }
  wake() {
    for (const w of this.waiters.splice(0)) w()
  }
  /** The next frame, waiting up to STEP_MS. */
  async next(what) {
    const deadline = Date.now() + STEP_MS
    while (this.frames.length === 0) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${what}`)
      await new Promise(resolve => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => (clearTimeout(t), resolve()))
      })
    }
    return this.frames.shift()
  }
}

/** Wraps a raw TCP connection as a ZMTP 3.`minor` peer of `ourType`: greeting and READY go out at once. */
function rawPeer(conn, ourType, minor = 1) {
  const reader = new Reader()
  let closed = false
  conn.on("data", chunk => reader.push(chunk))
  conn.on("close", () => ((closed = true), reader.wake()))
  conn.on("error", () => {})
  conn.write(Buffer.concat([greeting(minor), ready(ourType)]))
  return {
    reader,
    conn,
    get closed() {
      return closed
    },
    /** Libzmq's READY (the first frame after its greeting). */
    async handshake() {
      const f = await reader.next("READY")
      if (!(f.flags & 0x04) || f.body.subarray(1, 6).toString("latin1") !== "READY") throw new Error("no READY")
      return f
    },
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

async function freePort() {
  const s = await listen()
  const {port} = s.address()
  await new Promise(r => s.close(r))
  return port
}

function udpSocket(port = 0) {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket("udp4")
    s.once("error", reject)
    s.bind(port, HOST, () => resolve(s))
  })
}

function nextDatagram(sock) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no datagram")), STEP_MS)
    sock.once("message", (msg, rinfo) => (clearTimeout(t), resolve({msg, rinfo})))
  })
}

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

/** A socket of a draft type that zeromq.js has no class for (PEER 19, CHANNEL 20). */
function nativeSocket(type) {
  class Draft extends native.Socket {
    constructor() {
      super(type, {})
    }
  }
  return new Draft()
}

// ---- captures ----

/** READY of a libzmq socket that dials us (`make` gives the socket) or that we dial. */
async function captureReady(make, peerType, side) {
  const sock = make()
  try {
    let peer
    if (side === "connect") {
      const server = await listen()
      const accepted = nextConnection(server)
      sock.connect(`tcp://${HOST}:${server.address().port}`)
      peer = rawPeer(await accepted, peerType)
      const f = await peer.handshake()
      peer.conn.destroy()
      server.close()
      return f
    }
    const port = await freePort()
    await sock.bind(`tcp://${HOST}:${port}`)
    peer = rawPeer(await dial(port), peerType)
    const f = await peer.handshake()
    peer.conn.destroy()
    return f
  } finally {
    sock.close()
  }
}

function readyVector(name, socketType, f, how) {
  return {
    name,
    wire: pieces(f.raw),
    command: {name: "READY", properties: [["Socket-Type", socketType]]},
    source: "libzmq",
    captured: how,
  }
}

async function captureReadies() {
  const out = []
  const cases = [
    ["ready-client", "CLIENT", () => new draft.Client(), "SERVER", "connect"],
    ["ready-server", "SERVER", () => new draft.Server(), "CLIENT", "bind"],
    ["ready-radio", "RADIO", () => new draft.Radio(), "DISH", "bind"],
    ["ready-dish", "DISH", () => new draft.Dish(), "RADIO", "connect"],
    ["ready-scatter", "SCATTER", () => new draft.Scatter(), "GATHER", "connect"],
    ["ready-gather", "GATHER", () => new draft.Gather(), "SCATTER", "bind"],
    ["ready-peer", "PEER", () => nativeSocket(19), "PEER", "bind"],
    ["ready-channel", "CHANNEL", () => nativeSocket(20), "CHANNEL", "bind"],
  ]
  for (const [name, type, make, peerType, side] of cases) {
    const f = await captureReady(make, peerType, side)
    const how =
      side === "connect"
        ? `a libzmq ${type} dialled a raw ${peerType}; its first frame after the greeting`
        : `a raw ${peerType} dialled a libzmq ${type}; its first frame after the greeting`
    out.push(readyVector(name, type, f, how))
  }
  return out
}

/** JOIN/LEAVE frames of a libzmq DISH that dials a raw RADIO. */
async function captureDish() {
  const dish = new draft.Dish()
  const server = await listen()
  const vectors = []
  const long = "g".repeat(255)
  try {
    const accepted = nextConnection(server)
    dish.connect(`tcp://${HOST}:${server.address().port}`)
    const peer = rawPeer(await accepted, "RADIO")
    await peer.handshake()
    const steps = [
      ["join-grp", () => dish.join("grp"), "JOIN", "grp", "dish.join(\"grp\") after the handshake"],
      ["leave-grp", () => dish.leave("grp"), "LEAVE", "grp", "dish.leave(\"grp\")"],
      ["join-empty", () => dish.join(""), "JOIN", "", "dish.join(\"\"): the empty group"],
      [
        "join-nul-cut",
        () => dish.join(Buffer.from("fo\x00ba")),
        "JOIN",
        "fo",
        "dish.join(Buffer.from(\"fo\\x00ba\")): libzmq keeps groups as C strings, so only \"fo\" goes out",
      ],
      ["join-255", () => dish.join(long), "JOIN", long, "dish.join of a 255-byte group (the most libzmq allows): a long frame"],
    ]
    for (const [name, act, cmd, group, how] of steps) {
      act()
      const f = await peer.reader.next(name)
      const body = f.body
      const expected = Buffer.concat([Buffer.of(cmd.length), Buffer.from(cmd), Buffer.from(group)])
      if (!(f.flags & 0x04) || !body.equals(expected)) throw new Error(`${name}: unexpected ${hex(f.raw)}`)
      vectors.push({
        name,
        wire: pieces(f.raw),
        command: {name: cmd, group: pieces(Buffer.from(group))},
        source: "libzmq",
        captured: `a libzmq DISH dialled a raw RADIO; ${how}`,
      })
    }
    // The DISH now has "", "fo" and the long group. Cut the connection: on the next one it sends
    // a JOIN for each of them after the handshake, unasked. Like a SUB's (spec/interop.md L1), the
    // re-sending happens in the application's thread: zeromq.js calls in only while a receive is
    // pending, so one is left pending.
    dish.receive().catch(() => {})
    const again = nextConnection(server)
    peer.conn.destroy()
    const peer2 = rawPeer(await again, "RADIO")
    await peer2.handshake()
    const rejoined = []
    for (let i = 0; i < 3; i++) rejoined.push(await peer2.reader.next("re-sent JOIN"))
    await sleep(100)
    if (peer2.reader.frames.length) throw new Error("more than three JOINs re-sent")
    const groups = rejoined.map(f => f.body.subarray(5).toString("latin1")).sort()
    const want = ["", "fo", long].sort()
    if (JSON.stringify(groups) !== JSON.stringify(want)) throw new Error(`re-sent ${groups}`)
    peer2.conn.destroy()
    return {
      vectors,
      rejoin: {
        name: "rejoin-after-reconnect",
        note: "after the connection was cut, the DISH redialled and, right after the handshake, sent one JOIN per group it had joined (order is libzmq's std::set order, sorted by bytes)",
        wire: rejoined.flatMap(f => pieces(f.raw)),
        groups: rejoined.map(f => pieces(f.body.subarray(5))),
        source: "libzmq",
        captured: "a libzmq DISH (joined \"\", \"fo\" and the 255-byte group) dialled a raw RADIO, which cut the connection and accepted the redial",
      },
    }
  } finally {
    dish.close()
    server.close()
  }
}

/** The two-frame form of a libzmq RADIO's message, as a raw DISH that joined the group gets it. */
async function captureRadio() {
  const radio = new draft.Radio()
  const out = []
  try {
    const port = await freePort()
    await radio.bind(`tcp://${HOST}:${port}`)
    const peer = rawPeer(await dial(port), "DISH")
    await peer.handshake()
    peer.conn.write(command("JOIN", Buffer.from("grp")))
    peer.conn.write(command("JOIN", Buffer.from("e")))
    const cases = [
      ["radio-grp-hello", "grp", "hello"],
      ["radio-empty-body", "e", ""],
    ]
    for (const [name, group, body] of cases) {
      // The RADIO drops a message for a group nobody has joined yet: send until one arrives.
      let got
      for (let i = 0; i < 100 && !got; i++) {
        await radio.send(body, {group})
        await sleep(20)
        if (peer.reader.frames.length >= 2) got = [peer.reader.frames.shift(), peer.reader.frames.shift()]
      }
      if (!got) throw new Error(`${name}: nothing arrived`)
      peer.reader.frames.length = 0 // later copies of the same message, sent while we waited
      out.push({
        name,
        wire: got.map(f => hex(f.raw)),
        message: got.map(f => hex(f.body)),
        group: pieces(Buffer.from(group)),
        body: pieces(Buffer.from(body)),
        source: "libzmq",
        captured: `a raw DISH dialled a libzmq RADIO and sent JOIN "${group}"; radio.send(${JSON.stringify(body)}, {group: ${JSON.stringify(group)}})`,
      })
      await sleep(50)
      peer.reader.frames.length = 0
    }
    peer.conn.destroy()
    return out
  } finally {
    radio.close()
  }
}

/** A libzmq RADIO's UDP datagram. */
async function captureRadioUdp() {
  const sink = await udpSocket()
  const radio = new draft.Radio()
  const out = []
  try {
    radio.connect(`udp://${HOST}:${sink.address().port}`)
    for (const [name, group, body] of [
      ["udp-radio-grp-hello", "grp", "hello"],
      ["udp-radio-empty-group", "", "x"],
    ]) {
      const got = nextDatagram(sink)
      await radio.send(body, {group})
      const {msg} = await got
      out.push({
        name,
        datagram: pieces(msg),
        group: pieces(Buffer.from(group)),
        body: pieces(Buffer.from(body)),
        source: "libzmq",
        captured: `a libzmq RADIO connected to udp://127.0.0.1:PORT, a raw dgram socket bound there; radio.send(${JSON.stringify(body)}, {group: ${JSON.stringify(group)}})`,
      })
    }
    return out
  } finally {
    radio.close()
    sink.close()
  }
}

/**
 * What a libzmq DISH bound on udp (joined "grp", "" and "mrk") delivers for raw datagrams. Each is
 * followed by a marker datagram (group "mrk"): if the marker comes first, the DISH dropped it.
 * No datagram here has a group-length byte of 0x80 or more: libzmq 4.3.5 aborts on those
 * (probe dish-udp-long-group).
 */
async function captureDishUdp() {
  const {dish, send, close} = await udpDish()
  const out = []
  try {
    for (const [name, d, note] of [
      ["dish-udp-grp-hello", "03 67 72 70 68 65 6c 6c 6f"],
      ["dish-udp-empty-body", "03 67 72 70", "a datagram that ends with the group: an empty body"],
      ["dish-udp-empty-group", "00 68 69"],
      ["dish-udp-group-with-nul", "05 67 72 70 00 78 68 69", "group bytes \"grp\\0x\": libzmq keeps the group as a C string, so it delivers group \"grp\""],
      ["dish-udp-length-past-end", "05 67 72 70", "group length 5, only 3 bytes follow: dropped"],
      ["dish-udp-length-only", "01", "group length 1, nothing follows: dropped"],
      ["dish-udp-empty", "", "no group-length byte: dropped. (libzmq does not test for an empty datagram: it reads the length byte the previous datagram left in its buffer, and drops this one because none of those bytes arrived)"],
    ]) {
      const bytes = Buffer.from(d.replace(/ /g, ""), "hex")
      await send(bytes)
      await send(MARKER)
      const r = await receiveOrMarker(dish)
      if (typeof r === "string" && r !== "marker") throw new Error(`${name}: ${r}`)
      if (typeof r !== "string" && r.then !== "marker") throw new Error(`${name}: no marker after it`)
      out.push({
        name,
        ...(note ? {note} : {}),
        datagram: pieces(bytes),
        delivered: r === "marker" ? null : {group: pieces(Buffer.from(r.group, "latin1")), body: pieces(Buffer.from(r.body, "latin1"))},
        source: "libzmq",
        captured: "a raw dgram socket sent it to a libzmq DISH bound to udp://127.0.0.1:PORT; `delivered` is what the DISH's receive gave (null: dropped)",
      })
    }
    return out
  } finally {
    close()
  }
}

/** A libzmq DGRAM: the frames it gives for a raw datagram, and the datagram its reply becomes. */
async function captureDgram() {
  const port = await freePort()
  const sock = new draft.Datagram()
  // A fixed source port keeps the captured address frame the same from one run to the next.
  let raw
  try {
    raw = await udpSocket(47913)
  } catch {
    raw = await udpSocket()
  }
  try {
    await sock.bind(`udp://${HOST}:${port}`)
    raw.send(Buffer.from("hello"), port, HOST)
    const [address, body] = await sock.receive()
    const reply = nextDatagram(raw)
    await sock.send([address, "world"])
    const {msg} = await reply
    const from = `${HOST}:${raw.address().port}`
    if (address.toString("latin1") !== `${from}\0`) throw new Error(`address frame ${hex(address)}`)
    return [
      {
        name: "dgram-receive",
        note: "the address frame ends in a NUL byte (libzmq writes a C string there)",
        datagram: pieces(Buffer.from("hello")),
        from,
        frames: [hex(address), hex(body)],
        source: "libzmq",
        captured: "a raw dgram socket sent \"hello\" to a libzmq DGRAM bound to udp://127.0.0.1:PORT; the two frames it received",
      },
      {
        name: "dgram-send",
        frames: [hex(address), hex(Buffer.from("world"))],
        datagram: pieces(msg),
        to: from,
        source: "libzmq",
        captured: "the DGRAM then sent [the address frame it had received, \"world\"]; the datagram the raw socket got",
      },
    ]
  } finally {
    sock.close()
    raw.close()
  }
}

// ---- probes: what libzmq does with odd input (printed, not written) ----

/** Runs probe `name` of this file in a child process, since some probes make libzmq abort. */
function child(name) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--probe", name], {encoding: "utf8", timeout: 20000})
  return {status: r.status, signal: r.signal, stdout: r.stdout.trim(), stderr: r.stderr.trim().split("\n").slice(-3).join(" | ")}
}

const probes = {
  /** A DISH over UDP: which datagrams reach the application (each is followed by a marker). */
  async "dish-udp-datagrams"() {
    const {dish, send, close} = await udpDish()
    const results = {}
    for (const [name, d] of [
      ["truncated (length 5, 3 group bytes follow)", Buffer.from("05677270", "hex")],
      ["empty datagram", Buffer.alloc(0)],
      ["group only, empty body", Buffer.from("03677270", "hex")],
      ["empty group", Buffer.from("006869", "hex")],
      ["group with NUL: 'grp\\0x'", Buffer.from("0567727000786869", "hex")],
    ]) {
      await send(d)
      await send(MARKER)
      results[name] = await receiveOrMarker(dish)
    }
    close()
    console.log(JSON.stringify(results))
  },
  /** A DISH over UDP, a datagram whose group-length byte is 0x80 or more (a signed char in libzmq). */
  async "dish-udp-long-group"() {
    const {dish, send, close} = await udpDish()
    const results = {}
    for (const n of [127, 128, 255]) {
      const g = "a".repeat(n)
      dish.join(g)
      await sleep(50)
      await send(Buffer.concat([Buffer.of(n), Buffer.from(g), Buffer.from("hi")]))
      await send(MARKER)
      results[n] = await receiveOrMarker(dish)
      console.log(n, JSON.stringify(results[n])) // before the next one, which may abort
    }
    close()
  },
  /** A DISH over ZMTP receiving a single frame without MORE, or a PING. */
  async "dish-zmtp-single-frame"() {
    await dishGets(frame(0x00, Buffer.from("x")))
  },
  async "dish-zmtp-ping"() {
    await dishGets(command("PING", Buffer.from("0000", "hex")))
  },
  async "dish-zmtp-group-256"() {
    await dishGets(Buffer.concat([frame(0x01, Buffer.alloc(256, 0x61)), frame(0x00, Buffer.from("x"))]))
  },
  async "dish-zmtp-two-frame"() {
    await dishGets(Buffer.concat([frame(0x01, Buffer.from("grp")), frame(0x00, Buffer.from("x"))]))
  },
  /** A DISH that dialled a raw RADIO gets a PING: does it dial again? */
  async "dish-connect-ping-redial"() {
    const dish = new draft.Dish({reconnectInterval: 50})
    dish.join("grp")
    const server = await listen()
    let connections = 0
    server.on("connection", c => {
      connections++
      const peer = rawPeer(c, "RADIO")
      peer.handshake().then(() => c.write(command("PING", Buffer.from("0000", "hex"))), () => {})
    })
    dish.connect(`tcp://${HOST}:${server.address().port}`)
    dish.receive().catch(() => {})
    await sleep(1500)
    console.log(`${connections} connection(s) in 1.5 s with a 50 ms reconnect interval`)
    dish.close()
    server.close()
  },
  /** udp:// address forms libzmq refuses while resolving (nothing is sent, no group is joined). */
  async "udp-address-errors"() {
    const res = {}
    const port = await freePort()
    for (const [op, make, addr] of [
      ["bind", () => new draft.Dish(), `udp://127.0.0.1;127.0.0.1:${port}`],
      ["bind", () => new draft.Dish(), `udp://239.1.1.1;239.1.1.1:${port}`],
      ["connect", () => new draft.Radio(), `udp://127.0.0.1;127.0.0.1:${port}`],
      ["bind", () => new draft.Dish(), `udp://127.0.0.1`],
      ["bind", () => new draft.Dish(), `udp://*:${port}`],
    ]) {
      const s = make()
      try {
        await s[op](addr)
        res[`${op} ${addr}`] = "ok"
      } catch (e) {
        res[`${op} ${addr}`] = e.code ?? e.message
      }
      s.close()
    }
    console.log(JSON.stringify(res))
  },
  /** A DISH that joined before connecting, dialling a raw RADIO that announces ZMTP 3.0. */
  async "dish-join-3.0"() {
    const dish = new draft.Dish()
    dish.join("grp")
    const server = await listen()
    const accepted = nextConnection(server)
    dish.connect(`tcp://${HOST}:${server.address().port}`)
    dish.receive().catch(() => {})
    const peer = rawPeer(await accepted, "RADIO", 0)
    await peer.handshake()
    const f = await peer.reader.next("JOIN").catch(() => null)
    console.log(f ? `after the handshake: ${hex(f.raw)}` : "nothing after the handshake")
    dish.close()
    server.close()
  },
  /** A DGRAM on tcp://: does libzmq allow it, and what does a raw connection produce? */
  async "dgram-tcp"() {
    const sock = new draft.Datagram({receiveTimeout: 1000})
    const port = await freePort()
    try {
      await sock.bind(`tcp://${HOST}:${port}`)
    } catch (e) {
      console.log(`bind: ${e.code ?? e.message}`)
      return
    }
    const c = await dial(port)
    c.on("error", () => {})
    c.write("hello raw")
    try {
      const frames = await sock.receive()
      console.log(`bind ok; received ${JSON.stringify(frames.map(f => hex(f)))}`)
    } catch (e) {
      console.log(`bind ok; ${e.code ?? e.message}`)
    }
    c.destroy()
    sock.close()
  },
  /** A RADIO getting a JOIN whose group is longer than 255 bytes. */
  async "radio-join-256"() {
    const radio = new draft.Radio()
    const port = await freePort()
    await radio.bind(`tcp://${HOST}:${port}`)
    const peer = rawPeer(await dial(port), "DISH")
    await peer.handshake()
    peer.conn.write(command("JOIN", Buffer.alloc(256, 0x61)))
    await sleep(500)
    console.log(peer.closed ? "connection closed" : "connection up")
    radio.close()
  },
  /** A RADIO getting JOIN g twice and LEAVE g once from one peer: does g still reach it? */
  async "radio-join-twice"() {
    const radio = new draft.Radio()
    const port = await freePort()
    await radio.bind(`tcp://${HOST}:${port}`)
    const peer = rawPeer(await dial(port), "DISH")
    await peer.handshake()
    peer.conn.write(Buffer.concat([command("JOIN", Buffer.from("g")), command("JOIN", Buffer.from("g"))]))
    await sleep(200)
    peer.conn.write(command("LEAVE", Buffer.from("g")))
    await sleep(200)
    await radio.send("x", {group: "g"})
    await sleep(200)
    console.log(peer.reader.frames.length ? `still sent: ${peer.reader.frames.map(f => hex(f.raw)).join(" | ")}` : "not sent")
    radio.close()
  },
  /** SERVER: an unknown routing id, and a full pipe. */
  async "server-routing"() {
    const server = new draft.Server({sendHighWaterMark: 1, sendTimeout: 0})
    const port = await freePort()
    await server.bind(`tcp://${HOST}:${port}`)
    const res = {}
    try {
      await server.send("x", {routingId: 12345})
      res.unknown = "accepted"
    } catch (e) {
      res.unknown = e.code ?? e.message
    }
    const received = server.receive()
    const peer = rawPeer(await dial(port), "CLIENT")
    peer.conn.pause() // never read: the kernel buffers fill, then the pipe
    await peer.handshake().catch(() => {})
    peer.conn.write(frame(0, Buffer.from("hi")))
    const [, {routingId}] = await received
    res.routingId = routingId
    const big = Buffer.alloc(1 << 20)
    for (let i = 0; i < 200; i++) {
      try {
        await server.send(big, {routingId})
      } catch (e) {
        res.full = `${e.code ?? e.message} after ${i} MiB`
        break
      }
    }
    console.log(JSON.stringify(res))
    server.close()
    peer.conn.destroy()
  },
  /** Default linger of each draft type, as zeromq.js reads ZMQ_LINGER. */
  async "linger"() {
    const res = {}
    for (const [name, make] of Object.entries({
      SERVER: () => new draft.Server(),
      CLIENT: () => new draft.Client(),
      RADIO: () => new draft.Radio(),
      DISH: () => new draft.Dish(),
      SCATTER: () => new draft.Scatter(),
      GATHER: () => new draft.Gather(),
      DGRAM: () => new draft.Datagram(),
    })) {
      const s = make()
      res[name] = s.linger
      s.close()
    }
    console.log(JSON.stringify(res))
  },
  /** A DISH over UDP receiving a 9000-byte datagram (libzmq reads at most 8192 bytes). */
  async "dish-udp-9000"() {
    const {dish, send, close} = await udpDish()
    await send(Buffer.concat([Buffer.from("03677270", "hex"), Buffer.alloc(8996, 0x62)]))
    await send(MARKER)
    const r = await receiveOrMarker(dish)
    console.log(typeof r === "string" ? r : `body of ${r.body.length} bytes, then ${r.then}`)
    close()
  },
  /** DGRAM sending to address frames of other shapes. */
  async "dgram-addresses"() {
    const port = await freePort()
    const sock = new draft.Datagram()
    await sock.bind(`udp://${HOST}:${port}`)
    const raw = await udpSocket()
    const to = `${HOST}:${raw.address().port}`
    const res = {}
    for (const [name, addr] of [
      ["without NUL", to],
      ["hostname", `localhost:${raw.address().port}`],
      ["no port", HOST],
    ]) {
      const got = nextDatagram(raw).then(
        d => d.msg.toString(),
        () => "nothing",
      )
      try {
        await sock.send([addr, name])
        res[name] = await got
      } catch (e) {
        res[name] = e.code ?? e.message
        await got
      }
    }
    console.log(JSON.stringify(res))
    sock.close()
    raw.close()
  },
  /** A RADIO told to send to a group longer than 255 bytes: what a DISH joined to its first 255 gets. */
  async "radio-send-group-300"() {
    const radio = new draft.Radio()
    const port = await freePort()
    await radio.bind(`tcp://${HOST}:${port}`)
    const peer = rawPeer(await dial(port), "DISH")
    await peer.handshake()
    peer.conn.write(command("JOIN", Buffer.alloc(255, 0x61)))
    await sleep(200)
    try {
      await radio.send("x", {group: "a".repeat(300)})
      await sleep(200)
      const f = peer.reader.frames
      console.log(f.length ? `accepted; sent as a ${f[0].body.length}-byte group frame, then ${hex(f[1].raw)}` : "accepted; nothing sent")
    } catch (e) {
      console.log(e.code ?? e.message)
    }
    radio.close()
  },
  /** SERVER and GATHER receiving a multipart message, then a single-part one. */
  async "server-multipart"() {
    const server = new draft.Server({receiveTimeout: 500})
    const port = await freePort()
    await server.bind(`tcp://${HOST}:${port}`)
    const peer = rawPeer(await dial(port), "CLIENT")
    await peer.handshake()
    peer.conn.write(Buffer.concat([frame(0x01, Buffer.from("a")), frame(0x00, Buffer.from("b")), frame(0x00, Buffer.from("c"))]))
    const got = []
    try {
      for (;;) {
        const [m, {routingId}] = await server.receive()
        got.push(`${m} (routing id ${routingId})`)
      }
    } catch {}
    console.log(`${JSON.stringify(got)}; connection ${peer.closed ? "closed" : "up"}`)
    server.close()
  },
  /** Multipart send on each single-part type, and DGRAM's one-part send. */
  async "multipart-send"() {
    const res = {}
    for (const [name, make] of [
      ["CLIENT", () => new draft.Client()],
      ["SCATTER", () => new draft.Scatter()],
      ["RADIO", () => new draft.Radio()],
      ["SERVER", () => new draft.Server()],
    ]) {
      const s = make()
      try {
        await s.send(["a", "b"], name === "RADIO" ? {group: "g"} : name === "SERVER" ? {routingId: 1} : undefined)
        res[name] = "accepted"
      } catch (e) {
        res[name] = e.code ?? e.message
      }
      s.close()
    }
    console.log(JSON.stringify(res))
  },
  /** Which socket types may bind or connect udp://. */
  async "udp-endpoints"() {
    const res = {}
    const types = {
      RADIO: () => new draft.Radio(),
      DISH: () => new draft.Dish(),
      DGRAM: () => new draft.Datagram(),
      SERVER: () => new draft.Server(),
      PUB: () => new zmq.Publisher(),
    }
    for (const [name, make] of Object.entries(types)) {
      for (const op of ["bind", "connect"]) {
        const s = make()
        const port = await freePort()
        try {
          await s[op](`udp://${HOST}:${port}`)
          res[`${name} ${op}`] = "ok"
        } catch (e) {
          res[`${name} ${op}`] = e.code ?? e.message
        }
        s.close()
      }
    }
    console.log(JSON.stringify(res))
  },
}

const MARKER = Buffer.from("036d726b6d61726b", "hex") // group "mrk", body "mark"

/** A libzmq DISH bound on udp, joined to "grp", "" and "mrk", receiving datagrams once they arrive. */
async function udpDish() {
  const port = await freePort()
  const dish = new draft.Dish({receiveTimeout: 300})
  await dish.bind(`udp://${HOST}:${port}`)
  dish.join("grp", "", "mrk")
  const raw = await udpSocket()
  const send = b => new Promise(r => raw.send(b, port, HOST, r))
  // The socket binds in libzmq's I/O thread: send the marker until one arrives.
  for (let i = 0; ; i++) {
    await send(MARKER)
    if ((await receiveOrMarker(dish)) === "marker") break
    if (i === 20) throw new Error("the DISH never received")
  }
  return {dish, send, close: () => (raw.close(), dish.close())}
}

/** What the DISH delivers next: a message, "marker" (so what came before it was dropped), or an error. */
async function receiveOrMarker(dish) {
  try {
    const [msg, {group}] = await dish.receive()
    if (group.toString("latin1") === "mrk") return "marker"
    const more = await receiveOrMarker(dish) // take the marker that follows
    return {group: group.toString("latin1"), body: msg.toString("latin1"), then: more}
  } catch (e) {
    return e.code ?? e.message
  }
}

/** A libzmq DISH (joined "grp") bound on tcp gets `bytes` after the handshake from a raw RADIO. */
async function dishGets(bytes) {
  const dish = new draft.Dish({receiveTimeout: 500})
  const port = await freePort()
  await dish.bind(`tcp://${HOST}:${port}`)
  dish.join("grp", "a".repeat(255))
  // The DISH sends its JOINs to a new peer from the application's thread: keep a receive pending.
  const received = dish.receive()
  const peer = rawPeer(await dial(port), "RADIO")
  await peer.handshake()
  await peer.reader.next("JOIN")
  await peer.reader.next("JOIN")
  peer.conn.write(bytes)
  let got = "nothing"
  try {
    const [m, {group}] = await received
    got = `received ${JSON.stringify(m.toString())} in ${group.length}-byte group`
  } catch (e) {
    got = e.code ?? e.message
  }
  await sleep(200)
  console.log(`${got}; connection ${peer.closed ? "closed" : "up"}`)
  dish.close()
}

// ---- main ----

async function main() {
  const args = process.argv.slice(2)
  if (args[0] === "--probe") {
    await probes[args[1]]()
    return
  }
  if (args.includes("--probes")) {
    for (const name of Object.keys(probes)) console.error(`probe ${name}:`, JSON.stringify(child(name)))
  }
  const ready = await captureReadies()
  const dish = await captureDish()
  const radio = await captureRadio()
  const udp = await captureRadioUdp()
  const udpDishVectors = await captureDishUdp()
  const dgramVectors = await captureDgram()
  const doc = {
    description:
      "Draft socket types (spec/draft-sockets.md), captured from libzmq 4.3.5 (zeromq.js 6.8.0 with the draft API) on 127.0.0.1 by scripts/capture-draft-vectors.mjs, which says how. `wire` pieces are whole ZMTP frames, header included, as read after the handshake; `datagram` is one UDP payload. Every vector with source \"libzmq\" is bytes libzmq sent or frames libzmq delivered.",
    libzmq: native.version,
    ready,
    commands: dish.vectors,
    rejoin: dish.rejoin,
    radioMessages: radio,
    udpRadio: udp,
    dgram: dgramVectors,
    udpDish: udpDishVectors,
    malformedDatagrams: [
      {name: "empty", datagram: [""], note: "no group-length byte"},
      {name: "length-past-end", datagram: ["05 67 72 70"], note: "group length 5, 3 bytes follow"},
      {name: "length-only", datagram: ["01"], note: "group length 1, nothing follows"},
      {name: "length-ff-short", datagram: ["ff 61 62 63"], note: "group length 255, 3 bytes follow. Not sent to libzmq: 4.3.5 aborts on any group-length byte of 0x80 or more (udp_engine.cpp reads it as a signed char)"},
      {name: "length-80-empty", datagram: ["80"], note: "group length 128, nothing follows (not sent to libzmq, as above)"},
    ],
  }
  const json = JSON.stringify(doc, null, 2) + "\n"
  if (args.includes("--write")) {
    writeFileSync(fileURLToPath(new URL("../spec/vectors/draft.json", import.meta.url)), json)
    console.error("wrote spec/vectors/draft.json")
  } else process.stdout.write(json)
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e)
    process.exit(1)
  },
)
