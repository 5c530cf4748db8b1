/** Types for examples/browser/server.mjs (the browser demo's Node side), for its test. */
export interface StartOptions {
  /** The page's HTTP port on 127.0.0.1; 8080 by default, 0 for any free port. */
  httpPort?: number
  /** The PUB socket's ws:// port on 127.0.0.1; any free port by default (0). */
  wsPort?: number
  /** The Node API to use (zmtp's); dist/esm/index.js by default. */
  zmq?: typeof import("../../src/index.js")
  /** The folder holding zmtp.js, zmtp's browser build; dist/browser by default. */
  zmtpBrowserDir?: string
  log?: (line: string) => void
}

export interface Demo {
  /** The page, e.g. "http://127.0.0.1:8080/". */
  url: string
  /** Where the PUB socket is bound, e.g. "ws://127.0.0.1:41234/". */
  wsEndpoint: string
  close(): Promise<void>
}

export function start(options?: StartOptions): Promise<Demo>
/** Builds dist/ with scripts/build.mjs. */
export function build(): void
