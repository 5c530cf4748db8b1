/**
 * GATHER (RFC 49/SCATTER-GATHER; libzmq gather.cpp): a PULL for single-part messages, fair-queued
 * from the SCATTER peers; a multipart message from a peer is dropped whole.
 */
import type {Msg} from "../../engine/pipe.js"
import {recvSinglePart} from "../strategies/single-part.js"
import {PullPattern} from "./pull.js"

export class GatherPattern extends PullPattern {
  private readonly next = () => super.recv()

  override recv(): Msg | undefined {
    return recvSinglePart(this.next)
  }
  override tryRecv(): Msg | undefined {
    return this.recv()
  }
}
