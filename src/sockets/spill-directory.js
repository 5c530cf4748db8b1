/**
 * A socket's spill directory (zmtp extension "spill to disk", README "zmtp extensions"): one log
 * (engine/spill.ts) per peer, in a subdirectory named after the peer so that a restart can find
 * it again:
 *
 * - a connect()ed endpoint's pipe: `c-` and a hash of the endpoint (it is the same peer after a
 *   restart, and the pipe exists from connect(), before any connection);
 * - an accepted peer that sent a routing id (ZMTP Identity property): `p-` and the id in hex;
 * - an accepted peer without one: `a-…`, never recovered (nothing says who it was), removed when
 *   its pipe goes and at the next start.
 *
 * A `lock` file holding the owner's pid keeps two live sockets, in this process or another, from
 * writing the same directory. With `spillRecover` off every log found at start is removed; with it
 * on, a peer's log is delivered to it first when its pipe appears, and the logs outlive the socket.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { errnoError } from "../errors.js";
import { Spill } from "../engine/spill.js";
const LOCK = "lock";
/** Directories held by live sockets of this process (a pid lock cannot tell them apart). */
const held = new Set();
export class SpillDirectory {
    budget;
    recover;
    dir;
    keyOf = new WeakMap();
    inUse = new Set();
    anonymous = 0;
    released = false;
    constructor(dir, budget, recover) {
        this.budget = budget;
        this.recover = recover;
        this.dir = resolve(dir);
        if (held.has(this.dir))
            throw spillBusy(this.dir, process.pid);
        mkdirSync(this.dir, { recursive: true });
        takeLock(this.dir);
        held.add(this.dir);
        for (const name of readdirSync(this.dir)) {
            if (name === LOCK)
                continue;
            if (!this.recover || name.startsWith("a-"))
                rmSync(join(this.dir, name), { recursive: true, force: true });
        }
    }
    keyFor(pipe) {
        if (pipe.connecting)
            return `c-${createHash("sha256").update(pipe.endpoint).digest("hex").slice(0, 32)}`;
        const id = pipe.peer?.identity;
        return id !== undefined && id.length > 0 ? `p-${Buffer.from(id).toString("hex")}` : null;
    }
    open(pipe, create) {
        if (this.released)
            return null;
        let key = this.keyFor(pipe);
        // A second live pipe with the same name (the same endpoint connected twice): a log of its own.
        if (key !== null && this.inUse.has(key))
            key = null;
        if (!create && (key === null || !this.recover || !existsSync(join(this.dir, key))))
            return null;
        if (key === null)
            key = `a-${++this.anonymous}`;
        let spill;
        try {
            spill = new Spill(join(this.dir, key), this.budget, this.recover && !key.startsWith("a-"));
        }
        catch {
            return null; // the directory refused (ENOSPC, EACCES...): this peer has no log
        }
        this.inUse.add(key);
        this.keyOf.set(pipe, key);
        return spill;
    }
    keeps(pipe) {
        const key = this.keyOf.get(pipe);
        if (key === undefined)
            return false;
        this.inUse.delete(key);
        return this.recover && !key.startsWith("a-");
    }
    /** The socket is closed: the directory is free for another socket or process. */
    release() {
        if (this.released)
            return;
        this.released = true;
        held.delete(this.dir);
        rmSync(join(this.dir, LOCK), { force: true });
    }
}
function spillBusy(dir, pid) {
    return errnoError("EBUSY", `Spill directory ${dir} is in use by ${pid === process.pid ? "another socket" : `process ${pid}`}`);
}
/** Creates `lock` with our pid, taking it over when the process that wrote it is gone. */
function takeLock(dir) {
    const path = join(dir, LOCK);
    for (let attempt = 0; attempt < 2; attempt++) {
        try {
            const fd = openSync(path, "wx");
            writeSync(fd, String(process.pid));
            closeSync(fd);
            return;
        }
        catch (e) {
            if (e.code !== "EEXIST")
                throw e;
        }
        const pid = Number(readFileSync(path, "utf8").trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
            throw spillBusy(dir, pid);
        rmSync(path, { force: true }); // left by a process that is gone (or by this one, before a restart of it)
    }
    throw spillBusy(dir, process.pid);
}
function alive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (e) {
        return e.code === "EPERM";
    }
}
