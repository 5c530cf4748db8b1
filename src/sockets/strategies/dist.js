import { SubscriptionTrie } from "./trie.js";
export class Distributor {
    trie = new SubscriptionTrie();
    pipes = new Set();
    attach(pipe) {
        this.pipes.add(pipe);
    }
    /** The pipe is gone: its subscriptions go, and `lastGone` hears each prefix left with no subscriber. */
    detach(pipe, lastGone) {
        this.pipes.delete(pipe);
        this.trie.removePipe(pipe, lastGone);
    }
    /** Sends to the matching peers; false (nothing sent) when noDrop and one of them is full. */
    send(msg, invertMatching, noDrop) {
        const targets = [];
        const first = msg[0];
        if (invertMatching) {
            const matched = new Set();
            this.trie.match(first, p => matched.add(p));
            for (const p of this.pipes)
                if (!matched.has(p))
                    targets.push(p);
        }
        else {
            this.trie.match(first, p => targets.push(p));
        }
        if (noDrop) {
            for (const p of targets)
                if (!p.writable)
                    return false;
        }
        for (const p of targets)
            p.write(msg);
        return true;
    }
    /** ZMQ_POLLOUT: always without noDrop; with it, when every peer has room. */
    canSend(noDrop) {
        if (!noDrop)
            return true;
        for (const p of this.pipes)
            if (!p.writable)
                return false;
        return true;
    }
}
