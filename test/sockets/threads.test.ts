/**
 * The default context across worker threads (issue 18, first part): as with zeromq.js, an option
 * set on `context` in one thread is seen in a worker started afterwards, and the other way round.
 * The worker runs the built package (a worker cannot load TypeScript); the main thread runs the
 * sources: two copies of zmtp that share the default context's options.
 */
import {expect, test} from "vitest"
import {join} from "node:path"
import {Worker} from "node:worker_threads"
import * as zmtp from "../../src/index.js"
import {builtDist, useThreadPlacement} from "../helpers/placements.js"

// The workers run the built package (test/helpers/placements.ts builds it once for the file).
useThreadPlacement()

/** Runs `body` (the text of an async function of zmq) in a new worker; resolves with its result. */
function inWorker(body: string): Promise<unknown> {
  const code = `
    const {parentPort} = require("node:worker_threads")
    import(${JSON.stringify(join(builtDist(), "esm", "index.js"))}).then(async zmq => {
      parentPort.postMessage(await (${body})(zmq))
    })`
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, {eval: true})
    worker.once("message", resolve)
    worker.once("error", reject)
  })
}

test("context options set in the main thread are seen in a worker, and a worker's in the main thread", async () => {
  try {
    zmtp.context.ioThreads = 3
    zmtp.context.blocky = false
    expect(await inWorker("async zmq => [zmq.context.ioThreads, zmq.context.blocky]")).toEqual([3, false])
    await inWorker("async zmq => { zmq.context.maxSockets = 77 }")
    expect(zmtp.context.maxSockets).toBe(77)
    // A context of one's own stays one's own.
    const own = new zmtp.Context()
    own.ioThreads = 5
    expect(await inWorker("async zmq => new zmq.Context().ioThreads")).toBe(1)
  } finally {
    zmtp.context.ioThreads = 1
    zmtp.context.blocky = true
    zmtp.context.maxSockets = 1023
  }
})
