/**
 * FileMQ with CURVE (issue 21 item 5): key files in CZMQ's certificate form, a server that admits
 * only the client keys on its allow-list, and a refused client that says so on both sides: through
 * the API, and as real `filemq` processes (serve, sync, keygen) on loopback with temp directories.
 */
import {afterAll, afterEach, beforeAll, describe, expect, test} from "vitest"
import {execFileSync, spawn} from "node:child_process"
import {mkdirSync, readFileSync, statSync, writeFileSync, copyFileSync} from "node:fs"
import {join} from "node:path"
import {fileURLToPath} from "node:url"
import {readAllowList, readCertificate, readSecretCertificate, writeCertificatePair} from "../../src/filemq/curve.js"
import {curveKeyPair} from "../../src/index.js"
import {closeAll, serve, sync} from "./fixtures.js"
import {blob, put, removeTempDirs, sameTree, tempDir, until} from "./helpers.js"

afterEach(closeAll)
afterAll(removeTempDirs)

describe("key files", () => {
  test("keygen writes a public and a secret certificate in CZMQ's form; both read back; no overwrite", () => {
    const dir = tempDir("keys")
    const base = join(dir, "alice")
    const pair = writeCertificatePair(base)
    const pub = readFileSync(base, "utf8")
    expect(pub).toContain(`public-key = "${pair.publicKey}"`)
    expect(pub).not.toContain("secret-key")
    expect(readFileSync(`${base}_secret`, "utf8")).toContain(`secret-key = "${pair.secretKey}"`)
    expect(statSync(`${base}_secret`).mode & 0o777).toBe(0o600)
    expect(readCertificate(base)).toEqual({publicKey: pair.publicKey, secretKey: null})
    expect(readSecretCertificate(`${base}_secret`)).toEqual({publicKey: pair.publicKey, secretKey: pair.secretKey})
    expect(() => readSecretCertificate(base)).toThrow(/no secret-key/)
    expect(() => writeCertificatePair(base)).toThrow(/exists/)
  })

  test("a certificate written by CZMQ (zcert_save), a bare key, and an allow-list directory or file", () => {
    const dir = tempDir("czmq")
    const {publicKey, secretKey} = curveKeyPair()
    // zcert_save's layout, with metadata entries as CZMQ writes them.
    writeFileSync(
      join(dir, "czmq_secret"),
      `#   ****  Generated on 2026-01-01 10:00:00 by CZMQ  ****\n#   ZeroMQ CURVE **Secret** Certificate\n#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n\nmetadata\n    name = "filemq client"\ncurve\n    public-key = "${publicKey}"\n    secret-key = "${secretKey}"\n`,
    )
    expect(readSecretCertificate(join(dir, "czmq_secret"))).toEqual({publicKey, secretKey})
    const other = curveKeyPair()
    writeFileSync(join(dir, "bare.key"), `== CURVE PUBLIC KEY ==\n${other.publicKey}\n`)
    expect(readCertificate(join(dir, "bare.key")).publicKey).toBe(other.publicKey)
    expect(readAllowList(dir)).toEqual(new Set([other.publicKey])) // the _secret file is skipped, the rest read
    writeFileSync(join(dir, "list.txt"), `${publicKey}\n# a comment\n${other.publicKey}\n`)
    expect(readAllowList(join(dir, "list.txt"))).toEqual(new Set([publicKey, other.publicKey]))
    writeFileSync(join(dir, "empty.txt"), "nothing here\n")
    expect(() => readAllowList(join(dir, "empty.txt"))).toThrow(/no client keys/)
    expect(() => readCertificate(join(dir, "empty.txt"))).toThrow(/no CURVE public key/)
  })
})

describe("a CURVE server with an allow-list (API)", () => {
  test("an allowed client mirrors; another key and a NULL client are refused, and both sides say why", async () => {
    const src = tempDir("src")
    put(src, "a.txt", "hello")
    put(src, "big.bin", blob(1_500_000))
    const server = curveKeyPair()
    const alice = curveKeyPair()
    const mallory = curveKeyPair()
    const refusedAtServer: string[] = []
    const {server: fmq, endpoint} = await serve(src, {curve: {...server, allow: new Set([alice.publicKey])}})
    fmq.on("refused", r => refusedAtServer.push(r.clientKey))

    const good = tempDir("alice")
    await sync(good, endpoint, ["/"], {curve: {serverKey: server.publicKey, ...alice}})
    await until(() => sameTree(src, good), 10_000, "alice's mirror")

    const bad = tempDir("mallory")
    const m = await sync(bad, endpoint, ["/"], {curve: {serverKey: server.publicKey, ...mallory}})
    const malloryHeard = new Promise<string>(r => m.client.once("refused", r))
    expect(await malloryHeard).toMatch(new RegExp(`refused this client's CURVE key ${mallory.publicKey.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`))
    await until(() => refusedAtServer.includes(mallory.publicKey), 5000, "the server's refusal")

    const plain = tempDir("null")
    const n = await sync(plain, endpoint, ["/"])
    expect(await new Promise<string>(r => n.client.once("refused", r))).toMatch(/does the server require CURVE/)
    // Neither got anything.
    expect(sameTree(src, bad) || sameTree(src, plain)).toBe(false)
  })

  test("without an allow-list, any client with the server's key is served, with a key of its own or a fresh one", async () => {
    const src = tempDir("src")
    put(src, "x", "x")
    const server = curveKeyPair()
    const {endpoint} = await serve(src, {curve: {...server}})
    const dst = tempDir("dst")
    await sync(dst, endpoint, ["/"], {curve: {serverKey: server.publicKey}})
    await until(() => sameTree(src, dst), 10_000, "mirror")
  })
})

