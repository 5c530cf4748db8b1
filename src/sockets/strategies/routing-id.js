/**
 * libzmq's generated routing ids (router.cpp, stream.cpp): five bytes, a zero byte (ids set by
 * applications may not start with one) and a 32-bit counter that starts at a random value.
 */
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
export class RoutingIds {
    next = randomBytes(4).readUInt32BE();
    generate() {
        const id = Buffer.allocUnsafe(5);
        id[0] = 0;
        id.writeUInt32BE(this.next, 1);
        this.next = (this.next + 1) >>> 0;
        return id;
    }
}
