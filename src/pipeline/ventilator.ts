/**
 * The ventilator (spec/pipeline.md §5.1): a PUSH, bound, that the workers pull tasks from, and a
 * DEALER connected to the collector, to which it is the client. A batch is N TASKs numbered
 * 0..N-1, then END, repeated every pollInterval until the collector says DONE; each STATUS the
 * collector answers with says which results it holds, and a task still missing resendAfter after
 * its last send goes out again (to whichever worker the PUSH picks).
 */
import {Buffer} from "node:buffer"
import {randomBytes} from "node:crypto"
import {Dealer, Push, type Socket} from "../index.js"
import {batchKey, bitmapSize, Command, decodeHeader, encodeHeader, hasBit, MAX_BATCH, messages, ventilatorId} from "./protocol.js"

export type TaskPayload = Buffer | string | Uint8Array

export interface VentilatorOptions {
  /** Where the PUSH binds; workers connect their PULL here. */
  bind: string
  /** The collector's endpoint: this ventilator's DEALER connects to it. */
  collector: string
  /** The collector's endpoint as the workers should dial it, if not `collector` (written in every TASK). */
  resultsTo?: string
  /**
   * 1 to 8 octets (a string is UTF-8, zero-padded to 8). Default: 8 random octets. Batch ids are
   * (id, sequence) with the sequence from 0 in each Ventilator object, so a fixed id must not be
   * reused by a later ventilator while the collector still remembers the earlier one's batches.
   */
  id?: Buffer | string
  /** A task is sent again when the collector still lacks its result this long after its last send (ms, default 2000). */
  resendAfter?: number
  /** How often END is sent while the batch is open, which is also how soon a lost END is replaced (ms, default 250). */
  pollInterval?: number
  /** run() rejects when the batch has not completed after this long (ms; default 0, never). */
  timeout?: number
  /** Called with each socket before it binds or connects: CURVE keys, ZAP domain, and the like. */
  configure?: (socket: Socket, role: "tasks" | "collector") => void
}

/** What run() resolves to once the collector has said DONE. */
export interface BatchReport {
  /** The batch id (batchKey form), as the collector and the workers see it. */
  id: string
  sequence: number
  size: number
  /** Task sends after the first round. */
  resent: number
  /** ENDs sent. */
  polls: number
  ms: number
}

interface Running {
  sequence: number
  tasks: Buffer[]
  /** performance.now() of each task's last send; 0 before the first. */
  lastSent: Float64Array
  /** The last STATUS bitmap, and a time no later than the collector's snapshot of it. */
  status: Uint8Array | null
  statusAt: number
  /** When the first END since the last STATUS went out (the earliest the next snapshot can be). */
  endAt: number
  done: boolean
  wake: (() => void) | null
  resent: number
  polls: number
}

export class Ventilator {
  readonly id: Buffer
  private readonly push = new Push({linger: 0})
  // Small queue, no waiting: ENDs must not pile up while the collector is away (one is enough).
  private readonly dealer = new Dealer({linger: 0, sendHighWaterMark: 4, sendTimeout: 0})
  private readonly batches = new Map<number, Running>()
  private readonly resultsTo: Buffer
  private readonly resendAfter: number
  private readonly pollInterval: number
  private sequence = 0
  private pushQueue: Promise<unknown> = Promise.resolve()
  private closed = false
  private started = false

  constructor(private readonly options: VentilatorOptions) {
    this.id = options.id === undefined ? randomBytes(8) : ventilatorId(options.id)
    this.resultsTo = Buffer.from(options.resultsTo ?? options.collector, "utf8")
    this.resendAfter = options.resendAfter ?? 2000
    this.pollInterval = options.pollInterval ?? 250
    options.configure?.(this.push, "tasks")
    options.configure?.(this.dealer, "collector")
  }

  /** Binds the PUSH and connects to the collector; resolves to the bound endpoint. */
  async start(): Promise<string> {
    if (this.started) return this.endpoint
    this.started = true
    await this.push.bind(this.options.bind)
    this.dealer.connect(this.options.collector)
    void this.receiveLoop()
    return this.endpoint
  }

  get endpoint(): string {
    return this.push.lastEndpoint ?? this.options.bind
  }

