/**
 * A raw connection for STREAM sockets: no greeting, no framing. Each chunk read becomes a
 * one-frame message; each message sent is written as its bytes; an empty message closes the
 * connection (libzmq stream.cpp).
 */
import {Buffer} from "node:buffer"
import type {Duplex} from "node:stream"
import type {PeerInfo, Pipe, PipeTransport} from "./pipe.js"
import {closeAfterFlush} from "./flush-close.js"

export class RawEngine implements PipeTransport {
  private pipe: Pipe | null = null
  private ended = false

  constructor(
    readonly stream: Duplex,
    private readonly onClose: (engine: RawEngine) => void,
  ) {
    stream.on("data", (chunk: Buffer) => {
      if (this.pipe && !this.pipe.push([chunk])) stream.pause()
    })
    stream.on("drain", () => this.kick())
    stream.on("error", () => this.close())
    stream.on("close", () => this.close())
    stream.on("end", () => this.close())
  }

  attach(pipe: Pipe, peer: PeerInfo): void {
    this.pipe = pipe
    pipe.attach(this, peer)
  }

  kick(): void {
    const pipe = this.pipe
    if (!pipe || this.ended) return
    while (this.stream.writableLength < 256 * 1024) {
      const msg = pipe.pull()
      if (!msg) return
      const data = msg.length === 1 ? msg[0]! : Buffer.concat(msg)
      if (data.length === 0) {
        this.stream.end()
        return
      }
      this.stream.write(data)
    }
  }

  get closed(): boolean {
    return this.ended
  }

  /** ZMQ_LINGER at close: what was queued is written, then the connection ends (flush-close.ts). */
  closeAfterFlush(lingerMs: number): void {
    if (this.ended || lingerMs === 0) {
      this.close()
      return
    }
    closeAfterFlush(this, lingerMs, false, () => (this.pipe?.outLength ?? 0) > 0, () => {
      const pipe = this.pipe
      this.pipe = null
      pipe?.detach(this)
    })
  }

  resume(): void {
    if (!this.ended) this.stream.resume()
  }

  close(): void {
    if (this.ended) return
    this.ended = true
    this.stream.destroy()
    const pipe = this.pipe
    this.pipe = null
    pipe?.detach(this)
    this.onClose(this)
  }
}
