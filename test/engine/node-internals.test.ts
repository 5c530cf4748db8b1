/**
 * zmtp leans on two undocumented Node internals (src/transport/node-internals.ts). Each has a
 * fallback, so a Node that changes them would still work, only slower or asynchronously: these
 * tests make such a change loud instead.
 */
import net from "node:net"
import {expect, test} from "vitest"
import {bindTcpHandle, nodeInternals, takeAcceptedHandle} from "../../src/transport/node-internals.js"

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
