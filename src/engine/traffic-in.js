import { encodePong, parseCommand, parsePing } from "../wire/command.js";
import { ACK_COMMAND } from "./acks.js";
import { INNER_COMMAND, INNER_MORE } from "../mechanism/mechanism.js";
import { subscription } from "./subscription.js";
export function trafficCommand(command, to) {
    switch (command.name) {
        case "PING": {
            const ping = parsePing(command.data);
            to.writeFrame(encodePong(ping.context));
            to.heartbeat.peerTtl(ping.ttlDeciseconds);
            break;
        }
        case "SUBSCRIBE":
        case "CANCEL":
            to.deliver(subscription(command.data, command.name === "SUBSCRIBE"));
            break;
        // RFC 48/RADIO-DISH: a DISH's JOIN and LEAVE are its subscriptions to exact groups
        // (radio_session_t::push_msg); the RADIO pattern reads them in the same one form.
        case "JOIN":
        case "LEAVE":
            to.deliver(subscription(command.data, command.name === "JOIN"));
            break;
        case ACK_COMMAND:
            to.acked(command.data);
            break;
        default:
            break;
    }
}
export class Unboxer {
    mechanism;
    trace;
    /** Frames of the message being assembled (null between messages). */
    parts = null;
    constructor(mechanism, trace) {
        this.mechanism = mechanism;
        this.trace = trace;
    }
    /** Opens one MESSAGE box: a command, a whole message, or null while a message is incomplete. */
    unbox(body) {
        const { flags, data } = this.mechanism.decode(body);
        if (flags & INNER_COMMAND) {
            const command = parseCommand(data);
            this.trace?.command("in", command.name, data);
            return command;
        }
        const parts = (this.parts ??= []);
        parts.push(data);
        if (flags & INNER_MORE)
            return null;
        this.parts = null;
        this.trace?.message("in", parts);
        return parts;
    }
}
