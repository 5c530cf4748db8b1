/**
 * RADIO/DISH groups (spec/draft-sockets.md §4.1, §4.6, §5.3): the JOIN and LEAVE commands a DISH sends over
 * ZMTP, the datagram a RADIO sends over UDP, and what libzmq makes of a group name.
 *
 *   join     = command-size %d4 "JOIN" group          (37/ZMTP "The Radio-Dish Pattern")
 *   leave    = command-size %d5 "LEAVE" group
 *   datagram = group-len(1 byte) group body           (libzmq udp_engine.cpp; no RFC)
 *   group    = 0*255 group-char, group-char = %d1-255 (48/RADIO-DISH "Group")
 *
 * Over ZMTP a RADIO's message is two ordinary frames, the group (with MORE) then the body; that
 * needs nothing beyond frame.ts.
 */
import { Buffer } from "node:buffer";
import { encodeCommand } from "./command.js";
/**
 * The longest group, in bytes: libzmq 4.3.5's ZMQ_GROUP_MAX_LENGTH (zmq.h). 48/RADIO-DISH §Group:
 * "Length MUST be between 0 to 255 bytes". libzmq refuses a longer join or leave with EINVAL
 * (dish.cpp xjoin/xleave), and a libzmq RADIO aborts on a JOIN or LEAVE whose group is longer
 * (radio.cpp radio_session_t::push_msg asserts on set_group's EINVAL), so never send one.
 */
export const GROUP_MAX_LENGTH = 255;
/**
 * The group libzmq actually uses for a join, leave or send given `value`. libzmq keeps groups as
 * C strings: msg.cpp set_group copies with strncpy, and dish.cpp xjoin/xleave and radio.cpp take
 * the group as `const char *`, so everything from the first NUL byte on is lost
 * (`Buffer.from("fo\0ba")` is the group "fo"). The same holds for a group read off the wire
 * (radio_session_t::push_msg, dish_session_t::push_msg and the UDP path all go through
 * set_group(data, size)), which is why 48/RADIO-DISH allows only bytes 1-255 in a group. A string
 * is taken as UTF-8, as zeromq.js does. The length is not checked here; see GROUP_MAX_LENGTH.
 */
export function groupName(value) {
    const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
    const nul = bytes.indexOf(0);
    return nul < 0 ? bytes : bytes.subarray(0, nul);
}
function checkGroup(group) {
    if (group.length > GROUP_MAX_LENGTH) {
        throw new RangeError(`A group is at most ${GROUP_MAX_LENGTH} bytes, not ${group.length}`);
    }
}
/**
 * JOIN (37/ZMTP "The Radio-Dish Pattern": `command-size %d4 "JOIN" group`), a whole command
 * frame as encodeSubscribe gives one: `04 08 04 "JOIN" "grp"` for "grp" (libzmq's
 * dish_session_t::pull_msg writes the same). Throws RangeError for a group over 255 bytes.
 */
export function encodeJoin(group) {
    checkGroup(group);
    return encodeCommand("JOIN", group);
}
/** LEAVE (37/ZMTP: `command-size %d5 "LEAVE" group`), a whole command frame, as encodeJoin. */
export function encodeLeave(group) {
    checkGroup(group);
    return encodeCommand("LEAVE", group);
}
/**
 * A RADIO's UDP datagram: group length (1 byte), group, body (libzmq udp_engine.cpp out_event;
 * no RFC describes it). Throws RangeError for a group over 255 bytes, which the length byte
 * cannot hold. The caller keeps the datagram within what the path carries; libzmq's receiver
 * reads at most 8192 bytes of one (udp_engine.hpp MAX_UDP_MSG) and cuts the rest of the body.
 */
export function encodeRadioDatagram(group, body) {
    checkGroup(group);
    const out = Buffer.allocUnsafe(1 + group.length + body.length);
    out[0] = group.length;
    out.set(group, 1);
    out.set(body, 1 + group.length);
    return out;
}
/**
 * Splits a RADIO's UDP datagram into group and body (views into `datagram`, not copies). Null for
 * a datagram too short to hold its group: empty, or a length byte larger than what follows;
 * libzmq's udp_engine in_event drops those ("This doesn't fit, just ignore"). The body may be
 * empty. The group comes back as sent; groupName gives what libzmq would match it as.
 */
export function decodeRadioDatagram(datagram) {
    if (datagram.length < 1)
        return null;
    const groupLength = datagram[0];
    if (1 + groupLength > datagram.length)
        return null;
    const bytes = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    return { group: bytes.subarray(1, 1 + groupLength), body: bytes.subarray(1 + groupLength) };
}
