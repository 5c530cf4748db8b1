/**
 * Proxy (zeromq.js `Proxy`, libzmq zmq_proxy_steerable): forwards every message from the front
 * end to the back end and back, until terminated; pause() and resume() hold and release the flow.
 * Here it is two async loops on the sockets' own send/receive, so HWM and blocking behave as for
 * any application.
 */
import {errnoError} from "./errors.js"
import {SEND_ONLY, Socket, socketEndpointCount} from "./sockets/socket.js"
import {checkArgumentCount} from "./native-class.js"


export class Proxy<F extends Socket = Socket, B extends Socket = Socket> {
  readonly frontEnd: F
  readonly backEnd: B
  #running = false
  #terminated = false
  #paused: Promise<void> | null = null
  #resume: (() => void) | null = null

  constructor(frontEnd: F, backEnd: B) {
    // zeromq.js: a non-object is a TypeError; an object that is not a socket is EINVAL (no code).
    if (typeof frontEnd !== "object" || frontEnd === null) throw new TypeError("Front-end must be a socket object")
    if (typeof backEnd !== "object" || backEnd === null) throw new TypeError("Back-end must be a socket object")
    checkArgumentCount(arguments.length, 2)
    if (!(frontEnd instanceof Socket) || !(backEnd instanceof Socket)) throw new Error("Invalid argument")
    this.frontEnd = frontEnd
    this.backEnd = backEnd
  }

  run(): Promise<void> {
    // Checked before anything runs, and thrown rather than rejected, as zeromq.js does.
    if (this.#terminated) throw errnoError("EBADF")
    if (socketEndpointCount(this.frontEnd) === 0) throw errnoError("EINVAL", "Front-end socket must be bound or connected")
    if (socketEndpointCount(this.backEnd) === 0) throw errnoError("EINVAL", "Back-end socket must be bound or connected")
    this.#running = true
    return this.#run()
  }

  async #run(): Promise<void> {
    const loops: Promise<void>[] = []
    if (!SEND_ONLY.has(this.frontEnd.type)) loops.push(this.#forward(this.frontEnd, this.backEnd))
    if (!SEND_ONLY.has(this.backEnd.type)) loops.push(this.#forward(this.backEnd, this.frontEnd))
    await Promise.all(loops)
  }

  async #forward(from: Socket, to: Socket): Promise<void> {
    while (!this.#terminated) {
      if (this.#paused) await this.#paused
      let msg: Buffer[]
      try {
        msg = await (from as unknown as {receive(): Promise<Buffer[]>}).receive()
      } catch (e) {
        if (this.#terminated || from.closed) return
        throw e
      }
      if (this.#paused) await this.#paused
      try {
        await (to as unknown as {send(m: Buffer[]): Promise<void>}).send(msg)
      } catch (e) {
        if (this.#terminated || to.closed) return
        throw e
      }
    }
  }

  pause(): void {
    if (this.#terminated || !this.#running) throw errnoError("EBADF")
    if (!this.#paused) this.#paused = new Promise(r => (this.#resume = r))
  }

  resume(): void {
    if (this.#terminated || !this.#running) throw errnoError("EBADF")
    this.#resume?.()
    this.#paused = null
    this.#resume = null
  }

  terminate(): void {
    if (this.#terminated || !this.#running) throw errnoError("EBADF")
    this.#terminated = true
    this.#resume?.()
    this.frontEnd.close()
    this.backEnd.close()
  }
}
