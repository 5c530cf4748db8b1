/**
 * A wire trace for people: with ZMTP_DEBUG=wire in the environment, each connection logs its
 * greeting, handshake commands and message frames, decoded, with the hex beside them (stderr).
 * It is how a user diagnoses an interop problem and how a student watches the protocol.
 */
import { Buffer } from "node:buffer";
import { frameHeaderSize, FLAG_COMMAND, FLAG_MORE } from "../wire/frame.js";
const HEX_MAX = 48;
let sink = line => process.stderr.write(line + "\n");
/** Redirects trace lines (tests use this to read the trace). Returns the previous sink. */
export function setTraceSink(fn) {
    const old = sink;
    sink = fn;
    return old;
}
export function wireTraceEnabled() {
    let value;
    try {
        value = process.env.ZMTP_DEBUG;
    }
    catch {
        // Deno without --allow-env refuses the read (NotCapable): no trace. Thrown on, it would end
        // each connection's engine before its greeting, and every socket would wait forever.
        return false;
    }
    return (value ?? "").split(",").includes("wire");
}
export function hex(bytes, max = HEX_MAX) {
    const shown = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max));
    const text = shown.toString("hex").replace(/(..)(?!$)/g, "$1 ");
    return bytes.length > max ? `${text} … (${bytes.length} bytes)` : text;
}
function printable(bytes) {
    const s = bytes.subarray(0, HEX_MAX).toString("latin1");
    return /^[\x20-\x7e]*$/.test(s) ? JSON.stringify(s) + (bytes.length > HEX_MAX ? "…" : "") : `<${bytes.length} bytes>`;
}
export function traceFor(address) {
    if (!wireTraceEnabled())
        return null;
    const arrow = (dir) => (dir === "out" ? "→" : "←");
    const line = (dir, text) => sink(`zmtp ${address} ${arrow(dir)} ${text}`);
    return {
        greeting(dir, b) {
            const mech = b.toString("latin1", 12, 32).replace(/\0+$/, "");
            line(dir, `greeting ZMTP ${b[10]}.${b[11]} ${mech} as-server=${b[32]} | ${hex(b, 64)}`);
        },
        command(dir, name, body) {
            const header = Buffer.alloc(9);
            const size = frameHeaderSize(body.length);
            header[0] = FLAG_COMMAND | (size === 9 ? 2 : 0);
            if (size === 2)
                header[1] = body.length;
            else
                header.writeBigUInt64BE(BigInt(body.length), 1);
            line(dir, `command ${name} (${body.length} bytes) | ${hex(Buffer.concat([header.subarray(0, size), body]))}`);
        },
        message(dir, frames) {
            const parts = frames.map((f, i) => {
                const flags = i < frames.length - 1 ? FLAG_MORE : 0;
                const head = f.length > 255 ? `${(flags | 2).toString(16).padStart(2, "0")} ${f.length.toString(16).padStart(16, "0").replace(/(..)(?!$)/g, "$1 ")}` : `${flags.toString(16).padStart(2, "0")} ${f.length.toString(16).padStart(2, "0")}`;
                return `${printable(f)} | ${head}${f.length ? " " + hex(f, 16) : ""}`;
            });
            line(dir, `message ${frames.length} frame(s): ${parts.join(" ; ")}`);
        },
        note(text) {
            sink(`zmtp ${address} · ${text}`);
        },
    };
}
