/**
 * CHANNEL (RFC 52/CHANNEL; libzmq channel.cpp): the thread-safe PAIR. One peer; single-part
 * messages only (a multipart one from the peer is dropped whole).
 */
import type {Msg} from "../../engine/pipe.js"
import {checkSinglePart, recvSinglePart} from "../strategies/single-part.js"
import {PairPattern} from "./pair.js"

export class ChannelPattern extends PairPattern {
  private readonly next = () => super.recv()

  override send(msg: Msg): boolean {
    checkSinglePart(msg)
    return super.send(msg)
  }
  override recv(): Msg | undefined {
    return recvSinglePart(this.next)
  }
}
