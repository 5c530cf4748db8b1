/** Messages a pipe still holds for its peer: queued in it, or written to a stream not yet drained. */
export function hasQueued(pipe) {
    if (pipe.outLength > 0)
        return true;
    const t = pipe.transport;
    return t !== null && !t.closed && t.unwritten > 0;
}
