/**
 * The monitor events as zeromq.js types them (its native.ts): a union keyed by `type`, so that
 * `observer.on("connect:retry", e => e.interval)` and `EventOfType<"bind:error">` type-check as
 * they do with zeromq.js. The events themselves are made by the transports and sessions
 * (transport/stream.ts SocketEvent, the loose internal form); these are the types users see.
 */
import type {ErrnoError} from "./errors.js"
import type {ZapErrorCode} from "./mechanism/zap.js"
import type {ZmtpProtocolErrorCode} from "./wire/errors.js"

type Expand<T> = T extends infer O ? {[K in keyof O]: O[K]} : never

/** A handshake refused by ZAP: the status the handler gave. */
export interface AuthError extends Error {
  status: 300 | 400 | 500
}

/** A handshake that broke ZMTP or ZAP (zeromq.js's codes, libzmq's ZMQ_PROTOCOL_ERROR_*). */
export interface ProtoError extends Error {
  code: ZmtpProtocolErrorCode | ZapErrorCode
}

export interface EventAddress {
  address: string
}

export interface EventInterval {
  interval: number
}

export interface EventError<E = ErrnoError> {
  error: E
}

/** One event type with its data. */
// eslint-disable-next-line @typescript-eslint/ban-types
export type EventFor<T extends string, D = {}> = Expand<{type: T} & D>

/** Every event a socket's Observer gives. */
export type Event =
  | EventFor<"accept", EventAddress>
  | EventFor<"accept:error", EventAddress & EventError>
  | EventFor<"bind", EventAddress>
  | EventFor<"bind:error", EventAddress & EventError>
  | EventFor<"connect", EventAddress>
  | EventFor<"connect:delay", EventAddress>
  | EventFor<"connect:retry", EventAddress & EventInterval>
  | EventFor<"close", EventAddress>
  | EventFor<"close:error", EventAddress & EventError>
  | EventFor<"disconnect", EventAddress>
  | EventFor<"end">
  | EventFor<"handshake", EventAddress>
  | EventFor<"handshake:error:protocol", EventAddress & EventError<ProtoError>>
  | EventFor<"handshake:error:auth", EventAddress & EventError<AuthError>>
  | EventFor<"handshake:error:other", EventAddress & EventError>
  | EventFor<"unknown">

export type EventType = Event["type"]

/** The event of one type, e.g. `EventOfType<"accept">`. */
export type EventOfType<E extends EventType = EventType> = Expand<Extract<Event, Event & EventFor<E>>>
