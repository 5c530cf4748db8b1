import * as zlib from "node:zlib";
let table = null;
function crc32Table(data) {
    if (table === null) {
        table = new Int32Array(256);
        for (let n = 0; n < 256; n++) {
            let c = n;
            for (let k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
            table[n] = c;
        }
    }
    let crc = -1;
    for (let i = 0; i < data.length; i++)
        crc = table[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ -1) >>> 0;
}
const native = zlib.crc32;
export const crc32 = typeof native === "function" ? data => native(data) : crc32Table;
/** The JavaScript version, for the test that checks both agree. */
export { crc32Table };
