/**
 * SCATTER (RFC 49/SCATTER-GATHER; libzmq scatter.cpp): a PUSH for single-part messages. Sends are
 * load-balanced over the GATHER peers and block at the HWM or with no peer.
 */
import { Buffer } from "node:buffer";
import { checkSinglePart } from "../strategies/single-part.js";
import { PushPattern } from "./push.js";
export class ScatterPattern extends PushPattern {
    send(msg) {
        checkSinglePart(msg);
        return super.send(msg);
    }
    sendSmall(parts) {
        return Buffer.isBuffer(parts) ? super.sendSmall(parts) : null;
    }
}
