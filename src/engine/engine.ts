/**
 * One ZMTP connection over any duplex byte stream (a net.Socket for tcp and ipc):
 * greeting → security handshake → traffic, with heartbeats and the handshake deadline.
 *
 * Rules this follows, each from what libzmq 4.3 really does (../../spec/zmtp.md):
 * - send the greeting in steps as libzmq does: bytes 0..10 at once, bytes 11..63 once the peer's
 *   byte 10 is in (all of it after GREETING_REST_FALLBACK_MS if the peer stays silent). A libzmq
 *   peer that reads a whole greeting with the wrong mechanism in one go closes before it shows
 *   its own mechanism; with the steps both sides see the mismatch, as two libzmq peers do;
 * - when the peer's byte 10 and the rest of its greeting arrive together (libzmq answering our
 *   byte 10), NULL's READY waits for the peer's: libzmq reading the rest of our greeting and our
 *   READY at once refuses a wrong socket type before it sends its own READY;
 * - send READY right after the greeting (libzmq's NULL is symmetric), and send no traffic at all
 *   until the peer's READY has arrived: libzmq 4.3 drops a connection whose message arrives in the
 *   same read as the READY it has not answered yet;
 * - answer PING with PONG always; cap our PING TTL at 655 deciseconds, because libzmq multiplies it
 *   by 100 in a uint16;
 * - any incoming byte is a sign of life for the heartbeat timers;
 * - drop unknown commands and ERROR after the handshake, as libzmq does.
 * Every protocol violation ends this connection only, with a ZmtpError given to the handler.
 */
import {Buffer} from "node:buffer"
import type {Duplex} from "node:stream"
import {encodeCommand, encodePing, encodePong, parseCommand, parseHandshakeCommand, parsePing, type Command} from "../wire/command.js"
import {ZmtpError} from "../wire/errors.js"
import {encodeFrame, FLAG_COMMAND, FLAG_LONG, FLAG_MORE, FrameDecoder, frameHeaderSize, writeFrameHeader, type FrameHandler} from "../wire/frame.js"
import {checkGreetingPrefix, checkMechanism, encodeGreeting, GREETING_SIZE, parseGreeting} from "../wire/greeting.js"
import {socketTypesCompatible, type SocketTypeName} from "../wire/socket-type.js"
import {INNER_COMMAND, INNER_MORE, type Mechanism} from "../mechanism/mechanism.js"
import {isZapAuthError} from "../mechanism/zap.js"
import {copyInto, StagedFrames, type Msg, type PeerInfo, type Pipe, type PipeTransport} from "./pipe.js"
import {traceFor, type WireTrace} from "./trace.js"
import {closeAfterFlush} from "./flush-close.js"
import {DirectReader, type DirectSink} from "../transport/direct-read.js"

export interface EngineOptions {
  socketType: SocketTypeName
  mechanism: Mechanism
  /** Per-frame limit; -1 for none. */
  maxMessageSize: number
  /** ms; 0 disables the handshake deadline. */
  handshakeInterval: number
  /** ms between our PINGs; 0 disables. */
  heartbeatInterval: number
  /** ms the peer may stay silent after our PING (sent as the PING TTL); 0 = none. */
  heartbeatTimeToLive: number
  /** ms to wait for traffic after a PING; -1 means "same as heartbeatInterval". */
  heartbeatTimeout: number
  /** "tcp://127.0.0.1:5555" and the like, for events and the wire trace. */
  address: string
}

export interface EngineHandler {
  /** The handshake is complete; the handler attaches a pipe (or closes the engine). */
  onHandshake(engine: Engine, peer: PeerInfo): void
  /** The connection ended. `error` is set when it ended because of a failure. */
  onClose(engine: Engine, error: ZmtpError | null, duringHandshake: boolean): void
}

/** Bytes of small frames gathered into one write; bigger bodies are written as they are. */
const BATCH_SIZE = 64 * 1024
const COPY_MAX = 8 * 1024
/** Stop pulling from the pipe while this much is already waiting in the stream. */
const WRITE_HIGH_WATER = 256 * 1024
/**
 * The same after a message whose body went out uncopied: one more large message in the stream
 * costs no memory (it is the sender's buffer either way) and keeps the socket busy while the
 * previous one drains. With 1 MiB messages: ~1,390 -> ~1,560 MB/s over tcp here.
 */
