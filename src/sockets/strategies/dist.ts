/**
 * Distribution (libzmq dist.cpp over mtrie.cpp), for PUB and XPUB: each message goes to every
 * peer subscribed to a prefix of its first frame (or, with ZMQ_INVERT_MATCHING, to every peer not
 * subscribed). A peer at its HWM misses the message and the others still get it (29/PUBSUB); with
 * ZMQ_XPUB_NODROP the send waits instead until every target has room.
 */
import type {Buffer} from "node:buffer"
import type {Msg, Pipe} from "../../engine/pipe.js"
import {SubscriptionTrie} from "./trie.js"

export class Distributor {
  readonly trie = new SubscriptionTrie()
  readonly pipes = new Set<Pipe>()

  attach(pipe: Pipe): void {
    this.pipes.add(pipe)
  }

  /** The pipe is gone: its subscriptions go, and `lastGone` hears each prefix left with no subscriber. */
  detach(pipe: Pipe, lastGone: (prefix: Buffer) => void): void {
    this.pipes.delete(pipe)
    this.trie.removePipe(pipe, lastGone)
  }

  /** Sends to the matching peers; false (nothing sent) when noDrop and one of them is full. */
  send(msg: Msg, invertMatching: boolean, noDrop: boolean): boolean {
    const targets: Pipe[] = []
    const first = msg[0]!
    if (invertMatching) {
      const matched = new Set<Pipe>()
      this.trie.match(first, p => matched.add(p))
      for (const p of this.pipes) if (!matched.has(p)) targets.push(p)
    } else {
      this.trie.match(first, p => targets.push(p))
    }
    if (noDrop) {
      for (const p of targets) if (!p.writable) return false
    }
    for (const p of targets) p.write(msg)
    return true
  }

  /** ZMQ_POLLOUT: always without noDrop; with it, when every peer has room. */
  canSend(noDrop: boolean): boolean {
    if (!noDrop) return true
    for (const p of this.pipes) if (!p.writable) return false
    return true
  }
}
