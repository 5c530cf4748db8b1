#!/usr/bin/env node
// Conformance run (issue 14, item 4): runs zeromq.js's own unit suite, from a local checkout of
// its repository, against zmtp (or, with --native, against the native `zeromq` package installed
// here as a devDependency), out of tree, and prints pass/fail/pending per file. Never part of
// `npm test` (it needs the npm registry once, to install the suite's test tooling).
//
//   npm run conformance -- DIR [--native | --both] [--only GLOB[,GLOB]] [--no-draft] [--no-compat] [--write CONFORMANCE.md]
//
// Options
//   DIR                 a checkout of github.com/zeromq/zeromq.js (only test/unit, test/tsconfig.json,
//                       tsconfig.json, .mocharc.js, package.json and pnpm-lock.yaml are read).
//   --native            run against node_modules/zeromq (native libzmq) instead of zmtp.
//   --both              run against native, then zmtp (one after the other, never at once).
//   --only GLOB         run only test/unit files matching GLOB (`*` wildcard, comma-separated or
//                       repeated; e.g. --only 'socket-req*'). Results of a partial run are merged,
//                       per file, into the saved results. The default exclude (typings) is not
//                       applied. --only 'socket-draft-*,zmq-draft*' runs just the draft files;
//                       the v5 compat files are named with their folder, so --only 'compat/*' runs
//                       just them (and `*` also matches `/`: --only '*' is every file).
//   --no-draft          leave out the draft files (socket-draft-*-test.ts, zmq-draft-test.ts), also
//                       from an --only selection.
//   --no-compat         leave out the v5 compat files (compat/*-test.ts), also from an --only selection.
//   --zmtp PATH         zmtp's CommonJS entry to test (default dist/cjs/index.js, built with
//                       `npm run build --silent` first if it is missing). The draft files use
//                       draft.js beside it (dist/cjs/draft.js), the compat files v5-compat.js
//                       beside it (dist/cjs/v5-compat.js).
//   --build             run `npm run build --silent` first (the working tree, into dist/).
//   --ref REF           test a git ref of this repository instead of the working tree: it is
//                       exported (git archive) and built under $TMPDIR/zmtp-conformance; dist/ is
//                       left alone.
//   --file-timeout SEC  kill a file's mocha process after SEC seconds (default 600). Tests that
//                       had not reported by then count as not run, the file is marked "killed".
//   --write FILE        (re)write the generated part of FILE (between the conformance:begin/end
//                       markers; the rest of the file is kept) from the saved native and zmtp
//                       results. Without DIR this only regenerates FILE.
//   --results DIR       where results are saved (default node_modules/.cache/zmtp-conformance/results).
//   --keep              keep the temporary copy of the suite (its path is printed).
//
// How it works
// - The suite's test tooling (mocha, chai, ts-node, typescript, semver, proper-lockfile, at the
//   versions in DIR/pnpm-lock.yaml, else the ranges in DIR/package.json) is installed once into
//   node_modules/.cache/zmtp-conformance/deps-<hash>; package.json gains no dependency for it.
// - DIR/test/unit is copied into a fresh temporary directory (nothing is copied into this
//   repository). There, src/index.js re-exports zmtp's CJS entry (or the native package),
//   src/draft.js re-exports the draft entry beside it (draft.js next to zmtp's entry, e.g.
//   dist/cjs/draft.js; natively require("zeromq/draft") from this repository's node_modules, which
//   emits a process warning: harmless) and src/errors.js provides the suite's `isFullError` helper
//   (upstream's src/errors.ts, one line: `err instanceof Error`; natively the package's
//   lib/errors.js); v5-compat.js, at the copy's root where the compat files import it from
//   (`../../../v5-compat`), re-exports zmtp's v5 entry beside its main entry (dist/cjs/v5-compat.js;
//   natively require("zeromq/v5-compat")); package.json's main points at src/index.js, because the suite's
//   createWorker/createProcess helpers `require()` the package root. The suite writes its
//   port-id lock file and ipc sockets under that directory's tmp/.
// - Each file runs in its own mocha process, with the suite's own .mocharc.js (ts-node/register,
//   expose-gc, exit, timeout 6000, retries 3) except `parallel`, which is turned off: mocha's
//   parallel mode also runs each file in a separate process, so one process per file isolates
//   files the same way, while running them one at a time keeps the outcome independent of the
//   load from other files (the machine is small and shared, and many tests are timing-sensitive)
//   and lets a hung file be killed and counted on its own. ts-node runs with
//   TS_NODE_TRANSPILE_ONLY: this measures behaviour; typings are a separate item.
// - A small reporter (the spec reporter, plus one JSON line per finished test) records each test's
//   final state, its retries and its error, so counts survive a killed file. chai's
//   truncateThreshold is set to 0 (whole values in assertion messages; no effect on outcomes).
//   A file that exits non-zero without reporting any test did not load (mocha stops before
//   running anything, e.g. a missing module or a describe() that throws): it is recorded as one
//   failure, "(file did not load)", with the error from its log, never as an empty pass.
// - By default the files are test/unit/*-test.ts minus the typings files, plus the v5 compat
//   files test/unit/compat/*-test.ts (listed as compat/<name>). Those run with
//   INCLUDE_COMPAT_TESTS=true (without it their describe() blocks are not even declared);
//   INCLUDE_COMPAT_UNBIND_TEST stays unset, as upstream leaves it (compat/socket-unbind-test.ts,
//   which upstream calls unreliable, then declares no test and counts 0/0/0). A missing v5 entry
//   makes the compat files' import throw a message naming it (the file did not load). The draft
//   files (socket-draft-*-test.ts, zmq-draft-test.ts) are included and run with ZMQ_DRAFT=true:
//   their describe() then throws when capability.draft is not true, and a draft entry that does
//   not exist makes their import of src/draft throw a message naming the missing file. Either
//   way the file did not load and counts as a failure: a missing draft fails loudly, it is not
//   skipped.
//
// Output (under --results): native.json / zmtp.json (every test's state and error, per file),
// logs/<mode>/<file>.log (mocha's output), zmtp-failures.json (every test failing against zmtp,
// title and first lines of the error, with passesNatively), and differences.json (tests that pass
// natively but not against zmtp, including ones that did not run). --write's table has a row per
// file present in either saved result, sorted by name (so the draft files sit among the socket-*
// rows), the totals over all of them, and a line for the draft files' passes alone.
import {execFileSync, spawn} from "node:child_process"
import {createHash} from "node:crypto"
import * as fs from "node:fs"
import {createRequire} from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import {fileURLToPath} from "node:url"

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const cacheRoot = path.join(repoRoot, "node_modules", ".cache", "zmtp-conformance")
const TOOLING = ["mocha", "chai", "ts-node", "typescript", "semver", "proper-lockfile"]
const FALLBACK = {mocha: "^11", chai: "^4", "ts-node": "~10.9.2", typescript: "~4.9.5", semver: "^7", "proper-lockfile": "^4"}
const BEGIN = "<!-- conformance:begin (generated by scripts/conformance.mjs --write; edits inside are overwritten) -->"
const END = "<!-- conformance:end -->"
const isDraft = file => /^(socket-draft-.*|zmq-draft)-test\.ts$/.test(file)
const isCompat = file => file.startsWith("compat/")
const LOAD_ERROR = "(file did not load)"

