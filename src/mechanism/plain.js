/**
 * The PLAIN mechanism (24/ZMTP-PLAIN), as libzmq 4.3 speaks it:
 *
 *   C: HELLO    05 "HELLO" username(len1 + bytes) password(len1 + bytes)
 *   S: WELCOME  07 "WELCOME"                 (nothing after the name)  | ERROR
 *   C: INITIATE 08 "INITIATE" metadata       (what NULL's READY carries)
 *   S: READY    05 "READY" metadata                                    | ERROR
 *
 * The server asks its authenticator (ZAP, mechanism "PLAIN", credentials [username, password])
 * between HELLO and WELCOME, so its onCommand(HELLO) returns a promise.
 * - 200: WELCOME.
 * - 300: close without a word (the promise rejects with ZapAuthError status 300, no reply).
 * - 400/500: ERROR with that code as the reason (ZapAuthError.reply), then close.
 * - no authenticator: libzmq's PLAIN server cannot reach a ZAP handler and closes
 *   (HANDSHAKE_FAILED_NO_DETAIL); so do we.
 *
 * libzmq quirks honoured:
 * - its PLAIN server sends ERROR as `5E 52 52 4F 52 …` (see handshake.ts); the client accepts it
 *   (and the proper form); our server sends the proper `05 "ERROR"`;
 * - libzmq 4.3.0/4.3.1 clients send HELLO as `05 "WELCOME" username password` (libzmq #3500):
 *   parseCommand reads that as a 5-byte name "WELCO" followed by "ME…"; the server accepts it.
 * Credentials travel in clear text: PLAIN is for trusted networks only.
 */
import { Buffer } from "node:buffer";
import { encodeCommand, encodeReady, parseReady } from "../wire/command.js";
import { ZmtpError } from "../wire/errors.js";
import { encodeMetadata, parseMetadata } from "../wire/metadata.js";
import { authenticateThen, errorData, peerErrorToThrow, unexpected } from "./handshake.js";
import { ZapAuthError } from "./zap.js";
function credential(value, what) {
    const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
    if (bytes.length > 255)
        throw new RangeError(`PLAIN ${what} must be at most 255 bytes`);
    return bytes;
}
export function encodePlainHello(username, password) {
    return encodeCommand("HELLO", Buffer.of(username.length), username, Buffer.of(password.length), password);
}
/** Username and password of a HELLO's data; each length byte must fit, nothing may follow. */
export function parsePlainHello(data) {
    const malformed = (why) => new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND_HELLO", `Malformed PLAIN HELLO: ${why}`);
    let at = 0;
    if (data.length < 1)
        throw malformed("no username length");
    const userLen = data[at++];
    if (at + userLen > data.length)
        throw malformed("username runs past the end");
    const username = data.subarray(at, at + userLen);
    at += userLen;
    if (at >= data.length)
        throw malformed("no password length");
    const passLen = data[at++];
    if (at + passLen > data.length)
        throw malformed("password runs past the end");
    const password = data.subarray(at, at + passLen);
    at += passLen;
    if (at !== data.length)
        throw malformed(`${data.length - at} bytes after the password`);
    return { username, password };
}
export class PlainClient {
    options;
    name = "PLAIN";
    asServer = false;
    complete = false;
    peerMetadata = new Map();
    authStatus;
    state = 0 /* ClientState.WaitWelcome */;
    username;
    password;
    constructor(options) {
        this.options = options;
        this.username = credential(options.username, "username");
        this.password = credential(options.password, "password");
    }
    start() {
        return [encodePlainHello(this.username, this.password)];
    }
    onCommand(command) {
        const error = errorData(command, true);
        if (error !== null && this.state !== 2 /* ClientState.Done */) {
            const e = peerErrorToThrow(error, "PLAIN");
            if (e instanceof ZapAuthError)
                this.authStatus = e.status;
            throw e;
        }
        switch (this.state) {
            case 0 /* ClientState.WaitWelcome */:
                if (command.name !== "WELCOME")
                    throw unexpected(command, "PLAIN", "waiting for WELCOME");
                if (command.data.length !== 0)
                    throw new ZmtpError("ERR_ZMTP_MALFORMED_COMMAND_WELCOME", "PLAIN WELCOME with data after its name");
                this.state = 1 /* ClientState.WaitReady */;
                return [encodeCommand("INITIATE", encodeMetadata(this.options.properties))];
            case 1 /* ClientState.WaitReady */:
                if (command.name !== "READY")
                    throw unexpected(command, "PLAIN", "waiting for READY");
                this.peerMetadata = parseReady(command.data);
                this.state = 2 /* ClientState.Done */;
                this.complete = true;
                return [];
            default:
                throw unexpected(command, "PLAIN", "after READY");
        }
    }
}
export class PlainServer {
    options;
    name = "PLAIN";
    asServer = true;
    complete = false;
    peerMetadata = new Map();
    zapStatus;
    userId = "";
    zapMetadata = new Map();
    authStatus;
    /** The client's credentials, once HELLO arrived. */
    username;
    password;
    state = 0 /* ServerState.WaitHello */;
    constructor(options) {
        this.options = options;
    }
    start() {
        return [];
    }
    onCommand(command) {
        switch (this.state) {
            case 0 /* ServerState.WaitHello */: {
                let data;
                if (command.name === "HELLO")
                    data = command.data;
                // libzmq 4.3.0/4.3.1: 05 "WELCOME" username password, read as name "WELCO" + "ME…".
                else if (command.name === "WELCO" && command.data.length >= 2 && command.data[0] === 0x4d && command.data[1] === 0x45)
                    data = command.data.subarray(2);
                else
                    throw unexpected(command, "PLAIN", "waiting for HELLO");
                const { username, password } = parsePlainHello(data);
                this.username = Buffer.from(username);
                this.password = Buffer.from(password);
                if (!this.options.authenticate) {
                    // libzmq: zap_connect fails, HANDSHAKE_FAILED_NO_DETAIL (EFAULT), close.
                    throw new ZmtpError("ERR_ZMTP_UNSPECIFIED", "PLAIN server without an authenticator (ZAP handler) refuses every client", { kind: "other" });
                }
                this.state = 1 /* ServerState.Authenticating */;
                return authenticateThen(this, this.options, "PLAIN", [this.username, this.password], () => {
                    this.state = 2 /* ServerState.WaitInitiate */;
                    return [encodeCommand("WELCOME")];
                });
            }
            case 2 /* ServerState.WaitInitiate */: {
                if (command.name !== "INITIATE")
                    throw unexpected(command, "PLAIN", "waiting for INITIATE");
                this.peerMetadata = parseMetadata(command.data, 0, "ERR_ZMTP_MALFORMED_COMMAND_INITIATE");
                this.state = 3 /* ServerState.Done */;
                this.complete = true;
                return [encodeReady(this.options.properties)];
            }
            default:
                throw unexpected(command, "PLAIN", this.state === 1 /* ServerState.Authenticating */ ? "waiting for the authenticator" : "after READY");
        }
    }
}
