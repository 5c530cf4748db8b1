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

type Receiver = {receive(): Promise<Buffer[]>; receiveTimeout: number}

/** Receives until the socket has had nothing for `quietMs` (its receive times out). */
export async function drain(s: Receiver, quietMs = 300): Promise<Buffer[][]> {
  s.receiveTimeout = quietMs
  const out: Buffer[][] = []
  for (;;) {
    try {
      out.push(await s.receive())
    } catch (e) {
      if ((e as {code?: string}).code === "EAGAIN") return out
      throw e
    }
  }
}

/** A two-part message: [seq, a body of `size` bytes that starts with seq too]. */
export function twoPart(seq: number, size: number): Buffer[] {
  return [numbered(seq, 4), numbered(seq, size)]
}

/**
 * The sequence numbers of twoPart messages in arrival order; throws unless each is whole (both
 * parts, the body's size, the same number in both).
 */
export function wholeSeqs(got: Buffer[][], size: number): number[] {
  return got.map(m => {
    const seq = m[0]!.readUInt32BE(0)
    if (m.length !== 2 || m[1]!.length !== size || m[1]!.readUInt32BE(0) !== seq) throw new Error(`message ${seq} is not whole`)
    return seq
  })
}

/**
 * Sends probes until one reaches the subscriber (its subscription has reached the publisher), then
 * drains what else arrived.
 */
export async function untilSubscribed(pub: {send(m: Buffer | Buffer[]): Promise<void>}, sub: Receiver, probe: Buffer | Buffer[]): Promise<void> {
  sub.receiveTimeout = 20
  for (let i = 0; ; i++) {
    await pub.send(probe)
    try {
      await sub.receive()
      break
    } catch {
      if (i > 200) throw new Error("the subscription never arrived")
    }
  }
  await new Promise(r => setTimeout(r, 20))
  await drain(sub, 50)
}
