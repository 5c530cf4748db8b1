/**
 * The worker (spec/pipeline.md §5.2): a PULL connected to one or more ventilators, and one
 * DEALER per collector named in the tasks it gets. It runs the handler on each task, one at a
 * time, and sends the result to that task's collector. It keeps no state: a worker killed with
 * its tasks queued loses them, and the ventilators send them again.
 */
import {Buffer} from "node:buffer"
import {EventEmitter} from "node:events"
import {Dealer, Pull, type Socket} from "../index.js"
import {batchKey, Command, decodeHeader, encodeHeader, messages} from "./protocol.js"

/** What the handler learns about the task besides its payload. */
export interface TaskInfo {
  /** The batch id (batchKey form). */
  batch: string
  task: number
  size: number
  /** Where the result goes. */
  collector: string
}

/**
 * Must be idempotent: the same task may run more than once (on this worker or another) when a
 * result is late or lost; the collector keeps the first result and drops the others.
 */
export type TaskHandler = (payload: Buffer, info: TaskInfo) => Buffer | string | Uint8Array | Promise<Buffer | string | Uint8Array>

export interface WorkerOptions {
  /** Ventilator endpoints to pull tasks from (one worker may serve several ventilators). */
  connect: string | string[]
  handler: TaskHandler
  /**
   * How many tasks may wait in this worker's receive queue (default 10). Tasks queued here die
   * with the worker; a small queue means fewer resends after a crash, and that a slow worker
   * holds back fewer tasks from the others.
   */
  prefetch?: number
  /** Called with each socket before it connects: CURVE keys and the like. */
  configure?: (socket: Socket, role: "tasks" | "collector") => void
}

export interface WorkerStats {
  /** Tasks whose result was handed to the collector's socket. */
  done: number
  /** Tasks whose handler threw (no result is sent: the ventilator will send the task again). */
  failed: number
  malformed: number
}

export interface WorkerEvents {
  /** A handler threw; the task is dropped (and will be resent). */
  error: [Error, TaskInfo]
}

export class Worker extends EventEmitter<WorkerEvents> {
  readonly stats: WorkerStats = {done: 0, failed: 0, malformed: 0}
  private readonly pull: Pull
  private readonly collectors = new Map<string, Dealer>()
  private closed = false
  private readonly running: Promise<void>

  constructor(private readonly options: WorkerOptions) {
    super()
    const prefetch = options.prefetch ?? 10
    this.pull = new Pull({linger: 0, receiveHighWaterMark: prefetch})
    options.configure?.(this.pull, "tasks")
    for (const e of typeof options.connect === "string" ? [options.connect] : options.connect) this.pull.connect(e)
    this.running = this.loop()
  }

  /** Stops pulling, closes the sockets (results not yet written are dropped: they are resent). */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.pull.close()
    // Closing the dealers first also ends a send that waits for an absent collector.
    for (const d of this.collectors.values()) d.close()
    this.collectors.clear()
    await this.running
  }

  private async loop(): Promise<void> {
    for await (const frames of messages(this.pull, () => this.closed)) {
      const h = decodeHeader(frames[0])
      if (!h || h.command !== Command.TASK || frames.length !== 3) {
        this.stats.malformed++
        continue
      }
      const info: TaskInfo = {batch: batchKey(h.ventilator, h.sequence), task: h.task, size: h.size, collector: frames[1]!.toString("utf8")}
      let result: Buffer | string | Uint8Array
      try {
        result = await this.options.handler(frames[2]!, info)
      } catch (e) {
        this.stats.failed++
        if (this.listenerCount("error") > 0) this.emit("error", e instanceof Error ? e : new Error(String(e)), info)
        continue
      }
      if (this.closed) return
      const header = encodeHeader({command: Command.RESULT, ventilator: h.ventilator, sequence: h.sequence, task: h.task, size: h.size})
      try {
        // Waits while the collector is away and our queue to it is full: the worker then
        // stops pulling, and the ventilator's PUSH sends to the others.
        await this.dealerFor(info.collector).send([header, typeof result === "string" ? Buffer.from(result) : result])
        this.stats.done++
      } catch {
        if (this.closed) return
      }
    }
  }

  private dealerFor(endpoint: string): Dealer {
    let d = this.collectors.get(endpoint)
    if (!d || d.closed) {
      // linger: results already sent when the worker closes are still delivered if they can be.
      d = new Dealer({linger: 1000})
      this.options.configure?.(d, "collector")
      d.connect(endpoint)
      this.collectors.set(endpoint, d)
    }
    return d
  }
}
