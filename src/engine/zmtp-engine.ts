/**
 * One ZMTP connection over a duplex byte stream (a net.Socket for tcp and ipc): greeting →
 * security handshake → traffic. The pieces with rules of their own are beside it: the greeting's
 * timing (greeting-steps.ts), heartbeats (heartbeat.ts) and every frame written (encoder.ts).
 *
 * What this file keeps, each from what libzmq 4.3 does (spec/zmtp.md):
 * - no traffic goes out until the peer's READY has arrived: libzmq 4.3 drops a connection whose
 *   message arrives in the same read as the READY it has not answered yet;
 * - while the mechanism waits for a ZAP answer, every later frame is held, then replayed in order;
 * - PING is answered with PONG always; SUBSCRIBE/CANCEL become the stack's subscription form;
 *   ERROR and unknown commands after the handshake are dropped, as libzmq does;
 * - every protocol violation ends this connection only, with a ZmtpError given to the handler.
 */
import {Buffer} from "node:buffer"
import type {Duplex} from "node:stream"
import {encodePong, parseCommand, parseHandshakeCommand, parsePing, type Command} from "../wire/command.js"
import {ZmtpError} from "../wire/errors.js"
import {FrameDecoder, type FrameHandler} from "../wire/frame.js"
import {encodeGreeting} from "../wire/greeting.js"
import {socketTypesCompatible, type SocketTypeName} from "../wire/socket-type.js"
import {INNER_COMMAND, INNER_MORE, type Mechanism} from "../mechanism/mechanism.js"
import {isZapAuthError} from "../mechanism/zap.js"
import type {Engine, EngineHandler} from "./engine.js"
import {ZmtpEncoder} from "./encoder.js"
import {closeAfterFlush} from "./flush-close.js"
import {GreetingSteps} from "./greeting-steps.js"
import {Heartbeat, type HeartbeatOptions} from "./heartbeat.js"
import type {Msg, PeerInfo, Pipe} from "./pipe.js"
import {subscription} from "./subscription.js"
import {traceFor, type WireTrace} from "./trace.js"
import {DirectReader, type DirectSink} from "../transport/direct-read.js"

export interface ZmtpEngineOptions extends HeartbeatOptions {
  socketType: SocketTypeName
  mechanism: Mechanism
  /** Per-frame limit; -1 for none. */
  maxMessageSize: number
  /** ms; 0 disables the handshake deadline. */
  handshakeInterval: number
  /** "tcp://127.0.0.1:5555" and the like, for events and the wire trace. */
  address: string
}

/**
 * A body with at least this much still to come is read straight into its own memory (a read of
 * its own); a smaller rest is read with what follows it into the scratch buffer and copied.
 */
const DIRECT_READ_MIN = 32 * 1024

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
 * command reaches a mechanism any more, so an idle connection does not keep the handshake's state.
 */
const TRAFFIC_IN_CLEAR: Mechanism = {
  name: "NULL",
  asServer: false,
  complete: true,
  peerMetadata: new Map(),
  start: () => [],
  onCommand: () => [],
}

const ENGINE = Symbol("zmtp.engine")
type EngineStream = Duplex & {[ENGINE]?: ZmtpEngine}

export class ZmtpEngine implements Engine, FrameHandler, DirectSink {
  private phase = Phase.Greeting
  private readonly greeting: GreetingSteps
  private readonly encoder: ZmtpEncoder
  private readonly heartbeat: Heartbeat
  private readonly decoder: FrameDecoder
  /** The peer's version from its greeting (0.0 until it has arrived). */
  private peerMajor = 0
  private peerMinor = 0
  /** stream.pause() called for the receive HWM and not yet undone (pause once, not per message). */
  private pausedForHwm = false
  private pipe: Pipe | null = null
  private flushScheduled = false
  private waitingDrain = false
  private handshakeTimer: NodeJS.Timeout | null = null
  private readonly trace: WireTrace | null
  /** Frames that arrived while an async mechanism step (ZAP) was pending, in order. */
  private held: HeldFrame[] | null = null
  /** CURVE: frames of the message being assembled from MESSAGE boxes (null between messages). */
  private innerParts: Buffer[] | null = null
  /** Everything but the mechanism, which is let go after a NULL or PLAIN handshake. */
  readonly options: Readonly<Omit<ZmtpEngineOptions, "mechanism">>
  private mechanism: Mechanism
  /**
   * In traffic, in clear and untraced: our frames go out as queued (staged frames welcome) and the
   * peer's messages go straight to the pipe. A field, set when traffic starts and cleared at
   * shutdown: a PUSH asks on every send, a PULL every message.
   */
  takesFrames = false