const LARGE_WRITE_HIGH_WATER = 2 * 1024 * 1024
/**
 * A body with at least this much still to come is read straight into its own memory (a read of
 * its own); a smaller rest is read with what follows it into the scratch buffer and copied.
 */
const DIRECT_READ_MIN = 32 * 1024
/** libzmq computes `ttl * 100` in a uint16: 655 ds is the largest TTL it survives. */
export const MAX_PING_TTL_DS = 655

interface HeldFrame {
  command?: Buffer
  message?: Buffer[]
}

const enum Phase {
  Greeting,
  Handshake,
  Traffic,
  Closed,
}

/**
 * What stands in for a NULL or PLAIN mechanism after its handshake: traffic goes in clear, and no
 * command reaches a mechanism any more.
 */
const TRAFFIC_IN_CLEAR: Mechanism = {
  name: "NULL",
  asServer: false,
  complete: true,
  peerMetadata: new Map(),
  start: () => [],
  onCommand: () => [],
}

/** Greeting bytes 0..10: signature and major version, sent as soon as the stream is up. */
const VERSION_END = 11
/**
 * A peer that sends nothing until it has our whole greeting (not libzmq, which sends its signature
 * at once) still gets it after this long instead of waiting for the handshake deadline.
 */
export const GREETING_REST_FALLBACK_MS = 100

const ENGINE = Symbol("zmtp.engine")
type EngineStream = Duplex & {[ENGINE]?: Engine}

export class Engine implements PipeTransport, FrameHandler, DirectSink {
  private phase = Phase.Greeting
  /** Our greeting until all of it has gone out, and how much has. */
  private ourGreeting: Buffer | null = null
  private ourGreetingSent = 0
  private greetingRestTimer: NodeJS.Timeout | null = null
  /** Our first handshake command(s) sent; the timer while they wait for the peer's (see readGreeting). */
  private readySent = false
  private readyTimer: NodeJS.Timeout | null = null
  /** The peer's greeting as it arrives; dropped once read (idle connections stay small). */
  private greetingBuf: Buffer | null = Buffer.allocUnsafe(GREETING_SIZE)
  private greetingLen = 0
  /**
   * Our greeting's bytes 11-63 went out on the fallback timer, before the peer's byte 10: a zmtp
   * peer then reads our whole greeting in one piece and holds its READY for ours, so ours must not
   * wait for its (see readGreeting).
   */
  private restUnprompted = false
  /** The peer's version from its greeting (0.0 until it has arrived). */
  private peerMajor = 0
  private peerMinorVersion = 0
  private readonly decoder: FrameDecoder
  /** stream.pause() called for the receive HWM and not yet undone (pause once, not per message). */
  private pausedForHwm = false
  private pipe: Pipe | null = null
  private flushScheduled = false
  private waitingDrain = false
  private handshakeTimer: NodeJS.Timeout | null = null
  private heartbeatTimer: NodeJS.Timeout | null = null
  private heartbeatTimeoutTimer: NodeJS.Timeout | null = null
  private ttlTimer: NodeJS.Timeout | null = null
  /** Incremented on every chunk received: heartbeat timers compare it instead of being re-armed. */
  private activity = 0
  private readonly trace: WireTrace | null
  /** Frames that arrived while an async mechanism step (ZAP) was pending, in order. */
  private held: HeldFrame[] | null = null
  /** CURVE: frames of the message being assembled from MESSAGE boxes (null between messages). */
  private innerParts: Buffer[] | null = null

  /** Everything but the mechanism, which we hold apart so that it can be let go (below). */
  readonly options: Readonly<Omit<EngineOptions, "mechanism">>
  /**
   * The security mechanism. NULL and PLAIN have nothing to do once the handshake is over, so it is
   * replaced by TRAFFIC_IN_CLEAR then: an idle connection does not keep the handshake's state.
   */
  private mechanism: Mechanism

