/**
 * What a FmqClient tells its user (spec/filemq.md §5): its events and its counters. The C client
 * says the same on its msgpipe as `FILE UPDATED`, `FILE DELETED` and `DISCONNECT`; progress.ts
 * turns these into the CLI's status line.
 */

export interface FileEvent {
  vpath: string
  /** Path relative to the inbox. */
  rel: string
  path: string
  size: number
  sha1: string
  /** Offset this transfer started from (> 0 when resumed). */
  from: number
}

export interface ProgressEvent {
  vpath: string
  rel: string
  /** Bytes of this file on disk so far. */
  offset: number
  /** The file's size (SIZE header), or -1 when the server did not say. */
  size: number
  /** Payload bytes in this chunk. */
  bytes: number
  /** What the server still has queued for us after this file (QUEUE-* headers; -1 if unknown). */
  queueFiles: number
  queueBytes: number
}

export interface ClientStats {
  filesReceived: number
  bytesReceived: number
  deleted: number
  rejected: number
  sessions: number
  resumed: number
}

export interface ClientEvents {
  /** OHAI-OK: a session started. */
  connected: []
  /** Every subscription has been acknowledged (ICANHAZ-OK). */
  subscribed: []
  progress: [ProgressEvent]
  file: [FileEvent]
  deleted: [{vpath: string; rel: string; path: string}]
  /** The server turned this client away in the handshake (CURVE key not allowed, security mismatch). */
  refused: [reason: string]
  /** A file or name was refused (unsafe name, digest mismatch...). */
  rejected: [{vpath: string; reason: string}]
  /** The server reports nothing more queued for us. */
  idle: []
  /** The session ended (RTFM, silence, new connection); another follows. */
  disconnected: [reason: string]
  error: [Error]
}
