/**
 * The FILEMQ v2 codec, encoded exactly as the C master (zeromq/filemq, `fmq_msg.c`) encodes it:
 * one command per ZeroMQ frame, signature AA A3, a one-octet id, then the fields in order. This
 * file is the per-command table (which fields, in which order); the field encodings themselves
 * are in fields.ts and the message types in messages.ts, both re-exported here so that
 * `zmtp/filemq` and importers of codec.js see one module.
 *
 * ICANHAZ.path and CHEEZBURGER.filename are longstr in C master but string in RFC 35 (the 2014
 * zproto edition). The decoder reads them as longstr first; when that overruns the frame or leaves
 * bytes over, it re-reads them as string and marks the message `dialect: "rfc35"`
 * (spec/filemq.md §2, "Dialects").
 *
 * Decoding never throws anything but a FmqProtocolError, and never allocates more than the frame
 * holds: every length is checked against the bytes left before anything is read.
 */
import {Buffer} from "node:buffer"
import {encodeError, FmqProtocolError, Reader, Writer, type Hash} from "./fields.js"
import {MessageId, messageName, PROTOCOL, SIGNATURE, VERSION, type Cheezburger, type Dialect, type FmqMessage, type FmqMessageInit, type MessageName} from "./messages.js"

export * from "./messages.js"
export {clipUtf8, FmqProtocolError, type FmqErrorCode, type Hash} from "./fields.js"

// ---- decoding -------------------------------------------------------------------------------

function decodeBody(r: Reader, id: number, dialect: Dialect): FmqMessage {
  const text = (what: string) => (dialect === "master" ? r.longstr(what) : r.string(what))
  let msg: FmqMessage
  switch (id) {
    case MessageId.OHAI: {
      const start = r.pos
      const protocol = r.string("OHAI.protocol")
      if (protocol !== PROTOCOL) throw new FmqProtocolError("ERR_FMQ_PROTOCOL", `OHAI.protocol is ${JSON.stringify(protocol)}, not "FILEMQ"`, start)
      const at = r.pos
      const version = r.u16("OHAI.version")
      if (version !== VERSION) throw new FmqProtocolError("ERR_FMQ_VERSION", `OHAI.version is ${version}, not 2`, at)
      msg = {id: "OHAI"}
      break
    }
    case MessageId.ICANHAZ: {
      const path = text("ICANHAZ.path")
      const options = r.hash("ICANHAZ.options")
      const cache = r.hash("ICANHAZ.cache")
      msg = {id: "ICANHAZ", path, options, cache}
      if (dialect === "rfc35") msg.dialect = dialect
      break
    }
    case MessageId.NOM: {
      const credit = r.u64("NOM.credit")
      const sequence = r.u64("NOM.sequence")
      msg = {id: "NOM", credit, sequence}
      break
    }
    case MessageId.CHEEZBURGER: {
      const sequence = r.u64("CHEEZBURGER.sequence")
      const operation = r.u8("CHEEZBURGER.operation")
      const filename = text("CHEEZBURGER.filename")
      const offset = r.u64("CHEEZBURGER.offset")
      const eof = r.u8("CHEEZBURGER.eof") !== 0
      const headers = r.hash("CHEEZBURGER.headers")
      const chunk = r.bytes(r.u32("CHEEZBURGER.chunk"), "CHEEZBURGER.chunk")
      msg = {id: "CHEEZBURGER", sequence, operation, filename, offset, eof, headers, chunk}
      if (dialect === "rfc35") msg.dialect = dialect
      break
    }
    case MessageId.SRSLY:
      msg = {id: "SRSLY", reason: r.string("SRSLY.reason")}
      break
    case MessageId.RTFM:
      msg = {id: "RTFM", reason: r.string("RTFM.reason")}
      break
    case MessageId.OHAI_OK:
    case MessageId.ICANHAZ_OK:
    case MessageId.HUGZ:
    case MessageId.HUGZ_OK:
    case MessageId.KTHXBAI:
      msg = {id: messageName(id)} as FmqMessage
      break
    default:
      throw new FmqProtocolError("ERR_FMQ_UNKNOWN_ID", `unknown message id ${id}`, 2)
  }
  r.end()
  return msg
}

/**
 * Decodes one FILEMQ command from one frame. Throws FmqProtocolError (and nothing else) when the
 * frame is not a valid v2 command.
 */
