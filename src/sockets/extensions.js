/**
 * zmtp extensions: socket options libzmq does not have (README "zmtp extensions"). Each is a
 * JavaScript property only, with no libzmq option id, so the raw `getBoolOption(id)` family still
 * answers EINVAL for every id libzmq does not know, and the wire stays ordinary ZMTP: a libzmq
 * peer cannot tell. All are off by default, so a program that never sets them behaves as with
 * zeromq.js.
 */
import { errnoError } from "../errors.js";
import { socketOptionsOf } from "./socket.js";
/** The extension properties (README "zmtp extensions"), which zeromq.js's sockets do not have. */
export const EXTENSION_PROPERTIES = ["dropOldest", "spillDirectory", "spillBudget", "spillRecover", "durableGrace"];
const SPILL_FIELDS = new Set(["spillDirectory", "spillBudget", "spillRecover"]);
/** Installs `name` on each class's prototype as an accessor over the socket's option field. */
export function defineExtension(targets, field, check) {
    const desc = {
        configurable: true,
        get() {
            return socketOptionsOf(this)[field];
        },
        set(value) {
            check(value);
            const options = socketOptionsOf(this);
            if (options.spillFixed && SPILL_FIELDS.has(field)) {
                throw errnoError("EINVAL", `${field} cannot change once the socket has bound or connected with a spill directory`);
            }
            ;
            options[field] = value;
        },
    };
    for (const target of targets)
        Object.defineProperty(target.prototype, field, desc);
}
/** The message zeromq.js gives a Bool option set to something else, for consistency. */
export function checkBoolean(value) {
    if (typeof value !== "boolean")
        throw new TypeError("Option value must be a boolean");
}
/** A directory path, or null for off. */
export function checkDirectory(value) {
    if (value !== null && (typeof value !== "string" || value.length === 0)) {
        throw new TypeError("Option value must be a non-empty string or null");
    }
}
/** A budget in bytes: a positive integer. */
export function checkBudget(value) {
    if (typeof value !== "number")
        throw new TypeError("Option value must be a number");
    if (!Number.isSafeInteger(value) || value <= 0)
        throw errnoError("EINVAL", "spillBudget must be a positive whole number of bytes");
}
/** A grace period in ms: a non-negative integer (0: off). */
export function checkGrace(value) {
    if (typeof value !== "number")
        throw new TypeError("Option value must be a number");
    if (!Number.isSafeInteger(value) || value < 0)
        throw errnoError("EINVAL", "durableGrace must be a non-negative whole number of milliseconds");
}
