/**
 * Z85 (32/Z85): 4 bytes, read as a big-endian uint32, become 5 characters from an 85-symbol
 * alphabet, most significant digit first. Binary lengths are multiples of 4, text multiples of 5.
 */
import { Buffer } from "node:buffer";
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++)
    DECODE[ALPHABET.charCodeAt(i)] = i;
export function z85Encode(data) {
    if (data.length % 4 !== 0)
        throw new RangeError("Z85 input length must be a multiple of 4");
    let out = "";
    for (let i = 0; i < data.length; i += 4) {
        let value = ((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]) >>> 0;
        let chunk = "";
        for (let j = 0; j < 5; j++) {
            chunk = ALPHABET[value % 85] + chunk;
            value = Math.floor(value / 85);
        }
        out += chunk;
    }
    return out;
}
export function z85Decode(text) {
    if (text.length % 5 !== 0)
        throw new RangeError("Z85 input length must be a multiple of 5");
    const out = Buffer.allocUnsafe((text.length / 5) * 4);
    for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
        let value = 0;
        for (let j = 0; j < 5; j++) {
            const code = text.charCodeAt(i + j);
            const digit = code < 128 ? DECODE[code] : -1;
            if (digit < 0)
                throw new RangeError(`Invalid Z85 character ${JSON.stringify(text[i + j])}`);
            value = value * 85 + digit;
        }
        if (value > 0xffffffff)
            throw new RangeError("Invalid Z85 group (value exceeds 32 bits)");
        out.writeUInt32BE(value, o);
    }
    return out;
}
