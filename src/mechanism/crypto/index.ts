/** NaCl primitives for CURVE: Salsa20 family and Poly1305 in TypeScript, X25519 from node:crypto. */
export {salsa20Core, hsalsa20, salsa20Xor, xsalsa20Xor, xsalsa20Stream} from "./salsa20.js"
export {poly1305, poly1305Into} from "./poly1305.js"
export * from "./nacl.js"
