import { StreamConnecter } from "../transport/stream.js";
import { hasQueued } from "./queued.js";
import { startEngine } from "./start-engine.js";
export class ConnectSession {
    host;
    address;
    endpoint;
    routingId;
    connecter = null;
    inproc = null;
    pipe = null;
    engines = new Set();
    /**
     * Durable subscribers (engine/acks.ts): the last connection that acknowledged, for the next
     * one's READY; kept here too because with ZMQ_IMMEDIATE the pipe does not outlive it.
     */
    resume = null;
    constructor(host, address, endpoint, routingId) {
        this.host = host;
        this.address = address;
        this.endpoint = endpoint;
        this.routingId = routingId;
        // libzmq (immediate=0) creates the pipe now, so sends queue before any connection exists.
        if (!host.options.immediate)
            this.pipe = host.newPipe(address, routingId, false, true);
    }
    /** Dials a tcp:// or ipc:// endpoint (inproc is joined by inproc-join.ts). */
    dial() {
        const endpoint = this.endpoint;
        this.connecter = new StreamConnecter(endpoint, this.host.options, stream => this.connected(stream), e => this.host.emit(e));
        this.connecter.start();
    }
    /** The connect-side pipe, made anew if the last one was terminated. */
    livePipe() {
        let pipe = this.pipe;
        if (!pipe || pipe.terminated)
            pipe = this.pipe = this.host.newPipe(this.address, this.routingId, true, true);
        return pipe;
    }
    connected(stream) {
        const { host, address } = this;
        const connecter = this.connecter;
        const engine = startEngine(host, stream, address, {
            onHandshake: (e, peer) => {
                const pipe = this.livePipe();
                e.attach(pipe, peer);
                // Closed while dialling (linger): this connection only delivers what was queued.
                if (host.closed) {
                    e.closeAfterFlush(host.linger.left());
                    return;
                }
                if (!host.connected(pipe)) {
                    e.close();
                    return;
                }
                host.emit({ type: "handshake", address });
                host.wake();
            },
            onClose: (e, err) => {
                this.engines.delete(e);
                // libzmq does not reconnect after a protocol error; it does after a plain disconnect.
                const reconnect = !(err && err.fatal);
                if (host.closed) {
                    host.linger.done(e);
                    if (!host.linger.has(this))
                        return;
                    // Lingering: dial again while messages remain (the linger deadline bounds it).
                    const pipe = this.pipe;
                    if (reconnect && host.options.reconnectInterval >= 0 && pipe && !pipe.terminated && pipe.outLength > 0)
                        connecter.connectionLost(true);
                    else
                        this.lingerExpired();
                    return;
                }
                host.emit({ type: "disconnect", address });
                const pipe = this.pipe;
                if (pipe?.resume)
                    this.resume = pipe.resume;
                if (pipe && (host.options.immediate || !reconnect)) {
                    this.pipe = null;
                    pipe.terminate();
                }
                connecter.connectionLost(reconnect);
            },
        }, this.pipe?.resume ?? this.resume);
        if (engine)
            this.engines.add(engine);
        // A connection that cannot even start (missing CURVE keys) is not retried.
        else
            connecter.connectionLost(false);
    }
    /**
     * close(): a session whose pipe still holds messages keeps dialling, and its live connections
     * flush, within linger: a message sent before any connection existed is delivered once one is
     * made. An inproc connect still waiting for its bind keeps its messages whatever the linger
     * (libzmq holds the pending pipe in the context and hands it over at the bind). Returns whether
     * the session stays; if not, it has ended (its pipe is left to the socket's linger).
     */
    closeForSocket() {
        const pipe = this.pipe;
        if (pipe && !pipe.terminated && hasQueued(pipe)) {
            if (this.inproc) {
                if (pipe.transport === null)
                    return true;
            }
            else if (!this.host.linger.dropping) {
                this.host.linger.add(this);
                for (const e of this.engines)
                    if (!e.handshaking)
                        e.closeAfterFlush(this.host.linger.left());
                return true;
            }
        }
        this.end(true);
        return false;
    }
    /** Ends the session: no more dialling, connections closed. `closing`: the socket lingers over the pipe. */
    end(closing = false) {
        this.connecter?.stop();
        if (this.inproc)
            this.host.context.inproc.cancel(this.inproc);
        // When the socket closes, connections past their handshake have a pipe that close() lingers over.
        for (const e of [...this.engines])
            if (!closing || e.handshaking)
                e.close();
        if (!closing)
            this.pipe?.terminate();
    }
    /** The lingering session is done (flushed, or linger ran out): it stops dialling and its pipe ends. */
    lingerExpired() {
        this.connecter?.stop();
        for (const e of [...this.engines])
            e.close();
        this.pipe?.terminate();
        this.host.linger.done(this);
    }
}
