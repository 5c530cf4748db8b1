/**
 * The safety net under inproc between threads (thread-engine.ts): a sleeping side whose wake-up
 * never came. The waking protocol itself is sound (thread-ring.ts: the waker clears the WAITING
 * word, bumps WAKE and notifies), yet under load on Node 20 we caught a reader asleep with a
 * message in its ring, its WAITING word cleared and WAKE bumped by the writer, whose
 * Atomics.waitAsync promise never settled: the link stood still for good (the hwm "threads" test;
 * 2 of 9 runs of it with three other test files beside it). A timeout on every wait would catch it, but V8 then arms a
 * timer task per sleep, which made a wake-up 2.3x as costly (measured ring to ring). So one
 * interval per thread looks at the links instead: a wake-up still armed whose condition has held
 * at two looks in a row (WATCH_MS apart) was lost, and is run. A lost wake-up costs a link one
 * to two WATCH_MS instead of its life; an interval runs only while links exist, and never keeps
 * the thread alive.
 */

/** How often the armed wake-ups are looked at. */
export const WATCH_MS = 100

/**
 * One direction's wake-up, armed for one sleep at a time and reused (a sleep is frequent on a busy
 * link; nothing is allocated for it). Its owner arms it, hands `fire` to the wait, and checks
 * `armed` before arming again. One found lost is retired (`retire`): its wait, if it ever ends,
 * fires the retired object, which does nothing.
 */
export class Wake {
  armed = false
  /** At the watch's last look, this wake-up was armed and its condition held. */
  private overdue = false

  constructor(
    /** What the sleeper waits for (room, credit, or bytes to read); the owner may set it per sleep. */
    public ready: () => boolean,
    private readonly woke: () => void,
  ) {}

  arm(): void {
    this.armed = true
    this.overdue = false
  }

  /** The wait ended: runs the wake-up, once per arm. */
  readonly fire = (): void => {
    if (!this.armed) return
    this.armed = false
    this.woke()
  }

  /** At a look: true when this armed wake-up's condition held at this look and the last one. */
  lost(): boolean {
    if (!this.armed || !this.ready()) return (this.overdue = false)
    if (this.overdue) return true
    this.overdue = true
    return false
  }

  /** A fresh object for the next sleeps; this one does nothing from now on. */
  retire(): Wake {
    this.armed = false
    return new Wake(this.ready, this.woke)
  }
}

/** What the watch asks of a link. */
export interface Watched {
  /** Runs its wake-ups found lost. */
  recheck(): void
}

const watched = new Set<Watched>()
let timer: ReturnType<typeof setInterval> | null = null

function look(): void {
  for (const link of watched) link.recheck()
}

export function watch(link: Watched): void {
  watched.add(link)
  if (timer !== null) return
  timer = setInterval(look, WATCH_MS)
  timer.unref?.()
}

export function unwatch(link: Watched): void {
  if (!watched.delete(link) || watched.size > 0 || timer === null) return
  clearInterval(timer)
  timer = null
}
