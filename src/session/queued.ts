import type {Pipe} from "../engine/pipe.js"

/** Messages a pipe still holds for its peer: queued in it, or written to a stream not yet drained. */
export function hasQueued(pipe: Pipe): boolean {
  if (pipe.outLength > 0) return true
  const t = pipe.transport
  return t !== null && !t.closed && t.unwritten > 0
}
