/**
 * The browser demo (examples/browser/, `npm run demo:browser`): its server runs in-process on
 * free ports with zmtp from the sources and a fresh browser build, headless Chromium opens the
 * page, and points must arrive and be plotted for every topic, with no page error.
 */
import {afterAll, beforeAll, expect, test} from "vitest"
import {join} from "node:path"
import type {Browser} from "playwright-core"
import * as zmtp from "../../src/index.js"
import {CHROMIUM, launch, openPage} from "./harness.js"
import {tempDir} from "../helpers/tmp.js"
import {buildBrowser} from "../../scripts/build-browser.mjs"
import {start, type Demo} from "../../examples/browser/server.mjs"

const TOPICS = ["lag", "rate", "heap"] as const

let browser: Browser | null = null
let demo: Demo | null = null

const out = tempDir("zmtp-demo-")

beforeAll(async () => {
  if (!CHROMIUM) {
    console.warn("browser demo test skipped: no Chromium (apt-get install chromium)")
    return
  }
  await buildBrowser(out)
  demo = await start({httpPort: 0, wsPort: 0, zmq: zmtp, zmtpBrowserDir: join(out, "browser"), log: () => {}})
  browser = await launch()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await demo?.close()
})

test("the server answers with the page, zmtp.js and where its PUB is", async ctx => {
  if (!demo) return ctx.skip()
  expect(demo.wsEndpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/)
  const config = (await (await fetch(demo.url + "config.json")).json()) as {endpoint: string}
  expect(config.endpoint).toBe(demo.wsEndpoint)
  for (const path of ["", "app.js", "style.css", "zmtp/zmtp.js"]) expect((await fetch(demo.url + path)).status, path).toBe(200)
  // Only the page's own files: not the server's source, nor anything outside the folder.
  for (const path of ["server.mjs", "server.d.mts", "../../package.json", "%2e%2e/%2e%2e/package.json", "zmtp/%2e%2e/%2e%2e/package.json", "%E0%A4%A"]) {
    expect((await fetch(demo.url + path)).status, path).toBeGreaterThanOrEqual(400)
  }
})

test("the page receives and plots points for every topic", async ctx => {
  if (!browser || !demo) return ctx.skip()
  const {page, errors} = await openPage(browser, demo.url)
  try {
    type Counts = Record<(typeof TOPICS)[number], number>
    const read = () => page.evaluate(() => {
      const d = (globalThis as unknown as {demo: {received: Counts; plotted: Counts; status: string}}).demo
      return {received: d.received, plotted: d.plotted, status: d.status}
    })
    // Published every 100 ms: twenty points per topic within a few seconds (fewer draw too short a
    // line to count its pixels when the series is flat: 16 pixels for 5 points was seen).
    await page.waitForFunction(
      topics => {
        const d = (globalThis as unknown as {demo?: {received: Record<string, number>; plotted: Record<string, number>}}).demo
        return !!d && topics.every(t => d.received[t]! >= 20 && d.plotted[t]! >= 20)
      },
      TOPICS,
      {timeout: 15_000},
    ).catch(async e => {
      throw new Error(`${(e as Error).message}\npage state: ${JSON.stringify(await read())}\npage errors: ${errors.join("\n")}`)
    })
    const state = await read()
    expect(state.status).toBe("live")

    // The hook's word is not enough: each canvas must show its series' colours (the lines).
    const coloured = await page.evaluate(() => {
      // (The tests are type-checked without the DOM's types: the page's objects are `any`.)
      const page = globalThis as any
      const out: Record<string, number> = {}
      for (const canvas of page.document.querySelectorAll("canvas[data-topic]")) {
        const swatches: any[] = [...canvas.closest(".card").querySelectorAll(".swatch")]
        const colours = swatches.map(s => (page.getComputedStyle(s).backgroundColor as string).match(/\d+/g)!.map(Number))
        const data: Uint8ClampedArray = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data
        let n = 0
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! < 200) continue
          if (colours.some(c => Math.abs(c[0]! - data[i]!) + Math.abs(c[1]! - data[i + 1]!) + Math.abs(c[2]! - data[i + 2]!) < 40)) n++
        }
        out[canvas.dataset.topic] = n
      }
      return out
    })
    for (const topic of TOPICS) expect(coloured[topic], `pixels of ${topic}'s lines`).toBeGreaterThan(20)

    // The latest values are shown as text.
    const values = await page.$$eval(".legend .value", els => els.map(e => (e as {textContent: string}).textContent))
    expect(values).toHaveLength(6)
    for (const v of values) expect(v).toMatch(/^\d[\d.]*K?$/)
    expect(errors).toEqual([])
  } finally {
    await page.close()
  }
})
