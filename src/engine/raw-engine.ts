/**
 * A raw connection for STREAM sockets: no greeting, no framing. Each chunk read becomes a
 * one-frame message; each message sent is written as its bytes; an empty message closes the
 * connection (libzmq stream.cpp).
 */
import {Buffer} from "node:buffer"
import type {Duplex} from "node:stream"
import type {Engine, EngineHandler} from "./engine.js"
import type {PeerInfo, Pipe} from "./pipe.js"
import {closeAfterFlush} from "./flush-close.js"

export class RawEngine implements Engine {
  private pipe: Pipe | null = null
  private ended = false
  readonly takesFrames = false
  readonly handshaking = false

  constructor(
    readonly stream: Duplex,
    private readonly address: string,
    private readonly handler: EngineHandler,
  ) {
    stream.on("data", (chunk: Buffer) => {
      if (this.pipe && !this.pipe.push([chunk])) stream.pause()
    })
    stream.on("drain", () => this.kick())
    stream.on("error", () => this.close())
    stream.on("close", () => this.close())
    stream.on("end", () => this.close())
  }

  /** No handshake: "connected" at once. */
  start(): void {
    this.handler.onHandshake(this, {socketType: "", identity: Buffer.alloc(0), minor: 0, address: this.address})
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

  get unwritten(): number {
    return this.ended ? 0 : this.stream.writableLength
  }

  flushNow(): void {}

  offer(): boolean {
    return false
  }

  deliverRest(): void {}

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
    this.handler.onClose(this, null, false)
  }
}
