/**
 * DISH (RFC 48/RADIO-DISH; libzmq dish.cpp): receives the messages of the groups it joined, fair-
 * queued from its RADIO peers. join() and leave() go to every connected peer as JOIN and LEAVE
 * commands (the encoder writes the subscription form that way for a DISH), and every peer that
 * connects gets all joined groups. A group is exact-match; joining one twice or leaving one not
 * joined is EINVAL. Groups are filtered here too, as libzmq does (a udp:// radio sends all).
 *
 * A message arrives as [group, body] (two ZMTP frames, or one datagram split by the udp engine)
 * and is handed up in zeromq.js's form [body, {group}]. libzmq's dish session fails the connection
 * on any other shape; here such a message is dropped and the connection kept.
 */
import { Buffer } from "node:buffer";
import { errnoError } from "../../errors.js";
import { subscription } from "../../engine/subscription.js";
import { GROUP_MAX_LENGTH, groupName } from "../../wire/group.js";
import { Pattern } from "../pattern.js";
import { FairQueue } from "../strategies/fq.js";
export class DishPattern extends Pattern {
    fq = new FairQueue();
    pipes = new Set();
    /** Joined groups (latin1 keys). */
    groups = new Set();
    attach(pipe) {
        this.pipes.add(pipe);
    }
    connected(pipe) {
        for (const group of this.groups)
            pipe.forceWrite(subscription(Buffer.from(group, "latin1"), true));
        return true;
    }
    terminated(pipe) {
        this.pipes.delete(pipe);
        this.fq.detach(pipe);
    }
    readable(pipe) {
        this.fq.activate(pipe);
    }
    join(group) {
        const key = group.toString("latin1");
        if (group.length > GROUP_MAX_LENGTH || this.groups.has(key))
            throw errnoError("EINVAL");
        this.groups.add(key);
        this.toConnected(subscription(group, true));
    }
    leave(group) {
        const key = group.toString("latin1");
        if (group.length > GROUP_MAX_LENGTH || !this.groups.delete(key))
            throw errnoError("EINVAL");
        this.toConnected(subscription(group, false));
    }
    toConnected(msg) {
        // Pipes still connecting get every group when their handshake completes (connected()).
        for (const p of this.pipes)
            if (p.transport && !p.endpoint.startsWith("udp://"))
                p.forceWrite(msg);
    }
    send(_msg) {
        throw errnoError("ENOTSUP");
    }
    recv() {
        for (;;) {
            const msg = this.fq.recv();
            if (msg === undefined)
                return undefined;
            if (msg.length !== 2 || msg[0].length > GROUP_MAX_LENGTH)
                continue;
            // libzmq matches a group as a C string (set_group): a NUL inside ends it.
            const group = groupName(msg[0]);
            if (!this.groups.has(group.toString("latin1")))
                continue;
            // zeromq.js's receive form for a DISH (socket.cc Receive): the message, then its group.
            return [msg[1], { group }];
        }
    }
    get canSend() {
        return true;
    }
    get canRecv() {
        return this.fq.readable;
    }
}
