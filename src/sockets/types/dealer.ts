/** DEALER (28/REQREP): load-balances sends, fair-queues receives, no envelope handling. */
import {Buffer} from "node:buffer"
import type {Msg, Pipe} from "../../engine/pipe.js"
import {Pattern} from "../pattern.js"
import {FairQueue} from "../strategies/fq.js"
import {LoadBalancer} from "../strategies/lb.js"

export class DealerPattern extends Pattern {
  protected readonly lb = new LoadBalancer()
  protected readonly fq = new FairQueue()

  attach(pipe: Pipe): void {
    this.lb.attach(pipe)
  }
  override connected(pipe: Pipe): boolean {
    // ZMQ_PROBE_ROUTER: an empty message on each new connection, so a ROUTER learns our id.
    if (this.options.probeRouter) pipe.forceWrite([Buffer.alloc(0)])
    return true
  }
  terminated(pipe: Pipe): void {
    this.lb.detach(pipe)
    this.fq.detach(pipe)
  }
  readable(pipe: Pipe): void {
    this.fq.activate(pipe)
  }
  send(msg: Msg): boolean {
    return this.lb.send(msg) !== null
  }
  override sendSmall(parts: Buffer | readonly Buffer[]): boolean | null {
    return this.lb.sendSmall(parts) !== null
  }
  recv(): Msg | undefined {
    return this.fq.recv()
  }
  get canSend(): boolean {
    return this.lb.writable
  }
  get canRecv(): boolean {
    return this.fq.readable
  }
}
