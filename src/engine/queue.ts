/**
 * A FIFO ring buffer with O(1) push and shift. Arrays' shift() is O(n) once they grow large (a
 * pipe at a HWM of 100,000 would feel it), and resetting an array's length on every drain shows
 * up in profiles; a power-of-two ring does neither.
 */
export class Queue<T> {
  // Small to start: most pipes of an idle connection never hold more than a few messages.
  private items: (T | undefined)[] = new Array(4)
  private head = 0
  private size = 0
  private mask = 3

  get length(): number {
    return this.size
  }

  push(item: T): void {
    if (this.size > this.mask) this.grow()
    this.items[(this.head + this.size) & this.mask] = item
    this.size++
  }

  /** Puts an item back at the front (durable publishers: unacknowledged messages go first). */
  unshift(item: T): void {
    if (this.size > this.mask) this.grow()
    this.head = (this.head - 1) & this.mask
    this.items[this.head] = item
    this.size++
  }

  /** Takes the last item (durable subscribers: a connection's unread messages). */
  pop(): T | undefined {
    if (this.size === 0) return undefined
    const at = (this.head + this.size - 1) & this.mask
    const item = this.items[at]
    this.items[at] = undefined
    this.size--
    return item
  }

  peek(): T | undefined {
    return this.size > 0 ? this.items[this.head] : undefined
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) & this.mask
    this.size--
    // A burst grew the ring: give the memory back once it has drained.
    if (this.size === 0 && this.mask > 65535) this.clear()
    return item
  }

  clear(): void {
    this.items = new Array(4)
    this.head = 0
    this.size = 0
    this.mask = 3
  }

  private grow(): void {
    const old = this.items
    const capacity = old.length * 2
    const items: (T | undefined)[] = new Array(capacity)
    for (let i = 0; i < this.size; i++) items[i] = old[(this.head + i) & this.mask]
    this.items = items
    this.head = 0
    this.mask = capacity - 1
  }

  /** The i-th item from the front (0 = the next shift()); no iterator object, for hot paths. */
  at(i: number): T | undefined {
    return i < this.size ? this.items[(this.head + i) & this.mask] : undefined
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.size; i++) yield this.items[(this.head + i) & this.mask] as T
  }
}
