import { checkSinglePart } from "../strategies/single-part.js";
import { PairPattern } from "./pair.js";
export class DgramPattern extends PairPattern {
    send(msg) {
        checkSinglePart(msg, 2);
        return super.send(msg);
    }
}
