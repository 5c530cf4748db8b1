/**
 * A socket's endpoints: the sessions of what it bound and what it connected to, in order, found
 * by address for unbind() and disconnect() (libzmq's term_endpoint).
 */
import { errnoError } from "../errors.js";
import { checkTermEndpoint, parseEndpoint } from "../transport/endpoint.js";
import { BoundEndpoint } from "./bound-endpoint.js";
import { ConnectSession } from "./connect-session.js";
import { connectInproc, InprocBind } from "./inproc-join.js";
import { UdpSession } from "./udp-session.js";
import { BROWSER } from "../platform.js";
export class Endpoints {
    host;
    binds = [];
    connects = [];
    /** udp:// binds (DISH, DGRAM) and connects (RADIO): no listener, no reconnecting. */
    udp = [];
    constructor(host) {
        this.host = host;
    }
    /** How many endpoints are bound or connected (Proxy requires one; options then warn). */
    get count() {
        return this.binds.length + this.connects.length + this.udp.length;
    }
    /** bind(): listens (asynchronously, as libzmq's bind reports through zeromq.js's thread pool). */
    bind(address) {
        const endpoint = this.parseBind(address);
        if (endpoint.protocol === "inproc") {
            this.bindInproc(endpoint);
            return null;
        }
        if (endpoint.protocol === "udp") {
            const session = this.bindUdp(endpoint.udp, address);
            return session.open().catch(e => {
                this.udp.splice(this.udp.indexOf(session), 1);
                throw e;
            });
        }
        const bound = new BoundEndpoint(this.host);
        return bound
            .listen(endpoint)
            .listen()
            .then(() => this.bound(bound));
    }
    bindSync(address) {
        const endpoint = this.parseBind(address);
        if (endpoint.protocol === "inproc") {
            this.bindInproc(endpoint);
            return;
        }
        if (endpoint.protocol === "udp") {
            // Node binds a datagram socket asynchronously: the endpoint exists now and is up shortly;
            // a failure to bind then ends it (there is no caller left to tell).
            const session = this.bindUdp(endpoint.udp, address);
            session.open().catch(() => this.udp.splice(this.udp.indexOf(session), 1));
            return;
        }
        const bound = new BoundEndpoint(this.host);
        bound.listen(endpoint).listenSync();
        this.bound(bound);
    }
    /** A bind address, checked for this socket type (udp:// binds are DISH's and DGRAM's). */
    parseBind(address) {
        const type = this.host.typeName;
        return this.checked(parseEndpoint(address, true, this.host.options.ipv6, type === "DISH" || type === "DGRAM"), true);
    }
    bindUdp(udp, address) {
        const session = new UdpSession(this.host, udp, this.host.typeName === "DISH" ? "dish" : "dgram");
        this.udp.push(session);
        this.host.options.lastEndpoint = udpLastEndpoint(address);
        return session;
    }
    bound(bound) {
        bound.address = bound.listener.address;
        this.binds.push(bound);
        this.host.options.lastEndpoint = bound.address;
    }
    bindInproc(endpoint) {
        const binder = new InprocBind(this.host);
        if (!this.host.context.inproc.bind(endpoint.name, binder))
            throw errnoError("EADDRINUSE", undefined, endpoint.address);
        const bound = new BoundEndpoint(this.host);
        bound.address = endpoint.address;
        bound.inproc = binder;
        this.binds.push(bound);
        this.host.options.lastEndpoint = endpoint.address;
    }
    unbind(address) {
        if (!checkTermEndpoint(address, this.udpAllowed))
            throw errnoError("ENOENT", undefined, address);
        if (this.endUdp(address))
            return;
        const i = this.binds.findIndex(b => b.address === address);
        if (i < 0)
            throw errnoError("ENOENT", undefined, address);
        this.binds.splice(i, 1)[0].close();
    }
    /**
     * STREAM's raw bytes have no ZWS form here (zmtp's ws:// carries ZMTP frames only). In a
     * browser a page connects over ws:// and wss:// and uses inproc; nothing else exists there.
     */
    checked(endpoint, binding = false) {
        const ws = endpoint.protocol === "ws" || endpoint.protocol === "wss";
        if (this.host.typeName === "STREAM" && ws)
            throw errnoError("EPROTONOSUPPORT", undefined, endpoint.address);
        if (BROWSER && endpoint.protocol !== "inproc") {
            if (binding)
                throw errnoError("EPROTONOSUPPORT", `bind() to ${endpoint.protocol}:// is not available in a browser: a page can only connect (ws:// or wss://) or use inproc://`, endpoint.address);
            if (!ws)
                throw errnoError("EPROTONOSUPPORT", `${endpoint.protocol}:// is not available in a browser: connect over ws:// or wss://`, endpoint.address);
        }
        return endpoint;
    }
    get udpAllowed() {
        const type = this.host.typeName;
        return type === "RADIO" || type === "DISH" || type === "DGRAM";
    }
    /** Ends the udp:// endpoint of that address, if there is one. */
    endUdp(address) {
        const i = this.udp.findIndex(u => u.address === address);
        if (i < 0)
            return false;
        this.udp.splice(i, 1)[0].end();
        return true;
    }
    connect(address) {
        const { host } = this;
        const endpoint = this.checked(parseEndpoint(address, false, host.options.ipv6, host.typeName === "RADIO"));
        if (endpoint.protocol === "udp") {
            const session = new UdpSession(host, endpoint.udp, "radio");
            this.udp.push(session);
            host.options.lastEndpoint = udpLastEndpoint(address);
            // A failure to open a sending socket (none is expected) leaves the messages queued.
            session.open().catch(() => { });
            return;
        }
        const session = new ConnectSession(host, address, endpoint, host.options.takeConnectRoutingId());
        this.connects.push(session);
        // libzmq records connects in ZMQ_LAST_ENDPOINT too.
        host.options.lastEndpoint = address;
        if (endpoint.protocol === "inproc")
            connectInproc(host, session, endpoint);
        else
            session.dial();
    }
    disconnect(address) {
        // libzmq's term_endpoint reads the scheme first: EINVAL / EPROTONOSUPPORT before ENOENT.
        if (!checkTermEndpoint(address, this.udpAllowed))
            throw errnoError("ENOENT", undefined, address);
        if (this.endUdp(address))
            return;
        const i = this.connects.findIndex(c => c.address === address);
        if (i >= 0) {
            this.connects.splice(i, 1)[0].end();
            return;
        }
        // libzmq's zmq_disconnect is term_endpoint, which ends a bound endpoint as well.
        this.unbind(address);
    }
    /**
     * The socket closes: every endpoint ends, except connect sessions that keep dialling to deliver
     * what their pipe holds (connect-session.ts). Returns those sessions' pipes.
     */
    close() {
        const kept = new Set();
        for (const u of this.udp.splice(0))
            u.closeForSocket();
        for (const c of this.connects.splice(0))
            if (c.closeForSocket())
                kept.add(c.pipe);
        for (const b of this.binds.splice(0))
            b.close(true);
        return kept;
    }
}
/**
 * libzmq's ZMQ_LAST_ENDPOINT for udp:// is the address without its scheme, as given
 * ("127.0.0.1:*" stays so): udp_address_t::to_string returns the name it resolved.
 */
function udpLastEndpoint(address) {
    return address.slice(address.indexOf("://") + 3);
}
