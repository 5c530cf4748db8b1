/**
 * FileMQ end to end: our server and our client on real temp directories over real loopback tcp.
 */
import {afterAll, afterEach, describe, expect, test} from "vitest"
import {existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync, appendFileSync} from "node:fs"
import {join} from "node:path"
import {allNames, blob, digests, put, removeTempDirs, sameTree, sha1, sizeOf, sleep, tempDir, until} from "./helpers.js"
import {closeAll, forget, forgetServer, serve, sync} from "./fixtures.js"

afterEach(closeAll)
afterAll(removeTempDirs)

const noTempFiles = (root: string) => allNames(root).filter(n => n.endsWith(".filemq-part"))
const report = (line: string) => console.log(`[filemq] ${line}`)

describe("mirroring", () => {
  test("a nested tree with a 0-byte file, unicode names and a 30 MB file", async () => {
    const src = tempDir("src")
    const dst = tempDir("dst")
    put(src, "README.txt", "hello\n")
    put(src, "empty.dat", "")
    put(src, "a/b/c/d/e/deep.txt", "deep")
    put(src, "données/été ☀️.txt", "soleil")
    put(src, "日本語/ファイル名.md", "# テスト")
    put(src, "emoji/🐟🐠🐡.bin", blob(5000))
    put(src, "big/huge.bin", blob(30_000_000))
    const {endpoint, server} = await serve(src, {stableMs: 0})
    const t0 = Date.now()
    const w = await sync(dst, endpoint)
    await until(() => w.files.length === 7, 20_000, "7 files")
    const s = (Date.now() - t0) / 1000
    expect(sameTree(src, dst)).toBe(true)
    expect(digests(dst).get("empty.dat")).toBe(sha1(Buffer.alloc(0)))
    expect(noTempFiles(dst)).toEqual([])
    expect(server.stats.bytesSent).toBe(30_000_000 + 6 + 4 + 6 + Buffer.byteLength("# テスト") + 5000)
    report(`nested tree: 7 files, ${(server.stats.bytesSent / 1e6).toFixed(1)} MB in ${s.toFixed(2)} s (${(server.stats.bytesSent / 1e6 / s).toFixed(0)} MB/s)`)
  })

  test("1,000 small files", async () => {
    const src = tempDir("src")
    const dst = tempDir("dst")
    let bytes = 0
    for (let i = 0; i < 1000; i++) {
      const content = `file ${i} `.repeat(1 + (i % 50))
      bytes += content.length
      put(src, `d${i % 20}/sub${i % 3}/f${i}.txt`, content)
    }
    const {endpoint} = await serve(src, {stableMs: 0})
    const t0 = Date.now()
    const w = await sync(dst, endpoint)
    await until(() => w.files.length === 1000, 30_000, "1000 files")
    const s = (Date.now() - t0) / 1000
    expect(sameTree(src, dst)).toBe(true)
    expect(w.client.stats.filesReceived).toBe(1000)
    report(`1,000 small files (${bytes} bytes) in ${s.toFixed(2)} s`)
  })

  test("two clients with different subscriptions, and a second mount under an alias", async () => {
    const src = tempDir("src")
    const extra = tempDir("extra")
    put(src, "photos/a.jpg", "A")
    put(src, "photos/2024/b.jpg", "B")
    put(src, "docs/x.txt", "X")
    put(src, "photosynthesis.txt", "not a photo") // "/photos" must not match "/photosynthesis.txt"
    put(extra, "e.txt", "E")
    const {endpoint, server} = await serve([
      [src, "/"],
      [extra, "/extra"],
    ])
    const one = tempDir("one")
    const two = tempDir("two")
    const w1 = await sync(one, endpoint, ["/photos"])
    const w2 = await sync(two, endpoint, ["/docs", "/extra"])
    await until(() => w1.files.length === 2 && w2.files.length === 2, 5000, "both clients")
    expect([...digests(one).keys()].sort()).toEqual(["2024/b.jpg", "a.jpg"])
    expect([...digests(two).keys()].sort()).toEqual(["e.txt", "x.txt"])
    // Live changes go only to the client that subscribed to them.
    put(src, "photos/c.jpg", "C")
    put(src, "docs/y.txt", "Y")
    await until(() => w1.files.length === 3 && w2.files.length === 3, 5000, "live changes")
    await sleep(150)
    expect([...digests(one).keys()].sort()).toEqual(["2024/b.jpg", "a.jpg", "c.jpg"])
    expect([...digests(two).keys()].sort()).toEqual(["e.txt", "x.txt", "y.txt"])
    expect(server.stats.clients).toBe(2)
  })
})

