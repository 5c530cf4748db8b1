/**
 * One ZMTP connection over a duplex byte stream (a net.Socket for tcp and ipc): greeting →
 * security handshake → traffic. The pieces with rules of their own are beside it: the greeting's
 * timing (greeting-steps.ts), heartbeats (heartbeat.ts), frames held during ZAP (held-frames.ts),
 * commands and CURVE boxes after the handshake (traffic-in.ts), every frame written (encoder.ts).
 *
 * What this file keeps, from what libzmq 4.3 does (spec/zmtp.md): no traffic goes out until the
 * peer's READY has arrived (libzmq 4.3 drops a connection whose message arrives in the same read as
 * the READY it has not answered yet), and every protocol violation ends this connection only, with
 * a ZmtpError given to the handler.
 */
import { Buffer } from "node:buffer";
import { parseCommand, parseHandshakeCommand } from "../wire/command.js";
import { ZmtpError } from "../wire/errors.js";
import { FrameDecoder } from "../wire/frame.js";
import { encodeGreeting } from "../wire/greeting.js";
import { socketTypesCompatible } from "../wire/socket-type.js";
import { TRAFFIC_IN_CLEAR } from "../mechanism/mechanism.js";
import { isZapAuthError } from "../mechanism/zap.js";
import { toZmtpError } from "./engine.js";
import { ZmtpEncoder } from "./encoder.js";
import { closeAfterFlush } from "./flush-close.js";
import { GreetingSteps } from "./greeting-steps.js";
import { Heartbeat } from "./heartbeat.js";
import { HeldFrames } from "./held-frames.js";
import { AckOut, durablePeer, InFlight, parseAck } from "./acks.js";
import { trafficCommand, Unboxer } from "./traffic-in.js";
import { listenTo, stopReading } from "./stream-events.js";
import { traceFor } from "./trace.js";
/**
 * A body at least this large is read straight into its own memory (reads of its own); a smaller
 * one is read with what surrounds it into the scratch buffer and copied.
 */
