/** One pattern per libzmq socket type id. */
import {errnoError} from "../../errors.js"
import {SocketTypeId} from "../../wire/socket-type.js"
import type {Pattern, PatternHost} from "../pattern.js"
import {DealerPattern} from "./dealer.js"
import {PairPattern} from "./pair.js"
import {PullPattern} from "./pull.js"
import {PushPattern} from "./push.js"
import {RepPattern} from "./rep.js"
import {ReqPattern} from "./req.js"
import {RouterPattern} from "./router.js"
import {StreamPattern} from "./stream.js"
import {PubPattern} from "./pub.js"
import {SubPattern} from "./sub.js"
import {XPubPattern} from "./xpub.js"
import {XSubPattern} from "./xsub.js"

export function createPattern(type: number, host: PatternHost): Pattern {
  switch (type) {
    case SocketTypeId.PAIR:
      return new PairPattern(host)
    case SocketTypeId.PUB:
      return new PubPattern(host)
    case SocketTypeId.SUB:
      return new SubPattern(host)
    case SocketTypeId.REQ:
      return new ReqPattern(host)
    case SocketTypeId.REP:
      return new RepPattern(host)
    case SocketTypeId.DEALER:
      return new DealerPattern(host)
    case SocketTypeId.ROUTER:
      return new RouterPattern(host)
    case SocketTypeId.PULL:
      return new PullPattern(host)
    case SocketTypeId.PUSH:
      return new PushPattern(host)
    case SocketTypeId.XPUB:
      return new XPubPattern(host, true)
    case SocketTypeId.XSUB:
      return new XSubPattern(host, false)
    case SocketTypeId.STREAM:
      return new StreamPattern(host)
  }
  throw errnoError("EINVAL")
}
