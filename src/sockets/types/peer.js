/**
 * PEER (RFC 51/PEER; libzmq peer.cpp): a SERVER that may also connect out. connect() returns the
 * routing id of the pipe it made (zmq_connect_peer), so the connecting side can send first: a
 * server that dials its clients then talks to them as if they had dialled it. With ZMQ_IMMEDIATE
 * there is no pipe until a connection exists, so libzmq refuses it (EFAULT).
 */
import { ServerPattern } from "./server.js";
export class PeerPattern extends ServerPattern {
}
