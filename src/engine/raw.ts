/**
 * A raw connection for STREAM sockets: no greeting, no framing. Each chunk read becomes a
 * one-frame message; each message sent is written as its bytes; an empty message closes the
 * connection (libzmq stream.cpp).
 */
import {Buffer} from "node:buffer"
import type {Duplex} from "node:stream"
import type {PeerInfo, Pipe, PipeTransport} from "./pipe.js"

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

  /**
   * ZMQ_LINGER at close: ends the connection (FIN) once what was queued has been written, within
   * `lingerMs` (-1 = no limit).
   */
  closeAfterFlush(lingerMs: number): void {
    if (this.ended || lingerMs === 0) {
      this.close()
      return
    }
    const timer = lingerMs > 0 ? setTimeout(() => this.close(), lingerMs).unref() : null
    const tryEnd = () => {
      if (this.ended) {
        if (timer) clearTimeout(timer)
        return
      }
      if ((this.pipe?.outLength ?? 0) > 0 || this.stream.writableLength > 0) {
        setTimeout(tryEnd, 5).unref()
        return
      }
      // Written: what the peer still sends is read and dropped, and once our FIN has gone the
      // connection is let go (tcp: the kernel delivers the rest).
      const pipe = this.pipe
      this.pipe = null
      pipe?.detach(this)
      this.stream.resume()
      this.stream.end()
      this.stream.once("finish", () => this.close())
    }
    tryEnd()
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
