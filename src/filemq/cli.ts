#!/usr/bin/env node
/**
 * The `filemq` command:
 *
 *   filemq serve DIR [--bind tcp://*:5670] [--alias /] [--stable MS] [--rescan MS]
 *                    [--curve-secret CERT [--allow CERTS]] [--verbose]
 *   filemq sync ENDPOINT DIR [--path /] [--credit BYTES] [--heartbeat MS]
 *                    [--curve-server CERT [--curve-secret CERT]] [--verbose]
 *   filemq relay UPSTREAM DIR [--bind tcp://*:5670] [--path /] [--alias /] [--credit BYTES]
 *                    [--curve-server CERT] [--curve-secret CERT [--allow CERTS]] [--verbose]
 *   filemq keygen NAME
 *
 * `relay` mirrors UPSTREAM's --path into DIR and serves DIR as --alias on --bind (relay.ts), so
 * relays can fan one server out to many clients. Its --curve-secret is its own key pair on both
 * sides (as the upstream's client and as its clients' server).
 *
 * CURVE (curve.ts): `keygen` writes a key pair as CZMQ certificates, NAME and NAME_secret. A server
 * given --curve-secret speaks CURVE only, and with --allow (a certificate directory, or a file of
 * certificates or keys) admits only those client keys; a client needs the server's public
 * certificate (--curve-server) and, to be admitted by an allow-list, its own --curve-secret. A
 * refused client says so and exits with 1; the server logs the refused key.
 *
 * `serve` publishes DIR and runs until SIGINT/SIGTERM. `sync` mirrors what the server publishes
 * under --path into DIR and runs until SIGINT/SIGTERM, with a progress line on a TTY (files,
 * bytes, rate, ETA) and one line per file otherwise. Both close cleanly on the signal (the client
 * says KTHXBAI and keeps partial files for resume) and resolve with the exit code.
 */
import {FmqClient} from "./client.js"
import {readAllowList, readCertificate, readSecretCertificate, writeCertificatePair} from "./curve.js"
import {FmqRelay} from "./relay.js"
import {BatchedOutput, formatBytes, Progress, type Output} from "./progress.js"
import {DEFAULT_ENDPOINT, FmqServer} from "./server.js"

export interface CliIo {
  stdout?: Output
  stderr?: Output
  /** Stops the command as SIGINT would (for embedding and tests). */
  signal?: AbortSignal
  /** Called once the command is up (server bound / client connecting). */
  onReady?: (info: {endpoint: string; server?: FmqServer; client?: FmqClient}) => void
}

const USAGE = `usage:
  filemq serve DIR [--bind tcp://*:5670] [--alias /] [--stable MS] [--rescan MS]
                   [--curve-secret CERT [--allow CERTS]] [--verbose]
  filemq sync ENDPOINT DIR [--path /] [--credit BYTES] [--heartbeat MS]
                   [--curve-server CERT [--curve-secret CERT]] [--verbose]
  filemq relay UPSTREAM DIR [--bind tcp://*:5670] [--path /] [--alias /] [--credit BYTES]
                   [--curve-server CERT] [--curve-secret CERT [--allow CERTS]] [--verbose]
  filemq keygen NAME
`

class UsageError extends Error {}

interface Parsed {
  positional: string[]
  flags: Map<string, string | true>
}

const VALUE_FLAGS = new Set(["bind", "alias", "stable", "rescan", "path", "credit", "heartbeat", "curve-secret", "curve-server", "allow"])

function parse(argv: string[]): Parsed {
  const positional: string[] = []
  const flags = new Map<string, string | true>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === "--") {
      positional.push(...argv.slice(i + 1))
      break
    }
    if (a === "-v") {
      flags.set("verbose", true)
      continue
    }
    if (a === "-h") {
      flags.set("help", true)
      continue
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=")
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2)
      if (VALUE_FLAGS.has(name)) {
        const value = eq > 0 ? a.slice(eq + 1) : argv[++i]
        if (value === undefined) throw new UsageError(`--${name} needs a value`)
        flags.set(name, value)
      } else if (name === "verbose" || name === "help") {
        flags.set(name, true)
      } else {
        throw new UsageError(`unknown option --${name}`)
      }
      continue
    }
    positional.push(a)
  }
  return {positional, flags}
}

