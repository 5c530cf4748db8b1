/**
 * A real headless browser for the browser tests: Debian's Chromium (`apt-get install chromium`;
 * .ci/run installs it) driven by playwright-core, and a small static server on 127.0.0.1 for the
 * pages and zmtp's browser build. When Chromium is missing the tests skip with that reason.
 */
import {existsSync, readFileSync} from "node:fs"
import {createServer, type Server} from "node:http"
import type {AddressInfo} from "node:net"
import {extname, join, normalize} from "node:path"
import {chromium, type Browser, type Page} from "playwright-core"

export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find(p => existsSync(p)) ?? null

const TYPES: Record<string, string> = {".html": "text/html", ".js": "text/javascript", ".map": "application/json", ".css": "text/css"}

/** Serves files from `roots` (first match wins) on 127.0.0.1; returns its base URL. */
export async function serve(roots: Record<string, string>): Promise<{url: string; server: Server}> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? "/").split("?")[0]!)).replace(/^(\.\.[/\\])+/, "")
    for (const [prefix, dir] of Object.entries(roots)) {
      if (!path.startsWith(prefix)) continue
      const file = join(dir, path.slice(prefix.length) || "index.html")
      if (!existsSync(file)) continue
      res.writeHead(200, {"content-type": TYPES[extname(file)] ?? "application/octet-stream"})
      res.end(readFileSync(file))
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>(r => server.listen(0, "127.0.0.1", r))
  return {url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server}
}

export async function launch(): Promise<Browser> {
  return chromium.launch({executablePath: CHROMIUM!, headless: true, args: ["--no-sandbox"]})
}

/** A page whose console errors and failures are collected (a test shows them when it fails). */
export async function openPage(browser: Browser, url: string): Promise<{page: Page; errors: string[]}> {
  const page = await browser.newPage()
  const errors: string[] = []
  page.on("pageerror", e => errors.push(String(e)))
  page.on("console", m => {
    if (m.type() === "error") errors.push(m.text())
  })
  await page.goto(url)
  // The page's module script puts zmtp's browser build on window.zmq.
  await page.waitForFunction(() => (globalThis as {zmq?: unknown}).zmq !== undefined, undefined, {timeout: 10_000})
  return {page, errors}
}
