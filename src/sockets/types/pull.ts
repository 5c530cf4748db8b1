/** PULL (30/PIPELINE): fair-queues messages from upstream peers; cannot send. */
import {errnoError} from "../../errors.js"
import type {Msg, Pipe} from "../../engine/pipe.js"
import {Pattern} from "../pattern.js"
import {FairQueue} from "../strategies/fq.js"

export class PullPattern extends Pattern {
  private readonly fq = new FairQueue()

  attach(_pipe: Pipe): void {}
  terminated(pipe: Pipe): void {
    this.fq.detach(pipe)
  }
  readable(pipe: Pipe): void {
    this.fq.activate(pipe)
  }
  send(_msg: Msg): boolean {
    throw errnoError("ENOTSUP")
  }
  recv(): Msg | undefined {
    return this.fq.recv()
  }
  override tryRecv(): Msg | undefined {
    return this.fq.recv()
  }
  get canSend(): boolean {
    return false
  }
  get canRecv(): boolean {
    return this.fq.readable
  }
}