describe("changes", () => {
  test("modify, delete and shrink propagate; a touch is not re-sent; empty directories go", async () => {
    const src = tempDir("src")
    const dst = tempDir("dst")
    put(src, "a.txt", "aaaa")
    put(src, "b.txt", "bbbb")
    put(src, "c.txt", "cccc")
    put(src, "gone/deep/x.txt", "x")
    put(src, "big.bin", blob(3_000_000))
    const {endpoint} = await serve(src)
    const w = await sync(dst, endpoint)
    await until(() => sameTree(src, dst) && w.files.length === 5, 5000, "first sync")
    const before = w.files.length

    put(src, "a.txt", "AAAA") // same size, new content
    rmSync(join(src, "b.txt"))
    rmSync(join(src, "gone"), {recursive: true})
    truncateSync(join(src, "big.bin"), 6) // 3 MB → 6 bytes
    const t = new Date(Date.now() + 5000)
    utimesSync(join(src, "c.txt"), t, t) // touched, same content
    put(src, "new/dir/n.txt", "new")
    await until(() => sameTree(src, dst) && w.deleted.length === 2 && w.files.length - before === 3, 5000, "changes")
    expect(readFileSync(join(dst, "a.txt"), "utf8")).toBe("AAAA")
    expect(sizeOf(join(dst, "big.bin"))).toBe(6)
    expect(existsSync(join(dst, "b.txt"))).toBe(false)
    expect(existsSync(join(dst, "gone"))).toBe(false) // emptied directories are removed
    expect(w.deleted.sort()).toEqual(["b.txt", "gone/deep/x.txt"])
    await sleep(400)
    expect(w.count("c.txt")).toBe(1) // the touch did not re-send it
    expect(w.files.length - before).toBe(3) // a.txt, big.bin, new/dir/n.txt
  })

  test("a file that becomes a directory, and a directory that becomes a file", async () => {
    const src = tempDir("src")
    const dst = tempDir("dst")
    put(src, "x", "x was a file")
    put(src, "y/inner.txt", "y was a directory")
    const {endpoint} = await serve(src, {stableMs: 50})
    const w = await sync(dst, endpoint)
    await until(() => sameTree(src, dst), 5000, "first sync")
    rmSync(join(src, "x"))
    put(src, "x/now-inside.txt", "x is a directory now")
    rmSync(join(src, "y"), {recursive: true})
    put(src, "y", "y is a file now")
    await until(() => sameTree(src, dst) && w.count("y") === 1, 8000, "swapped")
    expect(readFileSync(join(dst, "y"), "utf8")).toBe("y is a file now")
    expect(w.client.stats.filesReceived).toBeGreaterThanOrEqual(4)
  })

  test("deletions and changes while the client was offline; local files are left alone", async () => {
    const src = tempDir("src")
    const dst = tempDir("dst")
    for (let i = 0; i < 20; i++) put(src, `f${i}.txt`, `content ${i}`)
    put(src, "sub/keep.txt", "keep")
    put(src, "sub/drop.txt", "drop")
    const {endpoint, server} = await serve(src)
    const first = await sync(dst, endpoint)
    await until(() => first.files.length === 22, 5000, "first sync")
    await first.client.close()
    forget(first.client)

    put(dst, "mine.txt", "a file the user put here")
    rmSync(join(src, "f3.txt"))
    rmSync(join(src, "sub/drop.txt"))
    put(src, "f4.txt", "changed while offline")
    put(src, "added.txt", "added while offline")
    await until(() => !server["mounts"].exists("/f3.txt") && !server["mounts"].exists("/sub/drop.txt"), 3000, "server saw the deletes")
    await sleep(250) // let the new files settle

    const second = await sync(dst, endpoint)
    await until(() => !existsSync(join(dst, "f3.txt")) && existsSync(join(dst, "added.txt")) && second.files.length >= 2, 5000, "offline changes")
    await sleep(200)
    expect(second.deleted.sort()).toEqual(["f3.txt", "sub/drop.txt"])
    // Only what changed was sent: the cache covered the other 19 files.
    expect(second.files.map(f => f.rel).sort()).toEqual(["added.txt", "f4.txt"])
    const want = digests(src)
    want.set("mine.txt", sha1(Buffer.from("a file the user put here")))
    expect(digests(dst)).toEqual(want)
  })

  test("a file is published once, after it stopped changing", async () => {
    const src = tempDir("src")
    const dst = tempDir("dst")
    const {endpoint} = await serve(src, {stableMs: 300})
    const w = await sync(dst, endpoint)
    await until(() => w.client.ready, 3000, "subscribed")
    const path = join(src, "growing.log")
    writeFileSync(path, "")
    for (let i = 0; i < 8; i++) {
      appendFileSync(path, `line ${i}\n`)
      await sleep(60)
    }
    await until(() => w.files.length === 1, 5000, "growing.log")
    await sleep(500)
    expect(w.files.length).toBe(1)
    expect(readFileSync(join(dst, "growing.log"), "utf8")).toBe(readFileSync(path, "utf8"))
  })

  test("without fs.watch, the periodic rescan finds changes", async () => {
    const src = tempDir("src")
    const dst = tempDir("dst")
    const {endpoint} = await serve(src, {watch: false, rescanMs: 150, stableMs: 50})
    const w = await sync(dst, endpoint)
    await until(() => w.client.ready, 3000, "subscribed")
    put(src, "later/x.txt", "found by rescan")
    await until(() => w.files.length === 1, 5000, "rescan")
    rmSync(join(src, "later/x.txt"))
    await until(() => w.deleted.length === 1, 5000, "rescan delete")
  })
})

