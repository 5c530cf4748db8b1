/** PULL (30/PIPELINE): fair-queues messages from upstream peers; cannot send. */
import { errnoError } from "../../errors.js";
import { Pattern } from "../pattern.js";
import { FairQueue } from "../strategies/fq.js";
export class PullPattern extends Pattern {
    fq = new FairQueue();
    attach(_pipe) { }
    terminated(pipe) {
        this.fq.detach(pipe);
    }
    readable(pipe) {
        this.fq.activate(pipe);
    }
    send(_msg) {
        throw errnoError("ENOTSUP");
    }
    recv() {
        return this.fq.recv();
    }
    tryRecv() {
        return this.fq.recv();
    }
    get canSend() {
        return false;
    }
    get canRecv() {
        return this.fq.readable;
    }
}
