/**
 * A Buffer that views bytes of another, made the cheapest way Node allows.
 *
 * A received frame's body is a view of the chunk it arrived in (no copy), one per message, so at
 * millions of small messages a second the cost of making a view shows. Buffer#subarray checks and
 * adjusts its arguments and then runs Node's FastBuffer constructor, an explicit constructor that
 * forwards to Uint8Array; a subclass with no constructor of its own is built by V8 as a plain
 * Uint8Array with another prototype (V8 omits default derived constructors), about half the time
 * in a micro-benchmark (30 vs 65-95 ns on the bench machine).
 *
 * The view's prototype chain is BufferView.prototype → Buffer.prototype, and its `constructor` is
 * Buffer: it is a Buffer to `Buffer.isBuffer`, `instanceof Buffer`, every Buffer method, `equals`
 * and `toStrictEqual`. Only `Object.getPrototypeOf(msg) === Buffer.prototype` tells it apart.
 */
import {Buffer} from "node:buffer"

class BufferView extends Uint8Array {}
Object.setPrototypeOf(BufferView.prototype, Buffer.prototype)
Object.defineProperty(BufferView.prototype, "constructor", {value: Buffer, writable: true, configurable: true})

/**
 * `length` bytes at `byteOffset` of `memory` as a Buffer sharing it. The caller passes the
 * ArrayBuffer and offset it read once per chunk: a Buffer's `buffer` and `byteOffset` getters cost
 * as much as the view itself. No bounds adjustment: the caller's are right.
 */
export function bufferView(memory: ArrayBuffer, byteOffset: number, length: number): Buffer {
  return new BufferView(memory, byteOffset, length) as unknown as Buffer
}
