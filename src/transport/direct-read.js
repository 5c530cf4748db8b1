/**
 * Reading straight into message bodies, as libzmq's decoder does: while a large frame is being
 * received, libzmq hands the socket the body's own memory, so the kernel fills it and nothing is
 * copied in user space. Node's net lets a socket read into memory of our choosing (the `onread`
 * option: a function that names the next read's buffer, and a callback told how much went in),
 * which gives the same: a large body's unfilled rest is the next read's buffer, and everything
 * else (greetings, commands, small frames, frame headers) is read into a scratch buffer: a shared
 * one for connections that read little, and one of its own for a connection that reads a lot.
 *
 * Without this, every byte of a large body is read into one of Node's 64 KiB chunks and then
 * copied into the body: two copies instead of one.
 */
import { Buffer } from "node:buffer";
import net from "node:net";
import { takeAcceptedHandle } from "./node-internals.js";
/** Node's own read size. */
const SCRATCH_SIZE = 64 * 1024;
/**
 * A read at least this large suggests more are coming: the connection gets a scratch buffer of its
 * own, which later reads of that size take along (no copy). Below it, the bytes are copied out and
 * the connection goes back to the shared one.
 */
const HAND_OVER_MIN = SCRATCH_SIZE / 2;
/**
 * One scratch buffer for every connection that is not busy. A handle keeps the buffer it was
 * given for its next read, so a per-connection buffer would cost 1,000 idle connections 64 MB;
 * sharing is safe because reads happen one at a time and every read into this buffer is copied
 * out before the callback returns (it is never handed over, so no view of it outlives the read).
 */
let sharedScratch = null;
/**
 * The read after a large body (see next()): room for a few frame headers and small frames (a
 * ROUTER's routing id, an empty delimiter) ahead of the next large body. Shared, and copied out,
 * as sharedScratch.
 */
const SMALL_READ = 256;
let sharedSmall = null;
const rethrow = (e) => {
    throw e;
};
const READER = Symbol("zmtp.directReader");
export class DirectReader {
    /** Until a sink attaches (and after it leaves), reads are emitted as ordinary "data" events. */
    sink = null;
    /** This connection's own scratch buffer while it is busy (its reads fill half of one or more). */
    own = null;
    /** The buffer handed out for the read in progress when it is a sink's target. */
    target = null;
    /** The last read went into a sink's target (see next()). */
    afterTarget = false;
    stream = null;
    /** The `onread` option for net.Socket / net.connect. */
    onread = {
        buffer: () => this.next(),
        // true: go on reading (a sink that must stop pauses the stream, which stops reads itself).
        callback: (n, buf) => {
            this.read(n, buf);
            return true;
        },
    };
    /** Marks `stream` as reading through this reader. */
    bind(stream) {
        this.stream = stream;
        stream[READER] = this;
        return stream;
    }
    next() {
        const target = this.sink?.readTarget() ?? null;
        this.target = target;
        if (target !== null)
            return target;
        if (this.afterTarget) {
            // A large body just ended in its own memory. What follows is likely the next one: read only
            // its header (and a little of it) here, so that the rest of it goes straight into its memory
            // too, instead of a full scratch read taking most of it and copying it out. One more read
            // per large message, and no copy of it.
            this.afterTarget = false;
            return (sharedSmall ??= Buffer.allocUnsafe(SMALL_READ));
        }
        return this.own ?? (sharedScratch ??= Buffer.allocUnsafe(SCRATCH_SIZE));
    }
    read(n, buf) {
        try {
            this.deliver(n, buf);
        }
        catch (e) {
            // Node asks for the next read's buffer only when this callback returns: were it to throw,
            // the next read would land in memory just handed over. Throw once it has asked.
            process.nextTick(rethrow, e);
        }
    }
    deliver(n, buf) {
        const sink = this.sink;
        if (buf === this.target && sink !== null) {
            this.target = null;
            this.afterTarget = true;
            sink.targetFilled(n);
            return;
        }
        let chunk;
        if (buf === this.own && n >= HAND_OVER_MIN) {
            // Still busy: the bytes keep this buffer, and the next read gets a new one.
            chunk = this.own.subarray(0, n);
            this.own = Buffer.allocUnsafe(SCRATCH_SIZE);
        }
        else {
            // A small read, or a read into the shared buffer: copy the bytes out.
            chunk = Buffer.allocUnsafe(n);
            buf.copy(chunk, 0, 0, n);
            this.own = n >= HAND_OVER_MIN ? Buffer.allocUnsafe(SCRATCH_SIZE) : null;
        }
        if (sink !== null)
            sink.onChunk(chunk);
        else
            this.stream?.emit("data", chunk);
    }
    /**
     * Routes `stream`'s reads to `sink`; false when the stream does not read through a DirectReader
     * (then the caller listens for "data" as usual).
     */
    static attach(stream, sink) {
        const reader = stream[READER];
        if (reader === undefined)
            return false;
        reader.sink = sink;
        return true;
    }
    /** Stops routing reads to the sink (the connection is over). */
    static detach(stream) {
        const reader = stream[READER];
        if (reader !== undefined) {
            reader.sink = null;
            reader.target = null;
            reader.own = null;
        }
    }
}
/**
 * An accepted connection reading through a DirectReader. net.Server has no `onread` option, so the
 * server is created with pauseOnConnect (nothing read yet) and the accepted handle is moved into a
 * net.Socket made with one, as the server itself would have made it. Where Node's internals differ
 * from what this expects, the accepted socket is used as it is (ordinary reads).
 */
export function acceptDirect(accepted) {
    const handle = takeAcceptedHandle(accepted);
    if (handle === null) {
        accepted.resume();
        return accepted;
    }
    return socketOnHandle(handle);
}
/**
 * The net.Socket, reading through a new DirectReader, for a handle just accepted (taken from a
 * socket Node made, or straight from the listening handle: node-internals.ts takeOverAccept). It
 * starts reading at once.
 */
export function socketOnHandle(handle) {
    const reader = new DirectReader();
    const stream = new net.Socket({ handle, onread: reader.onread, readable: true, writable: true });
    return reader.bind(stream);
}
/** net.connect(options), reading through a new DirectReader. */
export function connectDirect(options) {
    const reader = new DirectReader();
    return reader.bind(net.connect({ ...options, onread: reader.onread }));
}
