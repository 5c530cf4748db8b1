/**
 * XSUB and SUB (29/PUBSUB). XSUB forwards what the application sends to every publisher (an
 * application's 01/00 message goes out verbatim as a data frame, as libzmq does) and keeps a count
 * of its subscriptions so it can replay them on each new connection. SUB adds the socket-option
 * interface: SUBSCRIBE on a topic's first subscription, CANCEL on its last (safe against both
 * counting and set-based publishers), and filters locally as libzmq's SUB does.
 */
import { Buffer } from "node:buffer";
import { errnoError } from "../../errors.js";
import { fromMessageForm, subscription } from "../../engine/subscription.js";
import { Pattern } from "../pattern.js";
import { FairQueue } from "../strategies/fq.js";
import { SubscriptionTrie } from "../strategies/trie.js";
export class XSubPattern extends Pattern {
    isSub;
    fq = new FairQueue();
    pipes = new Set();
    /** topic (latin1 key) → how many times it was subscribed */
    counts = new Map();
    /** The same topics as a prefix tree, for SUB's local filter. */
    filter = new SubscriptionTrie();
    self = {};
    constructor(host, isSub) {
        super(host);
        this.isSub = isSub;
    }
    attach(pipe) {
        this.pipes.add(pipe);
    }
    connected(pipe) {
        // A publisher filters for us only once it knows our subscriptions: replay them.
        for (const key of this.counts.keys())
            pipe.forceWrite(subscription(Buffer.from(key, "latin1"), true));
        return true;
    }
    terminated(pipe) {
        this.pipes.delete(pipe);
        this.fq.detach(pipe);
    }
    readable(pipe) {
        this.fq.activate(pipe);
    }
    /** Counts a subscription; returns true when it is the topic's first. */
    add(topic) {
        const key = topic.toString("latin1");
        const n = this.counts.get(key) ?? 0;
        this.counts.set(key, n + 1);
        if (n === 0)
            this.filter.add(topic, this.self);
        return n === 0;
    }
    /** Uncounts; returns true when it was the topic's last. */
    remove(topic) {
        const key = topic.toString("latin1");
        const n = this.counts.get(key);
        if (!n)
            return false;
        if (n > 1) {
            this.counts.set(key, n - 1);
            return false;
        }
        this.counts.delete(key);
        this.filter.remove(topic, this.self);
        return true;
    }
    toConnected(msg) {
        // Pipes that are not connected yet get the full replay when they are.
        for (const p of this.pipes)
            if (p.transport)
                p.forceWrite(msg);
    }
    subscribe(topic) {
        if (!this.isSub)
            throw errnoError("EINVAL");
        if (this.add(topic))
            this.toConnected(subscription(topic, true));
    }
    unsubscribe(topic) {
        if (!this.isSub)
            throw errnoError("EINVAL");
        if (this.remove(topic))
            this.toConnected(subscription(topic, false));
    }
    send(msg) {
        if (this.isSub)
            throw errnoError("ENOTSUP");
        // An application's 01/00 message is a subscription; like libzmq's XSUB, it goes out verbatim
        // (a publisher accepts the message form from any peer: engine/subscription.ts).
        const sub = fromMessageForm(msg);
        if (sub !== null) {
            const topic = sub[0];
            // libzmq XSUB forwards every subscribe, but a cancel only when the count reaches zero.
            if (sub.subscribe)
                this.add(topic);
            else if (!this.remove(topic))
                return true;
            // Only to connected pipes: connected() replays every counted subscription when a pipe's
            // handshake completes, so also queueing it on a pipe still connecting sent it twice. libzmq's
            // XSUB sends it once (its replay is only for a reconnect, xhiccuped), and a verbose XPUB
            // would hand the duplicate up.
            for (const p of this.pipes)
                if (p.transport && p.writable)
                    p.write(msg);
            return true;
        }
        for (const p of this.pipes)
            if (p.writable)
                p.write(msg);
        return true;
    }
    recv() {
        for (;;) {
            const msg = this.fq.recv();
            if (!msg)
                return undefined;
            if (!this.isSub)
                return msg;
            const matched = this.filter.matches(msg[0]);
            if (matched !== this.options.invertMatching)
                return msg;
        }
    }
    get canSend() {
        return !this.isSub;
    }
    get canRecv() {
        return this.fq.readable;
    }
}
