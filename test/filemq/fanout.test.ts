/**
 * One server feeding many clients at once (issue 21 item 4; spec/filemq.md §4 "Many clients"):
 * every client converges, and the server reads each file about once, not once per client.
 */
import {afterAll, afterEach, describe, expect, test} from "vitest"
import {blob, digests, put, removeTempDirs, tempDir, until} from "./helpers.js"
import {closeAll, serve, sync, type Watched} from "./fixtures.js"

afterEach(closeAll)
afterAll(removeTempDirs)

const CLIENTS = 20

describe("many clients", () => {
  test(`one server, ${CLIENTS} clients at once: all converge, and the disk reads are shared`, async () => {
    const src = tempDir("src")
    let bytes = 0
    let files = 0
    // Large files over several blocks (chunkSize 1 MB), and small ones of one block each.
    for (let i = 0; i < 6; i++, files++) {
      const b = blob(2_500_000 + i * 1000)
      bytes += b.length
      put(src, `big/f${i}.bin`, b)
    }
    for (let i = 0; i < 300; i++, files++) {
      const b = blob(4096)
      bytes += b.length
      put(src, `small/d${i % 10}/f${i}.bin`, b)
    }
    const {endpoint, server} = await serve(src, {stableMs: 0})
    const want = digests(src)
    const t0 = Date.now()
    const ws: Watched[] = []
    const dsts: string[] = []
    for (let c = 0; c < CLIENTS; c++) {
      const dst = tempDir(`dst${c}`)
      dsts.push(dst)
      // A slower heartbeat: twenty clients in this one process are slow to answer under load.
      ws.push(await sync(dst, endpoint, ["/"], {heartbeatMs: 2000}))
    }
    await until(() => ws.every(w => w.files.length >= files), 25_000, `${CLIENTS} mirrors`)
    const s = (Date.now() - t0) / 1000
    for (const dst of dsts) expect(digests(dst)).toEqual(want)
    expect(server.stats.bytesSent).toBeGreaterThanOrEqual(bytes * CLIENTS)
    // Read per client, this would be CLIENTS × the tree; shared, about once (a client that starts
    // alone reads straight into its frames, and the others then read the same bytes once more).
    expect(server.stats.diskBytes).toBeLessThanOrEqual(2 * bytes)
    expect(server.stats.sharedReads).toBeGreaterThan(0)
    console.log(
      `[filemq] ${CLIENTS} clients × ${files} files (${(bytes / 1e6).toFixed(1)} MB) in ${s.toFixed(2)} s, ${(server.stats.bytesSent / 1e6).toFixed(0)} MB sent; ` +
        `read from disk ${(server.stats.diskBytes / 1e6).toFixed(1)} MB (${(server.stats.diskBytes / bytes).toFixed(2)}× the tree) in ${server.stats.diskReads} reads, ${server.stats.sharedReads} chunks shared`,
    )
  }, 30_000)
})
