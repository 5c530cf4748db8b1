/** node:os in the browser build: no interfaces, and Linux's errno numbers (zeromq.js reports those). */
export const constants = {
  errno: {
    EPERM: 1, ENOENT: 2, EINTR: 4, EIO: 5, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16,
    EINVAL: 22, EMFILE: 24, EPIPE: 32, ENAMETOOLONG: 36, ENOTSUP: 95, EPROTONOSUPPORT: 93, EADDRINUSE: 98,
    EADDRNOTAVAIL: 99, ENETDOWN: 100, ENETUNREACH: 101, ECONNABORTED: 103, ECONNRESET: 104, ENOBUFS: 105,
    ENOTCONN: 107, ETIMEDOUT: 110, ECONNREFUSED: 111, EHOSTUNREACH: 113, EMSGSIZE: 90, ENOTSOCK: 88,
    EAFNOSUPPORT: 97, EINPROGRESS: 115, ENODEV: 19,
  } as Record<string, number>,
}
export function networkInterfaces(): Record<string, never[]> {
  return {}
}
export function tmpdir(): string {
  return "/tmp"
}
export const EOL = "\n"
