/**
 * The greeting exchange and when our first handshake command goes out, as libzmq 4.3 times them
 * (spec/zmtp.md §2.8):
 *
 * - our greeting goes in steps: bytes 0..10 (signature and major version) at once, bytes 11..63
 *   once the peer's byte 10 is in, or after GREETING_REST_FALLBACK_MS if the peer stays silent. A
 *   libzmq peer that reads a whole greeting with the wrong mechanism in one go closes before it
 *   shows its own; with the steps both sides see the mismatch, as two libzmq peers do;
 * - our READY (NULL) or HELLO goes out right after the greeting, except when the peer's byte 10 and
 *   the rest of its greeting came together (libzmq answering our byte 10): then NULL's READY waits
 *   for the peer's, or the same fallback. libzmq reading the rest of our greeting and our READY
 *   in one read refuses a wrong socket type before sending its own READY, and we would see a bare
 *   hang-up where zeromq.js sees the type.
 */
import { Buffer } from "node:buffer";
import { checkGreetingPrefix, checkMechanism, GREETING_SIZE, parseGreeting } from "../wire/greeting.js";
/** Greeting bytes 0..10: signature and major version, sent as soon as the stream is up. */
const VERSION_END = 11;
/**
 * A peer that sends nothing until it has our whole greeting (not libzmq, which sends its signature
 * at once) still gets it after this long instead of waiting for the handshake deadline.
 */
export const GREETING_REST_FALLBACK_MS = 100;
export class GreetingSteps {
    host;
    mechanism;
    trace;
    /** Our greeting until all of it has gone out, and how much has. */
    ours = null;
    oursSent = 0;
    restTimer = null;
    readyTimer = null;
    readySent = false;
    /**
     * Our bytes 11..63 went out on the fallback timer, before the peer's byte 10: a zmtp peer then
     * reads our whole greeting in one piece and holds its READY for ours, so ours must not wait.
     */
    restUnprompted = false;
    /** The peer's greeting as it arrives; dropped once read (idle connections stay small). */
    peer = Buffer.allocUnsafe(GREETING_SIZE);
    peerLen = 0;
    constructor(host, mechanism, trace) {
        this.host = host;
        this.mechanism = mechanism;
        this.trace = trace;
    }
    static restFallback = (steps) => {
        steps.restUnprompted = true;
        steps.send(GREETING_SIZE);
    };
    static readyFallback = (steps) => steps.sendReady();
    /** Sends bytes 0..10 of `greeting` now and arms the fallback for the rest. */
    start(greeting) {
        this.trace?.greeting("out", greeting);
        this.ours = greeting;
        this.send(VERSION_END);
        this.restTimer = setTimeout(GreetingSteps.restFallback, GREETING_REST_FALLBACK_MS, this);
    }
    /** Feeds bytes; returns those after the peer's greeting, or null while it is incomplete. */
    read(chunk) {
        const greeting = this.peer;
        const take = Math.min(GREETING_SIZE - this.peerLen, chunk.length);
        chunk.copy(greeting, this.peerLen, 0, take);
        const versionNow = this.peerLen < VERSION_END;
        this.peerLen += take;
        // Refuse ZMTP 1.0/2.0 peers as soon as their first bytes tell.
        checkGreetingPrefix(greeting, this.peerLen);
        if (this.peerLen >= VERSION_END)
            this.send(GREETING_SIZE);
        if (this.peerLen < GREETING_SIZE)
            return null;
        this.trace?.greeting("in", greeting);
        const { major, minor } = parseGreeting(greeting);
        checkMechanism(this.mechanism, greeting);
        this.peer = null;
        this.host.greeted(major, minor);
        if (versionNow && this.mechanism === "NULL" && !this.restUnprompted) {
            // The peer's version byte and the rest of its greeting came together: it answered our byte
            // 10, and the rest of ours has only just gone out. READY waits for the peer's (see above).
            this.readyTimer = setTimeout(GreetingSteps.readyFallback, GREETING_REST_FALLBACK_MS, this);
        }
        else {
            this.sendReady();
        }
        return chunk.subarray(take);
    }
    /** Sends the mechanism's first commands, once: ours always go before we answer the peer's. */
    sendReady() {
        if (this.readyTimer)
            clearTimeout(this.readyTimer);
        this.readyTimer = null;
        if (this.readySent || this.host.closed)
            return;
        this.readySent = true;
        this.host.sendFirstCommands();
    }
    /** Writes our greeting up to byte `end` (exclusive), if not yet written. */
    send(end) {
        const ours = this.ours;
        if (ours === null || this.host.closed || end <= this.oursSent)
            return;
        this.host.writeRaw(ours.subarray(this.oursSent, end));
        this.oursSent = end;
        if (end === GREETING_SIZE) {
            this.ours = null;
            if (this.restTimer)
                clearTimeout(this.restTimer);
            this.restTimer = null;
        }
    }
    stop() {
        if (this.restTimer)
            clearTimeout(this.restTimer);
        if (this.readyTimer)
            clearTimeout(this.readyTimer);
        this.restTimer = this.readyTimer = null;
    }
}
