/**
 * zmtp/browser in headless Chromium: a page connects over ws:// to a zmtp server and to a libzmq
 * (`zeromq`) server and does DEALER/ROUTER, SUB with filtering and REQ/REP; what a page cannot do
 * (bind, tcp://) fails with a clear error. The browser build is made fresh for the run.
 */
import {afterAll, beforeAll, describe, expect, test} from "vitest"
import {join} from "node:path"
import {fileURLToPath} from "node:url"
import * as zmq from "zeromq"
import type {Browser, Page} from "playwright-core"
import type {Server} from "node:http"
import * as zmtp from "../../src/index.js"
import {CHROMIUM, launch, openPage, serve} from "./harness.js"
import {tempDir} from "../helpers/tmp.js"
import {buildBrowser} from "../../scripts/build-browser.mjs"

const here = fileURLToPath(new URL(".", import.meta.url))
const libs = {zmtp, libzmq: zmq} as unknown as Record<"zmtp" | "libzmq", typeof zmtp>

let browser: Browser | null = null
let http: Server | null = null
let page: Page
let errors: string[] = []
const open: zmtp.Socket[] = []

const out = tempDir("zmtp-browser-")

beforeAll(async () => {
  if (!CHROMIUM) {
    console.warn("browser tests skipped: no Chromium (apt-get install chromium)")
    return
  }
  await buildBrowser(out)
  const served = await serve({"/zmtp/": join(out, "browser"), "/": join(here, "page")})
  http = served.server
  browser = await launch()
  ;({page, errors} = await openPage(browser, served.url + "/"))
}, 120_000)

afterAll(async () => {
  for (const s of open) s.close()
  await browser?.close()
  http?.close()
})

async function bound<T extends zmtp.Socket>(s: T): Promise<string> {
  open.push(s)
  ;(s as unknown as {linger: number}).linger = 0
  await s.bind("ws://127.0.0.1:*")
  return s.lastEndpoint!
}

for (const lib of ["zmtp", "libzmq"] as const) {
  describe(`a page and a ${lib} server over ws://`, () => {
    test("DEALER/ROUTER: multipart both ways", async ctx => {
      if (!browser) return ctx.skip()
      const router = new libs[lib].Router()
      const address = await bound(router)
      const echo = (async () => {
        const [id, ...rest] = await router.receive()
        await router.send([id!, ...rest.map(f => Buffer.concat([Buffer.from("re:"), f]))])
      })()
      const got = await page.evaluate(async address => {
        const zmq = (globalThis as any).zmq
        const dealer = new zmq.Dealer({linger: 0})
        dealer.connect(address)
        await dealer.send(["hello", "", new Uint8Array([1, 2, 3])])
        const reply = await dealer.receive()
        dealer.close()
        return reply.map((f: Uint8Array) => Array.from(f))
      }, address)
      await echo
      expect(got).toEqual([[...Buffer.from("re:hello")], [...Buffer.from("re:")], [...Buffer.from("re:"), 1, 2, 3]])
      expect(errors).toEqual([])
    })

    test("SUB with filtering", async ctx => {
      if (!browser) return ctx.skip()
      const pub = new libs[lib].Publisher()
      const address = await bound(pub)
      let publishing = true
      const publisher = (async () => {
        for (let i = 0; publishing; i++) {
          await pub.send(["b", "other"])
          await pub.send(["a", `n${i}`])
          await new Promise(r => setTimeout(r, 10))
        }
      })()
      const got = await page.evaluate(async address => {
        const zmq = (globalThis as any).zmq
        const sub = new zmq.Subscriber({linger: 0})
        sub.subscribe("a")
        sub.connect(address)
        const topics: string[] = []
        for (let i = 0; i < 3; i++) {
          const [topic] = await sub.receive()
          topics.push(new TextDecoder().decode(topic))
        }
        sub.close()
        return topics
      }, address)
      publishing = false
      await publisher
      expect(got).toEqual(["a", "a", "a"])
    })

    test("REQ/REP round trips", async ctx => {
      if (!browser) return ctx.skip()
      const rep = new libs[lib].Reply()
      const address = await bound(rep)
      const server = (async () => {
        for (let i = 0; i < 5; i++) {
          const [q] = await rep.receive()
          await rep.send(`pong ${q!.toString().slice(5)}`)
        }
      })()
      const got = await page.evaluate(async address => {
        const zmq = (globalThis as any).zmq
        const req = new zmq.Request({linger: 0})
        req.connect(address)
        const replies: string[] = []
        for (let i = 0; i < 5; i++) {
          await req.send(`ping ${i}`)
          const [r] = await req.receive()
          replies.push(new TextDecoder().decode(r))
        }
        req.close()
        return replies
      }, address)
      await server
      expect(got).toEqual(["pong 0", "pong 1", "pong 2", "pong 3", "pong 4"])
    })
  })
}

test("in a page, bind() and tcp:// fail with a clear error; inproc works", async ctx => {
  if (!browser) return ctx.skip()
  const got = await page.evaluate(async () => {
    const zmq = (globalThis as any).zmq
    const out: Record<string, string> = {}
    const s = new zmq.Router({linger: 0})
    await s.bind("ws://127.0.0.1:5555").catch((e: Error & {code: string}) => (out.bindWs = `${e.code}: ${e.message}`))
    try {
      s.connect("tcp://127.0.0.1:5555")
    } catch (e) {
      out.connectTcp = `${(e as {code: string}).code}: ${(e as Error).message}`
    }
    const a = new zmq.Pair({linger: 0})
    const b = new zmq.Pair({linger: 0})
    await a.bind("inproc://page")
    b.connect("inproc://page")
    await b.send("inproc ok")
    out.inproc = new TextDecoder().decode((await a.receive())[0])
    for (const x of [s, a, b]) x.close()
    return out
  })
  expect(got.bindWs).toMatch(/^EPROTONOSUPPORT: bind\(\) to ws:\/\/ is not available in a browser/)
  expect(got.connectTcp).toMatch(/^EPROTONOSUPPORT: tcp:\/\/ is not available in a browser/)
  expect(got.inproc).toBe("inproc ok")
})
