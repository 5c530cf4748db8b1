/**
 * Where a pattern test's sockets live: in this thread over tcp, ipc or inproc, or ("threads") in
 * two other worker threads joined by inproc (issue 18: inproc between threads must pass the same
 * pattern tests as inproc within a thread). A file that uses "threads" calls useThreadPlacement()
 * at its top level: the package is built once for its workers (they cannot load TypeScript).
 */
import {afterAll, beforeAll} from "vitest"
import {execFileSync} from "node:child_process"
import {join} from "node:path"
import {fileURLToPath} from "node:url"
import * as zmq from "../../src/index.js"
import * as draft from "../../src/draft.js"
import * as draftExtra from "../../src/draft-extra.js"
import {endpointFor, transports} from "./sockets.js"
import {tempDir} from "./tmp.js"
import {threadZmq} from "./thread-sockets.js"

export const placements = [...transports, "threads"] as const
export type Placement = (typeof placements)[number]

let dist = ""
const remote = threadZmq(builtDist)

/** The built package's folder (after useThreadPlacement()'s beforeAll), for a test's own workers. */
export function builtDist(): string {
  if (!dist) throw new Error("useThreadPlacement() was not called at the test file's top level")
  return dist
}

export function useThreadPlacement(): void {
  const scratch = tempDir("zmtp-placement-")
  beforeAll(() => {
    dist = join(scratch, "dist")
    const root = fileURLToPath(new URL("../..", import.meta.url))
    execFileSync(process.execPath, ["scripts/build.mjs", dist], {cwd: root, stdio: "pipe"})
  }, 120_000)
  afterAll(() => remote.close())
}

/** zmtp's constructors for a placement: this thread's, or those of sockets in two other threads. */
export function zmqFor(placement: Placement): typeof zmq {
  return placement === "threads" ? (remote.zmq as unknown as typeof zmq) : zmq
}

/** The draft constructors (zmtp/draft and zmtp/draft-extra) for a placement. */
export function draftFor(placement: Placement): typeof draft & typeof draftExtra {
  return placement === "threads" ? (remote.zmq as unknown as typeof draft & typeof draftExtra) : {...draft, ...draftExtra}
}

/** A fresh endpoint to bind for a placement ("threads": an inproc name). */
export function endpointOf(placement: Placement): string {
  return endpointFor(placement === "threads" ? "inproc" : placement)
}
