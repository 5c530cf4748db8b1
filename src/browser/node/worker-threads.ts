/**
 * node:worker_threads in the browser build: a page is one thread here. No environment data, so the
 * default context's options are the page's own (shared-context.ts), and no BroadcastChannel, so
 * inproc names stay within the page (transport/thread-bus.ts does not start).
 */
export const threadId = 0
export const isMainThread = true
export const BroadcastChannel = undefined
export function getEnvironmentData(): undefined {
  return undefined
}
export function setEnvironmentData(): void {}
