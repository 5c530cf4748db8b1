/**
 * ZMTP heartbeats (37/ZMTP "Connection Heartbeating"), as libzmq applies its ZMQ_HEARTBEAT_*
 * options: every `interval` we send a PING carrying our TTL; if nothing at all arrives within
 * `timeout` of it the connection is dead. A PING from the peer with a TTL arms the same check on
 * our side. Any incoming byte counts as life: the engine bumps `activity` on every read, and the
 * timers compare it instead of being re-armed on each one.
 */
import { encodePing } from "../wire/command.js";
import { ZmtpError } from "../wire/errors.js";
/** libzmq computes `ttl * 100` in a uint16: 655 ds is the largest TTL it survives. */
export const MAX_PING_TTL_DS = 655;
export class Heartbeat {
    host;
    /** Incremented on every chunk received. */
    activity = 0;
    pingTimer = null;
    timeoutTimer = null;
    ttlTimer = null;
    constructor(host) {
        this.host = host;
    }
    /** Traffic began: send PINGs every heartbeatInterval, if set. */
    start(options) {
        const ivl = options.heartbeatInterval;
        if (ivl <= 0)
            return;
        this.pingTimer = setInterval(() => {
            const ttl = Math.min(MAX_PING_TTL_DS, Math.floor(options.heartbeatTimeToLive / 100));
            this.host.writeFrame(encodePing(ttl));
            if (this.timeoutTimer)
                return;
            const timeout = options.heartbeatTimeout >= 0 ? options.heartbeatTimeout : ivl;
            const seen = this.activity;
            this.timeoutTimer = setTimeout(() => {
                this.timeoutTimer = null;
                if (this.activity === seen) {
                    this.host.fail(new ZmtpError("ERR_ZMTP_HEARTBEAT_TIMEOUT", `No traffic from the peer within ${timeout} ms of a PING`, { fatal: false, kind: "other" }));
                }
            }, timeout);
        }, ivl);
    }
    /** The peer's PING asked us to consider it dead after its TTL of silence. */
    peerTtl(ttlDeciseconds) {
        if (ttlDeciseconds <= 0 || this.ttlTimer)
            return;
        const ms = ttlDeciseconds * 100;
        const seen = this.activity;
        this.ttlTimer = setTimeout(() => {
            this.ttlTimer = null;
            if (this.activity === seen) {
                this.host.fail(new ZmtpError("ERR_ZMTP_HEARTBEAT_TIMEOUT", `No traffic from the peer within its PING TTL of ${ms} ms`, { fatal: false, kind: "other" }));
            }
        }, ms);
    }
    stop() {
        if (this.pingTimer)
            clearInterval(this.pingTimer);
        if (this.timeoutTimer)
            clearTimeout(this.timeoutTimer);
        if (this.ttlTimer)
            clearTimeout(this.ttlTimer);
        this.pingTimer = this.timeoutTimer = this.ttlTimer = null;
    }
}