  constructor(
    readonly stream: Duplex,
    options: ZmtpEngineOptions,
    private readonly handler: EngineHandler,
  ) {
    const {mechanism, ...rest} = options
    this.options = rest
    this.mechanism = mechanism
    this.decoder = new FrameDecoder(this, options.maxMessageSize)
    this.trace = traceFor(`${options.socketType} ${options.address}`)
    this.encoder = new ZmtpEncoder(stream, this.trace)
    this.greeting = new GreetingSteps(this, mechanism.name, this.trace)
    this.heartbeat = new Heartbeat(this)
    ;(stream as EngineStream)[ENGINE] = this
    // Large bodies are read straight into their memory where the transport allows (tcp, ipc).
    if (!DirectReader.attach(stream, this)) stream.on("data", ZmtpEngine.streamData)
    stream.on("drain", ZmtpEngine.streamDrain)
    stream.on("error", ZmtpEngine.streamError)
    stream.on("close", ZmtpEngine.streamEnded)
    stream.on("end", ZmtpEngine.streamEnded)
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
  private static readonly flushLater = (engine: ZmtpEngine): void => engine.flush()

  /** Sends our greeting and starts the handshake deadline. */
  start(): void {
    this.greeting.start(encodeGreeting(this.mechanism.name, this.mechanism.asServer))
    if (this.options.handshakeInterval > 0) {
      this.handshakeTimer = setTimeout(() => {
        this.fail(new ZmtpError("ERR_ZMTP_HANDSHAKE_TIMEOUT", `ZMTP handshake not complete within ${this.options.handshakeInterval} ms`, {fatal: false, kind: "other"}))
      }, this.options.handshakeInterval)
    }
  }

  get closed(): boolean {
    return this.phase === Phase.Closed
  }

  get handshaking(): boolean {
    return this.phase === Phase.Greeting || this.phase === Phase.Handshake
  }

  get unwritten(): number {
    return this.phase === Phase.Closed ? 0 : this.stream.writableLength
  }

  // ---- GreetingHost, HeartbeatHost ----------------------------------------------------------

  writeRaw(bytes: Buffer): void {
    this.stream.write(bytes)
  }

  sendFirstCommands(): void {
    for (const frame of this.mechanism.start()) this.writeFrame(frame)
  }

  greeted(major: number, minor: number): void {
    this.peerMajor = major
    this.peerMinor = minor
    this.phase = Phase.Handshake
  }

  /** A whole frame of ours (a command); boxed after a CURVE handshake. */
  writeFrame(frame: Buffer): void {
    if (this.phase !== Phase.Closed) this.encoder.writeFrame(frame)
  }

  // ---- Engine -------------------------------------------------------------------------------

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
    process.nextTick(ZmtpEngine.flushLater, this)
    if (this.stream.writableLength === 0) this.writeQueued()
  }

  flushNow(): void {
    // Not flush(): the tick's flush stays scheduled, so the next kick() of this tick writes nothing.
    if (this.phase === Phase.Traffic && !this.waitingDrain) this.writeQueued()
  }

  offer(): boolean {
    return false
  }

  deliverRest(): void {}

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
    this.heartbeat.activity++
    try {
      this.decoder.bodyFilledDirectly(n)
    } catch (e) {
      this.fail(toZmtpError(e))
    }
  }

  /** Bytes read from the stream ("data" events, or DirectSink's scratch reads). */
  onChunk(chunk: Buffer): void {
    this.heartbeat.activity++
    try {
      if (this.phase === Phase.Greeting) {
        const rest = this.greeting.read(chunk)
        if (rest === null || rest.length === 0) return
        chunk = rest
      }
      if (this.phase === Phase.Handshake || this.phase === Phase.Traffic) this.decoder.push(chunk)
    } catch (e) {
      this.fail(toZmtpError(e))
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
    if (this.phase !== Phase.Handshake) {
      this.trafficCommand(command)
      return
    }
    this.greeting.sendReady() // ours first, always (greeting-steps.ts)
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
  }

  private afterMechanism(frames: Buffer[]): void {
    for (const frame of frames) this.writeFrame(frame)
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
        this.writeFrame(encodePong(ping.context))
        this.heartbeat.peerTtl(ping.ttlDeciseconds)
        break
      }
      case "SUBSCRIBE":
      case "CANCEL":
        this.deliver(subscription(command.data, command.name === "SUBSCRIBE"))
        break
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
    // 3.1 behaviour (SUBSCRIBE/CANCEL commands) toward 3.1 and any later version, as libzmq does.
    this.encoder.startTraffic(mechanism, this.peerMajor > 3 || (this.peerMajor === 3 && this.peerMinor >= 1))
    this.takesFrames = this.trace === null && mechanism.encode === undefined
    this.heartbeat.start(this.options)
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

  private flush(): void {
    this.flushScheduled = false
    this.writeQueued()
  }

  /** Writes what the pipe holds (encoder.ts), up to the stream's high-water mark. */
  private writeQueued(): void {
    const pipe = this.pipe
    if (this.phase !== Phase.Traffic || !pipe) return
    this.encoder.writeQueued(pipe, this.takesFrames)
    if (pipe.outLength > 0) {
      // The stream holds enough; continue when it drains.
      this.waitingDrain = true
      if (this.stream.writableLength === 0 && !this.flushScheduled) {
        this.waitingDrain = false
        this.flushScheduled = true
        process.nextTick(ZmtpEngine.flushLater, this)
      }
    }
  }

  private onDrain(): void {
    if (!this.waitingDrain) return
    this.waitingDrain = false
    this.kick()
  }

  // ---- ending -------------------------------------------------------------------------------

  fail(error: ZmtpError): void {
    this.trace?.note(`error ${error.code}: ${error.message}`)
    // A refusing server still tells the client why (ERROR "400"/"500") before it closes.
    const reply = isZapAuthError(error) ? error.reply : []
    if (reply.length > 0 && this.phase !== Phase.Closed) {
      for (const frame of reply) this.writeFrame(frame)
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
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer)
    this.greeting.stop()
    this.heartbeat.stop()
    this.stream.off("data", ZmtpEngine.streamData)
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

function toZmtpError(e: unknown): ZmtpError {
  if (e instanceof ZmtpError) return e
  // A bug of ours, not the peer's: end only this connection, but make it visible.
  process.emitWarning(`zmtp: internal error while handling a connection: ${(e as Error)?.stack ?? e}`)
  return new ZmtpError("ERR_ZMTP_UNSPECIFIED", `Internal error: ${(e as Error)?.message ?? e}`, {fatal: false, kind: "other"})
}
