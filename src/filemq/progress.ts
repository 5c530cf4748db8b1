/**
 * Transfer progress for the CLI and the demo: on a TTY one status line redrawn in place (files,
 * bytes, rate, ETA, current file); otherwise one plain line per file received or deleted.
 */
import type {FileEvent, ProgressEvent} from "./client-events.js"

export interface Output {
  write(s: string): unknown
  isTTY?: boolean
  columns?: number
}

const RATE_WINDOW_MS = 3000
/** A batched output writes at once when this much has gathered. */
const BATCH_BYTES = 64 * 1024

/**
 * Lines written within one turn of the event loop, written out together at the end of it. A
 * pipe's writes are synchronous in Node, one system call each, and the CLI prints a line per file
 * on both sides (tree B, 10,000 files: ~0.15 s of each process's CPU). A TTY is written through,
 * since its status line is redrawn in place. Output that is not a TTY and goes away (a reader
 * that closed the pipe, `filemq sync … | head`) ends the process quietly, as a C tool's SIGPIPE
 * would, instead of a stack trace.
 */
export class BatchedOutput implements Output {
  private pending = ""
  private scheduled = false
  readonly isTTY: boolean

  constructor(private readonly out: Output & {on?(event: "error", fn: (e: NodeJS.ErrnoException) => void): unknown}) {
    this.isTTY = out.isTTY === true
    out.on?.("error", e => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0)
      throw e
    })
  }

  /** The terminal's width now (it changes when the window is resized). */
  get columns(): number | undefined {
    return this.out.columns
  }

  write(s: string): boolean {
    if (this.isTTY) return Boolean(this.out.write(s))
    this.pending += s
    if (this.pending.length >= BATCH_BYTES) this.flush()
    else if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => this.flush())
    }
    return true
  }

  /** Writes what has gathered now. */
  flush(): void {
    this.scheduled = false
    if (this.pending === "") return
    const s = this.pending
    this.pending = ""
    this.out.write(s)
  }
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`
  const units = ["kB", "MB", "GB", "TB"]
  let v = n
  let i = -1
  do {
    v /= 1000
    i++
  } while (v >= 1000 && i < units.length - 1)
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "--"
  if (s < 60) return `${Math.ceil(s)}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`
}

export class Progress {
  files = 0
  deleted = 0
  bytes = 0
  private readonly tty: boolean
  private current: ProgressEvent | null = null
  private lastDraw = 0
  private drawn = false
  private remaining = -1
  /** (time, cumulative bytes) over the last RATE_WINDOW_MS. */
  private readonly samples: [number, number][] = []
  private trailing: NodeJS.Timeout | null = null
  private finished = false

  constructor(
    private readonly out: Output,
    /** Known totals (the demo knows them); otherwise the server's QUEUE-* headers estimate them. */
    private readonly total: {files: number; bytes: number} | null = null,
    tty?: boolean,
  ) {
    this.tty = tty ?? out.isTTY === true
  }

  progress(e: ProgressEvent): void {
    const now = Date.now()
    this.bytes += e.bytes
    this.samples.push([now, this.bytes])
    while (this.samples.length > 2 && now - this.samples[0]![0] > RATE_WINDOW_MS) this.samples.shift()
    this.current = e
    if (e.queueBytes >= 0) this.remaining = e.queueBytes + Math.max(0, e.size - e.offset)
    if (this.tty) this.draw(false)
  }

  file(e: FileEvent): void {
    this.files++
    this.current = null
    if (this.tty) this.draw(false)
    else this.line(`received ${e.rel} (${formatBytes(e.size)}${e.from > 0 ? `, resumed at ${formatBytes(e.from)}` : ""})`)
  }

  removed(rel: string): void {
    this.deleted++
    if (this.tty) this.draw(true)
    else this.line(`deleted ${rel}`)
  }

  /** Prints a message above the status line. */
  line(text: string): void {
    if (this.tty && this.drawn) this.out.write("\r\x1b[K")
    this.out.write(text + "\n")
    if (this.tty && this.drawn) this.draw(true)
  }

  /** Bytes per second over the last few seconds; 0 until there is enough to tell. */
  get rate(): number {
    const first = this.samples[0]
    const last = this.samples[this.samples.length - 1]
    if (!first || !last) return 0
    // Idle since the last chunk: the rate decays with the silence.
    const span = Math.max(last[0], Date.now()) - first[0]
    if (span < 200) return 0
    return ((last[1] - first[1]) * 1000) / span
  }

  status(): string {
    const rate = this.rate
    const parts: string[] = []
    if (this.total) {
      parts.push(`${this.files}/${this.total.files} files`, `${formatBytes(this.bytes)}/${formatBytes(this.total.bytes)}`)
    } else {
      parts.push(`${this.files} files`, formatBytes(this.bytes))
    }
    parts.push(`${formatBytes(Math.round(rate))}/s`)
    const left = this.total ? Math.max(0, this.total.bytes - this.bytes) : this.remaining
    if (left >= 0) parts.push(`ETA ${rate > 0 ? formatDuration(left / rate) : "--"}`)
    if (this.deleted > 0) parts.push(`${this.deleted} deleted`)
    const c = this.current
    if (c && c.size > 0) parts.push(`${c.rel} ${Math.floor((100 * c.offset) / c.size)}%`)
    return parts.join("  ")
  }

  private draw(force: boolean): void {
    const now = Date.now()
    if (!force && now - this.lastDraw < 100) {
      // Throttled: draw the latest state a little later, so the line never stays stale.
      if (!this.trailing) {
        this.trailing = setTimeout(() => {
          this.trailing = null
          if (!this.finished) this.draw(true)
        }, 100 - (now - this.lastDraw))
        this.trailing.unref()
      }
      return
    }
    if (this.trailing) {
      clearTimeout(this.trailing)
      this.trailing = null
    }
    this.lastDraw = now
    let s = this.status()
    const cols = this.out.columns ?? 0
    if (cols > 10 && s.length > cols - 1) s = s.slice(0, cols - 2) + "…"
    this.out.write("\r\x1b[K" + s)
    this.drawn = true
  }

  /** Ends the status line (TTY) and prints a summary. */
  finish(summary?: string): void {
    this.finished = true
    if (this.trailing) clearTimeout(this.trailing)
    this.trailing = null
    if (this.tty && this.drawn) {
      this.draw(true)
      this.out.write("\n")
      this.drawn = false
    }
    if (summary) this.out.write(summary + "\n")
  }
}
