/** PUSH (30/PIPELINE): load-balances to downstream peers; blocks when all are full or none exist. */
import {errnoError} from "../../errors.js"
import type {Msg, Pipe} from "../../engine/pipe.js"
import {Pattern} from "../pattern.js"
import {LoadBalancer} from "../strategies/lb.js"

export class PushPattern extends Pattern {
  private readonly lb = new LoadBalancer()

  attach(pipe: Pipe): void {
    this.lb.attach(pipe)
  }
  terminated(pipe: Pipe): void {
    this.lb.detach(pipe)
  }
  readable(pipe: Pipe): void {
    // 30/PIPELINE: a PUSH never receives; anything a peer sends is discarded.
    while (pipe.read());
  }
  send(msg: Msg): boolean {
    return this.lb.send(msg) !== null
  }
  override sendSmall(parts: Buffer | readonly Buffer[]): boolean | null {
    return this.lb.sendSmall(parts) !== null
  }
  recv(): Msg | undefined {
    throw errnoError("ENOTSUP")
  }
  get canSend(): boolean {
    return this.lb.writable
  }
  get canRecv(): boolean {
    return false
  }
}
