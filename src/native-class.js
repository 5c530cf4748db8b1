/**
 * zeromq.js's Context, Socket, Observer and Proxy are native (N-API) constructors. Called without
 * `new` they throw V8's generic "Class constructors cannot be invoked without 'new'", where a
 * JavaScript class names itself ("Class constructor Socket cannot be invoked..."). The exported
 * classes are these wrappers; `new`, `extends` and `instanceof` reach the class unchanged.
 */
export function nativeConstructor(cls) {
    return new Proxy(cls, {
        apply() {
            throw new TypeError("Class constructors cannot be invoked without 'new'");
        },
    });
}
/** N-API's argument check (zeromq.js util/arguments.h): more arguments than declared is a TypeError. */
export function checkArgumentCount(received, expected) {
    if (received > expected) {
        throw new TypeError(`Expected ${expected} argument${expected !== 1 ? "s" : ""} but received ${received}`);
    }
}
