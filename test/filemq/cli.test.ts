import {afterAll, describe, expect, test} from "vitest"
import {main} from "../../src/filemq/cli.js"
import {runDemo} from "../../src/filemq/demo.js"
import {Progress, formatBytes, formatDuration} from "../../src/filemq/progress.js"
import {blob, put, removeTempDirs, sameTree, tempDir, until} from "./helpers.js"

afterAll(removeTempDirs)

class Capture {
  text = ""
  constructor(readonly isTTY = false) {}
  write(s: string): boolean {
    this.text += s
    return true
  }
  get lines(): string[] {
    return this.text.split("\n").filter(l => l !== "")
  }
}

describe("filemq CLI", () => {
  test("serve and sync: one line per file off a TTY, clean stop, exit code 0", async () => {
    const src = tempDir("src")
    const dst = tempDir("dst")
    put(src, "a.txt", "a")
    put(src, "sub/b.bin", blob(2_500_000))
    put(src, "zero", "")
    const serverOut = new Capture()
    const stopServer = new AbortController()
    let endpoint = ""
    const serving = main(["serve", src, "--bind", "tcp://127.0.0.1:*", "--stable", "0"], {stdout: serverOut, stderr: serverOut, signal: stopServer.signal, onReady: i => (endpoint = i.endpoint)})
    await until(() => endpoint !== "", 5000, "server up")
    expect(serverOut.lines[0]).toMatch(/^serving .* as \/ on tcp:\/\/127\.0\.0\.1:\d+/)

    const clientOut = new Capture()
    const stopClient = new AbortController()
    const syncing = main(["sync", endpoint, dst, "--path", "/"], {stdout: clientOut, stderr: clientOut, signal: stopClient.signal})
    await until(() => sameTree(src, dst), 10_000, "mirror")
    await until(() => clientOut.lines.length >= 4, 2000, "lines")
    expect(clientOut.lines.filter(l => l.startsWith("received")).sort()).toEqual(["received a.txt (1 B)", "received sub/b.bin (2.50 MB)", "received zero (0 B)"])
    stopClient.abort()
    expect(await syncing).toBe(0)
    expect(clientOut.lines.at(-1)).toMatch(/^stopping \(3 files, 2.50 MB received, 0 deleted\)$/)
    stopServer.abort()
    expect(await serving).toBe(0)
    expect(serverOut.text).toMatch(/sent \/sub\/b\.bin to [0-9a-f]+/)
  })

  test("SIGINT stops sync cleanly", async () => {
    const dst = tempDir("dst")
    const out = new Capture()
    const before = process.listeners("SIGINT")
    let ready = false
    // Nobody listens there: the client keeps trying until told to stop.
    const syncing = main(["sync", "tcp://127.0.0.1:9", dst], {stdout: out, stderr: out, onReady: () => (ready = true)})
    await until(() => ready, 5000, "client up")
    // Deliver the signal to our handler only (the test runner may have its own).
    for (const l of before) process.off("SIGINT", l)
    try {
      process.emit("SIGINT")
    } finally {
      for (const l of before) process.on("SIGINT", l)
    }
    expect(await syncing).toBe(0)
    expect(out.lines.at(-1)).toBe("SIGINT: stopping (0 files, 0 B received, 0 deleted)")
    expect(process.listeners("SIGINT")).toEqual(before) // nothing left behind
  })

  test("usage errors exit with 2", async () => {
    const err = new Capture()
    expect(await main([], {stdout: err, stderr: err})).toBe(2)
    expect(await main(["frobnicate"], {stdout: err, stderr: err})).toBe(2)
    expect(await main(["serve"], {stdout: err, stderr: err})).toBe(2)
    expect(await main(["sync", "nope", "dir"], {stdout: err, stderr: err})).toBe(2)
    expect(await main(["serve", "x", "--bogus"], {stdout: err, stderr: err})).toBe(2)
    expect(err.text).toContain("usage:")
    const out = new Capture()
    expect(await main(["--help"], {stdout: out, stderr: out})).toBe(0)
    expect(out.text).toContain("filemq sync ENDPOINT DIR")
  })
})

describe("progress display", () => {
  test("on a TTY: one redrawn line with files, bytes, rate and ETA", async () => {
    const out = new Capture(true)
    const p = new Progress(out, {files: 2, bytes: 2_000_000})
    p.progress({vpath: "/a", rel: "a", offset: 1_000_000, size: 2_000_000, bytes: 1_000_000, queueFiles: 1, queueBytes: 0})
    await new Promise(r => setTimeout(r, 250))
    p.progress({vpath: "/a", rel: "a", offset: 2_000_000, size: 2_000_000, bytes: 1_000_000, queueFiles: 1, queueBytes: 0})
    p.file({vpath: "/a", rel: "a", path: "/x/a", size: 2_000_000, sha1: "", from: 0})
    p.finish("done")
    expect(out.text).toContain("\r\x1b[K")
    expect(out.text).toMatch(/1\/2 files {2}2\.00 MB\/2\.00 MB {2}[\d.]+ [kMG]B\/s {2}ETA /)
    expect(out.text.endsWith("\ndone\n")).toBe(true)
    expect(out.text).not.toContain("received a") // no per-file lines on a TTY
  })

  test("formatting", () => {
    expect(formatBytes(999)).toBe("999 B")
    expect(formatBytes(1_500_000)).toBe("1.50 MB")
    expect(formatBytes(30_000_000)).toBe("30.0 MB")
    expect(formatDuration(5.2)).toBe("6s")
    expect(formatDuration(125)).toBe("2m05s")
  })
})

describe("demo", () => {
  test("runDemo mirrors its sample folder and every digest matches", async () => {
    const out = new Capture()
    const summary = await runDemo({out, bigFileSize: 3_000_000})
    expect(summary.ok).toBe(true)
    expect(summary.files).toBe(10)
    expect(summary.mismatches).toEqual([])
    expect(out.text).toContain("all 10 digests match")
    expect(out.text).toContain("received empty.dat (0 B)")
    expect(out.text).toContain("photos/2024/été ☀️.jpg")
  })
})
