/** Drives a bare Engine over real loopback TCP, with a pipe the test reads from. */
import net from "node:net"
import {ZmtpEngine, type ZmtpEngineOptions} from "../../src/engine/zmtp-engine.js"
import {Pipe, type PeerInfo, type PipeOwner} from "../../src/engine/pipe.js"
import {NullMechanism} from "../../src/mechanism/null.js"
import type {ZmtpError} from "../../src/wire/errors.js"
import type {SocketTypeName} from "../../src/wire/socket-type.js"
import {sendsIdentity} from "../../src/wire/socket-type.js"

export interface Harness {
  engine: ZmtpEngine
  pipe: Pipe
  received: Buffer[][]
  peer: Promise<PeerInfo>
  closed: Promise<{error: ZmtpError | null; duringHandshake: boolean}>
}

export function engineOn(stream: net.Socket, type: SocketTypeName, opts: Partial<ZmtpEngineOptions> & {identity?: string} = {}): Harness {
  const received: Buffer[][] = []
  const owner: PipeOwner = {
    pipeReadable: p => {
      for (let m = p.read(); m; m = p.read()) received.push(m)
    },
    pipeWritable: () => {},
    pipeTerminated: () => {},
  }
  const pipe = new Pipe(owner, 1000, 1000, "test")
  const props: [string, Buffer][] = [["Socket-Type", Buffer.from(type)]]
  if (sendsIdentity(type)) props.push(["Identity", Buffer.from(opts.identity ?? "")])
  let peerResolve!: (p: PeerInfo) => void
  let closeResolve!: (v: {error: ZmtpError | null; duringHandshake: boolean}) => void
  const peer = new Promise<PeerInfo>(r => (peerResolve = r))
  const closed = new Promise<{error: ZmtpError | null; duringHandshake: boolean}>(r => (closeResolve = r))
  const engine = new ZmtpEngine(
    stream,
    {
      socketType: type,
      mechanism: new NullMechanism(props),
      maxMessageSize: -1,
      handshakeInterval: 30000,
      heartbeatInterval: 0,
      heartbeatTimeToLive: 0,
      heartbeatTimeout: -1,
      address: "tcp://test",
      ...opts,
    },
    {
      onHandshake: (e, info) => {
        e.attach(pipe, info)
        peerResolve(info)
      },
      onClose: (_e, error, duringHandshake) => closeResolve({error, duringHandshake}),
    },
  )
  engine.start()
  return {engine, pipe, received, peer, closed}
}

/** A listening TCP server on 127.0.0.1 with an ephemeral port. */
export async function listen(onConnection: (s: net.Socket) => void): Promise<{port: number; server: net.Server}> {
  const server = net.createServer(onConnection)
  await new Promise<void>(r => server.listen(0, "127.0.0.1", r))
  return {port: (server.address() as net.AddressInfo).port, server}
}

export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => resolve(s))
    s.once("error", reject)
  })
}

/** Collects everything a raw socket receives. */
export function recorder(s: net.Socket): {chunks: Buffer[]; all(): Buffer; waitFor(n: number, ms?: number): Promise<Buffer>} {
  const chunks: Buffer[] = []
  const waiters: (() => void)[] = []
  s.on("data", c => {
    chunks.push(c)
    for (const w of waiters.splice(0)) w()
  })
  const all = () => Buffer.concat(chunks)
  return {
    chunks,
    all,
    async waitFor(n, ms = 2000) {
      const deadline = Date.now() + ms
      while (all().length < n) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} bytes; have ${all().length}: ${all().toString("hex")}`)
        await new Promise<void>(r => {
          waiters.push(r)
          setTimeout(r, 20)
        })
      }
      return all()
    },
  }
}

export const until = async (cond: () => boolean, ms = 3000, what = "condition"): Promise<void> => {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 5))
  }
}
