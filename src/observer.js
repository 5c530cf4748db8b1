import { errnoError } from "./errors.js";
import { observeSocket, setObserverFactory, Socket } from "./sockets/socket.js";
/** Like libzmq's monitor pipe, the queue is bounded; the oldest events go first. */
const MAX_QUEUED = 10000;
export class Observer {
    #queue = [];
    #pending = null;
    /** Referenced while a receive waits (see receive()). */
    #keepAlive = null;
    #closed = false;
    #ended = false;
    #unsubscribe;
    constructor(socket) {
        // zeromq.js: a non-object is a TypeError; an object that is not a socket is EINVAL (no code).
        if (typeof socket !== "object" || socket === null)
            throw new TypeError("Socket must be a socket object");
        if (!(socket instanceof Socket))
            throw new Error("Invalid argument");
        // zmq_socket_monitor on a closed socket
        if (socket.closed)
            throw errnoError("ENOTSOCK");
        const sink = {
            push: event => this.#push(event),
            end: () => {
                if (this.#ended)
                    return;
                this.#ended = true;
                this.#push({ type: "end" });
            },
        };
        this.#unsubscribe = observeSocket(socket, sink);
    }
    get closed() {
        return this.#closed;
    }
    close() {
        if (this.#closed)
            return;
        this.#closed = true;
        this.#unsubscribe();
        this.#queue = [];
        const pending = this.#pending;
        this.#pending = null;
        this.#waiting(false);
        pending?.reject(errnoError("EAGAIN"));
    }
    receive() {
        if (this.#closed)
            throw errnoError("EBADF", "Socket is closed");
        if (this.#pending)
            throw errnoError("EBUSY", "Observer is busy reading; only one receive operation may be in progress at any time");
        // The transports' loose SocketEvents have the public shapes of events.ts.
        const next = this.#queue.shift();
        if (next)
            return Promise.resolve(this.#taken(next));
        return new Promise((resolve, reject) => {
            // A waiting read keeps the process alive, as zeromq.js's poll on the monitor socket does,
            // in emitter mode too: a program reading events runs until the socket (or the observer) is
            // closed.
            this.#pending = { resolve: e => resolve(e), reject };
            this.#waiting(true);
        });
    }
    #waiting(yes) {
        if (yes) {
            if (this.#keepAlive)
                this.#keepAlive.ref();
            else
                this.#keepAlive = setInterval(() => { }, 1 << 30);
        }
        else if (this.#keepAlive) {
            clearInterval(this.#keepAlive);
            this.#keepAlive = null;
        }
    }
    /** After the "end" event has been read, the observer is closed (monitoring stopped). */
    #taken(event) {
        if (event.type === "end") {
            this.#closed = true;
            this.#unsubscribe();
            this.#waiting(false);
        }
        return event;
    }
    #push(event) {
        if (this.#closed)
            return;
        const pending = this.#pending;
        if (pending) {
            this.#pending = null;
            this.#keepAlive?.unref();
            pending.resolve(this.#taken(event));
            return;
        }
        if (this.#queue.length >= MAX_QUEUED)
            this.#queue.shift();
        this.#queue.push(event);
    }
}
setObserverFactory(socket => new Observer(socket));
