/**
 * The NULL mechanism (23/ZMTP and 37/ZMTP "The NULL Security Mechanism").
 *
 * 37/ZMTP describes a client/server exchange, 23/ZMTP a symmetric one. libzmq is symmetric: each
 * side sends READY as soon as the greeting is done, then waits for the peer's. We do the same.
 * A peer may answer ERROR instead (libzmq does so only when ZAP refuses it).
 *
 * With a ZAP domain set (ZMQ_ZAP_DOMAIN) and a handler bound, libzmq asks ZAP about every NULL
 * peer (mechanism "NULL", no credentials) and sends its READY only once the answer is 200;
 * otherwise ERROR with the status (300 closes silently). We ask when the peer's READY arrives and
 * answer with ours then: libzmq peers send READY at once, so the exchange is the same. With a
 * domain but no handler, libzmq proceeds without ZAP unless ZMQ_ZAP_ENFORCE_DOMAIN is set.
 */
import { parseError, encodeReady, parseReady } from "../wire/command.js";
import { ZmtpError } from "../wire/errors.js";
import { authenticateThen } from "./handshake.js";
import { ZapAuthError, zapStatusOfReason } from "./zap.js";
export class NullMechanism {
    zap;
    name = "NULL";
    // 37/ZMTP: with NULL the as-server field MUST be zero.
    asServer = false;
    complete = false;
    peerMetadata = new Map();
    zapStatus;
    userId = "";
    zapMetadata = new Map();
    authStatus;
    /** ZAP is asked only when a domain is set (libzmq's zap_required). */
    zapRequired;
    /** Our READY, encoded once per socket by the caller (security.ts), or here from the properties. */
    ready;
    constructor(properties, zap = {}, ready) {
        this.zap = zap;
        this.zapRequired = (zap.domain ?? "") !== "";
        this.ready = ready ?? encodeReady(properties);
    }
    start() {
        // With ZAP, our READY waits for the authenticator's verdict.
        return this.zapRequired ? [] : [this.ready];
    }
    onCommand(command) {
        if (this.complete) {
            throw new ZmtpError("ERR_ZMTP_UNEXPECTED_COMMAND", `Unexpected ${command.name} command after READY`);
        }
        switch (command.name) {
            case "READY":
                this.peerMetadata = parseReady(command.data);
                if (!this.zapRequired) {
                    this.complete = true;
                    return [];
                }
                if (!this.zap.authenticate) {
                    if (this.zap.enforceDomain) {
                        throw new ZmtpError("ERR_ZMTP_UNSPECIFIED", "ZAP domain set and enforced, but no ZAP handler is bound", { kind: "other" });
                    }
                    this.complete = true;
                    return [this.ready];
                }
                return authenticateThen(this, this.zap, "NULL", [], () => {
                    this.complete = true;
                    return [this.ready];
                });
            case "ERROR": {
                const reason = parseError(command.data);
                const status = zapStatusOfReason(reason);
                if (status !== null)
                    throw new ZapAuthError(status, `Peer refused the handshake: ZAP status ${reason}`, [], "client");
                throw new ZmtpError("ERR_ZMTP_PEER_ERROR", `Peer refused the handshake: ERROR ${JSON.stringify(reason)}`);
            }
            default:
                throw new ZmtpError("ERR_ZMTP_UNEXPECTED_COMMAND", `Unexpected ${JSON.stringify(command.name)} command during the NULL handshake`);
        }
    }
}
