/**
 * Reads a WebSocket byte stream (RFC 6455 §5) and hands up whole messages and control frames.
 * It checks what §5 requires of the peer and throws a WsError at the first violation:
 *
 * - masking: a server refuses unmasked frames, a client masked ones (§5.1);
 * - RSV bits set (no extension was negotiated) and unknown opcodes (§5.2);
 * - control frames fragmented or longer than 125 bytes (§5.5);
 * - a continuation with no message begun, or a new message before the last one ended (§5.4);
 * - a length with the top bit set, or a message over `maxMessage`, as soon as its header says so:
 *   nothing is allocated for what a peer only declares;
 * - a close frame with a 1-byte body, a status §7.4 does not allow on the wire, or a reason that
 *   is not UTF-8 (§5.5.1, §8.1).
 *
 * Fragments are collected and joined once. Masked payloads are unmasked into a copy (the chunks
 * are the socket's, but a view of one may outlive this call in the message handed up).
 */
import {Buffer} from "node:buffer"
import {WsError} from "./errors.js"
import {Opcode} from "./frame.js"

export interface WsHandler {
  /** A whole data message: Text (1) or Binary (2). */
  message(opcode: number, data: Buffer): void
  ping(data: Buffer): void
  pong(data: Buffer): void
  /** The peer's close frame: its status (null when it gave none) and reason. */
  close(code: number | null, reason: string): void
}

export interface ReaderOptions {
  /** True on a server: every frame from a client must be masked. */
  expectMasked: boolean
  /** Largest message in bytes, all fragments together; -1 for no limit of ours. */
  maxMessage: number
}

/** Beyond this, no length is believed even with no limit set (2^53: exact in a JS number). */
const HARD_LIMIT = Number.MAX_SAFE_INTEGER

const utf8 = new TextDecoder("utf-8", {fatal: true})

/** §7.4.1/§7.4.2: statuses a peer may send. 1005, 1006 and 1015 are for reporting only. */
function validCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006
}

export class WsReader {
  /** Bytes of a header not complete yet. */
  private pending: Buffer | null = null
  /** The frame being read: its opcode, FIN, mask, bytes still to come, and what has come. */
  private opcode = 0
  private fin = false
  private mask: Buffer | null = null
  private remaining = -1
  private payload: Buffer[] = []
  private payloadLength = 0
  /** The fragmented data message being assembled, if any. */
  private messageOpcode = 0
  private fragments: Buffer[] = []
  private messageLength = 0
  private failed = false

  constructor(
    private readonly options: ReaderOptions,
    private readonly handler: WsHandler,
  ) {}

  push(chunk: Buffer): void {
    if (this.failed) return
    try {
      this.read(chunk)
    } catch (e) {
      this.failed = true
      throw e
    }
  }

  private read(input: Buffer): void {
    let chunk = input
    if (this.pending !== null) {
      chunk = Buffer.concat([this.pending, chunk])
      this.pending = null
    }
    let at = 0
    while (at < chunk.length) {
      if (this.remaining < 0) {
        const used = this.header(chunk, at)
        if (used === 0) {
          this.pending = Buffer.from(chunk.subarray(at))
          return
        }
        at += used
        if (this.remaining === 0) this.frameDone()
        continue
      }
      const take = Math.min(this.remaining, chunk.length - at)
      this.payload.push(chunk.subarray(at, at + take))
      at += take
      this.remaining -= take
      if (this.remaining === 0) this.frameDone()
    }
  }

