/**
 * The collector (spec/pipeline.md §5.3): one ROUTER, bound, where workers' RESULTs and
 * ventilators' ENDs arrive. It keeps the first result of each task and drops the rest (resends
 * make duplicates), answers END with a STATUS bitmap of what it holds, and completes each batch
 * exactly once: commit (the state directory's rename, or memory), then the "batch" event, then
 * DONE to the ventilator.
 */
import {Buffer} from "node:buffer"
import {EventEmitter} from "node:events"
import {Router, type Socket} from "../index.js"
import {batchKey, bitmapSize, Command, decodeHeader, encodeHeader, hasBit, messages, parseBatchKey, setBit, type Header} from "./protocol.js"
import {Store} from "./store.js"

export interface CollectorOptions {
  /** The endpoint to bind, e.g. "tcp://*:5558". Workers and ventilators connect here. */
  bind: string
  /**
   * A directory for partial results and the record of committed batches. Without one, a
   * collector that is restarted forgets everything: partial results are simply resent, but a
   * batch completed just before the crash, whose DONE the ventilator never heard, completes a
   * second time (spec §6). With one, every batch completes exactly once across restarts.
   */
  stateDir?: string
  /** Called with the ROUTER before it binds: CURVE keys, ZAP domain, and the like. */
  configure?: (socket: Socket) => void
}

/** A completed batch: results[i] is task i's result. */
export interface Batch {
  /** batchKey: the ventilator id in hex, a dash, the sequence. */
  id: string
  ventilator: Buffer
  sequence: number
  results: Buffer[]
}

export interface CollectorStats {
  /** Results accepted (first of their task). */
  results: number
  /** Results dropped because the task's result was already held (a resend, or a slow worker). */
  duplicates: number
  /** Results or ENDs for a batch already committed (answered with DONE for END). */
  late: number
  /** Messages that are not this protocol, or contradict the batch's size. */
  malformed: number
  /** Batches committed by this collector object. */
  completed: number
  statusSent: number
}

export interface CollectorEvents {
  batch: [Batch]
  error: [Error]
}

interface OpenBatch {
  key: string
  ventilator: Buffer
  sequence: number
  size: number
  have: Uint8Array
  count: number
  results: (Buffer | undefined)[]
  /** Set once the last result is in: later messages for it are duplicates, and END waits for DONE. */
  committing: boolean
}

export class Collector extends EventEmitter<CollectorEvents> {
  readonly stats: CollectorStats = {results: 0, duplicates: 0, late: 0, malformed: 0, completed: 0, statusSent: 0}
  private readonly router = new Router({linger: 0})
  private readonly open = new Map<string, OpenBatch>()
  /** The last routing id each ventilator (by hex id) sent END from: where DONE goes unasked. */
  private readonly ventilators = new Map<string, Buffer>()
  private store: Store | null = null
  private closed = false

  constructor(private readonly options: CollectorOptions) {
    super()
    // Replies must never wait: a ventilator that went away just misses them and asks again.
    this.router.sendTimeout = 0
    options.configure?.(this.router)
  }

  /** Loads the state directory, binds, and starts receiving; resolves to the bound endpoint. */
  async start(): Promise<string> {
    this.store = await Store.open(this.options.stateDir ?? null)
    for (const [key, stored] of this.store.partial) {
      const id = parseBatchKey(key)
      if (!id) continue
      const batch = this.openBatch(key, id.ventilator, id.sequence, stored.size)
      for (const [task, data] of stored.results) this.accept(batch, task, data, false)
    }
    await this.router.bind(this.options.bind)
    void this.receiveLoop()
    // A batch that was whole when the last collector died (killed between its last result and
    // the rename) is committed now; a tick later, so a "batch" listener added after start() hears it.
    setImmediate(() => {
      for (const batch of this.open.values()) if (batch.count === batch.size && !batch.committing) this.commit(batch)
    })
    return this.endpoint
  }

  get endpoint(): string {
    return this.router.lastEndpoint ?? this.options.bind
  }

  /** Ids of the batches committed (in the state directory, by every collector that used it). */
  committed(): string[] {
    return [...(this.store?.committed ?? [])]
  }