describe("filemq keygen, serve --curve-secret --allow, sync --curve-server (real processes)", () => {
  const root = fileURLToPath(new URL("../..", import.meta.url))
  let cli = ""
  beforeAll(() => {
    const dist = join(tempDir("dist"), "dist")
    execFileSync(process.execPath, ["scripts/build.mjs", dist], {cwd: root, stdio: "pipe"})
    cli = join(dist, "esm", "filemq", "cli.js")
  }, 120_000)

  function run(args: string[]) {
    const child = spawn(process.execPath, [cli, ...args], {stdio: ["ignore", "pipe", "pipe"]})
    const out = {stdout: "", stderr: "", code: null as number | null}
    child.stdout.on("data", d => (out.stdout += d))
    child.stderr.on("data", d => (out.stderr += d))
    const exited = new Promise<number>(r => child.once("exit", code => r((out.code = code ?? -1))))
    return {child, out, exited}
  }

  test("the allowed client mirrors, the other exits 1 saying it was refused, and the server logs its key", async () => {
    const keys = tempDir("keys")
    for (const name of ["server", "alice", "mallory"]) {
      const k = run(["keygen", join(keys, name)])
      expect(await k.exited).toBe(0)
      expect(k.out.stdout).toMatch(/^wrote .* \(public key .{40}\) and .*_secret/)
    }
    const allowed = join(keys, "allowed")
    mkdirSync(allowed)
    copyFileSync(join(keys, "alice"), join(allowed, "alice"))
    const src = tempDir("src")
    put(src, "doc/readme.txt", "read me")
    put(src, "data.bin", blob(3_000_000))

    const server = run(["serve", src, "--bind", "tcp://127.0.0.1:*", "--stable", "0", "--curve-secret", join(keys, "server_secret"), "--allow", allowed])
    try {
      await until(() => /on (tcp:\/\/\S+) with CURVE/.test(server.out.stdout), 10_000, "server up")
      const endpoint = /on (tcp:\/\/\S+) with CURVE/.exec(server.out.stdout)![1]!
      expect(server.out.stdout).toContain("1 client key allowed")

      const good = tempDir("alice")
      const alice = run(["sync", endpoint, good, "--curve-server", join(keys, "server"), "--curve-secret", join(keys, "alice_secret")])
      await until(() => sameTree(src, good), 15_000, "alice's mirror")
      alice.child.kill("SIGTERM")
      expect(await alice.exited).toBe(0)

      const bad = tempDir("mallory")
      const mallory = run(["sync", endpoint, bad, "--curve-server", join(keys, "server"), "--curve-secret", join(keys, "mallory_secret")])
      expect(await mallory.exited).toBe(1)
      const malloryKey = readCertificate(join(keys, "mallory")).publicKey
      expect(mallory.out.stderr).toContain(`filemq: the server refused this client's CURVE key ${malloryKey}`)
      await until(() => server.out.stderr.includes(`its CURVE key ${malloryKey} is not in --allow`), 5000, "the server's log line")
      expect(sameTree(src, bad)).toBe(false)
    } finally {
      server.child.kill("SIGTERM")
      await server.exited
    }
  }, 60_000)

  test("usage errors: --allow without a server key, --curve-secret without the server's certificate", async () => {
    const a = run(["serve", tempDir("s"), "--allow", "/nonexistent"])
    expect(await a.exited).toBe(2)
    expect(a.out.stderr).toContain("--allow needs --curve-secret")
    const b = run(["sync", "tcp://127.0.0.1:1", tempDir("d"), "--curve-secret", "/nonexistent"])
    expect(await b.exited).toBe(2)
    expect(b.out.stderr).toContain("--curve-secret needs --curve-server")
  })
})
