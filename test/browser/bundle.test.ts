/**
 * A user's bundler and zmtp: a small app that imports "zmtp" is bundled for the browser by esbuild
 * with no shims and no special settings (the package's "browser" export condition picks
 * dist/browser/zmtp.js), and the bundle runs in headless Chromium, talking to a Node ROUTER.
 */
import {afterAll, beforeAll, expect, test} from "vitest"
import {build} from "esbuild"
import {cpSync, mkdirSync, readFileSync, writeFileSync} from "node:fs"
import {join} from "node:path"
import {fileURLToPath} from "node:url"
import type {Browser} from "playwright-core"
import type {Server} from "node:http"
import * as zmtp from "../../src/index.js"
import {CHROMIUM, launch, serve} from "./harness.js"
import {tempDir} from "../helpers/tmp.js"
import {buildBrowser} from "../../scripts/build-browser.mjs"

const root = fileURLToPath(new URL("../..", import.meta.url))
let browser: Browser | null = null
let http: Server | null = null
let pageUrl = ""
let bundleText = ""
let warnings: string[] = []
const router = new zmtp.Router({linger: 0})

const app = tempDir("zmtp-bundle-")

beforeAll(async () => {
  // A project with zmtp installed as a package: its package.json and a built dist/.
  const pkg = join(app, "node_modules", "zmtp")
  mkdirSync(join(pkg, "dist"), {recursive: true})
  cpSync(join(root, "package.json"), join(pkg, "package.json"))
  await buildBrowser(join(pkg, "dist"))
  // Only dist/browser is built: bundling for a page must not reach the Node entries.
  writeFileSync(
    join(app, "app.js"),
    `import {Dealer} from "zmtp"
window.run = async address => {
  const dealer = new Dealer({routingId: "bundled", linger: 0})
  dealer.connect(address)
  await dealer.send(["from", "a bundle"])
  const [reply] = await dealer.receive()
  dealer.close()
  return new TextDecoder().decode(reply)
}
`,
  )
  const result = await build({entryPoints: [join(app, "app.js")], bundle: true, format: "esm", platform: "browser", outfile: join(app, "out", "app.js"), logLevel: "silent"})
  warnings = result.warnings.map(w => w.text)
  bundleText = readFileSync(join(app, "out", "app.js"), "utf8")
  writeFileSync(join(app, "out", "index.html"), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="/app.js"></script>`)
  if (!CHROMIUM) {
    console.warn("bundle test in the browser skipped: no Chromium (apt-get install chromium)")
    return
  }
  const served = await serve({"/": join(app, "out")})
  http = served.server
  pageUrl = served.url + "/"
  browser = await launch()
  await router.bind("ws://127.0.0.1:*")
}, 120_000)

afterAll(async () => {
  router.close()
  await browser?.close()
  http?.close()
})

test("esbuild bundles an app that imports zmtp for the browser: no node: import, no warning", () => {
  expect(warnings).toEqual([])
  expect(bundleText).not.toMatch(/from\s*["']node:/)
  expect(bundleText).not.toMatch(/require\(["']node:/)
})

test("the bundled app runs in Chromium and talks to a Node ROUTER over ws://", async ctx => {
  if (!browser) return ctx.skip()
  const page = await browser.newPage()
  const errors: string[] = []
  page.on("pageerror", e => errors.push(String(e)))
  await page.goto(pageUrl)
  await page.waitForFunction(() => typeof (globalThis as {run?: unknown}).run === "function")
  const replied = page.evaluate(address => (globalThis as unknown as {run(a: string): Promise<string>}).run(address), router.lastEndpoint!)
  const [id, a, b] = await router.receive()
  expect([id, a, b].map(String)).toEqual(["bundled", "from", "a bundle"])
  await router.send([id!, "welcome"])
  expect(await replied).toBe("welcome")
  expect(errors).toEqual([])
})