  /** A committed batch read back from the state directory (null in memory mode or if unknown). */
  async read(id: string): Promise<Batch | null> {
    const key = parseBatchKey(id)
    if (!key || !this.store?.committed.has(id)) return null
    const stored = await this.store.read(id)
    if (!stored) return null
    const results: Buffer[] = []
    for (let i = 0; i < stored.size; i++) results.push(stored.results.get(i) ?? Buffer.alloc(0))
    return {id, ventilator: key.ventilator, sequence: key.sequence, results}
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.router.close()
    await this.store?.close()
  }

  private async receiveLoop(): Promise<void> {
    for await (const frames of messages(this.router, () => this.closed)) {
      this.handle(frames)
    }
  }

  private handle(frames: Buffer[]): void {
    const [peer, head] = frames
    const h = decodeHeader(head)
    if (!peer || !h) return void this.stats.malformed++
    const key = batchKey(h.ventilator, h.sequence)
    if (h.command === Command.RESULT && frames.length === 3) this.onResult(key, h, frames[2]!)
    else if (h.command === Command.END && frames.length === 2) this.onEnd(key, h, peer)
    else this.stats.malformed++
  }

  private onResult(key: string, h: Header, data: Buffer): void {
    if (this.store!.committed.has(key)) return void this.stats.late++
    const batch = this.open.get(key) ?? this.openBatch(key, h.ventilator, h.sequence, h.size)
    if (batch.size !== h.size) return void this.stats.malformed++
    if (batch.committing || hasBit(batch.have, h.task)) return void this.stats.duplicates++
    this.accept(batch, h.task, data, true)
    if (batch.count === batch.size) this.commit(batch)
  }

  private onEnd(key: string, h: Header, peer: Buffer): void {
    this.ventilators.set(h.ventilator.toString("hex"), peer)
    if (this.store!.committed.has(key)) {
      this.stats.late++
      return this.reply(peer, Command.DONE, h)
    }
    const batch = this.open.get(key) ?? this.openBatch(key, h.ventilator, h.sequence, h.size)
    if (batch.size !== h.size) return void this.stats.malformed++
    // Being committed: DONE follows as soon as the commit is durable.
    if (batch.committing) return
    // Only an empty batch can be whole at its END (every other completes on its last result).
    if (batch.count === batch.size) return this.commit(batch)
    this.stats.statusSent++
    this.reply(peer, Command.STATUS, h, Buffer.from(batch.have))
  }

  private openBatch(key: string, ventilator: Buffer, sequence: number, size: number): OpenBatch {
    const batch: OpenBatch = {key, ventilator, sequence, size, have: new Uint8Array(bitmapSize(size)), count: 0, results: new Array(size), committing: false}
    this.open.set(key, batch)
    return batch
  }

  private accept(batch: OpenBatch, task: number, data: Buffer, persist: boolean): void {
    // Our own copy: the frame may share memory with a larger receive buffer.
    const own = persist ? Buffer.from(data) : data
    setBit(batch.have, task)
    batch.results[task] = own
    batch.count++
    if (persist) {
      this.stats.results++
      this.store!.append(batch.key, batch.size, task, own)
    }
  }

  /** Commit (the one place a batch completes), then the event, then DONE if we know where. */
  private commit(batch: OpenBatch): void {
    batch.committing = true
    this.store!.commit(batch.key, batch.size).then(
      () => {
        this.open.delete(batch.key)
        this.stats.completed++
        const results = batch.results as Buffer[]
        this.emit("batch", {id: batch.key, ventilator: batch.ventilator, sequence: batch.sequence, results})
        const peer = this.ventilators.get(batch.ventilator.toString("hex"))
        if (peer) this.reply(peer, Command.DONE, {command: Command.DONE, ventilator: batch.ventilator, sequence: batch.sequence, task: 0, size: batch.size})
      },
      (e: Error) => {
        // Not committed and never will be by this object (it stays "committing", so nothing
        // completes it twice); a restarted collector finds its .part and finishes the job.
        if (this.closed) return
        if (this.listenerCount("error") > 0) this.emit("error", e)
      },
    )
  }

  private reply(peer: Buffer, command: typeof Command.STATUS | typeof Command.DONE, h: Header, body?: Buffer): void {
    const header = encodeHeader({command, ventilator: h.ventilator, sequence: h.sequence, task: 0, size: h.size})
    try {
      this.router.send(body ? [peer, header, body] : [peer, header]).catch(() => {})
    } catch {
      // closed meanwhile
    }
  }
}
