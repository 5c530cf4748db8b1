/**
 * ZMQ_LINGER after close(), for one socket: what is still delivering (connect sessions still
 * dialling or flushing, accepted connections flushing), until when, and the timer that drops it
 * all then. libzmq keeps a closed socket's sessions in its I/O thread the same way; at process exit
 * sockets/linger.ts holds the event loop open for them, as zeromq.js does.
 */
import type {Engine} from "../engine/engine.js"
import type {Pipe} from "../engine/pipe.js"
import {hasQueued} from "./queued.js"
import {lingerEnded, lingerStarted, type Lingerer} from "../sockets/linger.js"

/** Something that lingers: an engine flushing, or a connect session dialling to flush its pipe. */
export interface LingerWork {
  /** Linger ran out: drop what is left. */
  lingerExpired(): void
}

export class Linger {
  private readonly work = new Set<LingerWork | Engine>()
  /** ms since the epoch when linger ends; Infinity for -1; 0 before close() and for linger 0. */
  private until = 0
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly lingerer: Lingerer) {}

  /** close() with ZMQ_LINGER `ms`: work added until start() gets that long. */
  begin(ms: number): void {
    this.until = ms < 0 ? Infinity : ms > 0 ? Date.now() + ms : 0
  }

  /** Linger 0 (or not closing): what is queued is dropped. */
  get dropping(): boolean {
    return this.until === 0
  }

  /** ms of linger left for a connection to flush (-1: no limit). */
  left(): number {
    return this.until === Infinity ? -1 : Math.max(1, this.until - Date.now())
  }

  add(work: LingerWork | Engine): void {
    this.work.add(work)
  }

  has(work: LingerWork | Engine): boolean {
    return this.work.has(work)
  }

  /** Everything was added: hold the process at exit while it runs, and arm the deadline. */
  start(ms: number): void {
    if (this.work.size === 0) return
    lingerStarted(this.lingerer)
    if (this.until === Infinity) return
    this.timer = setTimeout(() => this.expire(), ms)
    this.timer.unref()
  }

  /**
   * At close, for each pipe not kept by its connect session: a live connection with messages still
   * to write gets the linger to flush them. An inproc pipe hands everything to the peer whatever
   * the linger: libzmq's inproc pipe is one queue shared by both sockets, so what was written is
   * the peer's to read.
   */
  lingerOrTerminate(pipe: Pipe): void {
    const engine = pipe.transport
    engine?.deliverRest()
    // Linger 0 drops what is still queued, but libzmq's I/O thread has written most of what was
    // sent by then; zmtp writes at the tick's end, so what the kernel takes now goes out first.
    if (this.dropping) engine?.flushNow()
    if (!this.dropping && engine && !engine.closed && hasQueued(pipe)) {
      this.add(engine)
      engine.closeAfterFlush(this.left())
      return
    }
    pipe.terminate()
  }

  /** One piece finished (flushed, or given up). */
  done(work: LingerWork | Engine): void {
    if (!this.work.delete(work) || this.work.size > 0) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    lingerEnded(this.lingerer)
  }

  /** Linger ran out: whatever is still queued is dropped. */
  private expire(): void {
    this.timer = null
    for (const work of [...this.work]) {
      if ("lingerExpired" in work) work.lingerExpired()
      else work.close()
    }
  }
}
