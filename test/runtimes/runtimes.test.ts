/**
 * zmtp on Bun and Deno (the `bun` and `deno` devDependencies ship their binaries), and on Node for
 * comparison: the same program (representative.mjs: tcp, ipc, inproc, CURVE, ws://, the draft
 * sockets, udp) against the built package, under each runtime. Deno needs --allow-net,
 * --allow-read, --allow-write (ipc files in the temp directory) and --allow-env (zmtp reads
 * ZMTP_DEBUG); README says so.
 */
import {beforeAll, expect, test} from "vitest"
import {execFileSync, spawn} from "node:child_process"
import {existsSync, mkdtempSync} from "node:fs"
import {tmpdir} from "node:os"
import {join} from "node:path"
import {fileURLToPath} from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const script = join(root, "test", "runtimes", "representative.mjs")
const bin = (name: string) => join(root, "node_modules", ".bin", name)
const CHECKS = ["push/pull over tcp", "req/rep over ipc", "pub/sub with filtering over inproc", "dealer/router multipart", "curve", "ws://", "client/server (draft) over tcp", "radio/dish (draft) over udp"]
let dist = ""

beforeAll(() => {
  dist = join(mkdtempSync(join(tmpdir(), "zmtp-runtimes-")), "dist")
  execFileSync(process.execPath, ["scripts/build.mjs", dist], {cwd: root, stdio: "pipe"})
}, 120_000)

function run(command: string, args: string[]): Promise<{code: number | null; out: string; ms: number}> {
  const started = Date.now()
  return new Promise(resolve => {
    const child = spawn(command, args, {cwd: root, stdio: ["ignore", "pipe", "pipe"]})
    let out = ""
    child.stdout.on("data", d => (out += d))
    child.stderr.on("data", d => (out += d))
    child.on("close", code => resolve({code, out, ms: Date.now() - started}))
  })
}

const RUNTIMES: [string, () => [string, string[]]][] = [
  ["node", () => [process.execPath, [script, dist]]],
  ["bun", () => [bin("bun"), [script, dist]]],
  ["deno", () => [bin("deno"), ["run", "--allow-net", "--allow-read", "--allow-write", "--allow-env", script, dist]]],
]

for (const [name, command] of RUNTIMES) {
  test(`${name} runs the representative program`, async () => {
    const [cmd, args] = command()
    if (name !== "node" && !existsSync(cmd)) throw new Error(`${cmd} is missing: npm ci installs the ${name} devDependency`)
    const {code, out, ms} = await run(cmd, args)
    if (code !== 0) throw new Error(`${name} exited with ${code}:\n${out}`)
    for (const check of CHECKS) expect(out).toContain(`ok ${check}\n`)
    expect(out).toContain("all ok")
    console.log(`${name}: ${ms} ms`)
  }, 60_000)
}
