/**
 * DGRAM (libzmq dgram.cpp): raw UDP datagrams on one bound udp:// endpoint. A message is two
 * parts both ways: the peer's address "a.b.c.d:port", then the datagram's bytes. A send of any
 * other shape is EINVAL; with no endpoint (or a full pipe) a send waits, as ZMQ_POLLOUT is off.
 */
import type {Msg} from "../../engine/pipe.js"
import {checkSinglePart} from "../strategies/single-part.js"
import {PairPattern} from "./pair.js"

export class DgramPattern extends PairPattern {
  override send(msg: Msg): boolean {
    checkSinglePart(msg, 2)
    return super.send(msg)
  }
}
