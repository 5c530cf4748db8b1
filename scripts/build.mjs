// Builds dist/esm (the package's native ESM form, with .d.ts) and dist/cjs (so that
// require("zmtp") works on Node 20). Both come from the same sources with tsc.
import {execFileSync} from "node:child_process"
import {mkdirSync, rmSync, writeFileSync} from "node:fs"
import {createRequire} from "node:module"

const require = createRequire(import.meta.url)
const tsc = require.resolve("typescript/bin/tsc")
rmSync("dist", {recursive: true, force: true})
execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], {stdio: "inherit"})
execFileSync(process.execPath, [tsc, "-p", "tsconfig.json", "--module", "commonjs", "--moduleResolution", "node10", "--outDir", "dist/cjs"], {stdio: "inherit"})
mkdirSync("dist/cjs", {recursive: true})
writeFileSync("dist/cjs/package.json", JSON.stringify({type: "commonjs"}) + "\n")
