// Builds dist/esm (the package's native ESM form, with .d.ts) and dist/cjs (so that
// require("zmtp") works on Node 20). Both come from the same sources with tsc.
import {execFileSync} from "node:child_process"
import {mkdirSync, rmSync, writeFileSync} from "node:fs"
import {join} from "node:path"

const tsc = join("node_modules", ".bin", process.platform === "win32" ? "tsc.cmd" : "tsc")
rmSync("dist", {recursive: true, force: true})
execFileSync(tsc, ["-p", "tsconfig.json"], {stdio: "inherit"})
execFileSync(tsc, ["-p", "tsconfig.json", "--module", "commonjs", "--moduleResolution", "bundler", "--outDir", "dist/cjs"], {stdio: "inherit"})
mkdirSync("dist/cjs", {recursive: true})
writeFileSync("dist/cjs/package.json", JSON.stringify({type: "commonjs"}) + "\n")