function usage(msg) {
  if (msg) console.error(`conformance: ${msg}`)
  console.error("usage: npm run conformance -- DIR [--native | --both] [--only GLOB] [--no-draft] [--no-compat] [--zmtp PATH | --ref REF] [--build] [--file-timeout SEC] [--write FILE] [--results DIR] [--keep]")
  process.exit(2)
}

function parseArgs(argv) {
  const o = {only: [], fileTimeout: 600, keep: false, draft: true, compat: true}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const val = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`))
    if (a === "--native") o.native = true
    else if (a === "--both") o.both = true
    else if (a === "--only") o.only.push(...val().split(",").filter(Boolean))
    else if (a === "--no-draft") o.draft = false
    else if (a === "--no-compat") o.compat = false
    else if (a === "--zmtp") o.zmtp = path.resolve(val())
    else if (a === "--build") o.build = true
    else if (a === "--ref") o.ref = val()
    else if (a === "--file-timeout") o.fileTimeout = Number(val())
    else if (a === "--write") o.write = path.resolve(val())
    else if (a === "--results") o.results = path.resolve(val())
    else if (a === "--keep") o.keep = true
    else if (a === "-h" || a === "--help") usage()
    else if (a.startsWith("-")) usage(`unknown option ${a}`)
    else if (o.dir) usage(`unexpected argument ${a}`)
    else o.dir = path.resolve(a)
  }
  if (!o.dir && !o.write) usage("DIR is required")
  if (!(o.fileTimeout > 0)) usage("--file-timeout must be a positive number of seconds")
  if (o.native && o.both) usage("--native and --both exclude each other")
  if (o.zmtp && o.ref) usage("--zmtp and --ref exclude each other")
  o.results ??= path.join(cacheRoot, "results")
  return o
}

const git = (cwd, ...args) => {
  try {
    return execFileSync("git", args, {cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"]}).trim()
  } catch {
    return undefined
  }
}

// ---- test tooling --------------------------------------------------------------------------

function toolingVersions(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"))
  const ranges = {...pkg.dependencies, ...pkg.devDependencies}
  let lock = ""
  try {
    lock = fs.readFileSync(path.join(dir, "pnpm-lock.yaml"), "utf8")
  } catch {}
  const root = lock.split(/^importers:\s*$/m)[1]?.split(/^ {2}\S.*:\s*$/m)[1] ?? "" // the "." importer
  const out = {}
  for (const name of TOOLING) {
    const esc = name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
    const m = root.match(new RegExp(`^ {6}'?${esc}'?:\\s*\\n\\s+specifier:.*\\n\\s+version: ([^\\s(]+)`, "m"))
    out[name] = m?.[1] ?? ranges[name] ?? FALLBACK[name]
  }
  return out
}

function installTooling(versions) {
  const hash = createHash("sha256").update(JSON.stringify(versions)).digest("hex").slice(0, 12)
  const dir = path.join(cacheRoot, `deps-${hash}`)
  if (fs.existsSync(path.join(dir, ".complete"))) return dir
  console.log(`conformance: installing test tooling into ${path.relative(repoRoot, dir)}: ${Object.entries(versions).map(([k, v]) => `${k}@${v}`).join(" ")}`)
  fs.rmSync(dir, {recursive: true, force: true})
  fs.mkdirSync(dir, {recursive: true})
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({name: "zmtp-conformance-deps", private: true, dependencies: versions}, null, 2) + "\n")
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], {cwd: dir, stdio: "inherit"})
  fs.writeFileSync(path.join(dir, ".complete"), new Date().toISOString() + "\n")
  return dir
}

// ---- the package under test ----------------------------------------------------------------

function zmtpTarget(o) {
  const sha = git(repoRoot, "rev-parse", "--short", "HEAD") ?? "unknown"
  if (o.ref) {
    const full = git(repoRoot, "rev-parse", "--verify", `${o.ref}^{commit}`)
    if (!full) usage(`--ref ${o.ref}: not a commit`)
    // Not under node_modules/.cache: tsc does not emit CommonJS for sources under a node_modules path.
    const dir = path.join(os.tmpdir(), "zmtp-conformance", `build-${full.slice(0, 12)}`)
    const entry = path.join(dir, "dist", "cjs", "index.js")
    if (!fs.existsSync(path.join(dir, ".complete"))) {
      console.log(`conformance: building ${o.ref} (${full.slice(0, 7)}) into ${dir}`)
      fs.rmSync(dir, {recursive: true, force: true})
      fs.mkdirSync(dir, {recursive: true})
      execFileSync("sh", ["-c", `git archive ${full} | tar -x -C "${dir}"`], {cwd: repoRoot, stdio: "inherit"})
      fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir")
      execFileSync(process.execPath, ["scripts/build.mjs"], {cwd: dir, stdio: "inherit"})
      fs.writeFileSync(path.join(dir, ".complete"), "")
    }
    return {entry, draft: path.join(path.dirname(entry), "draft.js"), v5compat: path.join(path.dirname(entry), "v5-compat.js"), label: `zmtp ${full.slice(0, 7)} (${o.ref})`}
  }
  const entry = o.zmtp ?? path.join(repoRoot, "dist", "cjs", "index.js")
  if (o.build || (!o.zmtp && !fs.existsSync(entry))) {
    console.log("conformance: npm run build --silent")
    execFileSync("npm", ["run", "build", "--silent"], {cwd: repoRoot, stdio: "inherit"})
  }
  if (!fs.existsSync(entry)) usage(`${entry} does not exist`)
  const dirty = git(repoRoot, "status", "--porcelain", "--", "src") ? " + uncommitted changes in src/" : ""
  const where = o.zmtp ? ` (${path.relative(repoRoot, o.zmtp)})` : " (dist/cjs, working tree)"
  return {entry, draft: path.join(path.dirname(entry), "draft.js"), v5compat: path.join(path.dirname(entry), "v5-compat.js"), label: `zmtp ${sha}${dirty}${where}`}
}

function nativeTarget() {
  const dir = path.join(repoRoot, "node_modules", "zeromq")
  const version = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version
  let draft
  try {
    draft = createRequire(path.join(repoRoot, "package.json")).resolve("zeromq/draft")
  } catch {
    draft = path.join(dir, "draft.js")
  }
  let v5compat
  try {
    v5compat = createRequire(path.join(repoRoot, "package.json")).resolve("zeromq/v5-compat")
  } catch {
    v5compat = path.join(dir, "v5-compat.js")
  }
  return {entry: dir, draft, v5compat, label: `zeromq ${version} (native)`, nativeVersion: version}
}

// ---- the out-of-tree copy of the suite -------------------------------------------------------

const REPORTER = `"use strict"
// One JSON line per finished test (final state after retries) into $ZMTP_CONFORMANCE_OUT.
const fs = require("fs")
const Mocha = require("mocha")
const {EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING} = Mocha.Runner.constants
const out = process.env.ZMTP_CONFORMANCE_OUT
const lines = s => String(s ?? "").split("\\n")
function record(state, test, err) {
  const entry = {state, title: test.fullTitle(), hook: test.type === "hook" || undefined,
    retries: typeof test.currentRetry === "function" ? test.currentRetry() : 0, ms: test.duration}
  if (err) {
    const message = lines(err.message).slice(0, 12).join("\\n").split(process.cwd() + "/").join("")
    const frames = lines(err.stack).filter(l => /^\\s+at /.test(l)).map(l => l.trim())
    const own = frames.filter(l => !/node_modules[\\/]|node:internal|\\(node:/.test(l))
    const stack = (own.length ? own : frames).slice(0, 6).map(l => l.split(process.cwd() + "/").join(""))
    entry.error = {name: err.name, code: err.code, message, stack}
  }
  fs.appendFileSync(out, JSON.stringify(entry) + "\\n")
}
class ConformanceReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options)
    runner.on(EVENT_TEST_PASS, t => record("pass", t))
    runner.on(EVENT_TEST_FAIL, (t, err) => record("fail", t, err))
    runner.on(EVENT_TEST_PENDING, t => record("pending", t))
  }
}
module.exports = ConformanceReporter
`

function prepareSuite(dir, target, native, deps) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zmtp-conf-")) // short: ipc paths live under it
  fs.cpSync(path.join(dir, "test", "unit"), path.join(tmp, "test", "unit"), {recursive: true})
  for (const f of ["tsconfig.json", "test/tsconfig.json", ".mocharc.js"]) {
    if (fs.existsSync(path.join(dir, f))) fs.cpSync(path.join(dir, f), path.join(tmp, f))
  }
  fs.writeFileSync(path.join(tmp, "package.json"), JSON.stringify({name: "zeromq-conformance-shim", private: true, main: "src/index.js"}, null, 2) + "\n")
  fs.symlinkSync(path.join(deps, "node_modules"), path.join(tmp, "node_modules"), "dir")
  fs.mkdirSync(path.join(tmp, "src"))
  const entry = JSON.stringify(target.entry)
  fs.writeFileSync(path.join(tmp, "src", "index.js"), `"use strict"\nmodule.exports = require(${entry})\n`)
  fs.writeFileSync(path.join(tmp, "src", "errors.js"), native
    ? `"use strict"\nmodule.exports = require(${JSON.stringify(path.join(target.entry, "lib", "errors.js"))})\n`
    : `"use strict"\n// zeromq.js's src/errors.ts, a test helper: an error with code/errno/address is any Error.\nexports.isFullError = err => err instanceof Error\n`)
  // A missing draft entry throws on import, with a message naming it (the file counts as not loaded).
  fs.writeFileSync(path.join(tmp, "src", "draft.js"), fs.existsSync(target.draft)
    ? `"use strict"\nmodule.exports = require(${JSON.stringify(target.draft)})\n`
    : `"use strict"\nthrow new Error(${JSON.stringify(`conformance: no draft entry: ${target.draft} does not exist (${native ? "the native package has no draft module" : "zmtp's draft entry is not built: no src/draft.ts yet, or dist/ predates it; npm run build"})`)})\n`)
  // The compat files import the v5 entry from the repository root; a missing one throws the same way.
  fs.writeFileSync(path.join(tmp, "v5-compat.js"), fs.existsSync(target.v5compat)
    ? `"use strict"\nmodule.exports = require(${JSON.stringify(target.v5compat)})\n`
    : `"use strict"\nthrow new Error(${JSON.stringify(`conformance: no v5 compat entry: ${target.v5compat} does not exist (${native ? "the native package has no v5-compat module" : "zmtp's v5 entry is not built: no src/v5-compat.ts yet, or dist/ predates it; npm run build"})`)})\n`)
  fs.writeFileSync(path.join(tmp, "conformance-reporter.js"), REPORTER)
  // chai abbreviates values in assertion messages past 40 characters; the failure list wants them whole.
  fs.writeFileSync(path.join(tmp, "conformance-chai.js"), `"use strict"\nrequire("chai").config.truncateThreshold = 0\n`)
  return tmp
}