  constructor(
    readonly stream: Duplex,
    options: EngineOptions,
    private readonly handler: EngineHandler,
  ) {
    const {mechanism, ...rest} = options
    this.options = rest
    this.mechanism = mechanism
    this.decoder = new FrameDecoder(this, options.maxMessageSize)
    this.trace = traceFor(`${options.socketType} ${options.address}`)
    ;(stream as EngineStream)[ENGINE] = this
    // Large bodies are read straight into their memory where the transport allows (tcp, ipc).
    if (!DirectReader.attach(stream, this)) stream.on("data", Engine.streamData)
    stream.on("drain", Engine.streamDrain)
    stream.on("error", Engine.streamError)
    stream.on("close", Engine.streamEnded)
    stream.on("end", Engine.streamEnded)
  }

  // One listener function per event for all connections, finding the engine on the stream: a
  // thousand idle connections then do not each carry their own closures.
  private static readonly streamData = function (this: EngineStream, chunk: Buffer): void {
    this[ENGINE]!.onChunk(chunk)
  }
  private static readonly streamDrain = function (this: EngineStream): void {
    this[ENGINE]!.onDrain()
  }
  private static readonly streamError = function (this: EngineStream, err: Error): void {
    // ECONNRESET and the like: an ordinary disconnect, reconnectable.
    this[ENGINE]!.shutdown(new ZmtpError("ERR_ZMTP_UNSPECIFIED", `Connection error: ${err.message}`, {fatal: false, kind: "other"}))
  }
  private static readonly streamEnded = function (this: EngineStream): void {
    this[ENGINE]!.shutdown(null)
  }
  private static readonly flushLater = (engine: Engine): void => engine.flush()
  private static readonly greetingFallback = (engine: Engine): void => {
    engine.restUnprompted = true
    engine.sendGreeting(GREETING_SIZE)
  }
  private static readonly readyFallback = (engine: Engine): void => engine.sendReady()

  /** Sends our greeting and starts the handshake deadline. */
  start(): void {
    const mechanism = this.mechanism
    // 23/ZMTP §"Version Negotiation" as libzmq steps it (spec/zmtp.md §2.8): signature and major
    // version now, the rest once the peer's major version is in.
    const greeting = encodeGreeting(mechanism.name, mechanism.asServer)
    this.trace?.greeting("out", greeting)
    this.ourGreeting = greeting
    this.sendGreeting(VERSION_END)
    this.greetingRestTimer = setTimeout(Engine.greetingFallback, GREETING_REST_FALLBACK_MS, this)
    if (this.options.handshakeInterval > 0) {
      this.handshakeTimer = setTimeout(() => {
        this.fail(new ZmtpError("ERR_ZMTP_HANDSHAKE_TIMEOUT", `ZMTP handshake not complete within ${this.options.handshakeInterval} ms`, {fatal: false, kind: "other"}))
      }, this.options.handshakeInterval)
    }
  }

  get peerMinor(): number {
    return this.peerMinorVersion
  }

  /** 3.1 behaviour (SUBSCRIBE/CANCEL commands) toward 3.1 and any later version, as libzmq does. */
  get peerIs31(): boolean {
    return this.peerMajor > 3 || (this.peerMajor === 3 && this.peerMinorVersion >= 1)
  }

  get closed(): boolean {
    return this.phase === Phase.Closed
  }

  /**
   * In traffic, in clear and untraced: our frames go out as queued (PipeTransport: StagedFrames are
   * welcome) and the peer's messages go straight to the pipe (onMessage's fast path). A field set
   * when traffic starts and cleared at shutdown: a PUSH asks on every send, a PULL every message.
   */
  takesFrames = false

  /** Still in greeting or security handshake: no pipe yet, so nothing queued to linger over. */
  get handshaking(): boolean {
    return this.phase === Phase.Greeting || this.phase === Phase.Handshake
  }

  // ---- PipeTransport ------------------------------------------------------------------------

  attach(pipe: Pipe, peer: PeerInfo): void {
    this.pipe = pipe
    pipe.attach(this, peer)
  }

