/** FileMQ (FILEMQ v2, wire-compatible with the C master) over zmtp's own ROUTER and DEALER. */
export * from "./codec.js"
export {FmqServer, DEFAULT_ENDPOINT, CHUNK_SIZE, type ServerOptions, type ServerStats, type ServerEvents} from "./server.js"
export {FmqClient, type ClientOptions, type ClientStats, type ClientEvents, type FileEvent, type ProgressEvent} from "./client.js"
export {PublishedTree, sha1File, type FileVersion, type TreeOptions} from "./tree.js"
export {Progress, formatBytes, formatDuration} from "./progress.js"
export {FmqRelay, type RelayOptions} from "./relay.js"
export {main} from "./cli.js"
export {runDemo, type DemoOptions, type DemoSummary} from "./demo.js"
