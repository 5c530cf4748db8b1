import { XPubPattern } from "./xpub.js";
export class PubPattern extends XPubPattern {
    constructor(host) {
        super(host, false);
    }
}
