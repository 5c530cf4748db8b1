/**
 * The public base socket: what zeromq.js's native `Socket` class provides (options by libzmq id,
 * bind/unbind/connect/disconnect, send/receive with one pending operation each, close). Each
 * endpoint is a session (../session/): a connect()ed endpoint is a ConnectSession, a bound one a
 * BoundEndpoint with its accepted peers. Routing is the socket type's pattern (types/*), the
 * blocking operations are operations.ts, and the options sockopt.ts.
 */
import { Buffer } from "node:buffer";
import { busyBinding, errnoError } from "../errors.js";
import { context as defaultContext, assignOptions, Context } from "../context.js";
import { Pipe } from "../engine/pipe.js";
import { Endpoints } from "../session/endpoints.js";
import { Linger } from "../session/linger.js";
import { hasQueued } from "../session/queued.js";
import { setZapDealerFactory } from "../session/security.js";
import { groupName } from "../wire/group.js";
import { socketTypeName, SocketTypeId } from "../wire/socket-type.js";
import { checkArgumentCount } from "../native-class.js";
import { Operations } from "./operations.js";
import { OptionId } from "./option-ids.js";
import "./socket-properties.js";
import { SocketOptions, appliesImmediately } from "./sockopt.js";
import { createPattern } from "./types/index.js";
import { SpillDirectory } from "./spill-directory.js";
import { ParkedPipes } from "./durable.js";
import { socketClosed, socketOpened } from "./linger.js";
const RESOLVED = Promise.resolve();
/** PUB and PUSH cannot receive: a receive() simply stays pending, as in zeromq.js. */
export const SEND_ONLY = new Set([SocketTypeId.PUB, SocketTypeId.PUSH]);
let observeSocket;
let receiveNow;
/** How many endpoints a socket is bound or connected to (Proxy requires at least one). */
let socketEndpointCount;
/** A socket's pattern, for the draft classes' own methods (join, leave, connect's routing id). */
let usablePattern;
let observerFactory = null;
/** A socket's option store, for the zmtp extension properties (extensions.ts). */
let socketOptionsOf;
/** The socket types that drop a message for a full peer (libzmq: dist.cpp, router.cpp, radio.cpp). */
const DROPPING = new Set([SocketTypeId.PUB, SocketTypeId.XPUB, SocketTypeId.RADIO, SocketTypeId.ROUTER]);
/** The Observer module registers its constructor here (avoids an import cycle). */
export function setObserverFactory(factory) {
    observerFactory = factory;
}
export class Socket {
    #type;
    #context;
    #options;
    #pattern;
    #ops;
    /** What this socket's sessions see of it. */
    #host;
    #closed = false;
    #binding = false;
    #closeRequested = false;
    #pipes = new Set();
    #endpoints;
    #sinks = new Set();
    #events = null;
    /** zmtp extension spill to disk: opened at the first bind/connect after spillDirectory is set. */
    #spill = null;
    #linger;
    #lingerer;
    /** zmtp extension durableGrace: subscribers' pipes kept after their connection ended. */
    #parked = null;
    static {
        observeSocket = (socket, sink) => {
            socket.#sinks.add(sink);
            if (socket.#closed)
                queueMicrotask(() => sink.end());
            return () => socket.#sinks.delete(sink);
        };
        receiveNow = socket => (socket.#closed || socket.#binding ? undefined : socket.#ops.receiveNow());
        socketEndpointCount = socket => socket.#endpoints.count;
        socketOptionsOf = socket => socket.#options;
        usablePattern = socket => {
            socket.#checkUsable();
            return socket.#pattern;
        };
    }
    constructor(type, options) {
        if (typeof type !== "number")
            throw new TypeError("Socket type must be a number");
        if (options !== undefined && (typeof options !== "object" || options === null)) {
            throw new TypeError("Options must be an object");
        }
        checkArgumentCount(arguments.length, 2);
        const ctx = options?.context ?? defaultContext;
        if (!(ctx instanceof Context))
            throw new Error("Invalid argument");
        const typeName = socketTypeName(type);
        if (typeName === undefined)
            throw errnoError("EINVAL");
        if (ctx.sockets.size >= ctx.maxSocketCount)
            throw errnoError("EMFILE");
        this.#type = type;
        this.#context = ctx;
        this.#options = new SocketOptions(type, {
            subscribe: topic => this.#pattern.subscribe(topic),
            unsubscribe: topic => this.#pattern.unsubscribe(topic),
            // ZMQ_EVENTS: ZMQ_POLLIN | ZMQ_POLLOUT
            events: () => (this.readable ? 1 : 0) | (this.writable ? 2 : 0),
        }, { blocky: ctx.blockyDefault, ipv6: ctx.ipv6Default });
        this.#pattern = createPattern(type, { options: this.#options, wake: () => this.#ops.wake() });
        this.#ops = new Operations(this.#pattern, this.#options);
        this.#lingerer = { context: ctx, closeForExit: () => this.#closeForExit() };
        this.#linger = new Linger(this.#lingerer);
        this.#host = this.#sessionHost(typeName);
        this.#endpoints = new Endpoints(this.#host);
        ctx.sockets.add(this);
        socketOpened(this.#lingerer);
        Object.preventExtensions(this);
        if (options)
            assignOptions(this, options);
    }
    #sessionHost(typeName) {
        const socket = this;
        const owner = {
            pipeReadable: pipe => {
                this.#pattern.readable(pipe);
                if (this.#ops.receiving)
                    this.#ops.retry();
            },
            pipeWritable: () => {
                if (this.#ops.sending)
                    this.#ops.wake();
            },
            pipeTerminated: pipe => {
                this.#parked?.forget(pipe);
                this.#pipes.delete(pipe);
                this.#pattern.terminated(pipe);
                this.#ops.wake();
            },
        };
        return {
            typeName,
            options: this.#options,
            context: this.#context,
            linger: this.#linger,
            get closed() {
                return socket.#closed;
            },
            newPipe: (endpoint, routingId, attached, connecting = false) => {
                const o = this.#options;
                const pipe = new Pipe(owner, o.sendHighWaterMark, o.receiveHighWaterMark, endpoint);
                pipe.conflate = o.conflate;
                if (DROPPING.has(this.#type))
                    pipe.dropPolicy = o;
                if (this.#spill !== null) {
                    pipe.spillSource = this.#spill;
                    pipe.connecting = connecting;
                }
                pipe.routingId = routingId;
                this.#pipes.add(pipe);
                this.#pattern.attach(pipe);
                // A connect()ed endpoint is the same peer across restarts: its log from the last run goes first.
                if (connecting)
                    pipe.adoptSpill();
                if (!attached)
                    this.#ops.wake();
                return pipe;
            },
            park: pipe => (this.#parked ??= new ParkedPipes(this.#options, typeName)).park(pipe, this.#closed),
            unpark: peer => this.#parked?.unpark(peer) ?? null,
            connected: pipe => this.#pattern.connected(pipe),
            emit: event => {
                for (const sink of this.#sinks)
                    sink.push(event);
            },
            wake: () => this.#ops.wake(),
        };
    }
    // ---- state --------------------------------------------------------------------------------
    get events() {
        if (this.#events === null)
            this.#events = observerFactory(this);
        return this.#events;
    }
    get context() {
        return this.#context;
    }
    get closed() {
        return this.#closed;
    }
    get readable() {
        return !this.#closed && this.#pattern.canRecv;
    }
    get writable() {
        return !this.#closed && this.#pattern.canSend;
    }
    // ---- options (zeromq.js's protected raw accessors) ----------------------------------------
    #getOption(id, kind) {
        if (this.#closed)
            throw errnoError("ENOTSOCK");
        return this.#options.get(id, kind);
    }
    #setOption(id, kind, value) {
        if (this.#closed)
            throw errnoError("ENOTSOCK");
        this.#options.set(id, kind, value);
        // libzmq ≥ 4.2 applies new high-water marks to the pipes that already exist.
        if (id === OptionId.SNDHWM || id === OptionId.RCVHWM) {
            for (const pipe of this.#pipes) {
                pipe.sendHwm = this.#options.sendHighWaterMark;
                pipe.recvHwm = this.#options.receiveHighWaterMark;
            }
        }
        if (this.#endpoints.count > 0 && !appliesImmediately(id)) {
            process.emitWarning("Socket option will not take effect until next connect/bind.");
        }
    }
    getBoolOption(id) {
        return this.#getOption(id, "Bool");
    }
    setBoolOption(id, value) {
        this.#setOption(id, "Bool", value);
    }
    getInt32Option(id) {
        return this.#getOption(id, "Int32");
    }
    setInt32Option(id, value) {
        this.#setOption(id, "Int32", value);
    }
    getUint32Option(id) {
        return this.#getOption(id, "Uint32");
    }
    setUint32Option(id, value) {
        this.#setOption(id, "Uint32", value);
    }
    getInt64Option(id) {
        return this.#getOption(id, "Int64");
    }
    setInt64Option(id, value) {
        this.#setOption(id, "Int64", value);
    }
    getUint64Option(id) {
        return this.#getOption(id, "Uint64");
    }
    setUint64Option(id, value) {
        this.#setOption(id, "Uint64", value);
    }
    getStringOption(id) {
        return this.#getOption(id, "String");
    }
    setStringOption(id, value) {
        this.#setOption(id, "String", value);
    }
    // ---- endpoints ----------------------------------------------------------------------------
    /** Takes the spill directory (extensions.ts) for the pipes to come; its options are fixed from then on. */
    #openSpill() {
        const o = this.#options;
        if (this.#spill !== null || o.spillDirectory === null)
            return;
        this.#spill = new SpillDirectory(o.spillDirectory, o.spillBudget, o.spillRecover);
        o.spillFixed = true;
    }
    #checkUsable() {
        if (this.#closed)
            throw errnoError("EBADF");
        if (this.#binding)
            throw busyBinding();
    }
    // zeromq.js throws argument errors and EBADF/EBUSY at once, and rejects for everything that
    // libzmq itself reports (a bad address, a busy port, an unknown endpoint).
    bind(address) {
        if (typeof address !== "string")
            throw new TypeError("Address must be a string");
        this.#checkUsable();
        this.#binding = true;
        let work;
        try {
            this.#openSpill();
            work = this.#endpoints.bind(address) ?? RESOLVED;
        }
        catch (e) {
            work = Promise.reject(e);
        }
        return this.#unblockAfter(work);
    }
    /**
     * zeromq.js runs bind() and unbind() on libuv's thread pool and reports back on a later turn of
     * the event loop. Until then the socket is blocked (every other call is EBUSY), and a close()
     * asked for meanwhile happens then, before the promise settles (socket.cc request_close).
     */
    #unblockAfter(work) {
        return new Promise((resolve, reject) => {
            const settle = (error, failed) => setImmediate(() => {
                this.#binding = false;
                if (this.#closeRequested)
                    this.close();
                if (failed)
                    reject(error);
                else
                    resolve();
            });
            work.then(() => settle(undefined, false), e => settle(e, true));
        });
    }
    bindSync(address) {
        this.#checkUsable();
        this.#openSpill();
        this.#endpoints.bindSync(address);
    }
    unbind(address) {
        if (typeof address !== "string")
            throw new TypeError("Address must be a string");
        this.#checkUsable();
        this.#binding = true;
        let work = RESOLVED;
        try {
            this.#endpoints.unbind(address);
        }
        catch (e) {
            work = Promise.reject(e);
        }
        return this.#unblockAfter(work);
    }
    unbindSync(address) {
        this.#checkUsable();
        if (typeof address !== "string")
            throw new TypeError("Address must be a string");
        this.#endpoints.unbind(address);
    }
    connect(address) {
        this.#checkUsable();
        this.#openSpill();
        this.#endpoints.connect(address);
    }
    disconnect(address) {
        this.#checkUsable();
        if (typeof address !== "string")
            throw new TypeError("Address must be a string");
        this.#endpoints.disconnect(address);
    }
    // The implementation takes no rest parameter: it would allocate an array on every send.
    send(message) {
        if (message === undefined)
            throw new TypeError("Message must be present");
        if (this.#closed)
            throw errnoError("EBADF");
        if (this.#binding)
            throw busyBinding();
        return this.#ops.send(message);
    }
    receive() {
        if (this.#closed)
            throw errnoError("EBADF");
        if (this.#binding)
            throw busyBinding();
        return this.#ops.receive();
    }
    // ---- groups (zmq_join / zmq_leave) --------------------------------------------------------
    /**
     * zeromq.js's native Socket has join and leave in a draft build (socket.cc Join/Leave), on every
     * type: a DISH joins each group (a C string: it ends at a NUL); any other type is ENOTSUP.
     */
    join(...values) {
        for (const value of values) {
            this.#checkUsable();
            this.#pattern.join(groupName(Buffer.isBuffer(value) ? value : String(value)));
        }
    }
    leave(...values) {
        for (const value of values) {
            this.#checkUsable();
            this.#pattern.leave(groupName(Buffer.isBuffer(value) ? value : String(value)));
        }
    }
    // ---- close --------------------------------------------------------------------------------
    close() {
        if (this.#closed)
            return;
        // Blocked by a bind or unbind: closed once that settles (#unblockAfter).
        if (this.#binding) {
            this.#closeRequested = true;
            return;
        }
        this.#ops.close(SEND_ONLY.has(this.#type));
        this.#closed = true;
        this.#spill?.release();
        this.#context.sockets.delete(this);
        socketClosed(this.#lingerer);
        const linger = this.#options.linger;
        this.#linger.begin(linger);
        const kept = this.#endpoints.close();
        for (const pipe of [...this.#pipes])
            if (!kept.has(pipe))
                this.#linger.lingerOrTerminate(pipe);
        this.#linger.start(linger);
        for (const sink of this.#sinks)
            sink.end();
        this.#sinks.clear();
    }
    /** At process exit: a socket still open with messages queued closes with its linger. */
    #closeForExit() {
        if (this.#closed || this.#options.linger === 0)
            return;
        for (const pipe of this.#pipes) {
            if (hasQueued(pipe)) {
                this.close();
                return;
            }
        }
    }
}
// The ZAP client's DEALER (session/security.ts) is a socket of this class.
setZapDealerFactory(context => new Socket(SocketTypeId.DEALER, { context, linger: 0 }));
export { observeSocket, socketEndpointCount, receiveNow, usablePattern, socketOptionsOf };
