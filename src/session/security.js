/**
 * Which security mechanism a new connection runs, from the socket's options (libzmq's rules:
 * PLAIN or CURVE when their options are set, server or client by plainServer / curveServer, NULL
 * otherwise), and ZAP: a server mechanism asks the handler the application bound at
 * inproc://zeromq.zap.01 in the same context (27/ZAP), over a DEALER of our own as libzmq does.
 */
import { Buffer } from "node:buffer";
import { CurveClient, CurveMissingKeys, CurveServer } from "../mechanism/curve.js";
import { NullMechanism } from "../mechanism/null.js";
import { PlainClient, PlainServer } from "../mechanism/plain.js";
import { encodeZapRequest, parseZapReply, ZapProtocolError } from "../mechanism/zap.js";
import { encodeReady } from "../wire/command.js";
import { sendsIdentity } from "../wire/socket-type.js";
/** 27/ZAP: where the application's authentication handler is bound. */
const ZAP_ENDPOINT = "zeromq.zap.01";
let newDealer = null;
export function setZapDealerFactory(factory) {
    newDealer = factory;
}
/**
 * Per socket (its options object), not per connection: a ROUTER accepting 1,000 peers sends them
 * all the same READY, as libzmq's mechanism_t builds it from the same options each time. Stale when
 * what goes into it changes: the type, ZMQ_ROUTING_ID (a new Buffer each time it is set) or
 * ZMQ_METADATA (a key is only ever added, libzmq's std::map insert, so the size tells). The Buffers
 * are only ever written to streams, which copy or send them, never alter them.
 */
const own = new WeakMap();
/**
 * Sockets with neither a routing id nor metadata (most of them) send the same properties as every
 * other socket of their type: one entry per type. 1,000 DEALERs in a process then encode one READY.
 */
const plain = new Map();
function ownProperties(o, type) {
    const shared = o.routingId === null && o.metadata.size === 0;
    const cached = shared ? plain.get(type) : own.get(o);
    if (cached && cached.type === type && cached.routingId === o.routingId && cached.metadataSize === o.metadata.size)
        return cached;
    const properties = [["Socket-Type", Buffer.from(type)]];
    if (sendsIdentity(type))
        properties.push(["Identity", o.routingId ?? Buffer.alloc(0)]);
    for (const [name, value] of o.metadata)
        properties.push([name, value]);
    const fresh = { type, routingId: o.routingId, metadataSize: o.metadata.size, properties, ready: null };
    if (shared)
        plain.set(type, fresh);
    else
        own.set(o, fresh);
    return fresh;
}
/**
 * The security mechanism for one new connection (throws for missing keys and the like).
 * `peerAddress` is asked only when ZAP needs it (a getpeername per connection otherwise).
 */
export function chooseMechanism(o, type, context, peerAddress, extra = []) {
    const mine = ownProperties(o, type);
    // zmtp's own properties (durable subscribers, engine/acks.ts), after the application's: they
    // differ per connection, so a READY with them is not the cached one.
    const properties = extra.length === 0 ? mine.properties : [...mine.properties, ...extra];
    const zap = () => ({
        // With no handler bound, PLAIN refuses everyone and CURVE accepts everyone, as libzmq does.
        authenticate: context.inproc.isBound(ZAP_ENDPOINT) ? request => zapOverInproc(context, request) : undefined,
        domain: o.zapDomain ?? "",
        address: peerAddress(),
        routingId: o.routingId ?? undefined,
    });
    switch (o.mechanism) {
        case "plain":
            if (o.plainServer)
                return new PlainServer({ properties, ...zap() });
            return new PlainClient({ properties, username: o.plainUsername ?? "", password: o.plainPassword ?? "" });
        case "curve":
            if (!o.curveSecretKey)
                return new CurveMissingKeys(o.curveServer, "CURVE needs curveSecretKey");
            if (o.curveServer)
                return new CurveServer({ properties, secretKey: o.curveSecretKey, publicKey: o.curvePublicKey ?? undefined, ...zap() });
            if (!o.curveServerKey)
                return new CurveMissingKeys(false, "A CURVE client needs curveServerKey");
            return new CurveClient({ properties, serverKey: o.curveServerKey, secretKey: o.curveSecretKey, publicKey: o.curvePublicKey ?? undefined });
        default:
            return new NullMechanism(properties, o.zapDomain ? { ...zap(), enforceDomain: o.zapEnforceDomain } : {}, extra.length === 0 ? (mine.ready ??= encodeReady(properties)) : encodeReady(properties));
    }
}
/**
 * One ZAP request: ["", request...] out, and ["", "1.0", id, status, text, user id, metadata]
 * back, checked as libzmq checks it.
 */
async function zapOverInproc(context, request) {
    const dealer = newDealer(context);
    try {
        dealer.connect("inproc://" + ZAP_ENDPOINT);
        await dealer.send([Buffer.alloc(0), ...encodeZapRequest(request)]);
        const reply = await dealer.receive();
        if (reply.length < 1 || reply[0].length !== 0)
            throw new ZapProtocolError("ERR_ZAP_MALFORMED_REPLY", "ZAP reply without its empty delimiter");
        return parseZapReply(reply.slice(1), request.requestId);
    }
    finally {
        dealer.close();
    }
}
