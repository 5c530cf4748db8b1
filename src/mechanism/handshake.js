/**
 * Pieces the PLAIN and CURVE mechanisms share: reading a handshake command (with libzmq's
 * malformed PLAIN ERROR), turning a peer's ERROR into the right error, and running the server's
 * ZAP step.
 */
import { Buffer } from "node:buffer";
import { encodeError, parseError } from "../wire/command.js";
import { ZmtpError } from "../wire/errors.js";
import { askAuthenticator, buildZapRequest, ZapAuthError, zapStatusOfReason } from "./zap.js";
/**
 * parseCommand for the handshake phase, which also reads libzmq's malformed PLAIN ERROR
 * (`5E 52 52 4F 52 len reason`: the C literal "\x05ERROR" lets the hex escape swallow the E, and
 * the resulting name length 0x5E runs past the end of the command). Lives in wire/command.ts; the
 * engine uses it while a handshake is in progress.
 */
export { parseHandshakeCommand } from "../wire/command.js";
/**
 * The ERROR data of a command: a proper ERROR, or libzmq's malformed one that parseCommand still
 * managed to split (a long enough reason makes the 0x5E name length fit): name "RROR…".
 * Returns null when the command is no ERROR at all.
 */
export function errorData(command, acceptMalformed) {
    if (command.name === "ERROR")
        return command.data;
    if (acceptMalformed && command.name.length === 0x5e && command.name.startsWith("RROR")) {
        return Buffer.concat([Buffer.from(command.name.slice(4), "latin1"), command.data]);
    }
    return null;
}
/**
 * A client received ERROR: a ZAP status (300/400/500) is an authentication failure
 * (HANDSHAKE_FAILED_AUTH); any other reason is a plain refusal by the peer.
 */
export function peerErrorToThrow(data, mechanism) {
    const reason = parseError(data);
    const status = zapStatusOfReason(reason);
    if (status !== null) {
        return new ZapAuthError(status, `${mechanism} server refused us: ERROR ${JSON.stringify(reason)}`, [], "client");
    }
    return new ZmtpError("ERR_ZMTP_PEER_ERROR", `Peer refused the ${mechanism} handshake: ERROR ${JSON.stringify(reason)}`);
}
export function unexpected(command, mechanism, state) {
    return new ZmtpError("ERR_ZMTP_UNEXPECTED_COMMAND", `Unexpected ${JSON.stringify(command.name)} command during the ${mechanism} handshake (${state})`);
}
/**
 * Runs ZAP and resolves with `onAccept()`'s frames when the status is 200. Rejects with a
 * ZapAuthError otherwise: its `reply` holds ERROR "400"/"500" to send before closing; 300 closes
 * silently.
 */
export async function authenticateThen(result, options, mechanism, credentials, onAccept) {
    const outcome = await askAuthenticator(options.authenticate, buildZapRequest(options, mechanism, credentials));
    result.zapStatus = outcome.status;
    if (outcome.status === "200") {
        result.userId = outcome.userId;
        result.zapMetadata = outcome.metadata;
        return onAccept();
    }
    const status = Number(outcome.status);
    result.authStatus = status;
    const text = outcome.statusText ? ` (${outcome.statusText})` : "";
    const reply = status === 300 ? [] : [encodeError(outcome.status)];
    throw new ZapAuthError(status, `ZAP refused the ${mechanism} client: ${outcome.status}${text}`, reply, "server");
}
