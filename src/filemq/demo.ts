/**
 * The FileMQ demo (what `npm start` runs): makes a sample folder in a temp directory (a nested
 * tree, a 0-byte file, a few-MB file, unicode names), serves it with a FileMQ server on
 * 127.0.0.1, mirrors it into another temp folder with a FileMQ client over tcp, shows progress,
 * checks the SHA-1 of every file on both sides, and resolves with a summary.
 */
import {Buffer} from "node:buffer"
import {createHash, randomBytes} from "node:crypto"
import {mkdir, mkdtemp, readFile, rm, writeFile} from "node:fs/promises"
import {tmpdir} from "node:os"
import {dirname, join} from "node:path"
import {FmqClient} from "./client.js"
import {formatBytes, Progress, type Output} from "./progress.js"
import {FmqServer} from "./server.js"

export interface DemoOptions {
  /** Where to print (default stdout); progress is a redrawn line when it is a TTY. */
  out?: Output
  /** Size of the big file in bytes (default 4 MB). */
  bigFileSize?: number
  /** Keep the temp folders instead of removing them (default false). */
  keep?: boolean
  /** Give up after this long (ms; default 60,000). */
  timeoutMs?: number
}

export interface DemoSummary {
  ok: boolean
  files: number
  bytes: number
  seconds: number
  endpoint: string
  source: string
  mirror: string
  /** Relative paths whose SHA-1 differs or that are missing in the mirror. */
  mismatches: string[]
}

/** The sample tree: relative path → content. */
function sampleTree(bigFileSize: number): Map<string, Buffer> {
  const text = (s: string) => Buffer.from(s, "utf8")
  return new Map<string, Buffer>([
    ["README.txt", text("A sample folder published with FileMQ (ZeroMQ in pure TypeScript).\n")],
    ["empty.dat", Buffer.alloc(0)],
    ["big/archive.bin", randomBytes(bigFileSize)],
    ["photos/2024/été ☀️.jpg", randomBytes(180_000)],
    ["photos/2024/hiver ❄.jpg", randomBytes(120_000)],
    ["docs/日本語/メモ.md", text("# メモ\n\nファイル転送のテスト。\n")],
    ["docs/Ελληνικά/σημειώσεις.txt", text("Καλημέρα κόσμε\n")],
    ["docs/notes/todo.txt", text("- mirror a folder\n- verify every digest\n")],
    ["nested/a/b/c/d/deep.txt", text("five levels down\n")],
    ["nested/a/b/small.json", text(JSON.stringify({hello: "world", n: 42}) + "\n")],
  ])
}

const sha1 = (b: Buffer) => createHash("sha1").update(b).digest("hex").toUpperCase()

export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const out = options.out ?? process.stdout
  const say = (s: string) => out.write(s + "\n")
  const base = await mkdtemp(join(tmpdir(), "filemq-demo-"))
  const source = join(base, "published")
  const mirror = join(base, "mirror")
  const tree = sampleTree(options.bigFileSize ?? 4_000_000)
  let totalBytes = 0
  for (const [rel, content] of tree) {
    const abs = join(source, ...rel.split("/"))
    await mkdir(dirname(abs), {recursive: true})
    await writeFile(abs, content)
    totalBytes += content.length
  }
  say(`FileMQ demo: ${tree.size} files, ${formatBytes(totalBytes)} in ${source}`)

  // Files written just now are published at once (stableMs 0): nothing is writing them any more.
  const server = new FmqServer({stableMs: 0})
  const client = new FmqClient({inbox: mirror})
  const started = Date.now()
  let endpoint = ""
  try {
    await server.publish(source, "/")
    endpoint = await server.bind("tcp://127.0.0.1:*")
    say(`server: publishing ${source} as / on ${endpoint}`)
    say(`client: mirroring / into ${mirror}`)

    const progress = new Progress(out, {files: tree.size, bytes: totalBytes})
    const received = new Set<string>()
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo: only ${received.size} of ${tree.size} files arrived in time`)), options.timeoutMs ?? 60_000)
      client.on("progress", e => progress.progress(e))
      client.on("file", e => {
        progress.file(e)
        received.add(e.rel)
        if (received.size >= tree.size && [...tree.keys()].every(r => received.has(r))) {
          clearTimeout(timer)
          resolve()
        }
      })
      client.on("rejected", e => progress.line(`refused ${e.vpath}: ${e.reason}`))
    })
    client.subscribe("/")
    await client.connect(endpoint)
    await done
    const seconds = (Date.now() - started) / 1000
    progress.finish(`mirrored ${tree.size} files, ${formatBytes(totalBytes)} in ${seconds.toFixed(2)} s`)

    const mismatches: string[] = []
    say("SHA-1 check:")
    for (const [rel, content] of tree) {
      const want = sha1(content)
      let got = "(missing)"
      try {
        got = sha1(await readFile(join(mirror, ...rel.split("/"))))
      } catch {
        // missing
      }
      const ok = got === want
      if (!ok) mismatches.push(rel)
      say(`  ${ok ? "ok " : "BAD"} ${want}  ${rel} (${formatBytes(content.length)})`)
    }
    say(mismatches.length === 0 ? `all ${tree.size} digests match` : `${mismatches.length} files differ: ${mismatches.join(", ")}`)
    return {ok: mismatches.length === 0, files: tree.size, bytes: totalBytes, seconds, endpoint, source, mirror, mismatches}
  } finally {
    await client.close()
    await server.close()
    if (!options.keep) await rm(base, {recursive: true, force: true})
  }
}

/** Run as a program: `node dist/esm/filemq/demo.js`. */
if (/(^|[\\/])filemq[\\/]demo\.(c|m)?js$/.test(process.argv[1] ?? "")) {
  runDemo().then(
    s => {
      process.exitCode = s.ok ? 0 : 1
    },
    err => {
      console.error(err)
      process.exitCode = 1
    },
  )
}
