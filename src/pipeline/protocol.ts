/**
 * The reliable pipeline's wire format (spec/pipeline.md §3): every message is multipart, and its
 * first frame is a fixed 28-octet header. Pure code, no I/O, so the collector's duplicate rules
 * and the ventilator's resend rules can be read (and tested) apart from the sockets.
 *
 *   0  3  "ZPL"             protocol name
 *   3  1  0x01              protocol version
 *   4  1  command           TASK 1, RESULT 2, END 3, STATUS 4, DONE 5
 *   5  3  reserved          zero when sent, ignored when read
 *   8  8  ventilator id     the batch id is (ventilator id, sequence)
 *  16  4  sequence          uint32 big-endian, the ventilator's batch number
 *  20  4  task              uint32 big-endian, 0..size-1 in TASK and RESULT, 0 otherwise
 *  24  4  size              uint32 big-endian, the number of tasks in the batch
 */
import {Buffer} from "node:buffer"

export const HEADER_SIZE = 28
export const VERSION = 1
/** "ZPL": what a receiver checks first, so a stray peer's messages are dropped, not misread. */
const NAME = [0x5a, 0x50, 0x4c] as const
/**
 * The largest batch: its STATUS bitmap is then 2 MiB, still one reasonable frame. The guide's
 * assumption is that a whole batch fits in memory; this bounds what a peer can make us allocate.
 */
export const MAX_BATCH = 1 << 24

export const Command = {TASK: 1, RESULT: 2, END: 3, STATUS: 4, DONE: 5} as const
export type CommandName = keyof typeof Command
export type CommandCode = (typeof Command)[CommandName]

export interface Header {
  command: CommandCode
  /** 8 octets. */
  ventilator: Buffer
  sequence: number
  task: number
  size: number
}

export function encodeHeader(h: Header): Buffer {
  const b = Buffer.alloc(HEADER_SIZE)
  b[0] = NAME[0]
  b[1] = NAME[1]
  b[2] = NAME[2]
  b[3] = VERSION
  b[4] = h.command
  h.ventilator.copy(b, 8, 0, 8)
  b.writeUInt32BE(h.sequence >>> 0, 16)
  b.writeUInt32BE(h.task >>> 0, 20)
  b.writeUInt32BE(h.size >>> 0, 24)
  return b
}

/**
 * The header of a message, or null when the frame is not one of ours: wrong length, name or
 * version, an unknown command, a size over MAX_BATCH, or a task number outside the batch.
 * Callers drop such messages and count them; nothing a peer sends can throw here.
 */
export function decodeHeader(frame: Buffer | undefined): Header | null {
  if (!frame || frame.length !== HEADER_SIZE) return null
  if (frame[0] !== NAME[0] || frame[1] !== NAME[1] || frame[2] !== NAME[2] || frame[3] !== VERSION) return null
  const command = frame[4]!
  if (command < Command.TASK || command > Command.DONE) return null
  const size = frame.readUInt32BE(24)
  const task = frame.readUInt32BE(20)
  if (size > MAX_BATCH) return null
  if ((command === Command.TASK || command === Command.RESULT) && task >= size) return null
  return {
    command: command as CommandCode,
    // A copy: the frame may be a view into a larger receive buffer we should not keep alive.
    ventilator: Buffer.from(frame.subarray(8, 16)),
    sequence: frame.readUInt32BE(16),
    task,
    size,
  }
}

/** The batch id as text (map keys, file names, logs): 16 hex digits, a dash, the sequence. */
export function batchKey(ventilator: Buffer, sequence: number): string {
  return `${ventilator.toString("hex")}-${sequence}`
}

/** Parses batchKey's form back (file names in the collector's state directory). */
export function parseBatchKey(key: string): {ventilator: Buffer; sequence: number} | null {
  const m = /^([0-9a-f]{16})-(\d{1,10})$/.exec(key)
  if (!m) return null
  const sequence = Number(m[2])
  if (sequence > 0xffffffff) return null
  return {ventilator: Buffer.from(m[1]!, "hex"), sequence}
}

/** A ventilator id from the caller's: 8 octets as given, or a string of at most 8 UTF-8 octets, zero-padded. */
export function ventilatorId(id: Buffer | string): Buffer {
  const raw = typeof id === "string" ? Buffer.from(id, "utf8") : id
  if (raw.length === 0 || raw.length > 8) throw new RangeError(`a ventilator id is 1 to 8 octets, got ${raw.length}`)
  const out = Buffer.alloc(8)
  raw.copy(out)
  return out
}

// ---- the STATUS bitmap: bit i (octet i >> 3, bit 7 - (i & 7), most significant first) is set
// when the collector holds task i's result ----------------------------------------------------

export const bitmapSize = (size: number) => (size + 7) >>> 3

export function hasBit(bits: Uint8Array, i: number): boolean {
  return (bits[i >>> 3]! & (0x80 >>> (i & 7))) !== 0
}

export function setBit(bits: Uint8Array, i: number): void {
  bits[i >>> 3]! |= 0x80 >>> (i & 7)
}

/** Bits set, counted from the first `size` bits only (the pad bits of the last octet are ignored). */
export function countBits(bits: Uint8Array, size: number): number {
  let n = 0
  for (let i = 0; i < size; i++) if (hasBit(bits, i)) n++
  return n
}

/**
 * A role's messages from one socket until the role closes. A failed receive while open (EAGAIN,
 * when a `configure` callback set a receiveTimeout) is skipped.
 */
export async function* messages(socket: {receive(): Promise<Buffer[]>}, closed: () => boolean): AsyncGenerator<Buffer[]> {
  while (!closed()) {
    let frames: Buffer[]
    try {
      frames = await socket.receive()
    } catch {
      if (closed()) return
      continue
    }
    yield frames
  }
}
