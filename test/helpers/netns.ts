/**
 * Runs a command inside a private network namespace of its own (`unshare -rn`: a user namespace
 * mapping us to root, and a new network namespace), after bringing its loopback up, turning
 * multicast on for it and routing 224.0.0.0/4 through it. The namespace has no interface but that
 * `lo`, so multicast sent inside it can never reach the machine's real interfaces; it is gone when
 * the command ends. Needs unprivileged user namespaces (or root) and iproute2's `ip`.
 */
import {spawn} from "node:child_process"

/** Run in the namespace before the command: `lo` up, multicast on, 224.0.0.0/4 via lo. */
export const NETNS_SETUP = "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo"

export interface NetnsRun {
  /** The exit code, null if a signal ended it (then `signal` says which). */
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** True if it was still running after `timeoutMs` and was killed. */
  timedOut: boolean
}

export interface NetnsOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  timeoutMs?: number
}

/**
 * Runs `command` (argv, no shell) in a fresh namespace. The setup runs in `sh -c`, which then
 * execs the command with its arguments as "$@", so nothing in them is ever parsed by a shell.
 */
export function runInNetns(command: string[], options: NetnsOptions = {}): Promise<NetnsRun> {
  return run(["unshare", "-rn", "sh", "-c", `${NETNS_SETUP} && exec "$@"`, "netns", ...command], options)
}

function run(argv: string[], {env, cwd, timeoutMs = 30000}: NetnsOptions): Promise<NetnsRun> {
  return new Promise(resolve => {
    const child = spawn(argv[0]!, argv.slice(1), {env: env ?? process.env, cwd, stdio: ["ignore", "pipe", "pipe"]})
    let stdout = ""
    let stderr = ""
    let timedOut = false
    child.stdout.on("data", d => (stdout += d))
    child.stderr.on("data", d => (stderr += d))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, timeoutMs)
    // A missing `unshare` shows as a spawn error rather than an exit code.
    child.on("error", e => {
      clearTimeout(timer)
      resolve({code: null, signal: null, stdout, stderr: stderr + String(e), timedOut})
    })
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr, timedOut})
    })
  })
}

let probed: Promise<string | null> | undefined

/**
 * Whether runInNetns can work here: null if so, else the reason, for the test's skip message.
 * Checks the three steps separately so the reason names the one that failed, and that the
 * namespace holds `lo` alone (the guarantee that multicast stays inside it).
 */
export function netnsUnavailable(): Promise<string | null> {
  return (probed ??= (async () => {
    const bare = await run(["unshare", "-rn", "true"], {timeoutMs: 10000})
    if (bare.code === null && bare.signal === null) return `unshare could not be started: ${bare.stderr.trim()}`
    if (bare.code !== 0) return `unshare -rn not permitted: ${bare.stderr.trim() || `exit ${bare.code ?? bare.signal}`}`
    const setup = await runInNetns(["ip", "-o", "link", "show"], {timeoutMs: 10000})
    if (setup.code !== 0) return `multicast on lo not permitted in the namespace (${NETNS_SETUP}): ${setup.stderr.trim() || `exit ${setup.code ?? setup.signal}`}`
    const links = setup.stdout
      .trim()
      .split("\n")
      .map(l => l.split(":")[1]?.trim())
    if (links.length !== 1 || links[0] !== "lo") return `the namespace has interfaces besides lo: ${links.join(", ")}`
    if (!/MULTICAST/.test(setup.stdout) || !/UP/.test(setup.stdout)) return `lo in the namespace is not up with multicast: ${setup.stdout.trim()}`
    return null
  })())
}
