/**
 * ZMTP metadata (23/ZMTP and 37/ZMTP "The NULL Security Mechanism"):
 *
 *   metadata = *property
 *   property = name value
 *   name     = name-len(1 byte, 1..255) name-char...   name-char = ALPHA | DIGIT | "-" | "_" | "." | "+"
 *   value    = value-len(4 bytes, network order, 0..2^31-1) *OCTET
 *
 * The spec calls names case-insensitive; libzmq compares them case-sensitively. We send the
 * canonical spelling ("Socket-Type", "Identity") and look names up case-insensitively.
 */
import { Buffer } from "node:buffer";
import { ZmtpError } from "./errors.js";
const NAME_CHAR = /^[A-Za-z0-9_.+-]+$/;
export function validPropertyName(name) {
    return name.length >= 1 && name.length <= 255 && NAME_CHAR.test(name);
}
export function encodedMetadataSize(properties) {
    let size = 0;
    for (const [name, value] of properties)
        size += 1 + name.length + 4 + value.length;
    return size;
}
/** Writes properties at `offset` of `target` and returns the offset after them. */
export function writeMetadata(target, offset, properties) {
    for (const [name, value] of properties) {
        if (!validPropertyName(name))
            throw new TypeError(`Invalid ZMTP property name: ${JSON.stringify(name)}`);
        target[offset++] = name.length;
        offset += target.write(name, offset, "latin1");
        target.writeUInt32BE(value.length, offset);
        offset += 4;
        target.set(value, offset);
        offset += value.length;
    }
    return offset;
}
export function encodeMetadata(properties) {
    const list = [...properties];
    const out = Buffer.allocUnsafe(encodedMetadataSize(list));
    writeMetadata(out, 0, list);
    return out;
}
/**
 * Parses properties from `bytes[offset..]` to the end. A property that runs past the end is a
 * malformed command (`truncated` code, e.g. MALFORMED_COMMAND_READY); a bad name or a value length of
 * 2^31 or more is INVALID_METADATA. Keys of the returned map are lower-cased.
 */
export function parseMetadata(bytes, offset, truncated) {
    const props = new Map();
    let at = offset;
    while (at < bytes.length) {
        const nameLen = bytes[at];
        if (nameLen === 0)
            throw new ZmtpError("ERR_ZMTP_INVALID_METADATA", "Metadata property with an empty name");
        if (at + 1 + nameLen + 4 > bytes.length)
            throw new ZmtpError(truncated, "Metadata property runs past the end of the command");
        const name = bytes.toString("latin1", at + 1, at + 1 + nameLen);
        if (!NAME_CHAR.test(name))
            throw new ZmtpError("ERR_ZMTP_INVALID_METADATA", `Invalid metadata property name ${JSON.stringify(name)}`);
        at += 1 + nameLen;
        const valueLen = bytes.readUInt32BE(at);
        at += 4;
        if (valueLen > 0x7fffffff)
            throw new ZmtpError("ERR_ZMTP_INVALID_METADATA", "Metadata value length of 2^31 or more");
        if (at + valueLen > bytes.length)
            throw new ZmtpError(truncated, `Metadata value of ${name} runs past the end of the command`);
        props.set(name.toLowerCase(), bytes.subarray(at, at + valueLen));
        at += valueLen;
    }
    return props;
}
