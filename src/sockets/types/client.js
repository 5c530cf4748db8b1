/**
 * CLIENT (RFC 41/CLIENT-SERVER; libzmq client.cpp): a DEALER for single-part messages. Sends are
 * load-balanced and block at the HWM or with no peer; receives are fair-queued. (DEALER's
 * ZMQ_PROBE_ROUTER is not a CLIENT option, so its probe never goes out here.)
 */
import { Buffer } from "node:buffer";
import { checkSinglePart, recvSinglePart } from "../strategies/single-part.js";
import { DealerPattern } from "./dealer.js";
export class ClientPattern extends DealerPattern {
    next = () => this.fq.recv();
    send(msg) {
        checkSinglePart(msg);
        return super.send(msg);
    }
    sendSmall(parts) {
        // A multipart message takes the slow path, whose send() refuses it.
        return Buffer.isBuffer(parts) ? super.sendSmall(parts) : null;
    }
    recv() {
        return recvSinglePart(this.next);
    }
}
