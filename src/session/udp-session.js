/**
 * The session of one udp:// endpoint (libzmq socket_base.cpp and session_base.cpp for udp): a
 * DISH or DGRAM bind, or a RADIO connect. There is no connection and so no reconnecting: the pipe
 * is made at once (a RADIO's sends queue while its socket binds) and lives until unbind(),
 * disconnect() or close. Sockets are opened as libzmq opens them (udp_engine.cpp plug): with
 * SO_REUSEADDR where they receive; a multicast receiver binds the port on any address and joins
 * the group on the named interface; a multicast sender sets the interface, ZMQ_MULTICAST_HOPS
 * and multicast loop (on, libzmq's default).
 */
import { createSocket } from "node:dgram";
import { errnoError } from "../errors.js";
import { UdpEngine } from "../engine/udp-engine.js";
export class UdpSession {
    host;
    udp;
    role;
    address;
    pipe;
    engine = null;
    socket;
    ended = false;
    constructor(host, udp, role) {
        this.host = host;
        this.udp = udp;
        this.role = role;
        this.address = udp.address;
        this.socket = createSocket({ type: udp.family === 6 ? "udp6" : "udp4", reuseAddr: role !== "radio" });
        this.pipe = host.newPipe(udp.address, null, role !== "radio");
    }
    /** Binds (the port to receive on, or an ephemeral one to send from) and starts the engine. */
    open() {
        const { socket, udp } = this;
        return new Promise((resolve, reject) => {
            const failed = (e) => {
                this.end();
                reject(errnoError(e.code === "EADDRINUSE" || e.code === "EADDRNOTAVAIL" || e.code === "EACCES" ? e.code : "EINVAL", undefined, udp.address));
            };
            socket.once("error", failed);
            const bound = () => {
                socket.removeListener("error", failed);
                if (this.ended)
                    return resolve();
                try {
                    this.configure();
                }
                catch (e) {
                    return failed(e);
                }
                this.startEngine();
                resolve();
            };
            if (this.role === "radio")
                socket.bind(0, bound);
            else if (udp.multicast)
                socket.bind({ port: udp.port, address: udp.family === 6 ? "::" : "0.0.0.0" }, bound);
            else
                socket.bind({ port: udp.port, address: udp.host }, bound);
        });
    }
    configure() {
        const { socket, udp } = this;
        if (!udp.multicast)
            return;
        if (this.role === "radio") {
            if (udp.interfaceAddress !== null)
                socket.setMulticastInterface(udp.interfaceAddress);
            const hops = this.host.options.multicastHops;
            if (hops > 0)
                socket.setMulticastTTL(hops);
            socket.setMulticastLoopback(true);
        }
        else {
            socket.addMembership(udp.host, udp.interfaceAddress ?? undefined);
        }
    }
    startEngine() {
        const { host } = this;
        const target = this.role === "radio" ? { host: this.udp.host, port: this.udp.port } : null;
        const engine = new UdpEngine(this.socket, this.role, target, this.address, {
            onHandshake: (e, peer) => {
                e.attach(this.pipe, peer);
                host.connected(this.pipe);
                host.wake();
            },
            onClose: e => {
                this.pipe.terminate();
                host.linger.done(e);
            },
        });
        this.engine = engine;
        engine.start();
    }
    /** unbind() / disconnect(): the endpoint ends now, with what is queued. */
    end() {
        if (this.ended)
            return;
        this.ended = true;
        if (this.engine)
            this.engine.close();
        else {
            this.socket.close();
            this.pipe.terminate();
        }
    }
    /**
     * The socket closes: a running engine is left to the socket's linger (its pipe flushes through
     * it); one not bound yet ends now, with its socket.
     */
    closeForSocket() {
        if (this.engine === null)
            this.end();
        else
            this.ended = true;
    }
}
