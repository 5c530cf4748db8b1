/**
 * NaCl primitives for CURVE: the Salsa20 family and Poly1305 in TypeScript, secretbox also as
 * WebAssembly (nacl.ts picks it where SIMD is available), X25519 from node:crypto.
 */
export {salsa20Core, hsalsa20, salsa20Xor, xsalsa20Xor, xsalsa20Stream} from "./salsa20.js"
export {poly1305, poly1305Into} from "./poly1305.js"
export * from "./nacl.js"
