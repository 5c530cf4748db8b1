import { errnoError } from "../../errors.js";
import { Queue } from "../../engine/queue.js";
import { fromMessageForm, messageFormBody, subscription } from "../../engine/subscription.js";
import { Pattern } from "../pattern.js";
import { Distributor } from "../strategies/dist.js";
export class XPubPattern extends Pattern {
    isXpub;
    dist = new Distributor();
    /** Messages for the application: (un)subscriptions and upstream data. */
    inbox = new Queue();
    /** The pipe of the last subscription handed up (ZMQ_XPUB_MANUAL applies to it). */
    lastPipe = null;
    constructor(host, 
    /** False for PUB (pub.ts), which hands nothing up. */
    isXpub) {
        super(host);
        this.isXpub = isXpub;
    }
    attach(pipe) {
        this.dist.attach(pipe);
        const welcome = this.options.welcomeMessage;
        if (this.isXpub && welcome)
            pipe.forceWrite([welcome]);
    }
    terminated(pipe) {
        if (this.lastPipe === pipe)
            this.lastPipe = null;
        this.dist.detach(pipe, prefix => {
            if (this.isXpub && !this.options.manual)
                this.deliver([messageFormBody(subscription(prefix, false))]);
        });
    }
    readable(pipe) {
        for (let msg = pipe.read(); msg; msg = pipe.read())
            this.incoming(pipe, msg);
    }
    incoming(pipe, msg) {
        const sub = msg.subscribe !== undefined ? msg : fromMessageForm(msg);
        if (sub === null) {
            if (this.isXpub)
                this.deliver(msg);
            return;
        }
        const topic = sub[0];
        const o = this.options;
        // The application reads a subscription in its 01/00 form.
        const up = () => (sub === msg ? [messageFormBody(sub)] : msg);
        if (o.manual && this.isXpub) {
            this.lastPipe = pipe;
            this.deliver(up());
            return;
        }
        if (sub.subscribe) {
            const { first: isNew } = this.dist.trie.add(topic, pipe);
            if (this.isXpub && (isNew || o.verbose || o.verboser))
                this.deliver(up());
        }
        else {
            const { removed, last } = this.dist.trie.remove(topic, pipe);
            if (this.isXpub && removed && (last || o.verboser))
                this.deliver(up());
        }
    }
    deliver(msg) {
        this.inbox.push(msg);
        this.host.wake();
    }
    subscribe(topic) {
        if (this.lastPipe)
            this.dist.trie.add(topic, this.lastPipe);
    }
    unsubscribe(topic) {
        if (this.lastPipe)
            this.dist.trie.remove(topic, this.lastPipe);
    }
    send(msg) {
        return this.dist.send(msg, this.options.invertMatching, this.options.noDrop);
    }
    recv() {
        if (!this.isXpub)
            throw errnoError("ENOTSUP");
        return this.inbox.shift();
    }
    get canSend() {
        return this.dist.canSend(this.options.noDrop);
    }
    get canRecv() {
        return this.isXpub && this.inbox.length > 0;
    }
}
