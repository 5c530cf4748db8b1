/**
 * One bound endpoint and the peers it accepted. Each accepted connection gets its pipe only once
 * its handshake is done, and that pipe ends with the connection (28..31/ZMTP: a bind-side peer's
 * queue is destroyed with it); there is nothing to redial. The one exception is a zmtp extension:
 * a publisher with durableGrace parks a durable subscriber's pipe for it (sockets/durable.ts).
 */
import type {Engine} from "../engine/engine.js"
import type {Pipe} from "../engine/pipe.js"
import type {InprocBinder} from "../transport/inproc.js"
import {StreamListener, type Connection, type StreamEndpoint} from "../transport/stream.js"
import type {SessionHost} from "./host.js"
import {startEngine} from "./start-engine.js"

export class BoundEndpoint {
  /** The resolved endpoint (ZMQ_LAST_ENDPOINT form); unbind() matches this. */
  address = ""
  listener: StreamListener | null = null
  inproc: InprocBinder | null = null
  readonly engines = new Set<Engine>()

  constructor(private readonly host: SessionHost) {}

  /** A listener for a tcp:// or ipc:// endpoint (not listening yet). */
  listen(endpoint: StreamEndpoint): StreamListener {
    const listener = new StreamListener(endpoint, this.host.options, stream => this.accepted(stream), e => this.host.emit(e))
    this.listener = listener
    return listener
  }

  private accepted(stream: Connection): void {
    const host = this.host
    // ZMQ_TCP_ACCEPT_FILTER: a peer outside the allowed networks is closed at once. The peer's
    // address costs a getpeername: asked only when there is a filter to apply.
    if (host.closed || (host.options.tcpAcceptFilter.length !== 0 && stream.remoteAddress && !host.options.acceptsPeer(stream.remoteAddress))) {
      stream.destroy()
      return
    }
    const address = this.listener!.address
    let pipe: Pipe | null = null
    const engine = startEngine(host, stream, address, {
      onHandshake: (e, peer) => {
        // A durable subscriber coming back within its grace takes over its parked pipe.
        pipe = host.unpark(peer) ?? host.newPipe(address, null, true)
        e.attach(pipe, peer)
        if (!host.connected(pipe)) {
          pipe.terminate()
          return
        }
        host.emit({type: "handshake", address})
        host.wake()
      },
      onClose: e => {
        this.engines.delete(e)
        // A connection we end by closing the socket is not reported (libzmq's monitor is gone).
        if (!host.closed) host.emit({type: "disconnect", address})
        const ended = pipe as Pipe | null
        if (ended !== null && !host.park(ended)) ended.terminate()
        host.linger.done(e)
      },
    })
    if (engine) this.engines.add(engine)
  }

  /**
   * Stops listening and ends the accepted connections. `closing`: the socket is closing, and
   * lingers over the pipes of those past their handshake; only those still in it end now.
   */
  close(closing = false): void {
    this.listener?.close()
    if (this.inproc) this.host.context.inproc.unbind(this.address.slice("inproc://".length), this.inproc)
    for (const e of [...this.engines]) if (!closing || e.handshaking) e.close()
  }
}
