/**
 * A pattern is one socket type's routing: how sends pick pipes, how receives pick messages, and
 * what happens when peers come and go. The public Socket owns the pipes and the transports and
 * calls these hooks; each type's file (types/*.ts) is small because the strategies (lb, fq and
 * the subscription trie) carry the common work, as in libzmq.
 */
import type {Buffer} from "node:buffer"
import {errnoError} from "../errors.js"
import type {Msg, Pipe} from "../engine/pipe.js"
import type {SocketOptions} from "./sockopt.js"

export interface PatternHost {
  readonly options: SocketOptions
  /** Something changed that may let a pending send or receive complete. */
  wake(): void
}

export abstract class Pattern {
  constructor(protected readonly host: PatternHost) {}

  protected get options(): SocketOptions {
    return this.host.options
  }

  /** A new pipe: for connect() at once (before any connection), for bind() after the handshake. */
  abstract attach(pipe: Pipe): void
  /** A handshake completed on the pipe (pipe.peer is set). Return false to refuse the peer. */
  connected(_pipe: Pipe): boolean {
    return true
  }
  /** The pipe is gone for good. */
  abstract terminated(pipe: Pipe): void
  /** The pipe's inbound queue went from empty to non-empty. */
  abstract readable(pipe: Pipe): void

  /** Queues a message; false means "would block". May throw an errno error (EFSM, EHOSTUNREACH). */
  abstract send(msg: Msg): boolean
  abstract recv(): Msg | undefined
  /**
   * A receive that completes now, or undefined: never throws and never changes the pattern's
   * state when nothing is there (the async iterator's fast path). PULL, whose recv() is a plain
   * fair-queue read with no state, overrides it to skip the separate canRecv pass (~6% on inproc
   * 16 B). Types with state (REQ, REP, ROUTER...) keep this default.
   */
  tryRecv(): Msg | undefined {
    return this.canRecv ? this.recv() : undefined
  }
  /**
   * Sends a message of small Buffers the caller still owns (the pipe frames or copies them).
   * null: this pattern does not offer it (its send() changes or inspects messages).
   */
  sendSmall(_parts: Buffer | readonly Buffer[]): boolean | null {
    return null
  }
  /** ZMQ_POLLOUT: a send would succeed now. */
  abstract get canSend(): boolean
  /** ZMQ_POLLIN: a receive would succeed now. */
  abstract get canRecv(): boolean

  /** zmq_join / zmq_leave: only a DISH has groups (dish.ts); libzmq's default is ENOTSUP. */
  join(_group: Buffer): void {
    throw errnoError("ENOTSUP")
  }
  leave(_group: Buffer): void {
    throw errnoError("ENOTSUP")
  }

  /** ZMQ_SUBSCRIBE / ZMQ_UNSUBSCRIBE set on the socket (SUB, and XPUB in manual mode). */
  subscribe(_topic: Buffer): void {}
  unsubscribe(_topic: Buffer): void {}
}
