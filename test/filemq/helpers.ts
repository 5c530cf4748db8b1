/** Temp trees, digests and waiting, for the FileMQ tests (real directories, real loopback sockets). */
import {createHash, randomBytes} from "node:crypto"
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from "node:fs"
import {tmpdir} from "node:os"
import {dirname, join} from "node:path"

const made: string[] = []

export function tempDir(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `filemq-${tag}-`))
  made.push(d)
  return d
}

export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, {recursive: true, force: true})
}

export function put(root: string, rel: string, content: string | Buffer): void {
  const abs = join(root, ...rel.split("/"))
  mkdirSync(dirname(abs), {recursive: true})
  writeFileSync(abs, content)
}

/** Random bytes (fast enough for tens of MB). */
export function blob(size: number): Buffer {
  return randomBytes(size)
}

export const sha1 = (b: Buffer) => createHash("sha1").update(b).digest("hex").toUpperCase()

/** rel → SHA-1 of every regular file under root, skipping dot files (our temp and state files). */
export function digests(root: string): Map<string, string> {
  const out = new Map<string, string>()
  const visit = (dir: string, prefix: string) => {
    for (const e of readdirSync(dir, {withFileTypes: true})) {
      if (e.name.startsWith(".")) continue
      const rel = prefix ? `${prefix}/${e.name}` : e.name
      if (e.isDirectory()) visit(join(dir, e.name), rel)
      else if (e.isFile()) out.set(rel, sha1(readFileSync(join(dir, e.name))))
    }
  }
  visit(root, "")
  return out
}

/** Every name under root, dot files included (to look for stray temp files). */
export function allNames(root: string): string[] {
  const out: string[] = []
  const visit = (dir: string, prefix: string) => {
    for (const e of readdirSync(dir, {withFileTypes: true})) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name
      out.push(rel)
      if (e.isDirectory()) visit(join(dir, e.name), rel)
    }
  }
  visit(root, "")
  return out
}

export const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms))

export async function until(cond: () => boolean, ms = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(10)
  }
}

export function sameTree(a: string, b: string): boolean {
  const da = digests(a)
  const db = digests(b)
  if (da.size !== db.size) return false
  for (const [k, v] of da) if (db.get(k) !== v) return false
  return true
}

export function sizeOf(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return -1
  }
}
