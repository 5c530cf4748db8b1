/** DEALER (28/REQREP): load-balances sends, fair-queues receives, no envelope handling. */
import { Buffer } from "node:buffer";
import { Pattern } from "../pattern.js";
import { FairQueue } from "../strategies/fq.js";
import { LoadBalancer } from "../strategies/lb.js";
export class DealerPattern extends Pattern {
    lb = new LoadBalancer();
    fq = new FairQueue();
    attach(pipe) {
        this.lb.attach(pipe);
    }
    connected(pipe) {
        // ZMQ_PROBE_ROUTER: an empty message on each new connection, so a ROUTER learns our id.
        if (this.options.probeRouter)
            pipe.forceWrite([Buffer.alloc(0)]);
        return true;
    }
    terminated(pipe) {
        this.lb.detach(pipe);
        this.fq.detach(pipe);
    }
    readable(pipe) {
        this.fq.activate(pipe);
    }
    send(msg) {
        return this.lb.send(msg) !== null;
    }
    sendSmall(parts) {
        return this.lb.sendSmall(parts) !== null;
    }
    recv() {
        return this.fq.recv();
    }
    get canSend() {
        return this.lb.writable;
    }
    get canRecv() {
        return this.fq.readable;
    }
}
