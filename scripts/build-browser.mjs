// Builds zmtp/browser: one ESM file for a page, <out>/browser/zmtp.js, from src/browser/entry.ts,
// with esbuild. Every node: import becomes zmtp's own browser module (src/browser/node/), Node's
// globals (timers with unref, setImmediate, process) come from src/browser/node/globals.ts for
// the bundle only, and __ZMTP_BROWSER__ turns on the page's rules (src/platform.ts). The result
// has no node: import and no runtime dependency (the `buffer` package is bundled in).
//
//   node scripts/build-browser.mjs [out]     (out defaults to dist; scripts/build.mjs calls it)
import {build} from "esbuild"
import {resolve, join} from "node:path"
import {fileURLToPath} from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const out = resolve(process.argv[2] ?? "dist")
const shim = name => join(root, "src", "browser", "node", name)

/** node: module → zmtp's browser version of it. */
const SHIMS = {
  "node:buffer": shim("buffer.ts"),
  "node:events": shim("events.ts"),
  "node:crypto": shim("crypto.ts"),
  "node:os": shim("os.ts"),
  "node:path": shim("misc.ts"),
  "node:perf_hooks": shim("misc.ts"),
  "node:stream": shim("misc.ts"),
  "node:worker_threads": shim("worker-threads.ts"),
  "node:net": shim("unavailable.ts"),
  "node:tls": shim("unavailable.ts"),
  "node:http": shim("unavailable.ts"),
  "node:dgram": shim("unavailable.ts"),
  "node:fs": shim("unavailable.ts"),
  "node:fs/promises": shim("unavailable.ts"),
  "node:zlib": shim("unavailable.ts"),
  "node:util": shim("unavailable.ts"),
}

const nodeModules = {
  name: "zmtp-browser-node-modules",
  setup(b) {
    b.onResolve({filter: /^node:/}, args => {
      const path = SHIMS[args.path]
      if (!path) return {errors: [{text: `${args.path} (imported by ${args.importer}) has no browser version in src/browser/node/`}]}
      return {path}
    })
  },
}

export async function buildBrowser(outDir = out) {
  await build({
    entryPoints: [join(root, "src", "browser", "entry.ts")],
    outfile: join(outDir, "browser", "zmtp.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    define: {__ZMTP_BROWSER__: "true"},
    inject: [shim("globals.ts")],
    plugins: [nodeModules],
    sourcemap: true,
    logLevel: "warning",
  })
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildBrowser()
