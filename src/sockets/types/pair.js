import { Pattern } from "../pattern.js";
export class PairPattern extends Pattern {
    pipe = null;
    attach(pipe) {
        if (this.pipe)
            pipe.terminate();
        else
            this.pipe = pipe;
    }
    connected(pipe) {
        return pipe === this.pipe;
    }
    terminated(pipe) {
        // Messages already received from the old peer stay readable until taken.
        if (pipe === this.pipe && !pipe.readable)
            this.pipe = null;
    }
    readable(_pipe) { }
    send(msg) {
        return this.pipe !== null && this.pipe.write(msg);
    }
    recv() {
        const pipe = this.pipe;
        if (!pipe)
            return undefined;
        const msg = pipe.read();
        if (pipe.terminated && !pipe.readable)
            this.pipe = null;
        return msg;
    }
    get canSend() {
        return this.pipe !== null && this.pipe.writable;
    }
    get canRecv() {
        return this.pipe !== null && this.pipe.readable;
    }
}
