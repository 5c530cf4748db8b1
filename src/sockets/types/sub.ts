/**
 * SUB (29/PUBSUB): XSUB driven by the ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE options instead of messages,
 * filtering locally what arrives, as libzmq's sub_t is an xsub_t. Sending is ENOTSUP.
 */
import type {PatternHost} from "../pattern.js"
import {XSubPattern} from "./xsub.js"

export class SubPattern extends XSubPattern {
  constructor(host: PatternHost) {
    super(host, true)
  }
}
