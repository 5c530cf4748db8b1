import { XSubPattern } from "./xsub.js";
export class SubPattern extends XSubPattern {
    constructor(host) {
        super(host, true);
    }
}
