/**
 * node:buffer in the browser build: the `buffer` package (Node's Buffer API over Uint8Array),
 * bundled into dist/browser/zmtp.js at build time, so the package still has no runtime dependency.
 */
import {Buffer, kMaxLength} from "buffer"

export {Buffer}
export const constants = {MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: 2 ** 29 - 24}
