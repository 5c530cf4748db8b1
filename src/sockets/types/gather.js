import { recvSinglePart } from "../strategies/single-part.js";
import { PullPattern } from "./pull.js";
export class GatherPattern extends PullPattern {
    next = () => super.recv();
    recv() {
        return recvSinglePart(this.next);
    }
    tryRecv() {
        return this.recv();
    }
}
