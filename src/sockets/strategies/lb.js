export class LoadBalancer {
    pipes = [];
    next = 0;
    attach(pipe) {
        this.pipes.push(pipe);
    }
    detach(pipe) {
        const i = this.pipes.indexOf(pipe);
        if (i < 0)
            return;
        this.pipes.splice(i, 1);
        if (this.next > i)
            this.next--;
        if (this.next >= this.pipes.length)
            this.next = 0;
    }
    get size() {
        return this.pipes.length;
    }
    /** True when some pipe would take a message now. */
    get writable() {
        for (const p of this.pipes)
            if (p.writable)
                return true;
        return false;
    }
    /**
     * send() for a message of small Buffers the caller still owns (Pipe.writeSmall copies them).
     * Returns the pipe that took it, or null when every pipe is full.
     */
    sendSmall(parts) {
        const pipes = this.pipes;
        const n = pipes.length;
        // Counting round instead of `%`: a division per send shows at millions of sends a second.
        let idx = this.next;
        for (let i = 0; i < n; i++, idx = idx + 1 === n ? 0 : idx + 1) {
            const pipe = pipes[idx];
            if (!pipe.writeSmall(parts))
                continue;
            this.next = idx + 1 === n ? 0 : idx + 1;
            return pipe;
        }
        return null;
    }
    /** Writes to the next pipe with room; returns that pipe, or null when every pipe is full. */
    send(msg) {
        const n = this.pipes.length;
        for (let i = 0; i < n; i++) {
            const idx = (this.next + i) % n;
            const pipe = this.pipes[idx];
            if (pipe.write(msg)) {
                this.next = (idx + 1) % n;
                return pipe;
            }
        }
        return null;
    }
}
