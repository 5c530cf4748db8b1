/**
 * The stream events an engine listens to. One listener function per event serves every
 * connection, finding its engine on the stream: a thousand idle connections then do not each carry
 * their own closures. Large bodies are read straight into their memory where the transport allows
 * (tcp, ipc: transport/direct-read.ts); elsewhere chunks arrive as "data" events.
 */
import type {Duplex} from "node:stream"
import {DirectReader, type DirectSink} from "../transport/direct-read.js"

export interface StreamReader extends DirectSink {
  onDrain(): void
  /** ECONNRESET and the like. */
  streamFailed(err: Error): void
  /** The peer closed, or the stream was destroyed. */
  streamEnded(): void
}

const READER = Symbol("zmtp.engine")
type ReadStream = Duplex & {[READER]?: StreamReader}

const onData = function (this: ReadStream, chunk: Buffer): void {
  this[READER]!.onChunk(chunk)
}
const onDrain = function (this: ReadStream): void {
  this[READER]!.onDrain()
}
const onError = function (this: ReadStream, err: Error): void {
  this[READER]!.streamFailed(err)
}
const onEnded = function (this: ReadStream): void {
  this[READER]!.streamEnded()
}

export function listenTo(stream: Duplex, reader: StreamReader): void {
  ;(stream as ReadStream)[READER] = reader
  if (!DirectReader.attach(stream, reader)) stream.on("data", onData)
  stream.on("drain", onDrain)
  stream.on("error", onError)
  stream.on("close", onEnded)
  stream.on("end", onEnded)
}

/** No more reads reach the engine (drain, error and close still do). */
export function stopReading(stream: Duplex): void {
  stream.off("data", onData)
  DirectReader.detach(stream)
}
