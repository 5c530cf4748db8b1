/**
 * `zmtp/v5-compat`: the callback/EventEmitter API of zeromq.js 5.x, as zeromq.js 6 provides it in
 * `zeromq/v5-compat` (same exports, same option names and ids, same events), built on zmtp's v6
 * sockets. For code that has not moved to the promise API yet:
 *
 *     const zmq = require("zmtp/v5-compat")
 *     const sock = zmq.socket("push")
 *     sock.bindSync("tcp://127.0.0.1:3000")
 *     sock.send(["part 1", "part 2"], 0, err => { ... })
 */
import * as zmq from "./index.js"
import type {Socket} from "./v5-compat/socket.js"

export {Socket, createSocket, type SocketType, type Callback} from "./v5-compat/socket.js"
export {createSocket as socket} from "./v5-compat/socket.js"
export {shortOptions as options, type OptionName} from "./v5-compat/options.js"
export * from "./v5-compat/constants.js"

/** The libzmq version whose behaviour the sockets follow (zmtp's `version`). */
export const version: string = zmq.version

/**
 * The global context's settings, as static methods; there is one context, so constructing one is
 * refused (as in zeromq.js's compatibility mode).
 */
export class Context {
  static setMaxThreads(value: number): void {
    zmq.context.ioThreads = value
  }

  static getMaxThreads(): number {
    return zmq.context.ioThreads
  }

  static setMaxSockets(value: number): void {
    zmq.context.maxSockets = value
  }

  static getMaxSockets(): number {
    return zmq.context.maxSockets
  }

  constructor() {
    throw new Error("Context cannot be instantiated in compatibility mode")
  }
}

/** A new CURVE key pair, both keys as 40 Z85 characters, named as in v5 ({public, secret}). */
export function curveKeypair(): {public: string; secret: string} {
  const {publicKey, secretKey} = zmq.curveKeyPair()
  return {public: publicKey, secret: secretKey}
}

/**
 * Forwards messages between two v5 sockets, in both directions, until they close: frontend to
 * backend and backend to frontend, and a copy of what comes back from the backend to `capture`
 * (without the two envelope frames for router/dealer). Supported pairs, by the types the sockets
 * were created with: push/pull, pull/push, xpub/xsub, router/dealer and xrep/xreq; any other
 * throws.
 */
export function proxy(frontend: Socket, backend: Socket, capture?: Socket): void {
  let captured: (frames: zmq.MessageLike[]) => zmq.MessageLike[]
  switch (`${frontend.type}/${backend.type}`) {
    case "push/pull":
    case "pull/push":
    case "xpub/xsub":
      captured = frames => frames
      break
    case "router/dealer":
    case "xrep/xreq":
      captured = frames => frames.slice(2)
      break
    default:
      throw new Error("This socket type order is not supported in compatibility mode")
  }
  frontend.on("message", (...frames: zmq.MessageLike[]) => {
    backend.send(frames)
  })
  backend.on("message", (...frames: zmq.MessageLike[]) => {
    frontend.send(frames)
    if (capture) capture.send(captured(frames))
  })
}

