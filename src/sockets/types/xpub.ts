/**
 * XPUB (29/PUBSUB), and PUB built on it as in libzmq (pub.ts): fan out each message (strategies/
 * dist.ts); a peer at its HWM misses messages (never blocks) unless ZMQ_XPUB_NODROP. Subscriptions
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
import {Distributor} from "../strategies/dist.js"

export class XPubPattern extends Pattern {
  private readonly dist = new Distributor()
  /** Messages for the application: (un)subscriptions and upstream data. */
  private readonly inbox = new Queue<Msg>()
  /** The pipe of the last subscription handed up (ZMQ_XPUB_MANUAL applies to it). */
  private lastPipe: Pipe | null = null

  constructor(
    host: PatternHost,
    /** False for PUB (pub.ts), which hands nothing up. */
    private readonly isXpub: boolean,
  ) {
    super(host)
  }

  attach(pipe: Pipe): void {
    this.dist.attach(pipe)
    const welcome = this.options.welcomeMessage
    if (this.isXpub && welcome) pipe.forceWrite([welcome])
  }

  terminated(pipe: Pipe): void {
    if (this.lastPipe === pipe) this.lastPipe = null
    this.dist.detach(pipe, prefix => {
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
      const {first: isNew} = this.dist.trie.add(topic, pipe)
      if (this.isXpub && (isNew || o.verbose || o.verboser)) this.deliver(up())
    } else {
      const {removed, last} = this.dist.trie.remove(topic, pipe)
      if (this.isXpub && removed && (last || o.verboser)) this.deliver(up())
    }
  }

  private deliver(msg: Msg): void {
    this.inbox.push(msg)
    this.host.wake()
  }

  override subscribe(topic: Buffer): void {
    if (this.lastPipe) this.dist.trie.add(topic, this.lastPipe)
  }

  override unsubscribe(topic: Buffer): void {
    if (this.lastPipe) this.dist.trie.remove(topic, this.lastPipe)
  }

  send(msg: Msg): boolean {
    return this.dist.send(msg, this.options.invertMatching, this.options.noDrop)
  }

  recv(): Msg | undefined {
    if (!this.isXpub) throw errnoError("ENOTSUP")
    return this.inbox.shift()
  }

  get canSend(): boolean {
    return this.dist.canSend(this.options.noDrop)
  }

  get canRecv(): boolean {
    return this.isXpub && this.inbox.length > 0
  }
}
