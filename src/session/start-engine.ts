/**
 * Starts the engine for one new byte-stream connection: ZMTP with the socket's mechanism, or for a
 * STREAM socket a raw one (no handshake, so "connected" at once). A failed handshake is reported
 * as zeromq.js reports it: handshake:error:auth / :protocol / :other events.
 */
import type {Buffer} from "node:buffer"
import {errnoError} from "../errors.js"
import {ACK_PROPERTY, DURABLE_PROPERTY, encodeResume, newToken, RESUME_PROPERTY, type Resume} from "../engine/acks.js"
import type {Engine} from "../engine/engine.js"
import type {PeerInfo} from "../engine/pipe.js"
import {RawEngine} from "../engine/raw-engine.js"
import {ZmtpEngine} from "../engine/zmtp-engine.js"
import {ZWS_STREAM} from "../engine/zws-frames.js"
import type {Mechanism} from "../mechanism/mechanism.js"
import {isZapAuthError, ZapProtocolError} from "../mechanism/zap.js"
import type {Connection, SocketEvent} from "../transport/stream.js"
import {ZmtpError} from "../wire/errors.js"
import type {SessionHost} from "./host.js"
import {chooseMechanism} from "./security.js"

/** zeromq.js AuthError messages by ZAP status. */
const AUTH_MESSAGES: Record<number, string> = {300: "Temporary error", 400: "Authentication failure", 500: "Internal error"}

export interface ConnectionHandler {
  onHandshake(engine: Engine, peer: PeerInfo): void
  onClose(engine: Engine, error: ZmtpError | null): void
}

/** Publishers that can keep a durable subscriber's queue (durableGrace). */
const PUBLISHERS: ReadonlySet<string> = new Set(["PUB", "XPUB", "RADIO"])
/** Subscribers that acknowledge, given a routing id. */
const SUBSCRIBERS: ReadonlySet<string> = new Set(["SUB", "XSUB", "DISH"])

/**
 * The engine, started; null when this connection cannot start at all (missing CURVE keys).
 * `resume`: a subscriber's last acknowledged connection on this endpoint (engine/acks.ts).
 */
export function startEngine(host: SessionHost, stream: Connection, address: string, handler: ConnectionHandler, resume: Resume | null = null): Engine | null {
  if (host.typeName === "STREAM") {
    const raw = new RawEngine(stream, address, handler)
    raw.start()
    return raw
  }
  const o = host.options
  // Durable subscribers (engine/acks.ts): our side of the negotiation, in READY.
  const extra: [string, Buffer][] = []
  let durableToken: Buffer | null = null
  let acks = false
  if (o.durableGrace > 0 && PUBLISHERS.has(host.typeName)) {
    durableToken = newToken()
    extra.push([DURABLE_PROPERTY, durableToken])
  } else if (o.routingId !== null && o.routingId.length > 0 && !o.conflate && SUBSCRIBERS.has(host.typeName)) {
    // CONFLATE throws messages away unread: nothing there to acknowledge one by one.
    acks = true
    extra.push([ACK_PROPERTY, o.routingId])
    if (resume !== null) extra.push([RESUME_PROPERTY, encodeResume(resume)])
  }
  let mechanism: Mechanism
  try {
    mechanism = chooseMechanism(o, host.typeName, host.context, () => stream.remoteAddress ?? "", extra)
  } catch (e) {
    stream.destroy()
    const err = e instanceof ZmtpError ? e : new ZmtpError("ERR_ZMTP_UNSPECIFIED", (e as Error).message, {kind: "other"})
    const event = handshakeErrorEvent(address, err)
    if (event) host.emit(event)
    return null
  }
  const engine = new ZmtpEngine(
    stream,
    {
      socketType: host.typeName,
      mechanism,
      maxMessageSize: o.maxMessageSize,
      handshakeInterval: o.handshakeInterval,
      heartbeatInterval: o.heartbeatInterval,
      heartbeatTimeToLive: o.heartbeatTimeToLive,
      heartbeatTimeout: o.heartbeatTimeout,
      address,
      greeting: !(ZWS_STREAM in stream),
      durableToken,
      acks,
    },
    {
      onHandshake: handler.onHandshake,
      onClose: (e, err, duringHandshake) => {
        const event = duringHandshake && err ? handshakeErrorEvent(address, err) : null
        if (event) host.emit(event)
        handler.onClose(e, err)
      },
    },
  )
  engine.start()
  return engine
}

/** The zeromq.js event for a handshake that failed with `err`, or null for one it does not report. */
function handshakeErrorEvent(address: string, err: ZmtpError): SocketEvent | null {
  if (err.kind === "silent") return null
  if (isZapAuthError(err)) {
    // zeromq.js AuthError: {status, message}
    const error = Object.assign(new Error(AUTH_MESSAGES[err.status]), {status: err.status})
    return {type: "handshake:error:auth", address, error}
  }
  if (err.kind === "protocol") {
    // zeromq.js names the family only ("ZMTP protocol error", "ZAP protocol error": observer.cc);
    // what exactly went wrong stays readable as the error's cause.
    const code = err instanceof ZapProtocolError ? err.zapCode : err.code
    const family = code.startsWith("ERR_ZAP_") ? "ZAP" : "ZMTP"
    const error = Object.assign(new Error(`${family} protocol error`, {cause: err}), {code})
    return {type: "handshake:error:protocol", address, error}
  }
  const code = err.code === "ERR_ZMTP_HANDSHAKE_TIMEOUT" ? "ETIMEDOUT" : "EPROTO"
  return {type: "handshake:error:other", address, error: errnoError(code, err.message)}
}
