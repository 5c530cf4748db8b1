/**
 * `zmtp/draft`: zeromq.js's draft module (its draft.js and lib/draft), the same seven classes and
 * nothing else (zeromq.js's own test checks the export list). Loading it warns, as zeromq.js does,
 * that draft features may change. PEER and CHANNEL, which zeromq.js does not bind, are in
 * `zmtp/draft-extra`.
 */
// index.js installs the option properties on every class, these included (as zeromq.js's does).
import "./index.js"
import {Client, Datagram, Dish, Gather, Radio, Scatter, Server} from "./draft-sockets.js"

process.emitWarning("ZeroMQ draft features are experimental and could change at any time.")

export {Server, Client, Radio, Dish, Gather, Scatter, Datagram}
export type {ServerRoutingOptions, RadioGroupOptions, DishGroupOptions} from "./draft-sockets.js"