describe("recovery", () => {
  test("a client killed mid-transfer resumes from where it stopped", async () => {
    const src = tempDir("src")
    const dst = tempDir("dst")
    const content = blob(40_000_000)
    put(src, "big.bin", content)
    const {endpoint} = await serve(src, {stableMs: 0})
    const first = await sync(dst, endpoint)
    let killedAt = 0
    first.client.on("progress", e => {
      if (killedAt === 0 && e.offset >= 10_000_000) {
        killedAt = e.offset
        void first.client.abort() // the socket closes mid-stream; nothing else is written
      }
    })
    await until(() => killedAt > 0, 10_000, "10 MB received")
    forget(first.client)
    await sleep(50)
    expect(existsSync(join(dst, "big.bin"))).toBe(false) // never a partial file under the real name
    const part = join(dst, ".big.bin.filemq-part")
    const partial = sizeOf(part)
    expect(partial).toBeGreaterThanOrEqual(10_000_000)
    expect(partial).toBeLessThan(40_000_000)

    const second = await sync(dst, endpoint)
    await until(() => second.files.length === 1, 15_000, "resumed file")
    const f = second.files[0]!
    expect(f.from).toBe(partial)
    expect(second.client.stats.resumed).toBe(1)
    expect(second.client.stats.bytesReceived).toBe(40_000_000 - partial)
    expect(f.sha1).toBe(sha1(content))
    expect(digests(dst).get("big.bin")).toBe(sha1(content))
    expect(noTempFiles(dst)).toEqual([])
    report(`resume: killed at ${(killedAt / 1e6).toFixed(1)} MB, ${(partial / 1e6).toFixed(1)} MB on disk, resumed and fetched the last ${((40_000_000 - partial) / 1e6).toFixed(1)} MB`)
  })

  test("server restarted: the client reconnects, resubscribes, resumes and gets what changed", async () => {
    const src = tempDir("src")
    const dst = tempDir("dst")
    put(src, "a.txt", "one")
    const content = blob(20_000_000)
    put(src, "big.bin", content)
    const first = await serve(src, {stableMs: 0})
    const port = first.endpoint.split(":").pop()
    const w = await sync(dst, first.endpoint, ["/"], {credit: 2_000_000})
    let stopped = false
    w.client.on("progress", e => {
      if (!stopped && e.vpath === "/big.bin" && e.offset >= 5_000_000) {
        stopped = true
        void first.server.close()
      }
    })
    await until(() => stopped, 10_000, "5 MB of big.bin")
    forgetServer(first.server)
    await sleep(100)
    put(src, "b.txt", "added while the server was down")
    const second = await serve(src, {stableMs: 0}, `tcp://127.0.0.1:${port}`)
    await until(() => sameTree(src, dst) && w.count("big.bin") === 1 && w.count("b.txt") === 1, 15_000, "sync after restart")
    const big = w.files.find(f => f.rel === "big.bin")!
    expect(big.from).toBeGreaterThanOrEqual(5_000_000) // resumed, not sent again from 0
    expect(w.count("a.txt")).toBe(1) // not sent again: it was in the cache
    expect(w.client.stats.sessions).toBeGreaterThanOrEqual(2)
    expect(second.server.stats.filesSent).toBe(2) // b.txt and the rest of big.bin
  })
})

describe("safety", () => {
  test("a symlinked directory in the inbox that leads outside is refused; the server skips links and dot files", async () => {
    const src = tempDir("src")
    const dst = tempDir("dst")
    const outside = tempDir("outside")
    put(src, "ok.txt", "fine")
    put(src, "evil/x.txt", "should not escape")
    put(src, ".hidden", "dot files are not published")
    put(outside, "secret.txt", "not to be published")
    symlinkSync(join(outside, "secret.txt"), join(src, "link.txt"))
    symlinkSync(outside, join(dst, "evil"))
    const {endpoint} = await serve(src)
    const w = await sync(dst, endpoint)
    await until(() => w.files.length === 1 && w.rejected.length === 1, 5000, "ok.txt and a refusal")
    await sleep(200)
    expect(w.files.map(f => f.rel)).toEqual(["ok.txt"])
    expect(w.rejected[0]!.vpath).toBe("/evil/x.txt")
    expect(allNames(outside)).toEqual(["secret.txt"])
    expect(existsSync(join(dst, ".hidden"))).toBe(false)
    expect(existsSync(join(dst, "link.txt"))).toBe(false)
  })

  test("the inbox's own state is never overwritten by a published .filemq folder", async () => {
    const src = tempDir("src")
    const dst = tempDir("dst")
    mkdirSync(join(src, "sub"))
    put(src, "sub/.filemq/manifest.json", "{}")
    put(src, "sub/file.txt", "x")
    const {endpoint} = await serve(src)
    const w = await sync(dst, endpoint)
    await until(() => w.files.length === 1, 5000, "file.txt")
    expect(existsSync(join(dst, "sub/.filemq"))).toBe(false)
  })
})
