/**
 * The thread-safe draft types (CLIENT, SERVER, RADIO, DISH, SCATTER, GATHER, PEER, CHANNEL) carry
 * single-part messages only. libzmq checks it on both sides (client.cpp, server.cpp, gather.cpp,
 * channel.cpp): a send with ZMQ_SNDMORE is EINVAL, and a multipart message from a peer is read and
 * thrown away whole, never delivered in parts.
 */
import { errnoError } from "../../errors.js";
/** A send of more than one part: EINVAL, as libzmq's xsend gives for ZMQ_SNDMORE. */
export function checkSinglePart(msg, parts = 1) {
    if (msg.length !== parts)
        throw errnoError("EINVAL");
}
/** The next single-part message from `next`, skipping multipart ones whole. */
export function recvSinglePart(next) {
    for (;;) {
        const msg = next();
        if (msg === undefined || msg.length === 1)
            return msg;
    }
}