function listFiles(dir, only) {
  const compatDir = path.join(dir, "test", "unit", "compat")
  const compat = fs.existsSync(compatDir) ? fs.readdirSync(compatDir).filter(f => f.endsWith("-test.ts")).map(f => `compat/${f}`) : []
  const all = [...fs.readdirSync(path.join(dir, "test", "unit")).filter(f => f.endsWith("-test.ts")), ...compat].sort()
  if (only.length) {
    const res = only.map(g => new RegExp(`^${g.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`))
    return all.filter(f => res.some(re => re.test(f) || re.test(f.replace(/\.ts$/, "")) || re.test(f.replace(/-test\.ts$/, ""))))
  }
  return all.filter(f => !/typings/.test(f))
}

function runFile(tmp, deps, file, mode, logDir, timeoutSec) {
  const jsonl = path.join(tmp, `${file.replace(/\//g, "_")}.${mode}.jsonl`)
  const log = path.join(logDir, `${file}.log`)
  fs.mkdirSync(path.dirname(log), {recursive: true}) // logs/<mode>/compat/ for the compat files
  const fd = fs.openSync(log, "w")
  const mocha = path.join(deps, "node_modules", "mocha", "bin", "mocha.js")
  const args = [mocha, "--no-parallel", "--reporter", path.join(tmp, "conformance-reporter.js"), "--require", path.join(tmp, "conformance-chai.js"), path.join("test", "unit", file)]
  if (fs.existsSync(path.join(tmp, ".mocharc.js"))) args.splice(1, 0, "--config", path.join(tmp, ".mocharc.js"))
  const env = {...process.env, TS_NODE_TRANSPILE_ONLY: "true", ZMTP_CONFORMANCE_OUT: jsonl, FORCE_COLOR: "0", NO_COLOR: "1"}
  if (isDraft(file)) env.ZMQ_DRAFT = "true" // the draft files then throw, rather than skip, if capability.draft is not true
  if (isCompat(file)) env.INCLUDE_COMPAT_TESTS = "true" // without it the compat files declare no test
  const started = Date.now()
  return new Promise(resolve => {
    const child = spawn(process.execPath, args, {cwd: tmp, env, detached: true, stdio: ["ignore", fd, fd]})
    let killed = false
    const timer = setTimeout(() => {
      killed = true
      try {
        process.kill(-child.pid, "SIGKILL")
      } catch {}
    }, timeoutSec * 1000)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      try {
        process.kill(-child.pid, "SIGKILL") // stray grandchildren (mocha re-spawns node for --expose-gc)
      } catch {}
      fs.closeSync(fd)
      const tests = []
      const seen = new Map()
      const text = fs.existsSync(jsonl) ? fs.readFileSync(jsonl, "utf8") : ""
      for (const line of text.split("\n").filter(Boolean)) {
        const t = JSON.parse(line)
        const n = (seen.get(t.title) ?? 0) + 1
        seen.set(t.title, n)
        if (n > 1) t.title += ` (#${n})`
        tests.push(t)
      }
      const loadError = !killed && code !== 0 && !tests.length
      if (loadError) tests.push({state: "fail", title: LOAD_ERROR, retries: 0, error: loadErrorOf(log, code ?? signal, tmp)})
      const count = s => tests.filter(t => t.state === s).length
      resolve({pass: count("pass"), fail: count("fail"), pending: count("pending"), killed, loadError: loadError || undefined,
        exitCode: code, seconds: Math.round((Date.now() - started) / 100) / 10, tests})
    })
  })
}

