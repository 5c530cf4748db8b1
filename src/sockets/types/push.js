/** PUSH (30/PIPELINE): load-balances to downstream peers; blocks when all are full or none exist. */
import { errnoError } from "../../errors.js";
import { Pattern } from "../pattern.js";
import { LoadBalancer } from "../strategies/lb.js";
export class PushPattern extends Pattern {
    lb = new LoadBalancer();
    attach(pipe) {
        this.lb.attach(pipe);
    }
    terminated(pipe) {
        this.lb.detach(pipe);
    }
    readable(pipe) {
        // 30/PIPELINE: a PUSH never receives; anything a peer sends is discarded.
        while (pipe.read())
            ;
    }
    send(msg) {
        return this.lb.send(msg) !== null;
    }
    sendSmall(parts) {
        return this.lb.sendSmall(parts) !== null;
    }
    recv() {
        throw errnoError("ENOTSUP");
    }
    get canSend() {
        return this.lb.writable;
    }
    get canRecv() {
        return false;
    }
}
