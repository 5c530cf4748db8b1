/**
 * zeromq.js errors are plain `Error` objects (not subclasses) with own enumerable `errno` and
 * `code` properties, plus `address` for endpoint errors. Messages are libzmq's zmq_strerror text
 * with zeromq.js's overrides (src/util/error.h in zeromq.js). errno values are Linux's, like the
 * native binding on Linux, and libzmq's own for EFSM and friends.
 */
import { constants } from "node:os";
const errnoOf = {
    EFSM: 156384763,
    ENOCOMPATPROTO: 156384764,
    ETERM: 156384765,
    EMTHREAD: 156384766,
};
const messages = {
    EAGAIN: "Operation was not possible or timed out",
    EBUSY: "Socket is busy",
    EBADF: "Socket is closed",
    ENOENT: "No such endpoint",
    EMFILE: "Too many open file descriptors",
    EADDRINUSE: "Address already in use",
    EFAULT: "Context is closed",
    EFSM: "Operation cannot be accomplished in current state",
    ENOCOMPATPROTO: "The protocol is not compatible with the socket type",
    EHOSTUNREACH: "Host unreachable",
    EINVAL: "Invalid argument",
    EPROTONOSUPPORT: "Protocol not supported",
    ENOTSOCK: "Socket operation on non-socket",
    ENOTSUP: "Operation not supported",
    EADDRNOTAVAIL: "Can't assign requested address",
    ENODEV: "No such device",
    EMSGSIZE: "Message too long",
    ECONNREFUSED: "Connection refused",
    ETIMEDOUT: "Connection timed out",
    ENAMETOOLONG: "File name too long",
    EACCES: "Permission denied",
};
export function errnoError(code, message, address) {
    const err = new Error(message ?? messages[code] ?? code);
    err.errno = errnoOf[code] ?? constants.errno[code] ?? 0;
    err.code = code;
    if (address !== undefined)
        err.address = address;
    return err;
}
/** Maps a Node system error (from net) to the zeromq.js error for the same errno. */
export function fromSystemError(e, address) {
    const code = e.code && /^E[A-Z]+$/.test(e.code) ? e.code : "EINVAL";
    return errnoError(code, messages[code] ?? e.message, address);
}
export const busyWriting = () => errnoError("EBUSY", "Socket is busy writing; only one send operation may be in progress at any time");
export const busyReading = () => errnoError("EBUSY", "Socket is busy reading; only one receive operation may be in progress at any time");
export const busyBinding = () => errnoError("EBUSY", "Socket is blocked by a bind or unbind operation");
