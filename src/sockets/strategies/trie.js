/**
 * A subscription trie (libzmq mtrie.cpp): for each prefix, the set of pipes subscribed to it.
 * Subscriptions are a set per pipe, as libzmq keeps them: subscribing twice to "A" from one peer
 * and cancelling once removes it (29/PUBSUB says counting; libzmq publishers do not count).
 */
import { Buffer } from "node:buffer";
class Node {
    pipes = null;
    children = null;
}
export class SubscriptionTrie {
    root = new Node();
    /** Adds; returns true when this is the prefix's first subscriber (XPUB reports it upstream). */
    add(prefix, pipe) {
        let node = this.root;
        for (const byte of prefix) {
            if (!node.children)
                node.children = new Map();
            let child = node.children.get(byte);
            if (!child)
                node.children.set(byte, (child = new Node()));
            node = child;
        }
        if (!node.pipes)
            node.pipes = new Set();
        if (node.pipes.has(pipe))
            return { added: false, first: false };
        node.pipes.add(pipe);
        return { added: true, first: node.pipes.size === 1 };
    }
    /** Removes; returns whether it was there and whether the prefix has no subscriber left. */
    remove(prefix, pipe) {
        const path = [this.root];
        let node = this.root;
        for (const byte of prefix) {
            node = node.children?.get(byte);
            if (!node)
                return { removed: false, last: false };
            path.push(node);
        }
        if (!node.pipes?.delete(pipe))
            return { removed: false, last: false };
        const last = node.pipes.size === 0;
        if (last)
            node.pipes = null;
        // Prune empty branches.
        for (let i = path.length - 1; i > 0; i--) {
            const n = path[i];
            if (n.pipes || (n.children && n.children.size > 0))
                break;
            path[i - 1].children.delete(prefix[i - 1]);
        }
        return { removed: true, last };
    }
    /** Removes every subscription of `pipe`; calls `orphaned` for prefixes left with no subscriber. */
    removePipe(pipe, orphaned) {
        const walk = (node, prefix) => {
            if (node.pipes?.delete(pipe) && node.pipes.size === 0) {
                node.pipes = null;
                orphaned(Buffer.from(prefix));
            }
            if (node.children) {
                for (const [byte, child] of node.children) {
                    prefix.push(byte);
                    walk(child, prefix);
                    prefix.pop();
                    if (!child.pipes && (!child.children || child.children.size === 0))
                        node.children.delete(byte);
                }
            }
        };
        walk(this.root, []);
    }
    /** Calls `fn` for each pipe subscribed to a prefix of `data` (each pipe once). */
    match(data, fn) {
        let node = this.root;
        let first = null;
        let seen = null;
        let i = 0;
        while (node) {
            if (node.pipes) {
                if (first === null) {
                    // Most messages match one node only: no dedup set is needed for it.
                    first = node.pipes;
                    for (const p of node.pipes)
                        fn(p);
                }
                else {
                    seen ??= new Set(first);
                    for (const p of node.pipes) {
                        if (seen.has(p))
                            continue;
                        seen.add(p);
                        fn(p);
                    }
                }
            }
            if (i >= data.length || !node.children)
                break;
            node = node.children.get(data[i++]);
        }
    }
    /** True when any subscription is a prefix of `data` (SUB's local filter). */
    matches(data) {
        let node = this.root;
        let i = 0;
        while (node) {
            if (node.pipes)
                return true;
            if (i >= data.length || !node.children)
                return false;
            node = node.children.get(data[i++]);
        }
        return false;
    }
    /** Every (prefix, pipes) pair. */
    *entries() {
        const stack = [[this.root, []]];
        while (stack.length) {
            const [node, prefix] = stack.pop();
            if (node.pipes)
                yield [Buffer.from(prefix), node.pipes];
            if (node.children)
                for (const [b, c] of node.children)
                    stack.push([c, [...prefix, b]]);
        }
    }
}
