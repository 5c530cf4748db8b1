/**
 * zmtp on Bun and on Deno, with Node beside them (issue 17 item 5): one program
 * (representative.mjs: tcp, ipc, inproc, CURVE, large bodies, bindSync, ws://, the draft sockets,
 * udp) against the built package, under each runtime, twice: importing the built files by path,
 * and importing "zmtp" and "zmtp/draft" by name from a node_modules/zmtp symlinked to the built
 * package (its exports map, under each runtime's own conditions: not the browser build).
 *
 * The runtimes come from the `bun` and `deno` devDependencies: npm packages that carry each
 * platform's binary in an optional dependency (@oven/bun-<platform>, @deno/<platform>). Their
 * postinstall scripts only link that binary into place; were install scripts skipped (npm's
 * allowScripts, --ignore-scripts), node_modules/.bin/bun would be a stub that prints an error, so
 * the binary is looked for in the platform package too.
 *
 * Deno runs with the narrowest permissions that work (README, "Bun and Deno"):
 *   --allow-net=127.0.0.1,0.0.0.0:0,unix:<each ipc path>  tcp, ws and udp on loopback; a RADIO's
 *       socket binds the wildcard address on an ephemeral port (as libzmq's does); ipc sockets
 *       are net permissions in Deno, one absolute path each
 *   --allow-read=<package>,<ipc dir>  module files; bind and connect check read on the ipc path
 *   --allow-write=<ipc dir>           bind creates the socket file (and unlinks a stale one)
 * and no --allow-env: zmtp reads ZMTP_DEBUG for every connection (engine/trace.ts), and a refused
 * read only leaves the wire trace off (--allow-env=ZMTP_DEBUG turns it on).
 */
import {afterAll, beforeAll, describe, expect, test} from "vitest"
import {execFileSync, spawn, spawnSync} from "node:child_process"
import {copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync} from "node:fs"
import {tmpdir} from "node:os"
import {join} from "node:path"
import {fileURLToPath} from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const modules = join(root, "node_modules")
const exe = process.platform === "win32" ? ".exe" : ""

/** Each check the program prints, in order ("ok <check>"), then "all ok". */
const CHECKS = [
  "push/pull over tcp",
  "req/rep over ipc",
  "pub/sub with filtering over inproc",
  "dealer/router multipart",
  "curve",
  "large bodies over tcp and ipc",
  "bindSync",
  // ws:// checks (representative.mjs's marked section) are listed here, in the program's order.
  "ws://",
  "client/server (draft) over tcp",
  "radio/dish (draft) over udp",
]
/** The only stderr allowed: zmtp/draft's warning on import, as zeromq.js gives it. */
const EXPECTED_STDERR = [/^\(node:\d+\) Warning: ZeroMQ draft features are experimental and could change at any time\.$/, /^\(Use `\S+ --trace-warnings \.\.\.` to show where the warning was created\)$/]

/** The first candidate that answers --version: the linked binary, else the platform package's. */
function findBinary(name: string, candidates: string[]): {path: string; version: string} {
  for (const path of candidates) {
    if (!existsSync(path)) continue
    const r = spawnSync(path, ["--version"], {encoding: "utf8", timeout: 20_000})
    if (r.status === 0) return {path, version: /\d+\.\d+\.\d+\S*/.exec(r.stdout)?.[0] ?? r.stdout.trim()}
  }
  throw new Error(`no working ${name} binary (tried ${candidates.join(", ")}): npm ci installs the ${name} devDependency`)
}
const platformBinaries = (scope: string, prefix: string, rel: string): string[] =>
  existsSync(join(modules, scope)) ? readdirSync(join(modules, scope)).filter(d => d.startsWith(prefix)).map(d => join(modules, scope, d, rel)) : []

const bun = () => findBinary("bun", [join(modules, "bun", "bin", "bun.exe"), ...platformBinaries("@oven", "bun-", join("bin", `bun${exe}`))])
const deno = () => findBinary("deno", [join(modules, "deno", `deno${exe}`), ...platformBinaries("@deno", "", `deno${exe}`)])