// The error mocha printed when the file did not load: from the first line that looks like an error
// ("Error: ...", "TypeError: ...", "Error [ERR_...]: ...") to the end of its message.
function loadErrorOf(log, code, tmp) {
  const text = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split(tmp + "/").join("") : ""
  const lines = text.split("\n").map(l => l.replace(/^\s*Exception during run: /, ""))
  const i = lines.findIndex(l => /^\s*(\w*Error|Exception)\b.*:/.test(l))
  if (i < 0) return {message: `exit ${code}, no test reported; last output: ${lines.filter(Boolean).slice(-3).join(" / ") || "none"}`}
  const message = []
  const stack = []
  for (const l of lines.slice(i)) {
    if (/^\s+at /.test(l)) stack.push(l.trim())
    else if (stack.length) break
    else message.push(l.trim())
  }
  return {message: message.filter(Boolean).slice(0, 12).join("\n"), stack: stack.filter(l => !/node_modules[\\/]|node:internal/.test(l)).slice(0, 6)}
}

async function runMode(o, mode, deps, tooling) {
  const native = mode === "native"
  const target = native ? nativeTarget() : zmtpTarget(o)
  const files = listFiles(o.dir, o.only).filter(f => (o.draft || !isDraft(f)) && (o.compat || !isCompat(f)))
  if (!files.length) usage(`no test file matches ${o.only.join(",") || "the default set"}${o.draft ? "" : " without draft files"}${o.compat ? "" : " without compat files"}`)
  const drafts = files.filter(isDraft).length
  if (drafts && !fs.existsSync(target.draft)) console.log(`\nconformance: no draft entry at ${target.draft}: the ${drafts} draft file(s) will count as not loaded (--no-draft leaves them out)`)
  const compats = files.filter(isCompat).length
  if (compats && !fs.existsSync(target.v5compat)) console.log(`\nconformance: no v5 compat entry at ${target.v5compat}: the ${compats} compat file(s) will count as not loaded (--no-compat leaves them out)`)
  const tmp = prepareSuite(o.dir, target, native, deps)
  const results = {}
  let version
  try {
    version = execFileSync(process.execPath, ["-p", `require(${JSON.stringify(path.join(tmp, "src", "index.js"))}).version`], {encoding: "utf8"}).trim()
    const logDir = path.join(o.results, "logs", mode)
    fs.mkdirSync(logDir, {recursive: true})
    console.log(`\nconformance: ${target.label}, libzmq version reported ${version}; ${files.length} files; suite copy ${tmp}`)
    for (const file of files) {
      const r = await runFile(tmp, deps, file, mode, logDir, o.fileTimeout)
      results[file] = r
      console.log(`  ${file.padEnd(38)} pass ${String(r.pass).padStart(3)}  fail ${String(r.fail).padStart(3)}  pending ${String(r.pending).padStart(3)}  ${r.seconds}s${r.killed ? `  KILLED after ${o.fileTimeout}s` : ""}${r.loadError ? `  DID NOT LOAD: ${r.tests[0].error.message.split("\n")[0]}` : ""}`)
    }
  } finally {
    if (o.keep) console.log(`conformance: kept ${tmp}`)
    else fs.rmSync(tmp, {recursive: true, force: true})
  }

  const file = path.join(o.results, `${mode}.json`)
  const prev = o.only.length && fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {files: {}}
  const saved = {
    mode, date: new Date().toISOString(), target: target.label, libzmqVersion: version,
    nativeVersion: target.nativeVersion, zeromqjs: zeromqjsId(o.dir), tooling,
    files: {...prev.files, ...Object.fromEntries(Object.entries(results).map(([f, r]) => [f, {...r, date: new Date().toISOString()}]))},
  }
  fs.writeFileSync(file, JSON.stringify(saved, null, 1) + "\n")
  return saved
}

