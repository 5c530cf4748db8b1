/**
 * Micro-benchmark, run by hand (not a test):
 *
 *   npx vite-node test/mechanism/bench-secretbox.ts
 *
 * secretbox / secretboxOpen of 1 KiB messages, Poly1305 alone, and CURVE MESSAGE encode+decode of
 * 1 KiB frames through a completed CurveClient/CurveServer pair.
 */
import {poly1305, secretbox, secretboxOpen} from "../../src/mechanism/crypto/index.js"
import {CurveClient, CurveServer} from "../../src/mechanism/curve.js"
import {handshake, props} from "./harness.js"

/**
 * Runs `f` for about `seconds` of this process's CPU time and prints operations per CPU-second
 * (process.cpuUsage, so other load on the machine does not skew the figure) and per wall second.
 */
function bench(name: string, bytes: number, f: () => unknown, seconds = 1): void {
  for (let i = 0; i < 5000; i++) f()
  let n = 0
  const cpu0 = process.cpuUsage()
  const wall0 = process.hrtime.bigint()
  let cpu = 0
  while (cpu < seconds) {
    for (let i = 0; i < 1000; i++) f()
    n += 1000
    const u = process.cpuUsage(cpu0)
    cpu = (u.user + u.system) / 1e6
  }
  const wall = Number(process.hrtime.bigint() - wall0) / 1e9
  const perCpu = n / cpu
  const fmt = (x: number) => Math.round(x).toLocaleString("en").padStart(10)
  console.log(`${name.padEnd(36)} ${fmt(perCpu)} ops/CPU-s  ${((perCpu * bytes) / 1e6).toFixed(1).padStart(6)} MB/s   (wall: ${fmt(n / wall)} ops/s)`)
}

const key = Buffer.alloc(32, 7)
const nonce = Buffer.alloc(24, 3)
const msg = Buffer.alloc(1024, 1)
const sealed = secretbox(msg, nonce, key)

bench("secretbox 1 KiB", 1024, () => secretbox(msg, nonce, key))
bench("secretboxOpen 1 KiB", 1024, () => secretboxOpen(sealed, nonce, key))
bench("poly1305 1 KiB", 1024, () => poly1305(msg, key))

const client = new CurveClient({properties: props("DEALER", ""), serverKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", secretKey: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"})
const server = new CurveServer({properties: props("ROUTER", ""), secretKey: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"})
await handshake(client, server)
bench("CURVE MESSAGE encode+decode 1 KiB", 1024, () => server.decode(client.encode(0, msg)))
bench("CURVE MESSAGE encode+decode 16 B", 16, () => server.decode(client.encode(0, msg.subarray(0, 16))))
