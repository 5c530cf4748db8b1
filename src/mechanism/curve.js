/**
 * The CURVE mechanism (25/ZMTP-CURVE over 26/CURVEZMQ), byte for byte as libzmq 4.3 speaks it.
 * See spec/security.md for the walk-through; in short, with C/c and S/s the client's and server's
 * long-term public/secret keys and C'/c', S'/s' the per-connection transient ones:
 *
 *   C → S  HELLO     05 "HELLO" 01 00 72×00 C' n(8) Box[64×00](C'→S)             200 bytes
 *   S → C  WELCOME   07 "WELCOME" N(16) Box[S' ‖ cookie](S→C')                   168 bytes
 *          cookie  = N(16) SecretBox[C' ‖ s'](K)   K: a random key of this connection
 *   C → S  INITIATE  08 "INITIATE" cookie n(8) Box[C ‖ vouch ‖ metadata](C'→S')  257+M bytes
 *          vouch   = N(16) Box[C' ‖ S](C→S')
 *   S → C  READY     05 "READY" n(8) Box[metadata](S'→C')                         30+M bytes
 *   both   MESSAGE   07 "MESSAGE" n(8) Box[flags ‖ data](C'↔S')                   33+N bytes
 *
 * Box[x](A→B) is crypto_box from A's secret key to B's public key. Nonces are a 16-byte prefix
 * plus an 8-byte big-endian short nonce n ("CurveZMQHELLO---", "CurveZMQINITIATE",
 * "CurveZMQREADY---", "CurveZMQMESSAGEC" client→server, "CurveZMQMESSAGES" server→client) or an
 * 8-byte prefix plus 16 random bytes N ("WELCOME-", "COOKIE--", "VOUCH---").
 * Short nonces: the client sends HELLO 1, INITIATE 2, MESSAGE 3, 4, …; the server READY 1,
 * MESSAGE 2, 3, …. The first nonce received (HELLO, READY) is taken as it is; every later one must
 * be above the last (ERR_ZMTP_INVALID_SEQUENCE; gaps are fine), and the receive counter moves
 * only once the box proved authentic.
 *
 * Checks beyond libzmq's, both required by 26/CURVEZMQ and always met by a libzmq client: the
 * INITIATE nonce must be above HELLO's, and the vouch must name our S (KEY_EXCHANGE otherwise).
 * Transient secrets are wiped once used: c' after WELCOME, s' and the cookie key K after INITIATE.
 *
 * Additions to the Mechanism contract (mechanism.ts), used once `complete` is true:
 * - `encode(flags, data)`: the body of the outer ZMTP frame, `07 "MESSAGE"` n Box[flags ‖ data],
 *   where flags bit 0 = MORE and bit 1 = COMMAND (libzmq sends PING, PONG, SUBSCRIBE and CANCEL
 *   inside MESSAGE boxes with the COMMAND bit). The engine sends it as a plain message frame, flags
 *   00 (02 when long): never MORE, never COMMAND — every message part is its own MESSAGE.
 * - `decode(body)`: `{flags, data}` of a received frame body; throws ZmtpError
 *   (UNEXPECTED_COMMAND, MALFORMED_COMMAND_MESSAGE, INVALID_SEQUENCE, CRYPTOGRAPHIC) on anything
 *   malformed, replayed or forged, and delivers nothing then.
 * The server's onCommand(INITIATE) returns a promise when an authenticator is configured (ZAP,
 * mechanism "CURVE", credentials [C]); without one every client is accepted, as libzmq does with
 * no ZAP handler ("Stonehouse": encrypted, not authenticated).
 */
import { Buffer } from "node:buffer";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { encodeCommand } from "../wire/command.js";
import { ZmtpError } from "../wire/errors.js";
import { encodeMetadata, parseMetadata } from "../wire/metadata.js";
import { z85Decode } from "../wire/z85.js";
import { boxBeforenm, boxKeyPair, scalarMultBase } from "./crypto/nacl.js";
import { COOKIE_PREFIX, COOKIE_SIZE, Counter, HELLO_PADDING, HELLO_PREFIX, HELLO_SIZE, INITIATE_MIN_SIZE, INITIATE_PREFIX, MESSAGE_C_PREFIX, MESSAGE_S_PREFIX, MessageCodec, READY_MIN_SIZE, READY_PREFIX, VOUCH_BOX_SIZE, VOUCH_PREFIX, WELCOME_PREFIX, WELCOME_SIZE, longNonce, open, prepared, seal, shortNonce } from "./curve-box.js";
export { HELLO_SIZE, WELCOME_SIZE, INITIATE_MIN_SIZE, READY_MIN_SIZE, MESSAGE_MIN_SIZE } from "./curve-box.js";
import { authenticateThen, peerErrorToThrow, unexpected } from "./handshake.js";
import { ZapAuthError } from "./zap.js";
/**
 * The 32 raw bytes of a key. A Uint8Array is used as it is (not copied), so that the secret-key
 * import cache in crypto/nacl.ts recognises the same buffer on every connection.
 */
