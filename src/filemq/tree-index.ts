/**
 * The published tree's index on disk (issue 21: a restart must not rehash an unchanged tree):
 * `.filemq-index` in the tree's root, one line per published file,
 *
 *     SHA1 SIZE MTIME-MS INODE PATH
 *
 * after a first line `filemq-index 1`. A file whose size, mtime and inode are what the index
 * says is taken to have that SHA-1 without reading it; anything else is hashed as before. The
 * name starts with "." so it is never published (tree.ts skips dot files). Written whole to a
 * temporary name and renamed, so a crash leaves the old index or the new one; a file that does
 * not parse is ignored (everything is hashed). A tree the server cannot write to simply has no
 * index.
 */
import {readFile, rename, writeFile} from "node:fs/promises"
import {join} from "node:path"
import type {FileVersion} from "./tree.js"

export const INDEX_FILE = ".filemq-index"
const HEADER = "filemq-index 1"
const LINE = /^([0-9A-F]{40}) (\d+) (\d+(?:\.\d+)?) (\d+) (.+)$/

/** The index's entries by relative path (empty when there is none or it does not parse). */
export async function loadIndex(root: string): Promise<Map<string, FileVersion>> {
  const out = new Map<string, FileVersion>()
  let text: string
  try {
    text = await readFile(join(root, INDEX_FILE), "utf8")
  } catch {
    return out
  }
  const lines = text.split("\n")
  if (lines[0] !== HEADER) return out
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === "") continue
    const m = LINE.exec(lines[i]!)
    if (m === null) return new Map() // damaged: trust none of it
    out.set(m[5]!, {rel: m[5]!, sha1: m[1]!, size: Number(m[2]), mtimeMs: Number(m[3]), ino: Number(m[4])})
  }
  return out
}

/** Writes the index of `files` (atomically: a temporary file renamed over the old one). */
export async function saveIndex(root: string, files: Iterable<FileVersion>): Promise<void> {
  const lines = [HEADER]
  // A path with a newline cannot be a line: such a file is left out and hashed at each start.
  for (const f of files) if (!f.rel.includes("\n")) lines.push(`${f.sha1} ${f.size} ${f.mtimeMs} ${f.ino} ${f.rel}`)
  const tmp = join(root, `${INDEX_FILE}.${process.pid}.tmp`)
  await writeFile(tmp, lines.join("\n") + "\n")
  await rename(tmp, join(root, INDEX_FILE))
}
