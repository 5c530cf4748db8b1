/**
 * Virtual paths (what travels on the wire: "/photos/a.jpg") and their mapping to and from local
 * files, with the sanitising the C client lacks (reference §8: it wrote "/../escaped.txt" outside
 * its inbox).
 */
import {Buffer} from "node:buffer"
import {lstatSync, mkdirSync, realpathSync} from "node:fs"
import {realpath, rmdir} from "node:fs/promises"
import {join, sep} from "node:path"

/** Suffix of the temp file a client writes beside its target (a dot file: servers skip it). */
export const PART_SUFFIX = ".filemq-part"
/** The client's state folder inside its inbox (a dot folder: servers skip it). */
export const STATE_DIR = ".filemq"

/**
 * Normalises a virtual path: must start with "/"; repeated slashes collapse; no trailing slash
 * except for "/" itself. Returns null when it does not start with "/" or holds NUL, "." or "..".
 */
export function normalizeVpath(path: string): string | null {
  if (typeof path !== "string" || !path.startsWith("/") || path.includes("\0")) return null
  const parts = path.split("/").filter(p => p !== "")
  if (parts.some(p => p === "." || p === "..")) return null
  return "/" + parts.join("/")
}

/** True when `vpath` is `sub` or inside it (matching on whole path segments). */
export function isUnder(vpath: string, sub: string): boolean {
  if (sub === "/") return vpath.startsWith("/")
  return vpath === sub || vpath.startsWith(sub + "/")
}

/** The part of `vpath` below `sub` ("" when equal); assumes isUnder(vpath, sub). */
export function relativeTo(vpath: string, sub: string): string {
  if (sub === "/") return vpath.slice(1)
  return vpath.length === sub.length ? "" : vpath.slice(sub.length + 1)
}

/** alias + "/" + rel, without doubling the alias's slash. */
export function joinVpath(alias: string, rel: string): string {
  if (rel === "") return alias
  return alias === "/" ? "/" + rel : alias + "/" + rel
}

/**
 * Checks a relative path that came from the network before it may name a local file: non-empty,
 * "/"-separated, no empty, "." or ".." segment, no NUL, no backslash (a separator on Windows), no
 * U+FFFD (bytes that were not UTF-8), and nothing that collides with the client's own temp and
 * state files. Returns the segments, or null when unsafe.
 */
export function safeSegments(rel: string): string[] | null {
  if (typeof rel !== "string" || rel.length === 0 || rel.length > 4096) return null
  if (/[\0\\\uFFFD]/.test(rel) || rel.startsWith("/")) return null
  const parts = rel.split("/")
  for (const p of parts) {
    if (p === "" || p === "." || p === "..") return null
    if (Buffer.byteLength(p, "utf8") > 255) return null
    if (p.endsWith(PART_SUFFIX)) return null
  }
  if (parts[0] === STATE_DIR) return null
  // Windows drive letters and device paths ("C:x") would be absolute there.
  if (process.platform === "win32" && parts.some(p => /[:<>|?*]/.test(p))) return null
  return parts
}

/** True when `child` is `root` or inside it (both already resolved with realpath). */
export function isInside(root: string, child: string): boolean {
  return child === root || child.startsWith(root.endsWith(sep) ? root : root + sep)
}

/**
 * Creates the directories of `segments` (all but the last) below `root` (a realpath) and returns
 * the resolved parent directory; or why not: "escape" when a component resolves (through a
 * symbolic link) outside `root`, "file" when a component is not a directory.
 */
export async function safeParent(root: string, segments: string[]): Promise<{dir: string} | {blocked: "escape" | "file"}> {
  // Synchronous metadata calls (µs each): awaited, every file's path would wait on the thread
  // pool once per component (issue 21, tree B).
  let dir = root
  for (const seg of segments.slice(0, -1)) {
    dir = join(dir, seg)
    try {
      const st = lstatSync(dir)
      if (st.isSymbolicLink()) {
        const real = realpathSync(dir)
        if (!isInside(root, real)) return {blocked: "escape"}
        if (!lstatSync(real).isDirectory()) return {blocked: "file"}
      } else if (!st.isDirectory()) {
        return {blocked: "file"}
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") return {blocked: "escape"}
      try {
        mkdirSync(dir)
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code !== "EEXIST") return {blocked: "file"}
      }
    }
  }
  try {
    const real = realpathSync(dir)
    return isInside(root, real) ? {dir: real} : {blocked: "escape"}
  } catch {
    return {blocked: "escape"}
  }
}

/** The resolved parent of `segments` below `root` if it exists and stays inside root; no creation. */
export async function existingParent(root: string, segments: string[]): Promise<string | null> {
  try {
    const real = await realpath(join(root, ...segments.slice(0, -1)))
    return isInside(root, real) ? real : null
  } catch {
    return null
  }
}

/** Removes now-empty directories from `dir` up to (not including) `root`. */
export async function pruneEmptyDirs(root: string, dir: string): Promise<void> {
  while (dir !== root && isInside(root, dir)) {
    try {
      await rmdir(dir)
    } catch {
      return
    }
    const up = dir.slice(0, dir.lastIndexOf(sep))
    if (up === dir || up.length === 0) return
    dir = up
  }
}

/** The temp file beside `name`: ".name.filemq-part" (hashed when the name is long). */
export function partName(name: string, hashed: () => string): string {
  const n = "." + name + PART_SUFFIX
  return Buffer.byteLength(n, "utf8") <= 255 ? n : "." + hashed() + PART_SUFFIX
}
