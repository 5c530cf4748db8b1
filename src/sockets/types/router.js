/**
 * ROUTER (28/REQREP): prefixes each received message with the sending peer's routing id and
 * routes each sent message by its first frame. Routing ids come from ZMQ_CONNECT_ROUTING_ID, else
 * the peer's Identity property, else a generated 5-byte id: 00 followed by a uint32 counter that
 * starts at a random value (libzmq router.cpp). A peer whose id is taken is ignored, unless
 * ZMQ_ROUTER_HANDOVER hands the id to the newcomer (the old peer is then ignored, its connection
 * left up). Unroutable or full: dropped, unless ZMQ_ROUTER_MANDATORY (EHOSTUNREACH / block).
 */
import { Buffer } from "node:buffer";
import { errnoError } from "../../errors.js";
import { Pattern } from "../pattern.js";
import { FairQueue } from "../strategies/fq.js";
import { RoutingIds } from "../strategies/routing-id.js";
export class RouterPattern extends Pattern {
    fq = new FairQueue();
    byId = new Map();
    ids = new RoutingIds();
    attach(pipe) {
        // A connect()ed pipe given ZMQ_CONNECT_ROUTING_ID is routable at once, before any connection:
        // libzmq's xattach_pipe runs at connect() (immediate=0) and identify_peer takes the connect
        // routing id there, so ["A", ...] sent right after connect(addr, {routingId: "A"}) is queued
        // rather than dropped (or EHOSTUNREACH with mandatory). connected() re-identifies it.
        const id = pipe.routingId;
        if (id && !this.byId.has(id.toString("latin1")))
            this.byId.set(id.toString("latin1"), pipe);
    }
    connected(pipe) {
        // A reconnecting connect()ed pipe is identified afresh. A pipe is only ever registered under
        // its own routingId, so that is the one key to look at (a scan of byId made every new
        // connection cost O(peers) and its garbage grew V8's young generation by 12 MB per 1,000).
        const previous = pipe.routingId?.toString("latin1");
        if (previous !== undefined && this.byId.get(previous) === pipe)
            this.byId.delete(previous);
        let id = pipe.routingId ?? (pipe.peer && pipe.peer.identity.length > 0 ? pipe.peer.identity : null);
        if (id && this.byId.has(id.toString("latin1"))) {
            if (this.options.handover) {
                const old = this.byId.get(id.toString("latin1"));
                this.byId.delete(id.toString("latin1"));
                // libzmq (router.cpp identify_peer) terminates the old pipe but leaves its connection up,
                // silent: the old peer sees no disconnect. Closing it (as we did) makes a reconnecting
                // peer take the id straight back, and two peers with one id hand it over forever. The old
                // peer is now ignored like a duplicate newcomer; what it had queued for us is dropped.
                old.routingId = null;
                while (old.read())
                    ;
                this.fq.detach(old);
            }
            else {
                // libzmq ignores the newcomer: its connection stays up but nothing is routed to or from it.
                pipe.routingId = null;
                return true;
            }
        }
        if (!id) {
            id = this.ids.generate();
        }
        pipe.routingId = id;
        this.byId.set(id.toString("latin1"), pipe);
        if (this.options.probeRouter)
            pipe.forceWrite([Buffer.alloc(0)]);
        return true;
    }
    terminated(pipe) {
        const key = pipe.routingId?.toString("latin1");
        if (key !== undefined && this.byId.get(key) === pipe)
            this.byId.delete(key);
        this.fq.detach(pipe);
    }
    readable(pipe) {
        if (pipe.routingId === null) {
            while (pipe.read())
                ; // an ignored duplicate
            return;
        }
        this.fq.activate(pipe);
    }
    send(msg) {
        // A lone first frame is not a routable message: libzmq drops it.
        if (msg.length < 2)
            return true;
        const pipe = this.byId.get(msg[0].toString("latin1"));
        if (!pipe) {
            if (this.options.mandatory)
                throw errnoError("EHOSTUNREACH");
            return true;
        }
        if (!pipe.writable) {
            if (this.options.mandatory)
                return false;
            // A full peer misses the message, unless drop-oldest makes room for it (pipe.ts).
            if (pipe.dropPolicy?.dropOldest !== true)
                return true;
        }
        pipe.write(msg.slice(1));
        return true;
    }
    recv() {
        for (;;) {
            const msg = this.fq.recv();
            if (!msg)
                return undefined;
            const id = this.fq.lastPipe.routingId;
            if (!id)
                continue;
            return [id, ...msg];
        }
    }
    get canSend() {
        if (!this.options.mandatory)
            return true;
        for (const p of this.byId.values())
            if (p.writable)
                return true;
        return false;
    }
    get canRecv() {
        return this.fq.readable;
    }
}
