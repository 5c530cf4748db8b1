/**
 * wss:// zmtp↔zmtp (the libzmq in zeromq.js has no wss) with a certificate made for the test by
 * openssl: messages flow once the server is verified; an untrusted certificate or a wrong name
 * refuses the connection with a handshake error and delivers nothing; binding needs a key.
 */
import {beforeAll, describe, expect, test} from "vitest"
import {execFileSync} from "node:child_process"
import {readFileSync} from "node:fs"
import {join} from "node:path"
import * as zmtp from "../../src/index.js"
import {socketTracker, until} from "../helpers/sockets.js"
import {tempDir} from "../helpers/tmp.js"
import {OptionId} from "../../src/sockets/option-ids.js"

const track = socketTracker()
type Raw = {setStringOption(id: number, v: string | null): void; setBoolOption(id: number, v: boolean): void; getStringOption(id: number): string}
const raw = (s: zmtp.Socket) => s as unknown as Raw

let pem: {key: string; cert: string} | null = null
let skipReason = ""

const dir = tempDir("zmtp-wss-")

beforeAll(() => {
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-nodes", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], {stdio: "pipe"})
    pem = {key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8")}
  } catch (e) {
    skipReason = `openssl could not make a test certificate: ${(e as Error).message}`
    console.warn(`wss tests skipped: ${skipReason}`)
  }
})

/** A ROUTER bound on wss:// with the test certificate; its endpoint. */
async function server(): Promise<{router: zmtp.Router; address: string}> {
  const router = track(new zmtp.Router())
  raw(router).setStringOption(OptionId.WSS_KEY_PEM, pem!.key)
  raw(router).setStringOption(OptionId.WSS_CERT_PEM, pem!.cert)
  await router.bind("wss://127.0.0.1:*")
  return {router, address: router.lastEndpoint!}
}

describe("wss://", () => {
  test("DEALER/ROUTER and REQ/REP over TLS, the server's certificate trusted", async ctx => {
    if (!pem) return ctx.skip()
    const {router, address} = await server()
    expect(address).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/$/)
    const dealer = track(new zmtp.Dealer({routingId: "d"}))
    raw(dealer).setStringOption(OptionId.WSS_TRUST_PEM, pem.cert)
    dealer.connect(address.replace(/\/$/, "/zmq"))
    const big = Buffer.alloc(100_000, 3)
    await dealer.send(["hello", big])
    const [id, a, b] = await router.receive()
    expect([id!.toString(), a!.toString(), b!.equals(big)]).toEqual(["d", "hello", true])
    await router.send([id!, "back"])
    expect((await dealer.receive()).map(String)).toEqual(["back"])

    const rep = track(new zmtp.Reply())
    raw(rep).setStringOption(OptionId.WSS_KEY_PEM, pem.key)
    raw(rep).setStringOption(OptionId.WSS_CERT_PEM, pem.cert)
    await rep.bind("wss://127.0.0.1:*")
    const req = track(new zmtp.Request())
    raw(req).setStringOption(OptionId.WSS_TRUST_PEM, pem.cert)
    raw(req).setStringOption(OptionId.WSS_HOSTNAME, "localhost")
    req.connect(rep.lastEndpoint!)
    await req.send("ping")
    await rep.receive()
    await rep.send("pong")
    expect((await req.receive()).map(String)).toEqual(["pong"])
  })

  for (const [what, configure] of [
    ["no trust at all", (_s: zmtp.Socket) => {}],
    ["a name the certificate does not hold", (s: zmtp.Socket) => {
      raw(s).setStringOption(OptionId.WSS_TRUST_PEM, pem!.cert)
      raw(s).setStringOption(OptionId.WSS_HOSTNAME, "example.org")
    }],
  ] as const) {
    test(`refused with ${what}: a handshake error, nothing delivered`, async ctx => {
      if (!pem) return ctx.skip()
      const {router, address} = await server()
      const dealer = track(new zmtp.Dealer({reconnectInterval: 50}))
      configure(dealer)
      const events: string[] = []
      void (async () => {
        for await (const e of dealer.events) events.push(e.type)
      })()
      dealer.connect(address)
      await dealer.send("must not arrive")
      await until(() => events.includes("handshake:error:protocol"), 3000, "a handshake error")
      router.receiveTimeout = 200
      await expect(router.receive()).rejects.toMatchObject({code: "EAGAIN"})
    })
  }

  test("binding needs a key and a certificate; the ZMQ_WSS_* options are set-only", async () => {
    const s = track(new zmtp.Router())
    await expect(s.bind("wss://127.0.0.1:*")).rejects.toMatchObject({code: "EINVAL"})
    raw(s).setBoolOption(OptionId.WSS_TRUST_SYSTEM, true)
    expect(() => raw(s).getStringOption(OptionId.WSS_TRUST_PEM)).toThrow(expect.objectContaining({code: "EINVAL"}))
  })
})