function zeromqjsId(dir) {
  const sha = git(dir, "rev-parse", "HEAD")
  if (!sha) return {commit: "unknown (DIR has no .git)"}
  return {commit: sha, date: git(dir, "log", "-1", "--format=%cs"), subject: git(dir, "log", "-1", "--format=%s")}
}

// ---- comparison, tables -------------------------------------------------------------------

function load(o, mode) {
  const f = path.join(o.results, `${mode}.json`)
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, "utf8")) : undefined
}

function compare(native, zmtp) {
  const files = [...new Set([...Object.keys(native?.files ?? {}), ...Object.keys(zmtp?.files ?? {})])].sort()
  const rows = []
  const differences = []
  const failures = []
  let both = 0
  let draftBoth = 0
  for (const f of files) {
    const n = native?.files[f]
    const z = zmtp?.files[f]
    const zByTitle = new Map((z?.tests ?? []).map(t => [t.title, t]))
    const nPass = new Set((n?.tests ?? []).filter(t => t.state === "pass").map(t => t.title))
    let bothHere = 0
    for (const title of nPass) {
      const t = zByTitle.get(title)
      if (t?.state === "pass") bothHere++
      else if (z) differences.push({file: f, title, zmtp: t?.state ?? (z.killed ? "not run (file killed)" : z.loadError ? "not run (file did not load)" : "not run"),
        error: t?.error ?? (z.loadError ? z.tests[0].error : undefined)})
    }
    for (const t of z?.tests ?? []) {
      if (t.state === "fail") failures.push({file: f, title: t.title, hook: t.hook, passesNatively: n ? nPass.has(t.title) : null, error: t.error})
    }
    both += bothHere
    if (isDraft(f)) draftBoth += bothHere
    rows.push({file: f, n, z, bothHere})
  }
  const sum = (get, k) => rows.reduce((a, r) => a + (get(r)?.[k] ?? 0), 0)
  const totals = {
    n: {pass: sum(r => r.n, "pass"), fail: sum(r => r.n, "fail"), pending: sum(r => r.n, "pending")},
    z: {pass: sum(r => r.z, "pass"), fail: sum(r => r.z, "fail"), pending: sum(r => r.z, "pending")},
    both,
    draft: {files: rows.filter(r => isDraft(r.file)).length, both: draftBoth, nPass: rows.filter(r => isDraft(r.file)).reduce((a, r) => a + (r.n?.pass ?? 0), 0)},
  }
  return {rows, totals, differences, failures}
}

