/**
 * The session of one udp:// endpoint (libzmq socket_base.cpp and session_base.cpp for udp): a
 * DISH or DGRAM bind, or a RADIO connect. There is no connection and so no reconnecting: the pipe
 * is made at once (a RADIO's sends queue while its socket binds) and lives until unbind(),
 * disconnect() or close. Sockets are opened as libzmq opens them (udp_engine.cpp plug): with
 * SO_REUSEADDR where they receive; a multicast receiver binds the port on any address and joins
 * the group on the named interface; a multicast sender sets the interface, ZMQ_MULTICAST_HOPS
 * and multicast loop (on, libzmq's default).
 */
import {createSocket, type Socket as DgramSocket} from "node:dgram"
import {errnoError} from "../errors.js"
import type {Pipe} from "../engine/pipe.js"
import {UdpEngine, type UdpRole} from "../engine/udp-engine.js"
import type {UdpAddress} from "../transport/udp-address.js"
import type {SessionHost} from "./host.js"

export class UdpSession {
  readonly address: string
  readonly pipe: Pipe
  engine: UdpEngine | null = null
  private readonly socket: DgramSocket
  private ended = false

  constructor(
    private readonly host: SessionHost,
    private readonly udp: UdpAddress,
    private readonly role: UdpRole,
  ) {
    this.address = udp.address
    this.socket = createSocket({type: udp.family === 6 ? "udp6" : "udp4", reuseAddr: role !== "radio"})
    this.pipe = host.newPipe(udp.address, null, role !== "radio")
  }

  /** Binds (the port to receive on, or an ephemeral one to send from) and starts the engine. */
  open(): Promise<void> {
    const {socket, udp} = this
    return new Promise<void>((resolve, reject) => {
      const failed = (e: NodeJS.ErrnoException) => {
        this.end()
        reject(errnoError(e.code === "EADDRINUSE" || e.code === "EADDRNOTAVAIL" || e.code === "EACCES" ? e.code : "EINVAL", undefined, udp.address))
      }
      socket.once("error", failed)
      const bound = () => {
        socket.removeListener("error", failed)
        if (this.ended) return resolve()
        try {
          this.configure()
        } catch (e) {
          return failed(e as NodeJS.ErrnoException)
        }
        this.startEngine()
        resolve()
      }
      if (this.role === "radio") socket.bind(0, bound)
      else if (udp.multicast) socket.bind({port: udp.port, address: udp.family === 6 ? "::" : "0.0.0.0"}, bound)
      else socket.bind({port: udp.port, address: udp.host}, bound)
    })
  }

  private configure(): void {
    const {socket, udp} = this
    if (!udp.multicast) return
    if (this.role === "radio") {
      if (udp.interfaceAddress !== null) socket.setMulticastInterface(udp.interfaceAddress)
      const hops = this.host.options.multicastHops
      if (hops > 0) socket.setMulticastTTL(hops)
      socket.setMulticastLoopback(true)
    } else {
      socket.addMembership(udp.host, udp.interfaceAddress ?? undefined)
    }
  }

  private startEngine(): void {
    const {host} = this
    const target = this.role === "radio" ? {host: this.udp.host, port: this.udp.port} : null
    const engine = new UdpEngine(this.socket, this.role, target, this.address, {
      onHandshake: (e, peer) => {
        e.attach(this.pipe, peer)
        host.connected(this.pipe)
        host.wake()
      },
      onClose: e => {
        this.pipe.terminate()
        host.linger.done(e)
      },
    })
    this.engine = engine
    engine.start()
  }

  /** unbind() / disconnect(): the endpoint ends now, with what is queued. */
  end(): void {
    if (this.ended) return
    this.ended = true
    if (this.engine) this.engine.close()
    else {
      this.socket.close()
      this.pipe.terminate()
    }
  }

  /**
   * The socket closes: a running engine is left to the socket's linger (its pipe flushes through
   * it); one not bound yet ends now, with its socket.
   */
  closeForSocket(): void {
    if (this.engine === null) this.end()
    else this.ended = true
  }
}