export function decode(frame: Uint8Array): FmqMessage {
  try {
    const buf = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)
    if (buf.length < 3 || buf.readUInt16BE(0) !== SIGNATURE) {
      throw new FmqProtocolError("ERR_FMQ_SIGNATURE", buf.length < 3 ? `frame of ${buf.length} octets is too short` : `bad signature ${buf.subarray(0, 2).toString("hex")}`, 0)
    }
    const id = buf[2]!
    try {
      return decodeBody(new Reader(buf), id, "master")
    } catch (e) {
      // RFC 35 dialect: the path or filename was a 1-octet string.
      if ((id === MessageId.ICANHAZ || id === MessageId.CHEEZBURGER) && e instanceof FmqProtocolError && (e.code === "ERR_FMQ_TRUNCATED" || e.code === "ERR_FMQ_TRAILING")) {
        try {
          return decodeBody(new Reader(buf), id, "rfc35")
        } catch {
          // report the master dialect's error
        }
      }
      throw e
    }
  } catch (e) {
    if (e instanceof FmqProtocolError) throw e
    throw new FmqProtocolError("ERR_FMQ_TRUNCATED", `malformed frame: ${(e as Error)?.message ?? e}`)
  }
}

export type DecodeResult = {ok: true; message: FmqMessage} | {ok: false; error: FmqProtocolError}

/** decode() without exceptions. A message of several frames is refused (one command = one frame). */
export function tryDecode(frames: Uint8Array | Uint8Array[]): DecodeResult {
  if (Array.isArray(frames)) {
    if (frames.length !== 1) return {ok: false, error: new FmqProtocolError("ERR_FMQ_FRAMES", `a command must be exactly one frame, got ${frames.length}`)}
    frames = frames[0]!
  }
  try {
    return {ok: true, message: decode(frames)}
  } catch (e) {
    return {ok: false, error: e as FmqProtocolError}
  }
}

// ---- encoding -------------------------------------------------------------------------------

/** Encodes one command as the single frame the C master would send. Throws FmqProtocolError. */
export function encode(msg: FmqMessageInit): Buffer {
  return write(msg, -1).done()
}

/**
 * Encodes a CHEEZBURGER whose chunk is `chunkSize` bytes still to be filled in: returns the frame
 * and the view of it where the chunk goes. The server reads a file straight into it, so a chunk is
 * never copied between the file and the socket.
 */
export function encodeCheezburgerRoom(msg: Omit<Cheezburger, "chunk" | "headers"> & {headers?: Hash}, chunkSize: number): {frame: Buffer; chunk: Buffer} {
  const frame = write({...msg, chunk: undefined}, chunkSize).done()
  return {frame, chunk: frame.subarray(frame.length - chunkSize)}
}

function write(msg: FmqMessageInit, room: number): Writer {
  const id = MessageId[msg.id as MessageName]
  if (id === undefined) throw encodeError(`unknown message ${String(msg.id)}`)
  const w = new Writer()
  w.u16(SIGNATURE, "signature")
  w.u8(id, "id")
  switch (msg.id) {
    case "OHAI":
      w.string(PROTOCOL, "OHAI.protocol")
      w.u16(VERSION, "OHAI.version")
      break
    case "ICANHAZ":
      if (msg.dialect === "rfc35") w.string(msg.path, "ICANHAZ.path")
      else w.longstr(msg.path, "ICANHAZ.path")
      w.hash(msg.options, "ICANHAZ.options")
      w.hash(msg.cache, "ICANHAZ.cache")
      break
    case "NOM":
      w.u64(msg.credit, "NOM.credit")
      w.u64(msg.sequence, "NOM.sequence")
      break
    case "CHEEZBURGER":
      w.u64(msg.sequence, "CHEEZBURGER.sequence")
      w.u8(msg.operation, "CHEEZBURGER.operation")
      if (msg.dialect === "rfc35") w.string(msg.filename, "CHEEZBURGER.filename")
      else w.longstr(msg.filename, "CHEEZBURGER.filename")
      w.u64(msg.offset, "CHEEZBURGER.offset")
      w.u8(msg.eof ? 1 : 0, "CHEEZBURGER.eof")
      w.hash(msg.headers, "CHEEZBURGER.headers")
      if (room >= 0) w.room(room, "CHEEZBURGER.chunk")
      else w.chunk(msg.chunk ?? Buffer.alloc(0), "CHEEZBURGER.chunk")
      break
    case "SRSLY":
    case "RTFM":
      w.string(msg.reason ?? "", `${msg.id}.reason`)
      break
    default:
      break
  }
  return w
}
