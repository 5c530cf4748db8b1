// npm run bench:filemq [-- SIZE_MB]: FileMQ mirroring a tree (1 GiB by default) against this
// stack's own PUSH→PULL at 1 MiB, in one run on one machine (issue 5: ≥ 80%).
//
// The server is a `filemq serve` process, the client runs here; the clock starts when the client
// connects and stops when the last file has been renamed into the inbox (so it includes writing
// to disk and the SHA-1 check before each rename). Every digest is compared afterwards.
// The reference is zmtp PUSH (child process) → PULL (here) moving the same number of bytes in
// 1 MiB messages over tcp. FMQ_CREDIT sets the client's credit window (default 8,000,000 bytes).
import {fork, spawn} from "node:child_process"
import {createHash, randomBytes} from "node:crypto"
import {closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync} from "node:fs"
import net from "node:net"
import {availableParallelism, tmpdir} from "node:os"
import {join} from "node:path"
import {fileURLToPath} from "node:url"

const dist = new URL("../dist/esm/", import.meta.url)
const zmq = await import(new URL("index.js", dist).href)
const {FmqClient} = await import(new URL("filemq/index.js", dist).href)

const MiB = 1 << 20
if (process.argv[2] === "push-child") {
  const push = new zmq.Push()
  push.connect(process.argv[3])
  const body = randomBytes(MiB)
  const count = Number(process.argv[4])
  for (let i = 0; i < count; i++) await push.send(body)
  process.on("message", () => {
    push.close()
    process.exit(0)
  })
  process.send("sent")
} else {
  const totalMB = Number(process.argv[2] ?? 1024)
  const FILE_MB = 16
  const files = Math.max(1, Math.round(totalMB / FILE_MB))
  const work = mkdtempSync(join(tmpdir(), "zmtp-fmq-bench-"))
  const source = join(work, "source")
  const inbox = join(work, "inbox")
  const digests = new Map()
  process.stderr.write(`writing ${files} × ${FILE_MB} MiB under ${source}\n`)
  for (let i = 0; i < files; i++) {
    const dir = join(source, `d${i % 8}`)
    mkdirSync(dir, {recursive: true})
    const data = randomBytes(FILE_MB * MiB)
    writeFileSync(join(dir, `f${i}.bin`), data)
    digests.set(`d${i % 8}/f${i}.bin`, createHash("sha1").update(data).digest("hex"))
  }
  const bytes = files * FILE_MB * MiB
  // Fresh VM memory is slow to touch the first time (measured here: ~3 ms per MiB written into the
  // page cache, against ~0.2 ms once those pages have been used). The mirror writes `bytes` into
  // the page cache and PUSH→PULL writes nothing, so warm that much first: we measure the stack,
  // not the hypervisor.
  {
    const warm = join(work, "warm")
    const block = Buffer.alloc(MiB, 1)
    const fd = openSync(warm, "w")
    for (let i = 0; i < bytes / MiB; i++) writeSync(fd, block)
    closeSync(fd)
    unlinkSync(warm)
  }
  /** CPU ms (user + system) a process has used so far, from /proc (Linux). */
  const cpuOf = pid => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
      return ((Number(f[11]) + Number(f[12])) * 1000) / 100
    } catch {
      return NaN
    }
  }
  const ownCpu = () => {
    const u = process.cpuUsage()
    return (u.user + u.system) / 1000
  }

  // FileMQ: server process, client here.
  const port = await new Promise(r => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port
      s.close(() => r(p))
    })
  })
  const endpoint = `tcp://127.0.0.1:${port}`
  const server = spawn(process.execPath, [fileURLToPath(new URL("filemq/cli.js", dist)), "serve", source, "--bind", endpoint, "--stable", "0"], {stdio: "ignore"})
  await new Promise(r => setTimeout(r, 1500)) // the server hashes the tree before it serves
  const client = new FmqClient({inbox, credit: Number(process.env.FMQ_CREDIT ?? 8_000_000)})
  let got = 0
  const cpu0 = [ownCpu(), cpuOf(server.pid)]
  const t0 = performance.now()
  const done = new Promise(resolve => client.on("file", () => ++got === files && resolve()))
  client.subscribe("/")
  await client.connect(endpoint)
  await done
  const fmqSeconds = (performance.now() - t0) / 1000
  const fmqCpu = [ownCpu() - cpu0[0], cpuOf(server.pid) - cpu0[1]]
  await client.close()
  server.kill()
  let bad = 0
  for (const [rel, want] of digests) {
    const got = createHash("sha1").update(readFileSync(join(inbox, rel))).digest("hex")
    if (got !== want) bad++
  }

  // PUSH→PULL at 1 MiB, the same bytes.
  const pull = new zmq.Pull()
  await pull.bind("tcp://127.0.0.1:*")
  const count = bytes / MiB
  const child = fork(fileURLToPath(import.meta.url), ["push-child", pull.lastEndpoint, String(count)], {stdio: "inherit"})
  let n = 0
  let p0 = 0
  let pcpu0 = [0, 0]
  for await (const [m] of pull) {
    if (n === 0) {
      p0 = performance.now()
      pcpu0 = [ownCpu(), cpuOf(child.pid)]
    }
    if (++n === count) break
  }
  const pushSeconds = (performance.now() - p0) / 1000
  const pushCpu = [ownCpu() - pcpu0[0], cpuOf(child.pid) - pcpu0[1]]
  child.send("stop")
  pull.close()
  rmSync(work, {recursive: true, force: true})

  const fmqRate = bytes / MiB / fmqSeconds
  const pushRate = ((count - 1) * MiB) / MiB / pushSeconds
  console.log(`FileMQ mirror: ${files} files, ${(bytes / MiB).toFixed(0)} MiB in ${fmqSeconds.toFixed(2)} s = ${fmqRate.toFixed(0)} MiB/s; digests ${bad === 0 ? "all identical" : `${bad} differ`}`)
  console.log(`zmtp PUSH→PULL tcp 1 MiB: ${pushRate.toFixed(0)} MiB/s`)
  const perMiB = (ms, mib) => (ms / mib).toFixed(2)
  console.log(
    `CPU per MiB moved: FileMQ ${perMiB(fmqCpu[0] + fmqCpu[1], bytes / MiB)} ms (server ${perMiB(fmqCpu[1], bytes / MiB)}, client ${perMiB(fmqCpu[0], bytes / MiB)} incl. SHA-1 and file writes); ` +
      `PUSH→PULL ${perMiB(pushCpu[0] + pushCpu[1], count - 1)} ms (sender ${perMiB(pushCpu[1], count - 1)}, receiver ${perMiB(pushCpu[0], count - 1)}); ${availableParallelism()} cores`,
  )
  console.log(`${fmqRate >= 0.8 * pushRate ? "PASS" : "FAIL"}  FileMQ ≥ 80% of PUSH→PULL 1 MiB: ${((100 * fmqRate) / pushRate).toFixed(0)}%`)
  if (bad) process.exit(1)
}