  kick(): void {
    if (this.phase !== Phase.Traffic || this.flushScheduled || this.waitingDrain) return
    this.flushScheduled = true
    // The first message of a tick goes out at once (a request, a reply: libzmq's I/O thread
    // writes as soon as the pipe wakes it); whatever follows in the same tick is coalesced into
    // one write at the tick's end. Round trip with REQ and REP on two CPUs, interleaved: 85-91 ->
    // 82-85 µs; on one CPU unchanged within noise (26.6-28.0 µs); PUSH 16 B unchanged.
    process.nextTick(Engine.flushLater, this)
    if (this.stream.writableLength === 0) this.writeQueued()
  }

  flushNow(): void {
    // Not flush(): the tick's flush stays scheduled, so the next kick() of this tick writes nothing.
    if (this.phase === Phase.Traffic && !this.waitingDrain) this.writeQueued()
  }

  resume(): void {
    this.pausedForHwm = false
    if (this.phase !== Phase.Closed) this.stream.resume()
  }

  close(): void {
    this.shutdown(null)
  }

  /** ZMQ_LINGER at close: the queued messages are written, then the connection ends (flush-close.ts). */
  closeAfterFlush(lingerMs: number): void {
    if (this.phase !== Phase.Traffic || lingerMs === 0) {
      this.close()
      return
    }
    const ipc = this.options.address.startsWith("ipc://")
    closeAfterFlush(this, lingerMs, ipc, () => (this.pipe?.outLength ?? 0) > 0, () => {
      const pipe = this.pipe
      this.pipe = null
      pipe?.detach(this)
      this.pausedForHwm = false
    })
  }

  // ---- reading ------------------------------------------------------------------------------

  /** DirectSink: a large body's unfilled rest, for the next read to go straight into. */
  readTarget(): Buffer | null {
    return this.phase === Phase.Handshake || this.phase === Phase.Traffic ? this.decoder.bodyTarget(DIRECT_READ_MIN) : null
  }

  /** DirectSink: the kernel wrote `n` more bytes of the body into readTarget()'s memory. */
  targetFilled(n: number): void {
    this.activity++
    try {
      this.decoder.bodyFilledDirectly(n)
    } catch (e) {
      this.fail(toZmtpError(e))
    }
  }

  /** Bytes read from the stream ("data" events, or DirectSink's scratch reads). */
  onChunk(chunk: Buffer): void {
    this.activity++
    try {
      if (this.phase === Phase.Greeting) {
        const rest = this.readGreeting(chunk)
        if (rest === null) return
        chunk = rest
        if (chunk.length === 0) return
      }
      if (this.phase === Phase.Handshake || this.phase === Phase.Traffic) {
        this.decoder.push(chunk)
      }
    } catch (e) {
      this.fail(toZmtpError(e))
    }
  }

  /** Returns the bytes after the greeting, or null while the greeting is still incomplete. */
  private readGreeting(chunk: Buffer): Buffer | null {
    const greeting = this.greetingBuf!
    const take = Math.min(GREETING_SIZE - this.greetingLen, chunk.length)
    chunk.copy(greeting, this.greetingLen, 0, take)
    const versionNow = this.greetingLen < VERSION_END
    this.greetingLen += take
    // Refuse ZMTP 1.0/2.0 peers as soon as their first bytes tell.
    checkGreetingPrefix(greeting, this.greetingLen)
    if (this.greetingLen >= VERSION_END) this.sendGreeting(GREETING_SIZE)
    if (this.greetingLen < GREETING_SIZE) return null
    this.trace?.greeting("in", greeting)
    const peer = parseGreeting(greeting)
    this.peerMajor = peer.major
    this.peerMinorVersion = peer.minor
    checkMechanism(this.mechanism.name, greeting)
    this.greetingBuf = null
    this.phase = Phase.Handshake
    if (versionNow && this.mechanism.name === "NULL" && !this.restUnprompted) {
      // The peer's version byte and the rest of its greeting came together: it sent that rest in
      // reply to our byte 10 (libzmq does), and the rest of ours has only just gone out. Our READY
      // right behind it would reach a libzmq peer in the same read, and libzmq refuses a wrong
      // socket type there before it has sent its own READY: we would see a bare hang-up (and
      // reconnect) where zeromq.js sees the type. So READY waits for the peer's (which libzmq
      // sends once it has our greeting), or GREETING_REST_FALLBACK_MS. Not when the rest of ours
      // went out unprompted: then the peer (if zmtp) is waiting for our READY in the same way.
      this.readyTimer = setTimeout(Engine.readyFallback, GREETING_REST_FALLBACK_MS, this)
    } else {
      this.sendReady()
    }
    return chunk.subarray(take)
  }

