/**
 * zmtp/pipeline: the ZeroMQ Guide's reliable pipeline (ventilator, workers, collector) over
 * zmtp's ordinary PUSH/PULL and DEALER/ROUTER sockets. The protocol is spec/pipeline.md; its
 * peers must all run this module (it is zmtp's own, not a libzmq feature).
 */
export {Ventilator, type VentilatorOptions, type BatchReport, type TaskPayload} from "./ventilator.js"
export {Worker, type WorkerOptions, type WorkerStats, type WorkerEvents, type TaskHandler, type TaskInfo} from "./worker.js"
export {Collector, type CollectorOptions, type CollectorStats, type CollectorEvents, type Batch} from "./collector.js"
export {Command, HEADER_SIZE, MAX_BATCH, VERSION, batchKey, decodeHeader, encodeHeader, type Header} from "./protocol.js"
