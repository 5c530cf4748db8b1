/**
 * zmtp leans on two undocumented Node internals (src/transport/node-internals.ts). Each has a
 * fallback, so a Node that changes them would still work, only slower or asynchronously: these
 * tests make such a change loud instead.
 */
import {randomBytes} from "node:crypto"
import {mkdtempSync, rmSync} from "node:fs"
import net from "node:net"
import {tmpdir} from "node:os"
import {join} from "node:path"
import {afterAll, expect, test} from "vitest"
import {Dealer, Router} from "../../src/index.js"
import {socketOnHandle} from "../../src/transport/direct-read.js"
import {bindTcpHandle, nodeInternals, setAcceptTakeover, takeAcceptedHandle, takeOverAccept, type UserBufferHandle} from "../../src/transport/node-internals.js"

const ipcDir = mkdtempSync(join(tmpdir(), "zmtp-internals-"))
afterAll(() => rmSync(ipcDir, {recursive: true, force: true}))

test("this Node offers every internal zmtp uses", () => {
  expect(nodeInternals(), `Node ${process.version} changed an internal: see src/transport/node-internals.ts`).toEqual({createServerHandle: true, acceptedHandle: true})
})

test("net._createServerHandle binds synchronously, and reports a taken port by its errno name", async () => {
  const handle = bindTcpHandle("127.0.0.1", 0, 16)
  expect(typeof handle).toBe("object")
  const server = net.createServer()
  server.listen(handle as net.ListenOptions)
  await new Promise(r => server.once("listening", r))
  const {port} = server.address() as net.AddressInfo
  expect(port).toBeGreaterThan(0)
  expect(bindTcpHandle("127.0.0.1", port, 16)).toBe("EADDRINUSE")
  await new Promise(r => server.close(r))
})

test("an accepted connection's handle can be taken over to read into memory we name", async () => {
  const taken = new Promise<unknown>(resolve => {
    const server = net.createServer({pauseOnConnect: true}, accepted => {
      resolve(takeAcceptedHandle(accepted))
      server.close()
    })
    server.listen(0, "127.0.0.1", () => {
      const client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1")
      client.on("error", () => {})
      setTimeout(() => client.destroy(), 200)
    })
  })
  const handle = (await taken) as {useUserBuffer?: unknown; close?: () => void} | null
  expect(handle).not.toBeNull()
  expect(typeof handle!.useUserBuffer).toBe("function")
  handle!.close?.()
})

for (const transport of ["tcp", "ipc"] as const) {
  test(`${transport}: a listening handle's accept callback can be taken over, and Node then makes no socket of its own`, async () => {
    const server = net.createServer({pauseOnConnect: true})
    let nodeSockets = 0
    server.on("connection", () => nodeSockets++)
    const path = join(ipcDir, "takeover.ipc")
    await new Promise<void>(r => (transport === "tcp" ? server.listen(0, "127.0.0.1", r) : server.listen(path, r)))
    const handles: UserBufferHandle[] = []
    expect(takeOverAccept(server, h => handles.push(h)), `Node ${process.version} changed net.Server's accept callback: see src/transport/node-internals.ts`).toBe(true)
    const target = transport === "tcp" ? {port: (server.address() as net.AddressInfo).port, host: "127.0.0.1"} : {path}
    const clients = [net.connect(target), net.connect(target)]
    try {
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => handles.length === 2 && (clearInterval(poll), resolve()), 5)
        setTimeout(() => (clearInterval(poll), reject(new Error(`${handles.length} of 2 handles`))), 3000)
      })
      expect(nodeSockets).toBe(0)
      // Bytes both ways through the socket made on the taken handle.
      const accepted = socketOnHandle(handles[0]!)
      const bytes = randomBytes(100_000)
      const echoed: Buffer[] = []
      accepted.on("data", (chunk: Buffer) => accepted.write(chunk))
      clients[0]!.on("data", (chunk: Buffer) => echoed.push(chunk))
      clients[0]!.write(bytes)
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => Buffer.concat(echoed).length >= bytes.length && (clearInterval(poll), resolve()), 5)
        setTimeout(() => (clearInterval(poll), reject(new Error("no echo"))), 3000)
      })
      expect(Buffer.concat(echoed).equals(bytes)).toBe(true)
      accepted.destroy()
      socketOnHandle(handles[1]!).destroy()
    } finally {
      for (const c of clients) c.destroy()
      await new Promise(r => server.close(r))
    }
  })
}

test("takeOverAccept declines a server that is not listening (the 'connection' path stays)", () => {
  const server = net.createServer()
  expect(takeOverAccept(server, () => {})).toBe(false)
})

for (const takeover of [true, false]) {
  for (const transport of ["tcp", "ipc"] as const) {
    test(`${transport}, accept ${takeover ? "taken over" : "through 'connection' (Bun and Deno's path)"}: a ROUTER hears from 20 DEALERs and answers each`, async () => {
      setAcceptTakeover(takeover)
      const router = new Router({linger: 0})
      const dealers = Array.from({length: 20}, () => new Dealer({linger: 0}))
      try {
        await router.bind(transport === "tcp" ? "tcp://127.0.0.1:0" : `ipc://${ipcDir}/router-${takeover}.ipc`)
        for (const d of dealers) d.connect(router.lastEndpoint!)
        await Promise.all(dealers.map((d, i) => d.send(`hello ${i}`)))
        for (let n = 0; n < dealers.length; n++) {
          const [id, body] = await router.receive()
          await router.send([id!, Buffer.concat([Buffer.from("re: "), body!])])
        }
        const answers = await Promise.all(dealers.map(async d => (await d.receive())[0]!.toString()))
        expect(answers).toEqual(dealers.map((_, i) => `re: hello ${i}`))
      } finally {
        setAcceptTakeover(true)
        router.close()
        for (const d of dealers) d.close()
      }
    })
  }
}
