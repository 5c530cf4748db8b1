/**
 * Payload masking (RFC 6455 §5.3): octet i of a masked payload is octet i of the data XORed with
 * octet (i mod 4) of the frame's 4-byte masking key. The same operation masks and unmasks.
 *
 * A key is handled here as one unsigned 32-bit number (key octet 0 in the high byte), so a
 * payload that arrives in pieces is unmasked piece by piece: the piece starting at payload offset
 * `o` uses the key rotated by `o mod 4` (rotateKey). Nothing here allocates; the caller says
 * where the result goes, so a buffer it does not own is only ever read.
 */
/** The 4 octets of a masking key as one number, octet 0 in the high byte. */
export function packKey(mask) {
    return ((mask[0] << 24) | (mask[1] << 16) | (mask[2] << 8) | mask[3]) >>> 0;
}
/** The key for a piece that starts `offset` bytes into the payload. */
export function rotateKey(key, offset) {
    const r = (offset & 3) * 8;
    return r === 0 ? key : ((key << r) | (key >>> (32 - r))) >>> 0;
}
/**
 * Writes `src` XOR `key` (rotated to the piece's offset already) into `dst` at `at`. `dst` may be
 * `src` itself (unmasking in place); it must have room for `src.length` bytes from `at`.
 */
export function maskInto(dst, at, src, key) {
    const k0 = key >>> 24;
    const k1 = (key >>> 16) & 0xff;
    const k2 = (key >>> 8) & 0xff;
    const k3 = key & 0xff;
    const n = src.length;
    let i = 0;
    // Four bytes per turn: this is the one per-byte loop of the codec, run over every byte a client
    // sends and a server receives.
    for (const end = n - 3; i < end; i += 4) {
        dst[at + i] = src[i] ^ k0;
        dst[at + i + 1] = src[i + 1] ^ k1;
        dst[at + i + 2] = src[i + 2] ^ k2;
        dst[at + i + 3] = src[i + 3] ^ k3;
    }
    if (i < n)
        dst[at + i] = src[i] ^ k0;
    if (i + 1 < n)
        dst[at + i + 1] = src[i + 1] ^ k1;
    if (i + 2 < n)
        dst[at + i + 2] = src[i + 2] ^ k2;
}
