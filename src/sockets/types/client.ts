/**
 * CLIENT (RFC 41/CLIENT-SERVER; libzmq client.cpp): a DEALER for single-part messages. Sends are
 * load-balanced and block at the HWM or with no peer; receives are fair-queued.
 */
import {Buffer} from "node:buffer"
import type {Msg, Pipe} from "../../engine/pipe.js"
import {Pattern} from "../pattern.js"
import {FairQueue} from "../strategies/fq.js"
import {LoadBalancer} from "../strategies/lb.js"
import {checkSinglePart, recvSinglePart} from "../strategies/single-part.js"

export class ClientPattern extends Pattern {
  private readonly lb = new LoadBalancer()
  private readonly fq = new FairQueue()
  private readonly next = () => this.fq.recv()

  attach(pipe: Pipe): void {
    this.lb.attach(pipe)
  }
  terminated(pipe: Pipe): void {
    this.lb.detach(pipe)
    this.fq.detach(pipe)
  }
  readable(pipe: Pipe): void {
    this.fq.activate(pipe)
  }
  send(msg: Msg): boolean {
    checkSinglePart(msg)
    return this.lb.send(msg) !== null
  }
  override sendSmall(parts: Buffer | readonly Buffer[]): boolean | null {
    // A multipart message takes the slow path, whose send() refuses it.
    if (!Buffer.isBuffer(parts)) return null
    return this.lb.sendSmall(parts) !== null
  }
  recv(): Msg | undefined {
    return recvSinglePart(this.next)
  }
  get canSend(): boolean {
    return this.lb.writable
  }
  get canRecv(): boolean {
    return this.fq.readable
  }
}