  /** Sends the mechanism's first commands (NULL: READY), once. */
  private sendReady(): void {
    if (this.readyTimer) clearTimeout(this.readyTimer)
    this.readyTimer = null
    if (this.readySent || this.phase === Phase.Closed) return
    this.readySent = true
    for (const frame of this.mechanism.start()) this.writeRaw(frame)
  }

  /** Writes our greeting up to byte `end` (exclusive), if not yet written. */
  private sendGreeting(end: number): void {
    const greeting = this.ourGreeting
    if (greeting === null || this.phase === Phase.Closed || end <= this.ourGreetingSent) return
    this.stream.write(greeting.subarray(this.ourGreetingSent, end))
    this.ourGreetingSent = end
    if (end === GREETING_SIZE) {
      this.ourGreeting = null
      if (this.greetingRestTimer) clearTimeout(this.greetingRestTimer)
      this.greetingRestTimer = null
    }
  }

  onCommand(body: Buffer): void {
    if (this.phase === Phase.Closed) return
    if (this.held) {
      this.held.push({command: body})
      return
    }
    if (this.phase === Phase.Traffic && this.mechanism.decode) {
      this.decodeFrame(body)
      return
    }
    const command = this.phase === Phase.Handshake ? parseHandshakeCommand(body) : parseCommand(body)
    this.trace?.command("in", command.name, body)
    if (this.phase === Phase.Handshake) {
      if (!this.readySent) this.sendReady() // ours first, always (see readGreeting)
      const out = this.mechanism.onCommand(command)
      if (out instanceof Promise) {
        // The mechanism waits (a ZAP authenticator): hold every later frame until it answers.
        this.held = []
        this.stream.pause()
        out.then(
          frames => this.resumeHandshake(frames),
          e => this.fail(toZmtpError(e)),
        )
        return
      }
      this.afterMechanism(out)
      return
    }
    this.trafficCommand(command)
  }

  private afterMechanism(frames: Buffer[]): void {
    for (const frame of frames) this.writeRaw(frame)
    if (this.mechanism.complete) this.handshakeDone()
  }

  /** The mechanism's async step finished: send its answer, then replay what arrived meanwhile. */
  private resumeHandshake(frames: Buffer[]): void {
    if (this.phase === Phase.Closed) return
    try {
      const held = this.held ?? []
      this.held = null
      this.afterMechanism(frames)
      for (let i = 0; i < held.length; i++) {
        const h = held[i]!
        if (h.command) this.onCommand(h.command)
        else this.onMessage(h.message!)
        if (this.held) {
          // Waiting again: keep the rest, in order.
          ;(this.held as HeldFrame[]).push(...held.slice(i + 1))
          return
        }
      }
      // Unless the replayed messages filled the receive HWM: then the reader resumes it.
      if (!this.closed && !this.pausedForHwm) this.stream.resume()
    } catch (e) {
      this.fail(toZmtpError(e))
    }
  }

  /** CURVE traffic: every frame is a MESSAGE box holding one frame of a message, or a command. */
  private decodeFrame(body: Buffer): void {
    const {flags, data} = this.mechanism.decode!(body)
    if (flags & INNER_COMMAND) {
      const command = parseCommand(data)
      this.trace?.command("in", command.name, data)
      this.trafficCommand(command)
      return
    }
    const parts = (this.innerParts ??= [])
    parts.push(data)
    if (flags & INNER_MORE) return
    this.innerParts = null
    this.trace?.message("in", parts)
    this.deliver(parts)
  }

