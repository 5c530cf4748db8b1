import { checkSinglePart, recvSinglePart } from "../strategies/single-part.js";
import { PairPattern } from "./pair.js";
export class ChannelPattern extends PairPattern {
    next = () => super.recv();
    send(msg) {
        checkSinglePart(msg);
        return super.send(msg);
    }
    recv() {
        return recvSinglePart(this.next);
    }
}
