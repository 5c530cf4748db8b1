/**
 * inproc:// sessions: a bound name is an InprocBind in the context's registry; a connect (made
 * before or after the bind, as libzmq ≥ 4.0 allows) is joined to it with a pair of pipes and the
 * two inproc engines between them (engine/inproc-engine.ts). No handshake: each side learns the
 * other's socket type and routing id directly.
 */
import { Buffer } from "node:buffer";
import { linkInproc } from "../engine/inproc-engine.js";
export class InprocBind {
    host;
    constructor(host) {
        this.host = host;
    }
    acceptInproc() {
        return !this.host.closed;
    }
    /** Joins the connecting socket's session to this bound socket. */
    join(connecting, session) {
        const bound = this.host;
        if (bound.closed)
            return;
        if (connecting.closed && !session.pipe)
            return;
        const address = session.address;
        const a = session.livePipe();
        const b = bound.newPipe(address, null, true);
        const { ab, ba } = linkInproc(a, b);
        const info = (s) => peerInfo(threadPeer(s), address);
        b.attach(ba, info(connecting));
        // The bound side learns its peer (a ROUTER its routing id) before a's queued messages arrive:
        // attaching a hands them over at once.
        if (!bound.connected(b)) {
            b.terminate();
            return;
        }
        a.attach(ab, info(bound));
        connecting.connected(a);
        ab.kick();
        ba.kick();
        bound.wake();
        if (connecting.closed) {
            // It closed before the bind with messages queued: they are the bound socket's to read.
            ab.deliverRest();
            a.terminate();
            return;
        }
        connecting.wake();
    }
    /** A socket of another thread has joined (thread-bus.ts): the bound side of the link. */
    acceptThread(peer, link) {
        const bound = this.host;
        if (bound.closed)
            return false;
        const b = bound.newPipe(link.address, null, true);
        link.engine().attach(b, peerInfo(peer, link.address));
        if (!bound.connected(b))
            b.terminate();
        else
            bound.wake();
        return true;
    }
    threadPeer() {
        return threadPeer(this.host);
    }
}
function peerInfo(peer, address) {
    return { socketType: peer.socketType, identity: Buffer.from(peer.routingId ?? []), minor: 1, address };
}
function threadPeer(host) {
    return { socketType: host.typeName, routingId: host.options.routingId ?? null, recvHwm: host.options.receiveHighWaterMark };
}
/** Registers a connect session's inproc connect: joined at once if bound, else at the bind. */
export function connectInproc(host, session, endpoint) {
    session.inproc = {
        name: endpoint.name,
        completeInproc: binder => binder.join(host, session),
        threadPeer: () => threadPeer(host),
        // The socket bound in another thread took us: the connect side of the link.
        completeThread: link => {
            const engine = link.engine();
            if (host.closed && !session.pipe)
                return engine.abort();
            const a = session.livePipe();
            engine.attach(a, peerInfo(link.peer, session.address));
            if (host.closed) {
                // Closed before the bind with messages queued: they are the bound socket's to read (the
                // engine writes them all, then ends the link).
                engine.closeAfterFlush();
                a.terminate();
                return;
            }
            if (!host.connected(a))
                return a.terminate();
            host.wake();
        },
    };
    host.context.inproc.connect(session.inproc);
}
