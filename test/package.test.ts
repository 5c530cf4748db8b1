/** The package as users load it: the built ESM and CommonJS entries, with zeromq.js's exports. */
import {beforeAll, expect, test} from "vitest"
import {execFileSync} from "node:child_process"
import {createRequire} from "node:module"
import {readFileSync} from "node:fs"
import {join} from "node:path"
import {fileURLToPath} from "node:url"
import * as zeromq from "zeromq"
import {tempDir} from "./helpers/tmp.js"

const root = fileURLToPath(new URL("..", import.meta.url))

// Built into a temporary folder, so tests that use dist/ meanwhile are not disturbed.
const out = join(tempDir("zmtp-build-"), "dist")

beforeAll(() => {
  execFileSync(process.execPath, ["scripts/build.mjs", out], {cwd: root, stdio: "pipe"})
}, 120000)

const expected = Object.keys(zeromq).sort()

test("require('zmtp') works on Node 20 and exports exactly what zeromq.js exports", () => {
  const require = createRequire(root)
  const cjs = require(join(out, "cjs", "index.js"))
  expect(Object.keys(cjs).sort()).toEqual(expected)
  expect(cjs.version).toBe("4.3.5")
})

test("import from the ESM build exports exactly what zeromq.js exports", async () => {
  const esm = await import(join(out, "esm", "index.js"))
  expect(Object.keys(esm).sort()).toEqual(expected)
  expect(expected).toEqual(["Context", "Dealer", "Observer", "Pair", "Proxy", "Publisher", "Pull", "Push", "Reply", "Request", "Router", "Socket", "Stream", "Subscriber", "XPublisher", "XSubscriber", "capability", "context", "curveKeyPair", "version"])
})

test("the exports map names both builds and there are no runtime dependencies", () => {
  const pkg = JSON.parse(readFileSync(root + "package.json", "utf8"))
  expect(pkg.name).toBe("zmtp")
  expect(pkg.dependencies ?? {}).toEqual({})
  expect(pkg.exports["."].require.default).toBe("./dist/cjs/index.js")
  expect(pkg.exports["."].import.default).toBe("./dist/esm/index.js")
})

test("zmtp/pipeline: the exports map names both builds, and both load", async () => {
  const pkg = JSON.parse(readFileSync(root + "package.json", "utf8"))
  expect(pkg.exports["./pipeline"].import.default).toBe("./dist/esm/pipeline/index.js")
  expect(pkg.exports["./pipeline"].require.default).toBe("./dist/cjs/pipeline/index.js")
  const names = ["Collector", "Command", "HEADER_SIZE", "MAX_BATCH", "VERSION", "Ventilator", "Worker", "batchKey", "decodeHeader", "encodeHeader"]
  const cjs = createRequire(root)(join(out, "cjs", "pipeline", "index.js"))
  expect(Object.keys(cjs).sort()).toEqual(names)
  const esm = await import(join(out, "esm", "pipeline", "index.js"))
  expect(Object.keys(esm).sort()).toEqual(names)
})

test("no source file imports zeromq (a devDependency for tests and benchmarks only)", () => {
  let out = ""
  try {
    out = execFileSync("grep", ["-rlE", "from \"zeromq|require\\(\"zeromq", "src"], {cwd: root, encoding: "utf8"})
  } catch {
    // grep exits 1 when nothing matches
  }
  expect(out.trim()).toBe("")
})
