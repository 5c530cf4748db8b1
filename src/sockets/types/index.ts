/** One pattern per libzmq socket type id. */
import {errnoError} from "../../errors.js"
import type {Pattern, PatternHost} from "../pattern.js"
import {DealerPattern} from "./dealer.js"
import {PairPattern} from "./pair.js"
import {PullPattern} from "./pull.js"
import {PushPattern} from "./push.js"
import {RepPattern} from "./rep.js"
import {ReqPattern} from "./req.js"
import {RouterPattern} from "./router.js"
import {StreamPattern} from "./stream.js"
import {XPubPattern} from "./xpub.js"
import {XSubPattern} from "./xsub.js"

export function createPattern(type: number, host: PatternHost): Pattern {
  switch (type) {
    case 0:
      return new PairPattern(host)
    case 1:
      return new XPubPattern(host, false)
    case 2:
      return new XSubPattern(host, true)
    case 3:
      return new ReqPattern(host)
    case 4:
      return new RepPattern(host)
    case 5:
      return new DealerPattern(host)
    case 6:
      return new RouterPattern(host)
    case 7:
      return new PullPattern(host)
    case 8:
      return new PushPattern(host)
    case 9:
      return new XPubPattern(host, true)
    case 10:
      return new XSubPattern(host, false)
    case 11:
      return new StreamPattern(host)
  }
  throw errnoError("EINVAL")
}