const DIRECT_READ_MIN = 32 * 1024;
export class ZmtpEngine {
    stream;
    handler;
    phase = 0 /* Phase.Greeting */;
    greeting;
    encoder;
    heartbeat;
    decoder;
    /** The peer's version from its greeting (0.0 until it has arrived). */
    peerMajor = 0;
    peerMinor = 0;
    /** stream.pause() called for the receive HWM and not yet undone (pause once, not per message). */
    pausedForHwm = false;
    pipe = null;
    handshakeTimer = null;
    trace;
    /** Frames that arrived while an async mechanism step (ZAP) was pending, in order. */
    held = null;
    /** CURVE, in traffic: opens the MESSAGE boxes. */
    unboxer = null;
    /** Everything but the mechanism, which is let go after a NULL or PLAIN handshake. */
    options;
    mechanism;
    constructor(stream, options, handler) {
        this.stream = stream;
        this.handler = handler;
        const { mechanism, ...rest } = options;
        this.options = rest;
        this.mechanism = mechanism;
        this.decoder = new FrameDecoder(this, options.maxMessageSize);
        this.trace = traceFor(`${options.socketType} ${options.address}`);
        this.encoder = new ZmtpEncoder(stream, this.trace);
        this.greeting = new GreetingSteps(this, mechanism.name, this.trace);
        this.heartbeat = new Heartbeat(this);
        listenTo(stream, this);
    }
    /** Sends our greeting and starts the handshake deadline. */
    start() {
        if (this.options.greeting === false) {
            this.greeted(3, 0);
            this.greeting.sendReady();
        }
        else {
            this.greeting.start(encodeGreeting(this.mechanism.name, this.mechanism.asServer));
        }
        if (this.options.handshakeInterval > 0) {
            this.handshakeTimer = setTimeout(() => {
                this.fail(new ZmtpError("ERR_ZMTP_HANDSHAKE_TIMEOUT", `ZMTP handshake not complete within ${this.options.handshakeInterval} ms`, { fatal: false, kind: "other" }));
            }, this.options.handshakeInterval);
        }
    }
    /**
     * In traffic, in clear and untraced: our frames go out as queued (staged frames welcome) and the
     * peer's messages go straight to the pipe. A PUSH asks on every send, a PULL every message.
     */
    get takesFrames() {
        return this.encoder.takesFrames;
    }
    get closed() {
        return this.phase === 3 /* Phase.Closed */;
    }
    get handshaking() {
        return this.phase === 0 /* Phase.Greeting */ || this.phase === 1 /* Phase.Handshake */;
    }
    get unwritten() {
        return this.phase === 3 /* Phase.Closed */ ? 0 : this.stream.writableLength;
    }
    // GreetingHost and HeartbeatHost:
    writeRaw(bytes) {
        this.stream.write(bytes);
    }
    sendFirstCommands() {
        for (const frame of this.mechanism.start())
            this.writeFrame(frame);
    }
    greeted(major, minor) {
        this.peerMajor = major;
        this.peerMinor = minor;
        this.phase = 1 /* Phase.Handshake */;
    }
    /** A whole frame of ours (a command); boxed after a CURVE handshake. */
    writeFrame(frame) {
        if (this.phase !== 3 /* Phase.Closed */)
            this.encoder.writeFrame(frame);
    }
    // ---- Engine -------------------------------------------------------------------------------
    attach(pipe, peer) {
        this.pipe = this.encoder.pipe = pipe;
        // Durable subscribers, where both sides advertised it (acks.ts); before pipe.attach, which
        // may hand the queue to the encoder at once.
        const { durableToken, acks } = this.options;
        if (durableToken && peer.durable?.ackId)
            pipe.inFlight = new InFlight(this, durableToken);
        if (acks && peer.durable?.token)
            pipe.ackOut = new AckOut(this, peer.durable.token, frame => this.writeFrame(frame));
        pipe.attach(this, peer);
    }
    /**
     * CommandSink: a durable subscriber acknowledged messages of this connection. Where it was not
     * negotiated, X-ACK is an unknown command like any other: dropped, as libzmq does.
     */
    acked(data) {
        const inFlight = this.pipe?.inFlight;
        if (inFlight && inFlight.transport === this)
            inFlight.ack(parseAck(data));
    }
    kick() {
        this.encoder.kick();
    }
    flushNow() {
        this.encoder.flushNow();
    }
    /** Not inproc: no message skips the queue, and none is handed over at close. */
    offer() {
        return false;
    }
    deliverRest() { }
    resume() {
        this.pausedForHwm = false;
        if (this.phase !== 3 /* Phase.Closed */)
            this.stream.resume();
    }
    close() {
        this.shutdown(null);
    }
    /** ZMQ_LINGER at close: the queued messages are written, then the connection ends (flush-close.ts). */
    closeAfterFlush(lingerMs) {
        if (this.phase !== 2 /* Phase.Traffic */ || lingerMs === 0) {
            this.close();
            return;
        }
        const ipc = this.options.address.startsWith("ipc://");
        closeAfterFlush(this, lingerMs, ipc, () => (this.pipe?.outLength ?? 0) > 0, () => {
            const pipe = this.pipe;
            this.pipe = this.encoder.pipe = null;
            pipe?.detach(this);
            this.pausedForHwm = false;
        });
    }
    // ---- reading ------------------------------------------------------------------------------
    /** DirectSink: a large body's unfilled rest, for the next read to go straight into. */
    readTarget() {
        return this.phase === 1 /* Phase.Handshake */ || this.phase === 2 /* Phase.Traffic */ ? this.decoder.bodyTarget(DIRECT_READ_MIN) : null;
    }
    /** DirectSink: the kernel wrote `n` more bytes of the body into readTarget()'s memory. */
    targetFilled(n) {
        this.heartbeat.activity++;
        try {
            this.decoder.bodyFilledDirectly(n);
        }
        catch (e) {
            this.fail(toZmtpError(e));
        }
    }
    /** Bytes read from the stream ("data" events, or DirectSink's scratch reads). */
    onChunk(chunk) {
        this.heartbeat.activity++;
        try {
            if (this.phase === 0 /* Phase.Greeting */) {
                const rest = this.greeting.read(chunk);
                if (rest === null || rest.length === 0)
                    return;
                chunk = rest;
            }
            if (this.phase === 1 /* Phase.Handshake */ || this.phase === 2 /* Phase.Traffic */)
                this.decoder.push(chunk);
        }
        catch (e) {
            this.fail(toZmtpError(e));
        }
    }
    onCommand(body) {
        if (this.phase === 3 /* Phase.Closed */)
            return;
        if (this.held) {
            this.held.command(body);
            return;
        }
        if (this.unboxer) {
            this.decodeFrame(body);
            return;
        }
        const command = this.phase === 1 /* Phase.Handshake */ ? parseHandshakeCommand(body) : parseCommand(body);
        this.trace?.command("in", command.name, body);
        if (this.phase !== 1 /* Phase.Handshake */) {
            trafficCommand(command, this);
            return;
        }
        this.greeting.sendReady(); // ours first, always (greeting-steps.ts)
        const out = this.mechanism.onCommand(command);
        if (out instanceof Promise) {
            // The mechanism waits (a ZAP authenticator): hold every later frame until it answers.
            this.held = new HeldFrames();
            this.stream.pause();
            out.then(frames => this.resumeHandshake(frames), e => this.fail(toZmtpError(e)));
            return;
        }
        this.afterMechanism(out);
    }
    afterMechanism(frames) {
        for (const frame of frames)
            this.writeFrame(frame);
        if (this.mechanism.complete)
            this.handshakeDone();
    }
    /** The mechanism's async step finished: send its answer, then replay what arrived meanwhile. */
    resumeHandshake(frames) {
        if (this.phase === 3 /* Phase.Closed */)
            return;
        try {
            const held = this.held;
            this.held = null;
            this.afterMechanism(frames);
            held?.replay(this, () => this.held);
            if (this.held)
                return;
            // Unless the replayed messages filled the receive HWM: then the reader resumes it.
            if (!this.closed && !this.pausedForHwm)
                this.stream.resume();
        }
        catch (e) {
            this.fail(toZmtpError(e));
        }
    }
    /** CURVE traffic (traffic-in.ts). */
    decodeFrame(body) {
        const out = this.unboxer.unbox(body);
        if (out === null)
            return;
        if (Array.isArray(out))
            this.deliver(out);
        else
            trafficCommand(out, this);
    }
    onMessage(frames) {
        if (this.encoder.takesFrames) {
            // Traffic in clear and untraced (the common case): nothing to decode, hold or trace.
            this.deliver(frames);
            return;
        }
        if (this.phase === 3 /* Phase.Closed */)
            return;
        if (this.held) {
            this.held.message(frames);
            return;
        }
        if (this.unboxer) {
            for (const f of frames)
                this.decodeFrame(f);
            return;
        }
        if (this.phase === 1 /* Phase.Handshake */) {
            throw new ZmtpError("ERR_ZMTP_UNEXPECTED_COMMAND", "Message frame received before the handshake completed");
        }
        this.trace?.message("in", frames);
        this.deliver(frames);
    }
    deliver(msg) {
        const pipe = this.pipe;
        if (pipe === null)
            return;
        if (!pipe.push(msg) && !this.pausedForHwm) {
            // The receive HWM is reached: stop reading, so the kernel pushes back on the sender.
            this.pausedForHwm = true;
            this.stream.pause();
        }
    }
    handshakeDone() {
        const { mechanism } = this;
        const { socketType } = this.options;
        const meta = mechanism.peerMetadata;
        const peerType = meta.get("socket-type")?.toString("latin1") ?? "";
        // libzmq accepts a READY without Socket-Type; it refuses a type that cannot talk to ours.
        if (peerType !== "" && !socketTypesCompatible(socketType, peerType)) {
            throw new ZmtpError("ERR_ZMTP_INCOMPATIBLE_SOCKET_TYPE", `Socket type ${socketType} cannot talk to a ${peerType} peer`, { kind: "silent" });
        }
        if (this.handshakeTimer)
            clearTimeout(this.handshakeTimer);
        this.handshakeTimer = null;
        this.phase = 2 /* Phase.Traffic */;
        if (mechanism.decode)
            this.unboxer = new Unboxer(mechanism, this.trace);
        // 3.1 behaviour (SUBSCRIBE/CANCEL commands) toward 3.1 and any later version, as libzmq does.
        this.encoder.startTraffic(mechanism, this.peerMajor > 3 || (this.peerMajor === 3 && this.peerMinor >= 1), this.options.socketType === "DISH");
        this.heartbeat.start(this.options);
        this.handler.onHandshake(this, {
            socketType: peerType,
            identity: meta.get("identity") ?? Buffer.alloc(0),
            minor: this.peerMinor,
            address: this.options.address,
            durable: this.options.durableToken || this.options.acks ? durablePeer(meta) : undefined,
        });
        if (!mechanism.encode && !mechanism.decode)
            this.mechanism = TRAFFIC_IN_CLEAR;
        if (this.pipe && this.pipe.outLength > 0)
            this.kick();
    }
    onDrain() {
        this.encoder.onDrain();
    }
    streamFailed(err) {
        // ECONNRESET and the like: an ordinary disconnect, reconnectable.
        this.shutdown(new ZmtpError("ERR_ZMTP_UNSPECIFIED", `Connection error: ${err.message}`, { fatal: false, kind: "other" }));
    }
    streamEnded() {
        this.shutdown(null);
    }
    // ---- ending -------------------------------------------------------------------------------
    fail(error) {
        this.trace?.note(`error ${error.code}: ${error.message}`);
        // A refusing server still tells the client why (ERROR "400"/"500") before it closes.
        const reply = isZapAuthError(error) ? error.reply : [];
        if (reply.length > 0 && this.phase !== 3 /* Phase.Closed */) {
            for (const frame of reply)
                this.writeFrame(frame);
            this.shutdown(error, true);
            return;
        }
        this.shutdown(error);
    }
    shutdown(error, graceful = false) {
        if (this.phase === 3 /* Phase.Closed */)
            return;
        const duringHandshake = this.phase !== 2 /* Phase.Traffic */;
        this.phase = 3 /* Phase.Closed */;
        this.encoder.stop();
        if (this.handshakeTimer)
            clearTimeout(this.handshakeTimer);
        this.greeting.stop();
        this.heartbeat.stop();
        stopReading(this.stream);
        if (graceful) {
            // Let what we wrote last reach the peer, but never wait on it for long.
            this.stream.end();
            setTimeout(() => this.stream.destroy(), 1000).unref();
        }
        else {
            this.stream.destroy();
        }
        const pipe = this.pipe;
        this.pipe = this.encoder.pipe = null;
        pipe?.detach(this);
        this.trace?.note("closed");
        this.handler.onClose(this, error, duringHandshake);
    }
}
