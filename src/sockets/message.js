/**
 * What zeromq.js accepts as a message, turned into frames as its outgoing_msg.cc does: Buffers and
 * typed arrays are bytes (copied when small, so a later change to the caller's buffer cannot alter
 * a queued message, shared when large), ArrayBuffers too, strings are UTF-8, null is an empty
 * frame, a DataView is refused, and anything else becomes its string form.
 */
import { Buffer } from "node:buffer";
import { copySmall, STAGE_PART_MAX } from "../engine/encoder.js";
/** zeromq.js copies parts up to this size and shares larger ones (outgoing_msg.cc). */
const ZERO_COPY_THRESHOLD = STAGE_PART_MAX;
/** A message made only of small Buffers (still the caller's): one Buffer or their array; else null. */
export function smallParts(message) {
    if (Buffer.isBuffer(message))
        return message.length <= ZERO_COPY_THRESHOLD ? message : null;
    if (!Array.isArray(message) || message.length === 0)
        return null;
    for (let i = 0; i < message.length; i++) {
        const part = message[i];
        if (!Buffer.isBuffer(part) || part.length > ZERO_COPY_THRESHOLD)
            return null;
    }
    return message;
}
/** One message part as a Buffer. */
export function toFrame(part) {
    if (Buffer.isBuffer(part))
        return part.length > ZERO_COPY_THRESHOLD ? part : copySmall(part);
    if (typeof part === "string")
        return Buffer.from(part, "utf8");
    if (part === null)
        return Buffer.alloc(0);
    if (ArrayBuffer.isView(part)) {
        if (part instanceof DataView)
            throw new Error("Invalid argument");
        const view = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
        return view.length > ZERO_COPY_THRESHOLD ? view : copySmall(view);
    }
    if (part instanceof ArrayBuffer) {
        const view = Buffer.from(part);
        return view.length > ZERO_COPY_THRESHOLD ? view : copySmall(view);
    }
    return Buffer.from(String(part), "utf8");
}