const cell = r => (r ? `${r.pass} / ${r.fail} / ${r.pending}${r.killed ? " (killed)" : ""}${r.loadError ? " (did not load)" : ""}` : "–")
const pct = (a, b) => (b ? `${((100 * a) / b).toFixed(1)}%` : "–")

function printTable({rows, totals}) {
  const w = Math.max(18, ...rows.flatMap(r => [cell(r.n).length, cell(r.z).length]))
  console.log(`\n${"file".padEnd(38)} ${"native p/f/pend".padEnd(w)} ${"zmtp p/f/pend".padEnd(w)} zmtp passes of native passes`)
  for (const r of rows) console.log(`${r.file.padEnd(38)} ${cell(r.n).padEnd(w)} ${cell(r.z).padEnd(w)} ${r.n ? `${r.bothHere}/${r.n.pass}` : ""}`)
  console.log(`${"total".padEnd(38)} ${cell(totals.n).padEnd(w)} ${cell(totals.z).padEnd(w)} ${totals.both}/${totals.n.pass} = ${pct(totals.both, totals.n.pass)}`)
  if (totals.draft.files) console.log(`${"of which draft files".padEnd(38)} ${"".padEnd(w)} ${"".padEnd(w)} ${totals.draft.both}/${totals.draft.nPass}`)
}

