import {afterEach} from "vitest"
import net from "node:net"
import {join} from "node:path"
import {tempDir} from "./tmp.js"

let n = 0
const dir = tempDir("zmtp-test-")

/** A fresh endpoint of each transport; tcp uses an ephemeral port (bind first, then read lastEndpoint). */
export function endpointFor(transport: "tcp" | "ipc" | "inproc"): string {
  n++
  switch (transport) {
    case "tcp":
      return "tcp://127.0.0.1:*"
    case "ipc":
      return `ipc://${join(dir, `s${process.pid}-${n}.ipc`)}`
    case "inproc":
      return `inproc://test-${process.pid}-${n}`
  }
}

export const transports = ["tcp", "ipc", "inproc"] as const

export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

export async function until(cond: () => boolean, ms = 3000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

export const str = (frames: Buffer[]) => frames.map(f => f.toString())

/**
 * Returns track(socket): every socket tracked is closed with linger 0 after each test (call once,
 * at a test file's top level; it registers the afterEach).
 */
export function socketTracker(): <T extends {closed: boolean; linger: number; close(): void}>(s: T) => T {
  const open: {closed: boolean; linger: number; close(): void}[] = []
  afterEach(() => {
    for (const s of open.splice(0)) {
      if (s.closed) continue
      s.linger = 0
      s.close()
    }
  })
  return s => {
    open.push(s)
    return s
  }
}

/** A tcp port on 127.0.0.1 that nothing listens on now (the kernel picked it for a moment). */
export async function freeTcpPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>(r => server.listen(0, "127.0.0.1", r))
  const port = (server.address() as net.AddressInfo).port
  await new Promise(r => server.close(r))
  return port
}
