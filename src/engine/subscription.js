/**
 * A subscription inside the stack has one form: a one-frame message holding the topic, marked
 * `subscribe` true (subscribe) or false (cancel). Only the ends of the stack see other forms:
 *
 * - on the wire, the encoder writes it as a SUBSCRIBE/CANCEL command to a ZMTP 3.1 peer and as a
 *   message whose first byte is 1/0 to a 3.0 peer (37/ZMTP, 29/PUBSUB); the engine turns the
 *   commands back into this form;
 * - the 1/0 message form is also what an XSUB application sends and what an XPUB application
 *   receives, and a publisher accepts it from any peer (libzmq's xpub does, whatever the peer's
 *   version), so XPUB reads it with fromMessageForm.
 */
import { Buffer } from "node:buffer";
/** The internal form. */
export function subscription(topic, subscribe) {
    const msg = [topic];
    msg.subscribe = subscribe;
    return msg;
}
/** A one-frame 1/0-prefixed message read as a subscription, or null when it is not one. */
export function fromMessageForm(msg) {
    if (msg.length !== 1)
        return null;
    const first = msg[0];
    if (first.length === 0 || (first[0] !== 1 && first[0] !== 0))
        return null;
    return subscription(first.subarray(1), first[0] === 1);
}
/** The 1/0-prefixed body of a subscription (the 3.0 wire form, and what an XPUB application reads). */
export function messageFormBody(msg) {
    const topic = msg[0] ?? Buffer.alloc(0);
    const body = Buffer.allocUnsafe(topic.length + 1);
    body[0] = msg.subscribe ? 1 : 0;
    topic.copy(body, 1);
    return body;
}
