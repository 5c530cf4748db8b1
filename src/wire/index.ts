/** The pure ZMTP codec: no I/O, no timers. */
export * from "./errors.js"
export * from "./greeting.js"
export * from "./frame.js"
export * from "./metadata.js"
export * from "./command.js"
export * from "./socket-type.js"
export * from "./z85.js"
