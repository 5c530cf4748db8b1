/**
 * PAIR (31/EXPAIR): exactly one peer. A second pipe is terminated at once (libzmq pair.cpp), so
 * a second connection is refused while the first exists.
 */
import type {Msg, Pipe} from "../../engine/pipe.js"
import {Pattern} from "../pattern.js"

export class PairPattern extends Pattern {
  private pipe: Pipe | null = null

  attach(pipe: Pipe): void {
    if (this.pipe) pipe.terminate()
    else this.pipe = pipe
  }
  override connected(pipe: Pipe): boolean {
    return pipe === this.pipe
  }
  terminated(pipe: Pipe): void {
    // Messages already received from the old peer stay readable until taken.
    if (pipe === this.pipe && !pipe.readable) this.pipe = null
  }
  readable(_pipe: Pipe): void {}
  send(msg: Msg): boolean {
    return this.pipe !== null && this.pipe.write(msg)
  }
  recv(): Msg | undefined {
    const pipe = this.pipe
    if (!pipe) return undefined
    const msg = pipe.read()
    if (pipe.terminated && !pipe.readable) this.pipe = null
    return msg
  }
  get canSend(): boolean {
    return this.pipe !== null && this.pipe.writable
  }
  get canRecv(): boolean {
    return this.pipe !== null && this.pipe.readable
  }
}
