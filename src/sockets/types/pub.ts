/**
 * PUB (29/PUBSUB): XPUB that hands nothing up, as libzmq's pub_t is an xpub_t. It fans each message
 * out to the subscribed peers (strategies/dist.ts), never blocks, and receiving is ENOTSUP.
 */
import type {PatternHost} from "../pattern.js"
import {XPubPattern} from "./xpub.js"

export class PubPattern extends XPubPattern {
  constructor(host: PatternHost) {
    super(host, false)
  }
}
