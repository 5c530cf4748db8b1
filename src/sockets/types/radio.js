/**
 * RADIO (RFC 48/RADIO-DISH; libzmq radio.cpp): sends each message to the peers that joined its
 * group (exact match, not a prefix) and to every udp:// pipe (a datagram has no way back, so those
 * take everything: libzmq's `subscribe_to_all`). A DISH's JOIN and LEAVE arrive in the stack's
 * subscription form (engine/subscription.ts). A peer at its HWM misses the message, as with PUB,
 * unless ZMQ_XPUB_NODROP, which makes the send wait. Receiving is ENOTSUP.
 *
 * Inside the stack a message is [group, body]: the public class builds it (draft-sockets.ts) and
 * it is also the ZMTP form, a group frame with MORE and then the body (radio_session_t::pull_msg).
 */
import { errnoError } from "../../errors.js";
import { groupName } from "../../wire/group.js";
import { Pattern } from "../pattern.js";
import { checkSinglePart } from "../strategies/single-part.js";
export class RadioPattern extends Pattern {
    /** group (latin1) → pipe → how many JOINs it sent (libzmq keeps a multimap). */
    joined = new Map();
    udpPipes = new Set();
    attach(pipe) {
        if (pipe.endpoint.startsWith("udp://"))
            this.udpPipes.add(pipe);
    }
    terminated(pipe) {
        this.udpPipes.delete(pipe);
        for (const [group, pipes] of this.joined) {
            if (pipes.delete(pipe) && pipes.size === 0)
                this.joined.delete(group);
        }
    }
    readable(pipe) {
        for (let msg = pipe.read(); msg; msg = pipe.read()) {
            if (msg.subscribe === undefined)
                continue; // only JOIN/LEAVE come up from a DISH
            const group = groupName(msg[0]).toString("latin1"); // a C string in libzmq
            let pipes = this.joined.get(group);
            if (msg.subscribe) {
                if (!pipes)
                    this.joined.set(group, (pipes = new Map()));
                pipes.set(pipe, (pipes.get(pipe) ?? 0) + 1);
            }
            else if (pipes) {
                const n = pipes.get(pipe) ?? 0;
                if (n > 1)
                    pipes.set(pipe, n - 1);
                else if (pipes.delete(pipe) && pipes.size === 0)
                    this.joined.delete(group);
            }
        }
    }
    send(msg) {
        checkSinglePart(msg, 2);
        const targets = [...this.udpPipes];
        const pipes = this.joined.get(msg[0].toString("latin1"));
        if (pipes)
            for (const p of pipes.keys())
                targets.push(p);
        if (this.options.noDrop) {
            for (const p of targets)
                if (!p.writable)
                    return false;
        }
        for (const p of targets)
            p.write(msg);
        return true;
    }
    recv() {
        throw errnoError("ENOTSUP");
    }
    get canSend() {
        return true;
    }
    get canRecv() {
        return false;
    }
}