function num(p: Parsed, name: string): number | undefined {
  const v = p.flags.get(name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (typeof v !== "string" || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a non-negative number`)
  return n
}

function str(p: Parsed, name: string, dflt: string): string {
  const v = p.flags.get(name)
  return typeof v === "string" ? v : dflt
}

/** Resolves when SIGINT/SIGTERM arrives or the signal aborts. */
function untilStopped(signal?: AbortSignal): {done: Promise<string>; dispose(): void} {
  let dispose = () => {}
  const done = new Promise<string>(resolve => {
    const onSig = (name: string) => () => resolve(name)
    const int = onSig("SIGINT")
    const term = onSig("SIGTERM")
    const abort = () => resolve("abort")
    // Signal listeners do not keep Node alive on their own.
    const keepAlive = setInterval(() => {}, 1 << 30)
    process.once("SIGINT", int)
    process.once("SIGTERM", term)
    signal?.addEventListener("abort", abort, {once: true})
    if (signal?.aborted) resolve("abort")
    dispose = () => {
      clearInterval(keepAlive)
      process.off("SIGINT", int)
      process.off("SIGTERM", term)
      signal?.removeEventListener("abort", abort)
    }
  })
  return {done, dispose: () => dispose()}
}

/** untilStopped, and also when `refusal` is aborted (a server turned the client away). */
function untilStoppedOrRefused(signal?: AbortSignal): {refusal: AbortController; stop: ReturnType<typeof untilStopped>} {
  const refusal = new AbortController()
  if (signal?.aborted) refusal.abort()
  signal?.addEventListener("abort", () => refusal.abort(), {once: true})
  return {refusal, stop: untilStopped(refusal.signal)}
}

/** Runs the command; resolves with the process exit code. */
export async function main(argv: string[], io: CliIo = {}): Promise<number> {
  const stdout = io.stdout ?? new BatchedOutput(process.stdout)
  const stderr = io.stderr ?? process.stderr
  try {
    return await run(argv, stdout, stderr, io)
  } finally {
    if (stdout instanceof BatchedOutput) stdout.flush()
  }
}

async function run(argv: string[], stdout: Output, stderr: Output, io: CliIo): Promise<number> {
  let p: Parsed
  try {
    p = parse(argv)
  } catch (e) {
    stderr.write(`filemq: ${(e as Error).message}\n${USAGE}`)
    return 2
  }
  const [cmd, ...args] = p.positional
  if (p.flags.has("help") || cmd === "help" || cmd === undefined) {
    ;(cmd === undefined && !p.flags.has("help") ? stderr : stdout).write(USAGE)
    return cmd === undefined && !p.flags.has("help") ? 2 : 0
  }
  try {
    if (cmd === "serve") return await serve(p, args, stdout, stderr, io)
    if (cmd === "sync") return await sync(p, args, stdout, stderr, io)
    if (cmd === "relay") return await relay(p, args, stdout, stderr, io)
    if (cmd === "keygen") return keygen(args, stdout)
    throw new UsageError(`unknown command ${cmd}`)
  } catch (e) {
    if (e instanceof UsageError) {
      stderr.write(`filemq: ${e.message}\n${USAGE}`)
      return 2
    }
    stderr.write(`filemq: ${(e as Error).message}\n`)
    return 1
  }
}

async function serve(p: Parsed, args: string[], stdout: Output, stderr: Output, io: CliIo): Promise<number> {
  if (args.length !== 1) throw new UsageError("serve takes exactly one DIR")
  const dir = args[0]!
  const verbose = p.flags.has("verbose")
  const secret = p.flags.get("curve-secret")
  const allow = p.flags.get("allow")
  if (allow !== undefined && secret === undefined) throw new UsageError("--allow needs --curve-secret (the server's key)")
  const curve = typeof secret === "string" ? {...readSecretCertificate(secret), allow: typeof allow === "string" ? readAllowList(allow) : null} : null
  const stop = untilStopped(io.signal)
  const server = new FmqServer({
    stableMs: num(p, "stable"),
    rescanMs: num(p, "rescan"),
    log: verbose ? line => stderr.write(`server: ${line}\n`) : undefined,
    curve,
  })
  server.on("refused", ({clientKey, address}) => stderr.write(`filemq: refused a client from ${address}: its CURVE key ${clientKey} is not in --allow\n`))
  try {
    await server.publish(dir, str(p, "alias", "/"))
    const endpoint = await server.bind(str(p, "bind", DEFAULT_ENDPOINT))
    const security = curve ? ` with CURVE, server key ${curve.publicKey}${curve.allow ? `, ${curve.allow.size} client key${curve.allow.size === 1 ? "" : "s"} allowed` : ""}` : ""
    stdout.write(`serving ${dir} as ${str(p, "alias", "/")} on ${endpoint}${security} (Ctrl-C to stop)\n`)
    server.on("change", (vpath, version) => stdout.write(version ? `published ${vpath} (${formatBytes(version.size)})\n` : `removed ${vpath}\n`))
    server.on("sent", info => stdout.write(`sent ${info.vpath} to ${info.client}${info.from > 0 ? ` (resumed at ${formatBytes(info.from)})` : ""}\n`))
    server.on("error", err => stderr.write(`filemq: ${err.message}\n`))
    io.onReady?.({endpoint, server})
    const why = await stop.done
    stdout.write(`${why === "abort" ? "stopping" : `${why}: stopping`} (${server.stats.filesSent} files, ${formatBytes(server.stats.bytesSent)} sent)\n`)
    return 0
  } finally {
    stop.dispose()
    await server.close()
  }
}

async function sync(p: Parsed, args: string[], stdout: Output, stderr: Output, io: CliIo): Promise<number> {
  if (args.length !== 2) throw new UsageError("sync takes ENDPOINT and DIR")
  const [endpoint, dir] = args as [string, string]
  if (!/^(tcp|ipc):\/\//.test(endpoint)) throw new UsageError(`ENDPOINT must look like tcp://host:port, got ${endpoint}`)
  const verbose = p.flags.has("verbose")
  const serverCert = p.flags.get("curve-server")
  const secret = p.flags.get("curve-secret")
  if (secret !== undefined && serverCert === undefined) throw new UsageError("--curve-secret needs --curve-server (the server's public certificate)")
  const curve = typeof serverCert === "string" ? {serverKey: readCertificate(serverCert).publicKey, ...(typeof secret === "string" ? readSecretCertificate(secret) : {})} : null
  const {refusal, stop} = untilStoppedOrRefused(io.signal)
  const client = new FmqClient({
    inbox: dir,
    credit: num(p, "credit"),
    heartbeatMs: num(p, "heartbeat"),
    log: verbose ? line => stderr.write(`client: ${line}\n`) : undefined,
    curve,
  })
  let refused: string | null = null
  client.on("refused", why => {
    refused = why
    stderr.write(`filemq: ${why}\n`)
    refusal.abort()
  })
  const progress = new Progress(stdout)
  client.on("progress", e => progress.progress(e))
  client.on("file", e => progress.file(e))
  client.on("deleted", e => progress.removed(e.rel))
  client.on("rejected", e => progress.line(`refused ${e.vpath}: ${e.reason}`))
  client.on("disconnected", why => verbose && progress.line(`session ended: ${why}`))
  client.on("error", err => stderr.write(`filemq: ${err.message}\n`))
  const path = str(p, "path", "/")
  try {
    client.subscribe(path)
    progress.line(`syncing ${path} from ${endpoint} into ${dir} (Ctrl-C to stop)`)
    await client.connect(endpoint)
    io.onReady?.({endpoint, client})
    const why = await stop.done
    progress.finish(`${refused !== null ? "refused: stopping" : why === "abort" ? "stopping" : `${why}: stopping`} (${progress.files} files, ${formatBytes(progress.bytes)} received, ${progress.deleted} deleted)`)
    return refused !== null ? 1 : 0
  } finally {
    stop.dispose()
    await client.close()
  }
}

async function relay(p: Parsed, args: string[], stdout: Output, stderr: Output, io: CliIo): Promise<number> {
  if (args.length !== 2) throw new UsageError("relay takes UPSTREAM and DIR")
  const [upstream, dir] = args as [string, string]
  if (!/^(tcp|ipc):\/\//.test(upstream)) throw new UsageError(`UPSTREAM must look like tcp://host:port, got ${upstream}`)
  const verbose = p.flags.has("verbose")
  const serverCert = p.flags.get("curve-server")
  const secret = p.flags.get("curve-secret")
  const allow = p.flags.get("allow")
  if (allow !== undefined && secret === undefined) throw new UsageError("--allow needs --curve-secret (the relay's key)")
  const own = typeof secret === "string" ? readSecretCertificate(secret) : null
  const relayer = new FmqRelay({
    upstream,
    dir,
    bind: str(p, "bind", DEFAULT_ENDPOINT),
    path: str(p, "path", "/"),
    alias: str(p, "alias", "/"),
    client: {
      credit: num(p, "credit"),
      heartbeatMs: num(p, "heartbeat"),
      log: verbose ? line => stderr.write(`client: ${line}\n`) : undefined,
      curve: typeof serverCert === "string" ? {serverKey: readCertificate(serverCert).publicKey, ...(own ?? {})} : null,
    },
    server: {
      rescanMs: num(p, "rescan"),
      log: verbose ? line => stderr.write(`server: ${line}\n`) : undefined,
      curve: own ? {...own, allow: typeof allow === "string" ? readAllowList(allow) : null} : null,
    },
  })
  const {refusal, stop} = untilStoppedOrRefused(io.signal)
  let refused: string | null = null
  relayer.client.on("refused", why => {
    refused = why
    stderr.write(`filemq: upstream: ${why}\n`)
    refusal.abort()
  })
  relayer.client.on("file", e => stdout.write(`received ${e.rel} (${formatBytes(e.size)})\n`))
  relayer.client.on("deleted", e => stdout.write(`removed ${e.rel}\n`))
  relayer.client.on("error", err => stderr.write(`filemq: ${err.message}\n`))
  relayer.server.on("refused", ({clientKey, address}) => stderr.write(`filemq: refused a client from ${address}: its CURVE key ${clientKey} is not in --allow\n`))
  relayer.server.on("error", err => stderr.write(`filemq: ${err.message}\n`))
  try {
    const endpoint = await relayer.start()
    stdout.write(`relaying ${str(p, "path", "/")} from ${upstream} into ${dir}, serving it as ${str(p, "alias", "/")} on ${endpoint} (Ctrl-C to stop)\n`)
    io.onReady?.({endpoint, server: relayer.server, client: relayer.client})
    const why = await stop.done
    stdout.write(`${refused !== null ? "refused" : why === "abort" ? "stopping" : `${why}: stopping`} (${relayer.client.stats.filesReceived} files received, ${relayer.server.stats.filesSent} sent)\n`)
    return refused !== null ? 1 : 0
  } finally {
    stop.dispose()
    await relayer.close()
  }
}

/** `filemq keygen NAME`: a new CURVE key pair as NAME (public) and NAME_secret. */
function keygen(args: string[], stdout: Output): number {
  if (args.length !== 1) throw new UsageError("keygen takes exactly one NAME")
  const pair = writeCertificatePair(args[0]!)
  stdout.write(`wrote ${pair.publicFile} (public key ${pair.publicKey}) and ${pair.secretFile} (keep it private)\n`)
  return 0
}

/** Run as a program: `node dist/esm/filemq/cli.js serve DIR`. */
function invokedDirectly(): boolean {
  const script = process.argv[1] ?? ""
  return /(^|[\\/])filemq[\\/]cli\.(c|m)?js$/.test(script)
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    code => {
      process.exitCode = code
    },
    err => {
      process.stderr.write(`filemq: ${(err as Error)?.stack ?? err}\n`)
      process.exitCode = 1
    },
  )
}
