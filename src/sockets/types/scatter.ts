/**
 * SCATTER (RFC 49/SCATTER-GATHER; libzmq scatter.cpp): a PUSH for single-part messages. Sends are
 * load-balanced over the GATHER peers and block at the HWM or with no peer.
 */
import {Buffer} from "node:buffer"
import type {Msg} from "../../engine/pipe.js"
import {checkSinglePart} from "../strategies/single-part.js"
import {PushPattern} from "./push.js"

export class ScatterPattern extends PushPattern {
  override send(msg: Msg): boolean {
    checkSinglePart(msg)
    return super.send(msg)
  }
  override sendSmall(parts: Buffer | readonly Buffer[]): boolean | null {
    return Buffer.isBuffer(parts) ? super.sendSmall(parts) : null
  }
}