  private trafficCommand(command: Command): void {
    switch (command.name) {
      case "PING": {
        const ping = parsePing(command.data)
        this.writeRaw(encodePong(ping.context))
        if (ping.ttlDeciseconds > 0 && !this.ttlTimer) this.armTtl(ping.ttlDeciseconds * 100)
        break
      }
      case "SUBSCRIBE":
      case "CANCEL": {
        // Delivered like the 3.0 message form, so PUB/XPUB handle one shape: 01topic / 00topic.
        const msg = Buffer.allocUnsafe(command.data.length + 1)
        msg[0] = command.name === "SUBSCRIBE" ? 1 : 0
        command.data.copy(msg, 1)
        this.deliver([msg])
        break
      }
      default:
        // PONG only proves liveness (already counted); ERROR and unknown commands are dropped
        // after the handshake, as libzmq does.
        break
    }
  }

  onMessage(frames: Buffer[]): void {
    if (this.takesFrames) {
      // Traffic in clear and untraced (the common case): nothing to decode, hold or trace.
      this.deliver(frames)
      return
    }
    if (this.phase === Phase.Closed) return
    if (this.held) {
      this.held.push({message: frames})
      return
    }
    if (this.phase === Phase.Traffic && this.mechanism.decode) {
      for (const f of frames) this.decodeFrame(f)
      return
    }
    if (this.phase === Phase.Handshake) {
      throw new ZmtpError("ERR_ZMTP_UNEXPECTED_COMMAND", "Message frame received before the handshake completed")
    }
    this.trace?.message("in", frames)
    this.deliver(frames)
  }

  private deliver(msg: Msg): void {
    const pipe = this.pipe
    if (pipe === null) return
    if (!pipe.push(msg) && !this.pausedForHwm) {
      // The receive HWM is reached: stop reading, so the kernel pushes back on the sender.
      this.pausedForHwm = true
      this.stream.pause()
    }
  }