export function curveKeyBytes(key, what = "CURVE key") {
    if (typeof key === "string") {
        if (key.length !== 40)
            throw new RangeError(`${what} must be 40 Z85 characters or 32 bytes`);
        return z85Decode(key);
    }
    if (key.length !== 32)
        throw new RangeError(`${what} must be 40 Z85 characters or 32 bytes`);
    return key;
}
// ---- sizes and nonce prefixes ---------------------------------------------------------------
function notReady() {
    throw new Error("CURVE encode/decode before the handshake is complete");
}
export class CurveClient {
    options;
    name = "CURVE";
    asServer = false;
    complete = false;
    peerMetadata = new Map();
    authStatus;
    state = 0 /* ClientState.WaitWelcome */;
    serverKey;
    secretKey;
    publicKey;
    random;
    transient;
    /** Box key C'→S (HELLO signature, WELCOME). */
    helloKey = null;
    /** Box key C'↔S' (INITIATE, READY, MESSAGE). */
    sessionKey = null;
    ours = new Counter(1);
    theirs = new Counter(0);
    codec = null;
    constructor(options) {
        this.options = options;
        this.serverKey = curveKeyBytes(options.serverKey, "CURVE server key");
        this.secretKey = curveKeyBytes(options.secretKey, "CURVE secret key");
        this.publicKey = options.publicKey !== undefined ? curveKeyBytes(options.publicKey, "CURVE public key") : scalarMultBase(this.secretKey);
        this.random = options.random ?? randomBytes;
        this.transient = (options.transientKeyPair ?? boxKeyPair)();
    }
    /** C': our transient public key for this connection. */
    get transientPublicKey() {
        return this.transient.publicKey;
    }
    start() {
        this.helloKey = prepared(boxBeforenm(this.serverKey, this.transient.privateKey));
        const short = this.ours.bytes();
        this.ours.next();
        const signature = seal(Buffer.alloc(64), shortNonce(HELLO_PREFIX, short), this.helloKey);
        return [encodeCommand("HELLO", Buffer.of(1, 0), Buffer.alloc(HELLO_PADDING), this.transient.publicKey, short, signature)];
    }
    onCommand(command) {
        if (command.name === "ERROR" && this.state !== 2 /* ClientState.Done */) {
            const e = peerErrorToThrow(command.data, "CURVE");
            if (e instanceof ZapAuthError)
                this.authStatus = e.status;
            throw e;
        }
        switch (this.state) {
            case 0 /* ClientState.WaitWelcome */:
                if (command.name !== "WELCOME")
                    throw unexpected(command, "CURVE", "waiting for WELCOME");
                return [this.onWelcome(command.data)];
            case 1 /* ClientState.WaitReady */:
                if (command.name !== "READY")
                    throw unexpected(command, "CURVE", "waiting for READY");
                this.onReady(command.data);
                return [];
            default:
                throw unexpected(command, "CURVE", "after READY");
        }
    }
    onWelcome(data) {
        if (1 + 7 + data.length !== WELCOME_SIZE) {
            throw new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND_WELCOME", `CURVE WELCOME of ${1 + 7 + data.length} bytes (must be ${WELCOME_SIZE})`);
        }
        const welcome = open(data.subarray(16), longNonce(WELCOME_PREFIX, data.subarray(0, 16)), this.helloKey, "WELCOME");
        const serverTransient = welcome.subarray(0, 32);
        const cookie = welcome.subarray(32, 32 + COOKIE_SIZE);
        this.sessionKey = prepared(boxBeforenm(serverTransient, this.transient.privateKey));
        // c' has served: the session key is derived. Wipe our copy of its bytes.
        this.transient.secretKey.fill(0);
        // The vouch: C' ‖ S, boxed from our long-term key to S', proves that whoever holds c also
        // holds this connection's c' (and meant this server).
        const vouchRandom = this.random(16);
        const vouchKey = prepared(boxBeforenm(serverTransient, this.secretKey));
        const vouch = seal(Buffer.concat([this.transient.publicKey, this.serverKey]), longNonce(VOUCH_PREFIX, vouchRandom), vouchKey);
        const plaintext = Buffer.concat([this.publicKey, vouchRandom, vouch, encodeMetadata(this.options.properties)]);
        const short = this.ours.bytes();
        this.ours.next();
        const sealed = seal(plaintext, shortNonce(INITIATE_PREFIX, short), this.sessionKey);
        this.state = 1 /* ClientState.WaitReady */;
        return encodeCommand("INITIATE", cookie, short, sealed);
    }
    onReady(data) {
        if (1 + 5 + data.length < READY_MIN_SIZE) {
            throw new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND_READY", `CURVE READY of ${1 + 5 + data.length} bytes (at least ${READY_MIN_SIZE})`);
        }
        this.theirs.set(data, 0);
        const metadata = open(data.subarray(8), shortNonce(READY_PREFIX, data.subarray(0, 8)), this.sessionKey, "READY");
        this.peerMetadata = parseMetadata(metadata, 0, "ERR_ZMTP_MALFORMED_COMMAND_READY");
        this.codec = new MessageCodec(this.sessionKey, MESSAGE_C_PREFIX, MESSAGE_S_PREFIX, this.ours, this.theirs);
        this.helloKey = null;
        this.state = 2 /* ClientState.Done */;
        this.complete = true;
    }
    encode(flags, data) {
        return (this.codec ?? notReady()).encode(flags, data);
    }
    decode(body) {
        return (this.codec ?? notReady()).decode(body);
    }
}
export class CurveServer {
    options;
    name = "CURVE";
    asServer = true;
    complete = false;
    peerMetadata = new Map();
    zapStatus;
    userId = "";
    zapMetadata = new Map();
    authStatus;
    /** C: the client's long-term public key, once its INITIATE was verified. */
    clientKey;
    state = 0 /* ServerState.WaitHello */;
    secretKey;
    publicKey;
    random;
    hooks;
    /** C' from HELLO. */
    clientTransient = null;
    transient = null;
    /** K: this connection's cookie key. */
    cookieKey = null;
    ours = new Counter(1);
    theirs = new Counter(0);
    codec = null;
    constructor(options) {
        this.options = options;
        this.secretKey = curveKeyBytes(options.secretKey, "CURVE secret key");
        this.publicKey = options.publicKey !== undefined ? curveKeyBytes(options.publicKey, "CURVE public key") : scalarMultBase(this.secretKey);
        this.random = options.random ?? randomBytes;
        this.hooks = options;
    }
    start() {
        return [];
    }
    onCommand(command) {
        switch (this.state) {
            case 0 /* ServerState.WaitHello */:
                if (command.name !== "HELLO")
                    throw unexpected(command, "CURVE", "waiting for HELLO");
                return [this.onHello(command.data)];
            case 1 /* ServerState.WaitInitiate */:
                if (command.name !== "INITIATE")
                    throw unexpected(command, "CURVE", "waiting for INITIATE");
                return this.onInitiate(command.data);
            default:
                throw unexpected(command, "CURVE", this.state === 2 /* ServerState.Authenticating */ ? "waiting for the authenticator" : "after READY");
        }
    }
    onHello(data) {
        if (1 + 5 + data.length !== HELLO_SIZE) {
            throw new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND_HELLO", `CURVE HELLO of ${1 + 5 + data.length} bytes (must be ${HELLO_SIZE})`);
        }
        if (data[0] !== 1 || data[1] !== 0) {
            throw new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND_HELLO", `CURVE HELLO for CurveZMQ version ${data[0]}.${data[1]} (only 1.0)`);
        }
        // Offsets within data (the body minus `05 "HELLO"`): version 0..1, padding 2..73, C' 74..105,
        // short nonce 106..113, signature box 114..193.
        const clientTransient = Buffer.from(data.subarray(74, 106));
        this.theirs.set(data, 106);
        const helloKey = prepared(boxBeforenm(clientTransient, this.secretKey));
        open(data.subarray(114), shortNonce(HELLO_PREFIX, data.subarray(106, 114)), helloKey, "HELLO signature");
        this.clientTransient = clientTransient;
        // WELCOME: our transient key S' and the cookie, boxed S→C'. The cookie holds C' and s' under
        // K, a key only this connection knows; the client must echo it in INITIATE.
        this.transient = (this.hooks.transientKeyPair ?? boxKeyPair)();
        this.cookieKey = prepared(this.random(32));
        const cookieRandom = this.random(16);
        const cookieBox = seal(Buffer.concat([clientTransient, this.transient.secretKey]), longNonce(COOKIE_PREFIX, cookieRandom), this.cookieKey);
        const cookie = Buffer.concat([cookieRandom, cookieBox]);
        const welcomeRandom = this.random(16);
        const sealed = seal(Buffer.concat([this.transient.publicKey, cookie]), longNonce(WELCOME_PREFIX, welcomeRandom), helloKey);
        this.state = 1 /* ServerState.WaitInitiate */;
        return encodeCommand("WELCOME", welcomeRandom, sealed);
    }
    onInitiate(data) {
        if (1 + 8 + data.length < INITIATE_MIN_SIZE) {
            throw new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND_INITIATE", `CURVE INITIATE of ${1 + 8 + data.length} bytes (at least ${INITIATE_MIN_SIZE})`);
        }
        // data: cookie 0..95 (nonce 0..15, box 16..95), short nonce 96..103, box 104..
        const cookie = open(data.subarray(16, COOKIE_SIZE), longNonce(COOKIE_PREFIX, data.subarray(0, 16)), this.cookieKey, "cookie");
        if (!timingSafeEqual(cookie.subarray(0, 32), this.clientTransient) || !timingSafeEqual(cookie.subarray(32, 64), this.transient.secretKey)) {
            throw new ZmtpError("ERR_ZMTP_CRYPTOGRAPHIC", "CURVE cookie is not the one this connection sent");
        }
        this.theirs.check(data, 96, "INITIATE");
        this.theirs.set(data, 96);
        const sessionKey = prepared(boxBeforenm(this.clientTransient, this.transient.privateKey));
        const plaintext = open(data.subarray(104), shortNonce(INITIATE_PREFIX, data.subarray(96, 104)), sessionKey, "INITIATE");
        // plaintext: C 0..31, vouch nonce 32..47, vouch box 48..127, metadata 128..
        const clientKey = Buffer.from(plaintext.subarray(0, 32));
        const vouchKey = prepared(boxBeforenm(clientKey, this.transient.privateKey));
        const vouch = open(plaintext.subarray(48, 48 + VOUCH_BOX_SIZE), longNonce(VOUCH_PREFIX, plaintext.subarray(32, 48)), vouchKey, "vouch");
        if (!timingSafeEqual(vouch.subarray(0, 32), this.clientTransient)) {
            throw new ZmtpError("ERR_ZMTP_KEY_EXCHANGE", "CURVE vouch does not name this connection's transient key C'");
        }
        // 26/CURVEZMQ: the vouch also names S. libzmq does not check it; a genuine client always
        // puts the key it was configured with, which is ours (or WELCOME would not have opened).
        if (!timingSafeEqual(vouch.subarray(32, 64), this.publicKey)) {
            throw new ZmtpError("ERR_ZMTP_KEY_EXCHANGE", "CURVE vouch names another server");
        }
        this.peerMetadata = parseMetadata(plaintext, 128, "ERR_ZMTP_MALFORMED_COMMAND_INITIATE");
        this.clientKey = clientKey;
        // The cookie key and s' have served; forget them.
        this.cookieKey = null;
        this.transient.secretKey.fill(0);
        const ready = () => {
            const short = this.ours.bytes();
            this.ours.next();
            const sealed = seal(encodeMetadata(this.options.properties), shortNonce(READY_PREFIX, short), sessionKey);
            this.codec = new MessageCodec(sessionKey, MESSAGE_S_PREFIX, MESSAGE_C_PREFIX, this.ours, this.theirs);
            this.state = 3 /* ServerState.Done */;
            this.complete = true;
            return [encodeCommand("READY", short, sealed)];
        };
        if (!this.options.authenticate)
            return ready();
        this.state = 2 /* ServerState.Authenticating */;
        return authenticateThen(this, this.options, "CURVE", [Buffer.from(clientKey)], ready);
    }
    encode(flags, data) {
        return (this.codec ?? notReady()).encode(flags, data);
    }
    decode(body) {
        return (this.codec ?? notReady()).decode(body);
    }
}
/**
 * A CURVE side whose keys are missing. libzmq does not check keys before the greeting (a CURVE
 * server without a secret key still greets, with all-zero keys), so a mechanism mismatch is still
 * reported as such on both sides; when the mechanisms do match, the handshake fails here, as soon
 * as it would start, with what is missing.
 */
export class CurveMissingKeys {
    asServer;
    missing;
    name = "CURVE";
    complete = false;
    peerMetadata = new Map();
    constructor(asServer, missing) {
        this.asServer = asServer;
        this.missing = missing;
    }
    start() {
        throw new ZmtpError("ERR_ZMTP_KEY_EXCHANGE", this.missing, { kind: "other" });
    }
    onCommand() {
        throw new ZmtpError("ERR_ZMTP_KEY_EXCHANGE", this.missing, { kind: "other" });
    }
}
