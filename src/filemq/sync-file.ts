/**
 * A file opened with the synchronous fs calls, behind the part of FileHandle that FileMQ uses.
 * For small files (issue 21: tree B, 10,000 × 4 KiB): each async fs call is a round trip through
 * libuv's thread pool (~50-100 µs here), and a file took about ten of them on the client and four
 * on the server, so a small file cost ~1 ms of waiting while its syscalls take a few µs. The
 * calls below are page-cache operations on at most SYNC_MAX bytes, so the event loop is held for
 * tens of µs per file and turns between files (each is one message); larger files keep the
 * thread pool, which lets hashing overlap the disk.
 */
import {Buffer} from "node:buffer"
import {closeSync, fstatSync, ftruncateSync, futimesSync, openSync, readSync, writeSync, type Stats} from "node:fs"

/** Files up to this size are read and written with synchronous calls. */
export const SYNC_MAX = 256 * 1024

/** What FileMQ needs of a FileHandle (node:fs/promises), which it is also. */
export interface FileLike {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{bytesRead: number}>
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<unknown>
  stat(): Promise<Stats>
  truncate(length: number): Promise<void>
  utimes(atime: Date, mtime: Date): Promise<void>
  close(): Promise<void>
}

export class SyncFile implements FileLike {
  private fd: number

  constructor(path: string, flags: string | number, mode?: number) {
    this.fd = openSync(path, flags, mode)
  }

  // Each call settles at once; a failure is a rejected promise, as with a FileHandle.
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{bytesRead: number}> {
    return attempt(() => {
      let bytesRead = 0
      while (bytesRead < length) {
        const n = readSync(this.fd, buffer, offset + bytesRead, length - bytesRead, position + bytesRead)
        if (n === 0) break
        bytesRead += n
      }
      return {bytesRead}
    })
  }

  write(buffer: Buffer, offset: number, length: number, position: number): Promise<unknown> {
    return attempt(() => {
      for (let done = 0; done < length; ) done += writeSync(this.fd, buffer, offset + done, length - done, position + done)
    })
  }

  stat(): Promise<Stats> {
    return attempt(() => fstatSync(this.fd))
  }

  truncate(length: number): Promise<void> {
    return attempt(() => ftruncateSync(this.fd, length))
  }

  utimes(atime: Date, mtime: Date): Promise<void> {
    return attempt(() => futimesSync(this.fd, atime, mtime))
  }

  close(): Promise<void> {
    if (this.fd < 0) return Promise.resolve()
    const fd = this.fd
    this.fd = -1
    return attempt(() => closeSync(fd))
  }
}

function attempt<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (e) {
    return Promise.reject(e)
  }
}