  /**
   * Sends one batch and resolves when the collector has completed it. Several batches may run
   * at once; each is held in memory until then (the guide's assumption).
   */
  async run(payloads: readonly TaskPayload[]): Promise<BatchReport> {
    if (this.closed) throw new Error("ventilator is closed")
    if (payloads.length > MAX_BATCH) throw new RangeError(`a batch has at most ${MAX_BATCH} tasks, got ${payloads.length}`)
    await this.start()
    const began = performance.now()
    const b: Running = {
      sequence: this.sequence,
      tasks: payloads.map(p => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.isBuffer(p) ? p : Buffer.from(p))),
      lastSent: new Float64Array(payloads.length),
      status: null,
      statusAt: 0,
      endAt: 0,
      done: false,
      wake: null,
      resent: 0,
      polls: 0,
    }
    this.sequence = (this.sequence + 1) >>> 0
    this.batches.set(b.sequence, b)
    const work = this.drive(b, began)
    const timeout = this.options.timeout ?? 0
    let timer: NodeJS.Timeout | undefined
    // A timer, not a check in the loop: the first sends may wait for ever when no worker is there.
    const expired = new Promise<never>((_, reject) => {
      if (timeout > 0)
        timer = setTimeout(() => {
          b.done = true // stops the loops at their next step; a send in progress still finishes
          b.wake?.()
          reject(new Error(`batch ${batchKey(this.id, b.sequence)} not completed within ${timeout} ms`))
        }, timeout)
    })
    try {
      return await Promise.race([work, expired])
    } finally {
      clearTimeout(timer)
      this.batches.delete(b.sequence)
      work.catch(() => {})
    }
  }

  private async drive(b: Running, began: number): Promise<BatchReport> {
    for (let i = 0; i < b.tasks.length && !b.done; i++) await this.sendTask(b, i)
    while (!b.done) {
      if (this.closed) throw new Error("ventilator is closed")
      this.sendEnd(b)
      await this.sleep(b, this.pollInterval)
      if (!b.done && b.status) await this.resendMissing(b)
    }
    return {id: batchKey(this.id, b.sequence), sequence: b.sequence, size: b.tasks.length, resent: b.resent, polls: b.polls, ms: performance.now() - began}
  }

  /** Closes both sockets; batches still running reject. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const b of this.batches.values()) b.wake?.()
    this.push.close()
    this.dealer.close()
  }

  /**
   * Tasks the last STATUS lacks and that were last sent resendAfter before that snapshot (so a
   * task still on its way or being worked on is not sent twice because of an old STATUS).
   */
  private async resendMissing(b: Running): Promise<void> {
    const status = b.status!
    const before = b.statusAt - this.resendAfter
    for (let i = 0; i < b.tasks.length && !b.done && !this.closed; i++) {
      if (hasBit(status, i) || b.lastSent[i]! > before) continue
      await this.sendTask(b, i)
      b.resent++
    }
  }

  /** One PUSH send at a time across all batches (a socket takes one pending send). */
  private sendTask(b: Running, task: number): Promise<void> {
    const header = encodeHeader({command: Command.TASK, ventilator: this.id, sequence: b.sequence, task, size: b.tasks.length})
    const sending = this.pushQueue.then(() => (this.closed ? undefined : this.push.send([header, this.resultsTo, b.tasks[task]!])))
    this.pushQueue = sending.catch(() => {})
    return sending.then(
      () => void (b.lastSent[task] = performance.now()),
      e => {
        if (!this.closed) throw e
      },
    )
  }

  private sendEnd(b: Running): void {
    b.polls++
    if (b.endAt === 0) b.endAt = performance.now()
    const header = encodeHeader({command: Command.END, ventilator: this.id, sequence: b.sequence, task: 0, size: b.tasks.length})
    try {
      // EAGAIN (queue full while the collector is away) is fine: the next poll sends another.
      this.dealer.send(header).catch(() => {})
    } catch {
      // closed meanwhile
    }
  }

  private sleep(b: Running, ms: number): Promise<void> {
    return new Promise(resolve => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        b.wake = null
        resolve()
      }
      b.wake = done
    })
  }

  private async receiveLoop(): Promise<void> {
    for await (const frames of messages(this.dealer, () => this.closed)) {
      const h = decodeHeader(frames[0])
      if (!h || !h.ventilator.equals(this.id)) continue
      const b = this.batches.get(h.sequence)
      if (!b || h.size !== b.tasks.length) continue
      if (h.command === Command.DONE && frames.length === 1) {
        b.done = true
        b.wake?.()
      } else if (h.command === Command.STATUS && frames.length === 2 && frames[1]!.length === bitmapSize(h.size)) {
        b.status = frames[1]!
        // No END since the last STATUS: this one answers an END sent before that STATUS came,
        // so after the END that STATUS was dated by; keeping that date keeps it a lower bound.
        b.statusAt = b.endAt || b.statusAt
        b.endAt = 0
      }
    }
  }
}
