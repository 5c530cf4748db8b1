/**
 * RADIO/DISH over udp multicast, zmtp and libzmq both ways, only ever inside a private network
 * namespace that each test makes for itself (test/helpers/netns.ts: `unshare -rn`, lo up with
 * multicast, 224.0.0.0/4 routed via lo). Nothing here sends multicast from the test process: each
 * scenario runs in a child node (test/helpers/netns-draft.mjs) inside the namespace, with zmtp
 * built to CommonJS in a scratch folder (scripts/build.mjs, as test/dropin/process.test.ts does)
 * and libzmq from zeromq.js. Each namespace is new and empty, so fixed addresses and ports are safe.
 *
 * Where the namespace cannot be made (no unprivileged user namespaces, no `ip`), every test is
 * skipped with the reason on the console. libzmq→libzmq runs are the reference and check the
 * harness; the zmtp ones need zmtp's draft entry (src/draft.ts built to cjs/draft.js).
 */
import {afterAll, describe, expect, test} from "vitest"
import {execFile} from "node:child_process"
import {existsSync, mkdtempSync, rmSync} from "node:fs"
import {tmpdir} from "node:os"
import {join} from "node:path"
import {fileURLToPath} from "node:url"
import {promisify} from "node:util"
import {netnsUnavailable, runInNetns} from "../helpers/netns.js"

type Lib = "zmtp" | "libzmq"
/** [RADIO's library, DISH's library]. */
const PAIRS: [Lib, Lib][] = [
  ["libzmq", "zmtp"],
  ["zmtp", "libzmq"],
  ["zmtp", "zmtp"],
  ["libzmq", "libzmq"],
]

const root = fileURLToPath(new URL("../..", import.meta.url))
const RUNNER = join(root, "test", "helpers", "netns-draft.mjs")
const scratch = mkdtempSync(join(tmpdir(), "zmtp-draft-multicast-"))
afterAll(() => rmSync(scratch, {recursive: true, force: true}))

// Organisation-local scope (RFC 2365); inside the namespace any group would do.
const GROUP = "239.192.7.1"
const PORT = 5555
const TCP = "tcp://127.0.0.1:5556"

let built: Promise<string> | undefined
/** zmtp built to CommonJS once per file; the path of its draft entry. */
function zmtpDraftEntry(): Promise<string> {
  return (built ??= (async () => {
    const out = join(scratch, "dist")
    try {
      await promisify(execFile)(process.execPath, ["scripts/build.mjs", out], {cwd: root})
    } catch (e) {
      const err = e as {stdout?: string; stderr?: string}
      throw new Error(`building zmtp failed: ${err.stdout ?? ""}${err.stderr ?? ""}`)
    }
    const entry = join(out, "cjs", "draft.js")
    if (!existsSync(entry)) throw new Error(`zmtp's build has no ${entry} (no src/draft.ts yet)`)
    return entry
  })())
}

type Spec = Record<string, string>
let warned = false

/**
 * Runs one scenario of netns-draft.mjs in a new namespace; returns its counts. Skips the test
 * (saying why on the console) when no namespace can be made here.
 */
async function inNamespace(ctx: {skip: () => void}, spec: Spec): Promise<Record<string, number>> {
  const why = await netnsUnavailable()
  if (why) {
    if (!warned) console.warn(`draft-multicast: every test skipped: ${why}`)
    warned = true
    ctx.skip()
  }
  const env: NodeJS.ProcessEnv = {...process.env}
  if (Object.values(spec).includes("zmtp")) env.ZMTP_DRAFT = await zmtpDraftEntry()
  const r = await runInNetns([process.execPath, RUNNER, JSON.stringify(spec)], {env, cwd: root, timeoutMs: 30000})
  // zeromq.js's draft warning is expected on stderr; anything else is shown with a failure.
  const stderr = r.stderr
    .split("\n")
    .filter(l => !/draft features are experimental|--trace-warnings/.test(l))
    .join("\n")
    .trim()
  if (r.code !== 0) throw new Error(`scenario ${JSON.stringify(spec)} exited ${r.code ?? r.signal}${r.timedOut ? " (killed after 30 s)" : ""}:\n${stderr}`)
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number>
}

describe("RADIO/DISH over udp multicast in a private namespace: join filtering (exact match) and leave", () => {
  // The DISH binds the group, the RADIO connects it. Forms: the group alone; an interface by
  // address (the DISH joins the group on it, the RADIO sends through it); an interface by name.
  const forms = [`udp://${GROUP}:${PORT}`, `udp://127.0.0.1;${GROUP}:${PORT}`, `udp://lo;${GROUP}:${PORT}`]
  for (const [radio, dish] of PAIRS)
    for (const endpoint of forms)
      test(`RADIO=${radio} → DISH=${dish} over ${endpoint}`, async ctx => {
        const counts = await inNamespace(ctx, {scenario: "filter", radio, dish, endpoint})
        expect(counts.A1).toBeGreaterThanOrEqual(20)
        expect(counts.B2).toBeGreaterThanOrEqual(20)
      })
})

describe("tcp and udp multicast on one socket", () => {
  const udp = `udp://${GROUP}:${PORT}`
  const dishCases: [Lib, Lib, Lib][] = [
    ["zmtp", "libzmq", "zmtp"],
    ["libzmq", "zmtp", "zmtp"],
    ["libzmq", "libzmq", "libzmq"],
  ]
  for (const [dish, tcpRadio, udpRadio] of dishCases)
    test(`DISH=${dish} bound to ${TCP} and ${udp} receives from RADIO=${tcpRadio} on tcp and RADIO=${udpRadio} on udp`, async ctx => {
      const counts = await inNamespace(ctx, {scenario: "dish-on-tcp-and-udp", dish, tcpRadio, udpRadio, tcp: TCP, udp})
      expect(counts.tcp).toBeGreaterThanOrEqual(20)
      expect(counts.udp).toBeGreaterThanOrEqual(20)
    })

  const radioCases: [Lib, Lib, Lib][] = [
    ["zmtp", "libzmq", "libzmq"],
    ["libzmq", "zmtp", "zmtp"],
    ["libzmq", "libzmq", "libzmq"],
  ]
  for (const [radio, tcpDish, udpDish] of radioCases)
    test(`RADIO=${radio} connected to DISH=${tcpDish} on ${TCP} and DISH=${udpDish} on ${udp} fans out to both`, async ctx => {
      const counts = await inNamespace(ctx, {scenario: "radio-to-tcp-and-udp", radio, tcpDish, udpDish, tcp: TCP, udp})
      expect(counts.tcp).toBeGreaterThanOrEqual(20)
      expect(counts.udp).toBeGreaterThanOrEqual(20)
    })
})