  private handshakeDone(): void {
    const {mechanism} = this
    const {socketType} = this.options
    const meta = mechanism.peerMetadata
    const peerType = meta.get("socket-type")?.toString("latin1") ?? ""
    // libzmq accepts a READY without Socket-Type; it refuses a type that cannot talk to ours.
    if (peerType !== "" && !socketTypesCompatible(socketType, peerType)) {
      throw new ZmtpError("ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE", `Socket type ${socketType} cannot talk to a ${peerType} peer`, {kind: "silent"})
    }
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer)
    this.handshakeTimer = null
    this.phase = Phase.Traffic
    this.takesFrames = this.trace === null && mechanism.encode === undefined
    this.startHeartbeat()
    this.handler.onHandshake(this, {
      socketType: peerType,
      identity: meta.get("identity") ?? Buffer.alloc(0),
      minor: this.peerMinor,
      address: this.options.address,
    })
    if (!mechanism.encode && !mechanism.decode) this.mechanism = TRAFFIC_IN_CLEAR
    if (this.pipe && this.pipe.outLength > 0) this.kick()
  }

  // ---- writing ------------------------------------------------------------------------------

  /** Writes a whole frame (header included); after a CURVE handshake it goes inside a MESSAGE box. */
  private writeRaw(bytes: Buffer): void {
    if (this.phase === Phase.Closed) return
    if (this.trace) this.traceFrame(bytes)
    const mechanism = this.mechanism
    if (this.phase === Phase.Traffic && mechanism.encode) {
      const isCommand = (bytes[0]! & FLAG_COMMAND) !== 0
      this.stream.write(encodeFrame(mechanism.encode(isCommand ? INNER_COMMAND : 0, bytes.subarray(bytes[0]! & FLAG_LONG ? 9 : 2))))
      return
    }
    this.stream.write(bytes)
  }

  private flush(): void {
    this.flushScheduled = false
    this.writeQueued()
  }

  /** Writes what the pipe holds, up to the stream's high-water mark. */
  private writeQueued(): void {
    const pipe = this.pipe
    if (this.phase !== Phase.Traffic || !pipe) return
    const stream = this.stream
    let batch: Buffer | null = null
    let used = 0
    let queued = stream.writableLength
    // One write (a request, a reply) goes out as it is; cork only once a second one follows, so
    // that they leave in one writev. Cork and uncork are a good part of a reply's path.
    let corked = false
    let first: Buffer | null = null
    const emit = (buf: Buffer) => {
      if (!corked) {
        if (first === null) {
          first = buf
          return
        }
        stream.cork()
        corked = true
        stream.write(first)
        first = null
      }
      stream.write(buf)
    }
    const flushBatch = () => {
      if (batch && used > 0) emit(batch.subarray(0, used))
      batch = null
      used = 0
    }
    // Frames staged while in clear go out as they are, unless this connection encrypts or traces
    // (then the pipe hands them over as messages again).
    const takesFrames = this.takesFrames
    let limit = WRITE_HIGH_WATER
    while (queued < limit) {
      const msg = pipe.pullFrames(takesFrames)
      if (msg === undefined) break
      if (msg instanceof StagedFrames) {
        flushBatch()
        emit(msg.bytes.subarray(msg.start, msg.end))
        queued += msg.end - msg.start
        continue
      }
      if (msg.subscribe !== undefined) {
        flushBatch()
        const topic = msg[0] ?? Buffer.alloc(0)
        const frame = this.subscriptionFrame(msg.subscribe, topic)
        // Trace what really goes out: a SUBSCRIBE/CANCEL command to a 3.1 peer, a 01/00 message to
        // a 3.0 one (tracing the bare topic as a message misreported both).
        if (this.trace) this.traceFrame(frame)
        const mechanism = this.mechanism
        const out = mechanism.encode ? encodeFrame(mechanism.encode(frame[0]! & FLAG_COMMAND ? INNER_COMMAND : 0, frame.subarray(frame[0]! & FLAG_LONG ? 9 : 2))) : frame
        emit(out)
        queued += out.length
        continue
      }
      if (this.trace) this.trace.message("out", msg)
      const last = msg.length - 1
      const encode = this.mechanism.encode
      if (encode) {
        // CURVE: each frame becomes its own MESSAGE box; MORE travels inside the box.
        flushBatch()
        for (let i = 0; i <= last; i++) {
          const frame = encodeFrame(encode.call(this.mechanism, i < last ? INNER_MORE : 0, msg[i]!))
          queued += frame.length
          emit(frame)
        }
        continue
      }
      for (let i = 0; i <= last; i++) {
        const body = msg[i]!
        const flags = i < last ? FLAG_MORE : 0
        const headerSize = body.length > 255 ? 9 : 2
        queued += headerSize + body.length
        if (body.length <= COPY_MAX) {
          if (!batch || used + headerSize + body.length > batch.length) {
            flushBatch()
            // The last message queued (a request, a reply): a batch its size, from Node's pool,
            // rather than 64 KiB of fresh memory per round trip.
            batch = Buffer.allocUnsafe(pipe.outLength === 0 ? Math.min(BATCH_SIZE, Math.max(headerSize + body.length, restSize(msg, i))) : BATCH_SIZE)
          }
          used = writeFrameHeader(batch, used, flags, body.length)
          copyInto(body, batch, used)
          used += body.length
        } else {
          // Large bodies go out as they are, behind their own header: no copy.
          flushBatch()
          const header = Buffer.allocUnsafe(headerSize)
          writeFrameHeader(header, 0, flags, body.length)
          emit(header)
          emit(body)
          limit = LARGE_WRITE_HIGH_WATER
        }
      }
    }
    flushBatch()
    if (first !== null) stream.write(first)
    if (corked) stream.uncork()
    if (pipe.outLength > 0) {
      // The stream holds enough; continue when it drains.
      this.waitingDrain = true
      if (stream.writableLength === 0 && !this.flushScheduled) {
        this.waitingDrain = false
        this.flushScheduled = true
        process.nextTick(Engine.flushLater, this)
      }
    }
  }

  private onDrain(): void {
    if (!this.waitingDrain) return
    this.waitingDrain = false
    this.kick()
  }

  /** Traces one complete single frame we encoded ourselves (a command or a one-frame message). */
  private traceFrame(frame: Buffer): void {
    const body = frame.subarray(frame[0]! & FLAG_LONG ? 9 : 2)
    if (frame[0]! & FLAG_COMMAND) this.trace!.command("out", parseCommand(body).name, body)
    else this.trace!.message("out", [body])
  }

  /** 37/ZMTP: SUBSCRIBE/CANCEL commands for a 3.1 peer, 01/00-prefixed messages for a 3.0 peer. */
  private subscriptionFrame(subscribe: boolean, topic: Buffer): Buffer {
    if (this.peerIs31) return encodeCommand(subscribe ? "SUBSCRIBE" : "CANCEL", topic)
    const out = Buffer.allocUnsafe(frameHeaderSize(topic.length + 1) + topic.length + 1)
    const at = writeFrameHeader(out, 0, 0, topic.length + 1)
    out[at] = subscribe ? 1 : 0
    topic.copy(out, at + 1)
    return out
  }

  // ---- heartbeats ---------------------------------------------------------------------------

  private startHeartbeat(): void {
    const ivl = this.options.heartbeatInterval
    if (ivl <= 0) return
    this.heartbeatTimer = setInterval(() => {
      const ttl = Math.min(MAX_PING_TTL_DS, Math.floor(this.options.heartbeatTimeToLive / 100))
      this.writeRaw(encodePing(ttl))
      if (!this.heartbeatTimeoutTimer) {
        const timeout = this.options.heartbeatTimeout >= 0 ? this.options.heartbeatTimeout : ivl
        const seen = this.activity
        this.heartbeatTimeoutTimer = setTimeout(() => {
          this.heartbeatTimeoutTimer = null
          if (this.activity === seen) {
            this.fail(new ZmtpError("ERR_ZMTP_HEARTBEAT_TIMEOUT", `No traffic from the peer within ${timeout} ms of a PING`, {fatal: false, kind: "other"}))
          }
        }, timeout)
      }
    }, ivl)
  }

  /** The peer asked us (in its PING) to consider it dead after `ms` of silence. */
  private armTtl(ms: number): void {
    const seen = this.activity
    this.ttlTimer = setTimeout(() => {
      this.ttlTimer = null
      if (this.activity === seen) {
        this.fail(new ZmtpError("ERR_ZMTP_HEARTBEAT_TIMEOUT", `No traffic from the peer within its PING TTL of ${ms} ms`, {fatal: false, kind: "other"}))
      }
    }, ms)
  }

  // ---- ending -------------------------------------------------------------------------------

  private fail(error: ZmtpError): void {
    this.trace?.note(`error ${error.code}: ${error.message}`)
    // A refusing server still tells the client why (ERROR "400"/"500") before it closes.
    const reply = isZapAuthError(error) ? error.reply : []
    if (reply.length > 0 && this.phase !== Phase.Closed) {
      for (const frame of reply) this.writeRaw(frame)
      this.shutdown(error, true)
      return
    }
    this.shutdown(error)
  }

  private shutdown(error: ZmtpError | null, graceful = false): void {
    if (this.phase === Phase.Closed) return
    const duringHandshake = this.phase !== Phase.Traffic
    this.phase = Phase.Closed
    this.takesFrames = false
    for (const t of [this.handshakeTimer, this.heartbeatTimeoutTimer, this.ttlTimer, this.greetingRestTimer, this.readyTimer]) if (t) clearTimeout(t)
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer)
    this.stream.off("data", Engine.streamData)
    DirectReader.detach(this.stream)
    if (graceful) {
      // Let what we wrote last reach the peer, but never wait on it for long.
      this.stream.end()
      setTimeout(() => this.stream.destroy(), 1000).unref()
    } else {
      this.stream.destroy()
    }
    const pipe = this.pipe
    this.pipe = null
    pipe?.detach(this)
    this.trace?.note("closed")
    this.handler.onClose(this, error, duringHandshake)
  }
}

/** Bytes that frames i..end of a message take on the wire (headers included). */
function restSize(msg: Buffer[], from: number): number {
  let n = 0
  for (let i = from; i < msg.length; i++) n += (msg[i]!.length > 255 ? 9 : 2) + msg[i]!.length
  return n
}

function toZmtpError(e: unknown): ZmtpError {
  if (e instanceof ZmtpError) return e
  // A bug of ours, not the peer's: end only this connection, but make it visible.
  process.emitWarning(`zmtp: internal error while handling a connection: ${(e as Error)?.stack ?? e}`)
  return new ZmtpError("ERR_ZMTP_UNSPECIFIED", `Internal error: ${(e as Error)?.message ?? e}`, {fatal: false, kind: "other"})
}
