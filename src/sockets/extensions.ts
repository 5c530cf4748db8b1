/**
 * zmtp extensions: socket options libzmq does not have (README "zmtp extensions"). Each is a
 * JavaScript property only, with no libzmq option id, so the raw `getBoolOption(id)` family still
 * answers EINVAL for every id libzmq does not know, and the wire stays ordinary ZMTP: a libzmq
 * peer cannot tell. All are off by default, so a program that never sets them behaves as with
 * zeromq.js.
 */
import {socketOptionsOf, type Socket} from "./socket.js"

type Target = {prototype: object}
type ExtensionField = "dropOldest"

/** Installs `name` on each class's prototype as an accessor over the socket's option field. */
export function defineExtension(targets: Target[], field: ExtensionField, check: (value: unknown) => void): void {
  const desc: PropertyDescriptor = {
    configurable: true,
    get(this: Socket) {
      return socketOptionsOf(this)[field]
    },
    set(this: Socket, value: unknown) {
      check(value)
      ;(socketOptionsOf(this) as unknown as Record<ExtensionField, unknown>)[field] = value
    },
  }
  for (const target of targets) Object.defineProperty(target.prototype, field, desc)
}

/** The message zeromq.js gives a Bool option set to something else, for consistency. */
export function checkBoolean(value: unknown): void {
  if (typeof value !== "boolean") throw new TypeError("Option value must be a boolean")
}
