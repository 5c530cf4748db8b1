// Builds <out>/esm (the package's native ESM form, with .d.ts) and <out>/cjs (so that
// require("zmtp") works on Node 20). Both come from the same sources with tsc. <out> is dist/
// unless given as the first argument (the package test builds into a temporary folder).
import {execFileSync} from "node:child_process"
import {mkdirSync, rmSync, writeFileSync} from "node:fs"
import {join, resolve} from "node:path"

const out = resolve(process.argv[2] ?? "dist")
const tsc = join("node_modules", ".bin", process.platform === "win32" ? "tsc.cmd" : "tsc")
rmSync(out, {recursive: true, force: true})
execFileSync(tsc, ["-p", "tsconfig.json", "--outDir", join(out, "esm")], {stdio: "inherit"})
execFileSync(tsc, ["-p", "tsconfig.json", "--module", "commonjs", "--moduleResolution", "bundler", "--outDir", join(out, "cjs")], {stdio: "inherit"})
mkdirSync(join(out, "cjs"), {recursive: true})
writeFileSync(join(out, "cjs", "package.json"), JSON.stringify({type: "commonjs"}) + "\n")

// zmtp/browser: one ESM file for pages (scripts/build-browser.mjs).
const {buildBrowser} = await import("./build-browser.mjs")
await buildBrowser(out)
