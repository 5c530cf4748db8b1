/**
 * The published tree's index (src/filemq/tree-index.ts) and its watches, on real temp directories:
 * a restart takes an unchanged file's SHA-1 from `.filemq-index` instead of reading the file, and
 * hashes anything whose size, mtime or inode moved; a damaged index is ignored; the index is never
 * published; on Linux each directory has its own watch, new ones included.
 */
import {afterAll, afterEach, expect, test} from "vitest"
import {readFileSync, statSync, utimesSync, writeFileSync, mkdirSync} from "node:fs"
import {join} from "node:path"
import {PublishedTree} from "../../src/filemq/tree.js"
import {INDEX_FILE} from "../../src/filemq/tree-index.js"
import {put, removeTempDirs, sha1, tempDir, until} from "./helpers.js"

const trees: PublishedTree[] = []
afterEach(() => trees.splice(0).forEach(t => t.stop()))
afterAll(removeTempDirs)

async function started(dir: string, options: Partial<PublishedTree["options"]> = {}): Promise<PublishedTree> {
  const tree = new PublishedTree(dir, {stableMs: 50, rescanMs: 0, watch: false, ...options})
  trees.push(tree)
  await tree.start()
  return tree
}

/** Rewrites a file with other bytes of the same size, and puts its mtime back. */
function sameStatOtherBytes(path: string): void {
  const st = statSync(path)
  const bytes = readFileSync(path)
  bytes[0] ^= 0xff
  writeFileSync(path, bytes) // same inode: written in place
  utimesSync(path, st.atime, st.mtime)
}

test("a restart takes unchanged files' SHA-1 from the index and hashes what changed; the index is never published", async () => {
  const dir = tempDir("idx")
  put(dir, "a.txt", "alpha")
  put(dir, "sub/b.txt", "bravo")
  put(dir, "c.txt", "charlie")
  const old = new Date(Date.now() - 60_000)
  for (const f of ["a.txt", "sub/b.txt", "c.txt"]) utimesSync(join(dir, f), old, old)
  const first = await started(dir)
  expect([...first.files.keys()].sort()).toEqual(["a.txt", "c.txt", "sub/b.txt"])
  await until(() => {
    try {
      return readFileSync(join(dir, INDEX_FILE), "utf8").split("\n").length === 5
    } catch {
      return false
    }
  }, 5000, "the index")
  first.stop()

  // a.txt: other bytes but the same size, mtime and inode: the index is believed (the quick check
  // rsync makes too). c.txt: a new mtime: hashed again.
  sameStatOtherBytes(join(dir, "a.txt"))
  writeFileSync(join(dir, "c.txt"), "CHARLIE")
  utimesSync(join(dir, "c.txt"), old, new Date(Date.now() - 30_000))
  const second = await started(dir)
  expect(second.files.get("a.txt")!.sha1).toBe(sha1(Buffer.from("alpha")))
  expect(second.files.get("c.txt")!.sha1).toBe(sha1(Buffer.from("CHARLIE")))
  expect(second.files.get("sub/b.txt")!.sha1).toBe(sha1(Buffer.from("bravo")))
  expect(second.files.has(INDEX_FILE)).toBe(false)
})

test("a damaged index is ignored: every file is hashed", async () => {
  const dir = tempDir("idx")
  put(dir, "a.txt", "alpha")
  const old = new Date(Date.now() - 60_000)
  utimesSync(join(dir, "a.txt"), old, old)
  await started(dir, {})
  await until(() => {
    try {
      return readFileSync(join(dir, INDEX_FILE), "utf8").includes("a.txt")
    } catch {
      return false
    }
  }, 5000, "the index")
  trees.splice(0).forEach(t => t.stop())
  sameStatOtherBytes(join(dir, "a.txt"))
  writeFileSync(join(dir, INDEX_FILE), readFileSync(join(dir, INDEX_FILE), "utf8") + "not a line\n")
  const again = await started(dir)
  expect(again.files.get("a.txt")!.sha1).toBe(sha1(readFileSync(join(dir, "a.txt"))))
})

test("an index that cannot be written (its name taken by a directory) leaves the tree published, hashed at each start", async () => {
  const dir = tempDir("ro")
  put(dir, "a.txt", "alpha")
  mkdirSync(join(dir, INDEX_FILE)) // rename() onto it fails, as in a tree we may not write to
  const old = new Date(Date.now() - 60_000)
  utimesSync(join(dir, "a.txt"), old, old)
  const tree = await started(dir)
  expect(tree.files.get("a.txt")!.sha1).toBe(sha1(Buffer.from("alpha")))
  await new Promise(r => setTimeout(r, 100))
  expect(statSync(join(dir, INDEX_FILE)).isDirectory()).toBe(true)
})

test("watching: a file in a directory made after the start is published without a rescan", async () => {
  const dir = tempDir("watch")
  put(dir, "a.txt", "alpha")
  const tree = await started(dir, {watch: true, rescanMs: 0})
  mkdirSync(join(dir, "new/deeper"), {recursive: true})
  await new Promise(r => setTimeout(r, 100)) // the new directories get their watches
  writeFileSync(join(dir, "new/deeper/n.txt"), "november")
  await until(() => tree.files.has("new/deeper/n.txt"), 5000, "the new file")
  writeFileSync(join(dir, "a.txt"), "ALPHA!")
  await until(() => tree.files.get("a.txt")?.sha1 === sha1(Buffer.from("ALPHA!")), 5000, "the change")
})