let work = ""
let pkg = ""
let app = ""
beforeAll(() => {
  // <work>/pkg: the built package (package.json and dist/); <work>/app: an application beside a
  // node_modules/zmtp that links to it, with a package.json (Deno resolves bare names through
  // node_modules only in a package.json project).
  work = mkdtempSync(join(tmpdir(), "zmtp-runtimes-"))
  pkg = join(work, "pkg")
  app = join(work, "app")
  execFileSync(process.execPath, ["scripts/build.mjs", join(pkg, "dist")], {cwd: root, stdio: "pipe"})
  copyFileSync(join(root, "package.json"), join(pkg, "package.json"))
  mkdirSync(join(app, "node_modules"), {recursive: true})
  symlinkSync(pkg, join(app, "node_modules", "zmtp"), "dir")
  writeFileSync(join(app, "package.json"), JSON.stringify({private: true, type: "module"}) + "\n")
  copyFileSync(join(root, "test", "runtimes", "representative.mjs"), join(app, "representative.mjs"))
}, 120_000)

afterAll(() => {
  if (work) rmSync(work, {recursive: true, force: true})
})

interface Run {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

/** Runs a command to its end, killed after 40 s (the program gives up by itself after 25 s). */
function run(command: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const started = performance.now()
  return new Promise(resolve => {
    // Without ZMTP_DEBUG: a wire trace on stderr would fail the check on stderr.
    const {ZMTP_DEBUG: _, ...inherited} = process.env
    const child = spawn(command, args, {cwd: root, stdio: ["ignore", "pipe", "pipe"], env: {...inherited, ...env}})
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", d => (stdout += d))
    child.stderr.on("data", d => (stderr += d))
    const kill = setTimeout(() => child.kill("SIGKILL"), 40_000)
    child.on("close", code => {
      clearTimeout(kill)
      resolve({code, stdout, stderr, ms: Math.round(performance.now() - started)})
    })
  })
}

type Mode = "path" | "name"
/** The program and its arguments for one way of importing; ipc files go to a directory of their own. */
function program(mode: Mode, runtime: string): {script: string; args: string[]; ipc: string} {
  const ipc = join(work, `ipc-${runtime}-${mode}`)
  mkdirSync(ipc, {recursive: true})
  return mode === "path"
    ? {script: join(root, "test", "runtimes", "representative.mjs"), args: [join(pkg, "dist"), ipc], ipc}
    : {script: join(app, "representative.mjs"), args: ["zmtp", ipc], ipc}
}

const RUNTIMES: Record<string, (mode: Mode) => Promise<Run & {version: string}>> = {
  async node(mode) {
    const {script, args} = program(mode, "node")
    return {...(await run(process.execPath, [script, ...args])), version: process.versions.node}
  },
  async bun(mode) {
    const {path, version} = bun()
    const {script, args} = program(mode, "bun")
    return {...(await run(path, [script, ...args])), version}
  },
  async deno(mode) {
    const {path, version} = deno()
    const {script, args, ipc} = program(mode, "deno")
    const net = ["127.0.0.1", "0.0.0.0:0", ...["rt.ipc", "rt-large.ipc"].map(f => `unix:${join(ipc, f)}`)]
    const permissions = [`--allow-net=${net.join(",")}`, `--allow-read=${pkg},${app},${ipc}`, `--allow-write=${ipc}`]
    // --no-prompt: a missing permission fails instead of asking; no update check, no colours.
    const result = await run(path, ["run", "--no-prompt", ...permissions, script, ...args], {NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1"})
    return {...result, version}
  },
}

for (const [name, start] of Object.entries(RUNTIMES)) {
  describe(name, () => {
    for (const mode of ["path", "name"] as const) {
      test(`runs the representative program, importing the built package by ${mode}`, async () => {
        const {code, stdout, stderr, ms, version} = await start(mode)
        const detail = `${name} ${version} exited with ${code} after ${ms} ms\n--- stdout\n${stdout}--- stderr\n${stderr}`
        expect(code, detail).toBe(0)
        expect(stdout.split("\n").filter(Boolean), detail).toEqual([...CHECKS.map(c => `ok ${c}`), "all ok"])
        const unexpected = stderr.split("\n").filter(line => line && !EXPECTED_STDERR.some(re => re.test(line)))
        expect(unexpected, detail).toEqual([])
        console.log(`${name} ${version} (import by ${mode}): ${ms} ms`)
      }, 50_000)
    }
  })
}
