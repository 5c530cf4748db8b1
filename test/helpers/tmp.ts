/**
 * Scratch directories for tests: made under the system's temp directory and removed when the test
 * file's tests are done, so a run of the suite leaves nothing behind in /tmp.
 */
import {afterAll} from "vitest"
import {mkdtempSync, rmSync} from "node:fs"
import {tmpdir} from "node:os"
import {join} from "node:path"

/**
 * A fresh directory named `prefix` + random characters. Call it at a test file's top level (or in
 * a module such a file imports), where vitest can register the removal for the file.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  afterAll(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}
