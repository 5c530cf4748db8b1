/**
 * `zmtp/draft-extra`: libzmq draft sockets that zeromq.js does not bind, named as libzmq names
 * them. PEER (a SERVER whose connect() returns the new peer's routing id, so a server can dial its
 * clients and speak first) and CHANNEL (the thread-safe PAIR). Kept out of `zmtp/draft`, whose
 * export list must be exactly zeromq.js's.
 */
import "./index.js" // installs the option properties (index.ts)
export {Peer, Channel} from "./draft-sockets.js"