  /** Parses a frame header at `at`; returns its size, or 0 when it is not all there yet. */
  private header(b: Buffer, at: number): number {
    if (b.length - at < 2) return 0
    const b0 = b[at]!
    const b1 = b[at + 1]!
    let size = 2
    let length = b1 & 0x7f
    if (length === 126) size = 4
    else if (length === 127) size = 10
    const masked = (b1 & 0x80) !== 0
    if (masked) size += 4
    if (b.length - at < size) return 0
    if (b0 & 0x70) throw new WsError("ERR_WS_RESERVED_BITS", "A frame with RSV bits set, and no extension agreed (RFC 6455 §5.2)")
    const opcode = b0 & 0x0f
    const fin = (b0 & 0x80) !== 0
    const control = opcode >= 8
    if (opcode !== Opcode.Continuation && opcode !== Opcode.Text && opcode !== Opcode.Binary && opcode !== Opcode.Close && opcode !== Opcode.Ping && opcode !== Opcode.Pong) {
      throw new WsError("ERR_WS_BAD_OPCODE", `Unknown opcode ${opcode} (RFC 6455 §5.2)`)
    }
    if (masked !== this.options.expectMasked) {
      throw this.options.expectMasked
        ? new WsError("ERR_WS_UNMASKED_FRAME", "A client sent an unmasked frame (RFC 6455 §5.1)")
        : new WsError("ERR_WS_MASKED_FRAME", "A server sent a masked frame (RFC 6455 §5.1)")
    }
    if (length === 126) length = b.readUInt16BE(at + 2)
    else if (length === 127) {
      const long = b.readBigUInt64BE(at + 2)
      if (long > BigInt(HARD_LIMIT)) throw new WsError("ERR_WS_TOO_LARGE", `A frame of ${long} bytes`, 1009)
      length = Number(long)
    }
    if (control) {
      if (!fin) throw new WsError("ERR_WS_FRAGMENTED_CONTROL", "A fragmented control frame (RFC 6455 §5.5)")
      if (length > 125) throw new WsError("ERR_WS_CONTROL_TOO_LONG", `A control frame of ${length} bytes; at most 125 (RFC 6455 §5.5)`)
    } else if (opcode === Opcode.Continuation) {
      if (this.messageOpcode === 0) throw new WsError("ERR_WS_BAD_CONTINUATION", "A continuation frame with no message begun (RFC 6455 §5.4)")
    } else if (this.messageOpcode !== 0) {
      throw new WsError("ERR_WS_BAD_CONTINUATION", "A new message before the last one's final fragment (RFC 6455 §5.4)")
    }
    if (!control) {
      const max = this.options.maxMessage
      if (max >= 0 && this.messageLength + length > max) {
        throw new WsError("ERR_WS_TOO_LARGE", `A message of more than ${max} bytes`, 1009)
      }
      if (opcode !== Opcode.Continuation) this.messageOpcode = opcode
    }
    this.opcode = opcode
    this.fin = fin
    this.mask = masked ? Buffer.from(b.subarray(at + size - 4, at + size)) : null
    this.remaining = length
    this.payload = []
    this.payloadLength = length
    return size
  }

  /** The payload of one frame is all in. */
  private frameDone(): void {
    this.remaining = -1
    const parts = this.payload
    this.payload = []
    let data = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.payloadLength)
    if (this.mask) {
      // Unmask into a new buffer: `data` may be a view of the caller's chunk.
      const mask = this.mask
      const out = Buffer.allocUnsafe(data.length)
      for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ mask[i & 3]!
      data = out
    }
    switch (this.opcode) {
      case Opcode.Ping:
        this.handler.ping(data)
        return
      case Opcode.Pong:
        this.handler.pong(data)
        return
      case Opcode.Close:
        this.closeFrame(data)
        return
    }
    this.fragments.push(data)
    this.messageLength += data.length
    if (!this.fin) return
    const message = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments, this.messageLength)
    const opcode = this.messageOpcode
    this.fragments = []
    this.messageLength = 0
    this.messageOpcode = 0
    this.handler.message(opcode, message)
  }

  private closeFrame(data: Buffer): void {
    if (data.length === 0) {
      this.handler.close(null, "")
      return
    }
    if (data.length === 1) throw new WsError("ERR_WS_BAD_CLOSE", "A close frame with a 1-byte body (RFC 6455 §5.5.1)")
    const code = data.readUInt16BE(0)
    if (!validCloseCode(code)) throw new WsError("ERR_WS_BAD_CLOSE_CODE", `Close status ${code} may not be sent (RFC 6455 §7.4)`)
    let reason: string
    try {
      reason = utf8.decode(data.subarray(2))
    } catch {
      throw new WsError("ERR_WS_BAD_UTF8", "A close reason that is not UTF-8 (RFC 6455 §5.5.1)", 1007)
    }
    this.handler.close(code, reason)
  }
}
