/** node:path, node:perf_hooks and node:stream in the browser build: what zmtp's socket code uses. */
import {EventEmitter} from "./events.js"

export const sep = "/"
export function join(...parts: string[]): string {
  return parts.filter(p => p.length > 0).join("/").replace(/\/+/g, "/")
}
/** A page has no working directory: paths stay as given (only spill to disk asks, and it cannot run here). */
export function resolve(...parts: string[]): string {
  return join(...parts)
}
export function dirname(path: string): string {
  const i = path.lastIndexOf("/")
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i)
}

export const performance = globalThis.performance

/** Node's Duplex, which only the Node transports extend (never made in a page). */
export class Duplex extends EventEmitter {}
