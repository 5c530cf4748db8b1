/**
 * XPUB and PUB (29/PUBSUB): fan out each message to the peers subscribed to a prefix of its first
 * frame; a peer at its HWM misses messages (never blocks) unless ZMQ_XPUB_NODROP. Subscriptions
 * arrive in the stack's own form (from SUBSCRIBE/CANCEL commands, or an inproc SUB) or as
 * 01/00-prefixed messages (a 3.0 peer, an XSUB application), which a publisher accepts from any
 * peer (engine/subscription.ts). XPUB hands (un)subscriptions to the application: new ones only, or all with
 * verbose/verboser; `manual` leaves the trie to the application. PUB drops everything it receives.
 */
import {Buffer} from "node:buffer"
import {errnoError} from "../../errors.js"
import type {Msg, Pipe} from "../../engine/pipe.js"
import {Queue} from "../../engine/queue.js"
import {fromMessageForm, messageFormBody, subscription} from "../../engine/subscription.js"
import {Pattern, type PatternHost} from "../pattern.js"
import {SubscriptionTrie} from "../strategies/trie.js"

export class XPubPattern extends Pattern {
  private readonly trie = new SubscriptionTrie()
  private readonly pipes = new Set<Pipe>()
  /** Messages for the application: (un)subscriptions and upstream data. */
  private readonly inbox = new Queue<Msg>()
  /** The pipe of the last subscription handed up (ZMQ_XPUB_MANUAL applies to it). */
  private lastPipe: Pipe | null = null

  constructor(
    host: PatternHost,
    private readonly isXpub: boolean,
  ) {
    super(host)
  }

  attach(pipe: Pipe): void {
    this.pipes.add(pipe)
    const welcome = this.options.welcomeMessage
    if (this.isXpub && welcome) pipe.forceWrite([welcome])
  }

  terminated(pipe: Pipe): void {
    this.pipes.delete(pipe)
    if (this.lastPipe === pipe) this.lastPipe = null
    this.trie.removePipe(pipe, prefix => {
      if (this.isXpub && !this.options.manual) this.deliver([messageFormBody(subscription(prefix, false))])
    })
  }

  readable(pipe: Pipe): void {
    for (let msg = pipe.read(); msg; msg = pipe.read()) this.incoming(pipe, msg)
  }

  private incoming(pipe: Pipe, msg: Msg): void {
    const sub = msg.subscribe !== undefined ? msg : fromMessageForm(msg)
    if (sub === null) {
      if (this.isXpub) this.deliver(msg)
      return
    }
    const topic = sub[0]!
    const o = this.options
    // The application reads a subscription in its 01/00 form.
    const up = (): Msg => (sub === msg ? [messageFormBody(sub)] : msg)
    if (o.manual && this.isXpub) {
      this.lastPipe = pipe
      this.deliver(up())
      return
    }
    if (sub.subscribe) {
      const {first: isNew} = this.trie.add(topic, pipe)
      if (this.isXpub && (isNew || o.verbose || o.verboser)) this.deliver(up())
    } else {
      const {removed, last} = this.trie.remove(topic, pipe)
      if (this.isXpub && removed && (last || o.verboser)) this.deliver(up())
    }
  }

  private deliver(msg: Msg): void {
    this.inbox.push(msg)
    this.host.wake()
  }

  override subscribe(topic: Buffer): void {
    if (this.lastPipe) this.trie.add(topic, this.lastPipe)
  }

  override unsubscribe(topic: Buffer): void {
    if (this.lastPipe) this.trie.remove(topic, this.lastPipe)
  }

  send(msg: Msg): boolean {
    const targets: Pipe[] = []
    const first = msg[0]!
    if (this.options.invertMatching) {
      const matched = new Set<Pipe>()
      this.trie.match(first, p => matched.add(p))
      for (const p of this.pipes) if (!matched.has(p)) targets.push(p)
    } else {
      this.trie.match(first, p => targets.push(p))
    }
    if (this.options.noDrop) {
      for (const p of targets) if (!p.writable) return false
    }
    // A peer at its HWM misses this message (29/PUBSUB); the rest get it.
    for (const p of targets) p.write(msg)
    return true
  }

  recv(): Msg | undefined {
    if (!this.isXpub) throw errnoError("ENOTSUP")
    return this.inbox.shift()
  }

  get canSend(): boolean {
    if (!this.options.noDrop) return true
    for (const p of this.pipes) if (!p.writable) return false
    return true
  }

  get canRecv(): boolean {
    return this.isXpub && this.inbox.length > 0
  }
}
