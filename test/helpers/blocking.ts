/** Helpers for tests of sockets that block or drop at their high-water marks. */

/** Resolves true if `p` settles within `ms`. */
export function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise(resolve => {
    const timer = setTimeout(() => resolve(false), ms)
    p.then(
      () => {
        clearTimeout(timer)
        resolve(true)
      },
      () => {
        clearTimeout(timer)
        resolve(true)
      },
    )
  })
}

export const tick = () => new Promise<void>(r => setImmediate(r))

/**
 * Sends until a send stays pending for `quietMs` (the sender is blocked and nothing drains any
 * more). Returns how many were accepted and the blocked send's promise.
 */
export async function sendUntilBlocked(send: (i: number) => Promise<void>, cap: number, quietMs = 500): Promise<{accepted: number; blocked: Promise<void>}> {
  for (let i = 0; i < cap; i++) {
    const p = send(i)
    let done = false
    p.then(
      () => (done = true),
      () => (done = true),
    )
    await tick()
    if (done) continue
    if (await settlesWithin(p, quietMs)) continue
    return {accepted: i, blocked: p}
  }
  throw new Error(`the sender never blocked in ${cap} sends`)
}

/** A message of `size` bytes whose first 4 bytes are `i` (big-endian). */
export function numbered(i: number, size: number): Buffer {
  const b = Buffer.alloc(size)
  b.writeUInt32BE(i, 0)
  return b
}
