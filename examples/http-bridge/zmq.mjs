/**
 * Loads the ZeroMQ API for the bridge and the worker. In a project of your own this file is one
 * line, `import * as zmq from "zmtp"` (or `from "zeromq"`: the code is the same).
 *
 * ZMTP_MODULE picks another implementation: a path (to a built zmtp's esm/index.js, which is how
 * the tests run a fresh build) or a package name (`ZMTP_MODULE=zeromq` runs the same example on
 * zeromq.js and libzmq). Without it this is `import("zmtp")`, which inside this repository is
 * Node's self-reference to the package, so dist/ must be built: `buildIfMissing` does that.
 */
import {execFileSync} from "node:child_process"
import {existsSync} from "node:fs"
import {isAbsolute, join, resolve} from "node:path"
import {fileURLToPath, pathToFileURL} from "node:url"

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "..", "..")

export async function loadZmq({buildIfMissing = false} = {}) {
  const wanted = process.env.ZMTP_MODULE
  if (wanted) {
    const isPath = isAbsolute(wanted) || wanted.startsWith(".")
    return import(isPath ? pathToFileURL(resolve(wanted)).href : wanted)
  }
  if (!existsSync(join(root, "dist", "esm", "index.js"))) {
    // Only one process should build (two tsc runs into one dist/ would trip over each other),
    // so only the bridge does; a worker started first says what to do instead.
    if (!buildIfMissing) throw new Error("zmtp is not built: start the bridge first (it builds dist/), or run `npm run build`")
    console.error("building zmtp into dist/ (scripts/build.mjs)…")
    execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], {cwd: root, stdio: "inherit"})
  }
  return import("zmtp")
}
