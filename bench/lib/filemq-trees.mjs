/**
 * The FileMQ benches' trees (bench/filemq.mjs, bench/filemq-clients.mjs): random files made under
 * a work directory, with their SHA-1s, and the check that a mirror holds exactly them.
 */
import {createHash, randomBytes} from "node:crypto"
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from "node:fs"
import {join} from "node:path"

/** `tree.files` random files of `tree.size` bytes in `tree.folders` folders under `work`. */
export function makeTree(work, tree) {
  const dir = join(work, `tree-${tree.name}`)
  const digests = new Map()
  for (let i = 0; i < tree.files; i++) {
    const rel = `d${i % tree.folders}/f${i}.bin`
    mkdirSync(join(dir, `d${i % tree.folders}`), {recursive: true})
    const data = randomBytes(tree.size)
    writeFileSync(join(dir, rel), data)
    digests.set(rel, createHash("sha1").update(data).digest("hex"))
  }
  return {dir, digests, bytes: tree.files * tree.size}
}

/** Every file of the source, whole, nothing else (dot files aside: the server's index). */
export function check(dest, digests) {
  let files = 0
  const visit = (dir, prefix) => {
    for (const e of readdirSync(dir, {withFileTypes: true})) {
      if (e.name.startsWith(".")) continue
      const rel = prefix ? `${prefix}/${e.name}` : e.name
      if (e.isDirectory()) visit(join(dir, e.name), rel)
      else {
        files++
        const want = digests.get(rel)
        if (want === undefined) throw new Error(`${dest}: ${rel}: not in the source`)
        if (createHash("sha1").update(readFileSync(join(dir, e.name))).digest("hex") !== want) throw new Error(`${dest}: ${rel}: differs from the source`)
      }
    }
  }
  visit(dest, "")
  if (files !== digests.size) throw new Error(`${dest}: ${files} of ${digests.size} files`)
}