function firstLine(e) {
  return (e?.message ?? "").split("\n")[0].replace(/\|/g, "\\|").slice(0, 400)
}

function markdown(native, zmtp, cmp) {
  const L = []
  const {rows, totals, differences} = cmp
  const z = zmtp ?? {}
  const n = native ?? {}
  const zjs = (zmtp ?? native)?.zeromqjs ?? {}
  L.push(`Run of ${(z.date ?? n.date ?? "").slice(0, 10)}: zeromq.js commit \`${zjs.commit}\`${zjs.date ? ` (${zjs.date})` : ""}; native: ${n.target ?? "–"}, libzmq ${n.libzmqVersion ?? "–"}; ${z.target ?? "zmtp: –"}. Mocha ${(z.tooling ?? n.tooling)?.mocha ?? "?"}, one process per file, not parallel, retries and timeout as in the suite's .mocharc.js.`)
  const compatFiles = rows.filter(r => isCompat(r.file)).length
  L.push(`Files: \`test/unit/*-test.ts\` without typings files${compatFiles ? ", and the v5 compat files `test/unit/compat/*-test.ts` (as `compat/…`, run with `INCLUDE_COMPAT_TESTS=true`)" : ""}${totals.draft.files ? "; the draft files (`socket-draft-*`, `zmq-draft`) run with `ZMQ_DRAFT=true`" : " and, in these results, without draft files"}. Cells: pass / fail / pending (a failed hook counts as a failure, and so does a file that did not load; the tests they skip count nowhere).`)
  L.push("")
  L.push("| file | native | zmtp | zmtp passes of native passes |")
  L.push("|---|---|---|---|")
  for (const r of rows) L.push(`| ${r.file} | ${cell(r.n)} | ${cell(r.z)} | ${r.n ? `${r.bothHere} / ${r.n.pass}` : ""} |`)
  L.push(`| **total** | **${cell(totals.n)}** | **${cell(totals.z)}** | **${totals.both} / ${totals.n.pass} = ${pct(totals.both, totals.n.pass)}** |`)
  L.push("")
  L.push(`Target: at least 97% of the native passes. ${totals.both >= Math.ceil(0.97 * totals.n.pass) ? "Met" : `Not met (${Math.ceil(0.97 * totals.n.pass)} needed)`}.`)
  if (totals.draft.files) L.push(`Draft files: zmtp passes ${totals.draft.both} of their ${totals.draft.nPass} native passes${totals.draft.nPass && totals.draft.both === totals.draft.nPass ? " (all)" : ""}.`)
  L.push("")
  L.push(`### Tests that pass natively but not against zmtp (${differences.length})`)
  L.push("")
  let last
  for (const d of differences) {
    if (d.file !== last) {
      L.push(`${last ? "\n" : ""}**${d.file}**`)
      L.push("")
      last = d.file
    }
    L.push(`- ${d.title.replace(/\|/g, "\\|")} — ${d.zmtp}${d.error ? `: ${firstLine(d.error)}` : ""}`)
  }
  const extra = cmp.rows.flatMap(r => {
    const nState = new Map((r.n?.tests ?? []).map(t => [t.title, t.state]))
    return (r.z?.tests ?? []).filter(t => t.state === "pass" && r.n && nState.get(t.title) !== "pass").map(t => `- ${r.file}: ${t.title} (native: ${nState.get(t.title) ?? "not run"})`)
  })
  if (extra.length) L.push("", `### Tests that pass against zmtp but not natively (${extra.length})`, "", ...extra)
  return L.join("\n")
}

function writeMarkdown(file, body) {
  let text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : ""
  const block = `${BEGIN}\n${body}\n${END}`
  const a = text.indexOf("<!-- conformance:begin")
  const b = text.indexOf(END)
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + END.length)
  else text = (text || `# Conformance\n\nzeromq.js's unit suite run against zmtp (see scripts/conformance.mjs).\n\n`) + block + "\n"
  fs.writeFileSync(file, text)
  console.log(`conformance: wrote ${path.relative(process.cwd(), file)}`)
}

// ---- main ---------------------------------------------------------------------------------------

const o = parseArgs(process.argv.slice(2))
fs.mkdirSync(o.results, {recursive: true})
if (o.dir) {
  if (!fs.existsSync(path.join(o.dir, "test", "unit"))) usage(`${o.dir} has no test/unit (a zeromq.js checkout is expected)`)
  const tooling = toolingVersions(o.dir)
  const deps = installTooling(tooling)
  for (const mode of o.both ? ["native", "zmtp"] : [o.native ? "native" : "zmtp"]) await runMode(o, mode, deps, tooling)
}
const native = load(o, "native")
const zmtp = load(o, "zmtp")
const cmp = compare(native, zmtp)
printTable(cmp)
if (zmtp) {
  fs.writeFileSync(path.join(o.results, "zmtp-failures.json"), JSON.stringify(cmp.failures, null, 1) + "\n")
  fs.writeFileSync(path.join(o.results, "differences.json"), JSON.stringify(cmp.differences, null, 1) + "\n")
  console.log(`\nconformance: ${cmp.failures.length} failing against zmtp -> ${path.join(o.results, "zmtp-failures.json")}`)
  if (native) console.log(`conformance: ${cmp.differences.length} pass natively but not against zmtp -> ${path.join(o.results, "differences.json")}`)
}
if (o.write) writeMarkdown(o.write, markdown(native, zmtp, cmp))
