/**
 * ZAP, the ZeroMQ Authentication Protocol (27/ZAP), as a callback.
 *
 * libzmq sends a request over inproc://zeromq.zap.01 to a handler socket and waits for its reply.
 * Here a server mechanism (PLAIN, CURVE) calls an async `authenticate` function with the same
 * request and gets the same reply. The socket layer can back that function with a real ZAP
 * handler socket using `encodeZapRequest` / `parseZapReply`, which follow libzmq's framing and
 * its checks (zap_client.cpp).
 *
 * What libzmq puts in a request, and we copy:
 * - request id "1";
 * - domain = ZMQ_ZAP_DOMAIN (may be empty);
 * - address = the peer's IP address without the port;
 * - identity = the *server socket's own* routing id (ZMQ_ROUTING_ID), not the client's Identity
 *   (which has not even arrived at PLAIN HELLO time) — a deviation from 27/ZAP;
 * - credentials: PLAIN username and password; CURVE the client's 32-byte long-term public key.
 *
 * Reply status: "200" accepts; "300" (temporary failure) closes the connection silently; "400"
 * (authentication failure) and "500" (internal error) send ERROR with that code as the reason.
 * Any status but 200 makes libzmq emit HANDSHAKE_FAILED_AUTH with the numeric code.
 */
import { Buffer } from "node:buffer";
import { ZmtpError } from "../wire/errors.js";
import { parseMetadata } from "../wire/metadata.js";
/**
 * The handshake ended because authentication failed: the server's authenticator refused the
 * client, or the client received an ERROR carrying a ZAP status. libzmq reports this as
 * HANDSHAKE_FAILED_AUTH (zeromq.js `handshake:error:auth`) with `status` as the value.
 *
 * `reply` holds the frames the server must still write before it closes (ERROR "400"/"500");
 * it is empty for 300, which closes silently, and on the client side.
 */
export class ZapAuthError extends ZmtpError {
    status;
    reply;
    constructor(status, message, reply = [], side = "server") {
        // A refusal received by a client is fatal for reconnection (libzmq stops after a protocol
        // error), except 300, which a libzmq server signals by closing, so the client reconnects.
        super(side === "client" ? "ERR_ZMTP_PEER_ERROR" : "ERR_ZMTP_UNSPECIFIED", message, { fatal: status !== 300, kind: "other" });
        this.name = "ZapAuthError";
        this.status = status;
        this.reply = reply;
    }
}
export function isZapAuthError(e) {
    return e instanceof ZapAuthError;
}
/**
 * libzmq's handle_error_reason: an ERROR reason of exactly "300", "400" or "500" is a ZAP status
 * (an authentication failure); anything else is not.
 */
export function zapStatusOfReason(reason) {
    return reason === "300" || reason === "400" || reason === "500" ? Number(reason) : null;
}
export function buildZapRequest(options, mechanism, credentials) {
    return {
        version: "1.0",
        requestId: Buffer.from("1"),
        domain: options.domain ?? "",
        address: options.address ?? "",
        identity: Buffer.from(options.routingId ?? Buffer.alloc(0)),
        mechanism,
        credentials,
    };
}
/**
 * Calls the authenticator and checks its answer as libzmq checks a ZAP reply: the status must be
 * one of 200/300/400/500. A throwing authenticator, or an invalid reply, ends the handshake with
 * an error and no ERROR command (libzmq closes when its ZAP reply is unusable).
 */
export async function askAuthenticator(authenticate, request) {
    let reply;
    try {
        reply = await authenticate(request);
    }
    catch (e) {
        if (e instanceof ZmtpError)
            throw e;
        throw new ZmtpError("ERR_ZMTP_UNSPECIFIED", `ZAP authenticator failed: ${e?.message ?? e}`, { kind: "other" });
    }
    const status = String(reply?.status ?? "");
    if (status !== "200" && status !== "300" && status !== "400" && status !== "500") {
        throw new ZapProtocolError("ERR_ZAP_INVALID_STATUS_CODE", `ZAP reply with an invalid status code ${JSON.stringify(status)}`);
    }
    return {
        status,
        statusText: reply.statusText ?? "",
        userId: reply.userId ?? "",
        metadata: reply.metadata ?? new Map(),
    };
}
export const zapErrorValues = {
    ERR_ZAP_UNSPECIFIED: 0x20000000,
    ERR_ZAP_MALFORMED_REPLY: 0x20000001,
    ERR_ZAP_BAD_REQUEST_ID: 0x20000002,
    ERR_ZAP_BAD_VERSION: 0x20000003,
    ERR_ZAP_INVALID_STATUS_CODE: 0x20000004,
    ERR_ZAP_INVALID_METADATA: 0x20000005,
};
/**
 * A ZAP reply libzmq would refuse. Its ZmtpError code is ERR_ZMTP_UNSPECIFIED (ZmtpErrorCode has
 * no ZAP codes yet); `zapCode` carries the precise one for handshake:error:protocol.
 */
export class ZapProtocolError extends ZmtpError {
    zapCode;
    constructor(zapCode, message) {
        super("ERR_ZMTP_UNSPECIFIED", message, { kind: "protocol" });
        this.name = "ZapProtocolError";
        this.zapCode = zapCode;
    }
}
/** The request frames (without the empty delimiter a DEALER would add). */
export function encodeZapRequest(request) {
    return [
        Buffer.from(request.version),
        request.requestId,
        Buffer.from(request.domain),
        Buffer.from(request.address),
        request.identity,
        Buffer.from(request.mechanism),
        ...request.credentials,
    ];
}
/**
 * Parses a reply's frames (without the delimiter): version, request id, status code, status
 * text, user id, metadata — exactly six, with libzmq's checks (zap_client_t::receive_and_process_zap_reply).
 */
export function parseZapReply(frames, requestId = Buffer.from("1")) {
    if (frames.length !== 6)
        throw new ZapProtocolError("ERR_ZAP_MALFORMED_REPLY", `ZAP reply with ${frames.length} frames instead of 6`);
    const [version, id, status, text, userId, meta] = frames;
    if (version.toString("latin1") !== "1.0")
        throw new ZapProtocolError("ERR_ZAP_BAD_VERSION", "ZAP reply with a version other than 1.0");
    if (!id.equals(requestId))
        throw new ZapProtocolError("ERR_ZAP_BAD_REQUEST_ID", "ZAP reply with the wrong request id");
    const code = status.toString("latin1");
    if (code !== "200" && code !== "300" && code !== "400" && code !== "500") {
        throw new ZapProtocolError("ERR_ZAP_INVALID_STATUS_CODE", `ZAP reply with an invalid status code ${JSON.stringify(code)}`);
    }
    let metadata;
    try {
        metadata = parseMetadata(meta, 0, "ERR_ZMTP_INVALID_METADATA");
    }
    catch {
        throw new ZapProtocolError("ERR_ZAP_INVALID_METADATA", "ZAP reply with malformed metadata");
    }
    return { status: code, statusText: text.toString("latin1"), userId: userId.toString("utf8"), metadata };
}
