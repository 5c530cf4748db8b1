/** Shared by the draft interop tests (test/interop/draft*.test.ts): socket shape, errors, waits. */

/** What the tests use of a draft socket of either library (zeromq.js v6's API, loosely typed). */
export interface LooseDraftSock {
  bind(address: string): Promise<void>
  connect(address: string): void
  send(message: unknown, options?: object): Promise<void>
  receive(): Promise<any[]>
  close(): void
  readonly closed: boolean
  linger: number
  readonly lastEndpoint: string | null
}

/**
 * What a call's failure looks like to a program: whether it threw at the call or its promise
 * rejected, the error's class, code, errno and message. zeromq.js throws some argument errors at
 * the call and rejects others; a drop-in must do the same.
 */
export async function rejection(call: () => unknown): Promise<object | "resolved"> {
  const shape = (how: string, e: unknown) => {
    const err = e as Error & {code?: string; errno?: number}
    return {how, type: err.constructor.name, code: err.code, errno: err.errno, message: err.message}
  }
  let p: unknown
  try {
    p = call()
  } catch (e) {
    return shape("throws", e)
  }
  try {
    await p
  } catch (e) {
    return shape("rejects", e)
  }
  return "resolved"
}

/** What libzmq (through zeromq.js) gives for these; the interop tests confirm each. */
export const EINVAL = {how: "rejects", type: "Error", code: "EINVAL", errno: 22, message: "Invalid argument"}
export const EHOSTUNREACH = {how: "rejects", type: "Error", code: "EHOSTUNREACH", errno: 113, message: "Host unreachable"}

/** `p`, or a clear failure after `ms` instead of the test's timeout. */
export async function within<T>(p: Promise<T>, what = "message", ms = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)))
  try {
    return await Promise.race([p, timeout])
  } finally {
    clearTimeout(timer)
  }
}
