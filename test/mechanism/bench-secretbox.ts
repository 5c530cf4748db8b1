/**
 * Micro-benchmark, run by hand (not a test):
 *
 *   npx vite-node test/mechanism/bench-secretbox.ts [seconds-per-line]
 *
 * Seal in place and open of 1 KiB and 64 KiB boxes on the JavaScript path and on the
 * WebAssembly path (setWasmCrypto), in the same process; Poly1305 alone; CURVE MESSAGE
 * encode+decode through a completed CurveClient/CurveServer pair on each path.
 */
import {poly1305, prepareKey, secretboxOpenTo, secretboxSealInPlace, setWasmCrypto} from "../../src/mechanism/crypto/index.js"
import {CurveClient, CurveServer} from "../../src/mechanism/curve.js"
import {handshake, props} from "./harness.js"

const seconds = Number(process.argv[2] ?? 1)

/**
 * Runs `f` for about `seconds` of this process's CPU time and prints operations per CPU-second
 * (process.cpuUsage, so other load on the machine does not skew the figure) and per wall second.
 */
function bench(name: string, bytes: number, f: () => unknown): number {
  for (let i = 0; i < 200; i++) f()
  let n = 0
  const cpu0 = process.cpuUsage()
  const wall0 = process.hrtime.bigint()
  let cpu = 0
  const batch = bytes > 4096 ? 10 : 200
  while (cpu < seconds) {
    for (let i = 0; i < batch; i++) f()
    n += batch
    const u = process.cpuUsage(cpu0)
    cpu = (u.user + u.system) / 1e6
  }
  const wall = Number(process.hrtime.bigint() - wall0) / 1e9
  const perCpu = n / cpu
  const fmt = (x: number) => Math.round(x).toLocaleString("en").padStart(10)
  const mb = (perCpu * bytes) / 1e6
  console.log(`${name.padEnd(40)} ${fmt(perCpu)} ops/CPU-s  ${mb.toFixed(1).padStart(7)} MB/s   (wall: ${fmt(n / wall)} ops/s)`)
  return mb
}

const key = prepareKey(Buffer.alloc(32, 7))
const nonce = Buffer.alloc(24, 3)

const client = new CurveClient({properties: props("DEALER", ""), serverKey: "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", secretKey: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"})
const server = new CurveServer({properties: props("ROUTER", ""), secretKey: "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"})
await handshake(client, server)

const results: Record<string, number> = {}
for (const size of [1024, 65536]) {
  const tag = size === 1024 ? "1 KiB" : "64 KiB"
  const buf = Buffer.alloc(16 + size, 1)
  const out = Buffer.alloc(size)
  const msg = Buffer.alloc(size, 1)
  for (const backend of ["js", "wasm"] as const) {
    setWasmCrypto(backend === "wasm")
    results[`seal ${tag} ${backend}`] = bench(`seal ${tag} [${backend}]`, size, () => secretboxSealInPlace(buf, 0, size, nonce, key))
    const sealed = Buffer.from(buf)
    results[`open ${tag} ${backend}`] = bench(`open ${tag} [${backend}]`, size, () => {
      if (!secretboxOpenTo(sealed, 0, size, nonce, key, out, 0)) throw new Error("does not open")
    })
    results[`msg ${tag} ${backend}`] = bench(`MESSAGE encode+decode ${tag} [${backend}]`, size, () => server.decode(client.encode(0, msg)))
  }
}
setWasmCrypto(false)
bench("poly1305 1 KiB [js]", 1024, () => poly1305(Buffer.alloc(1024, 1), Buffer.alloc(32, 7)))
setWasmCrypto(true)
for (const what of ["seal", "open", "msg"]) {
  for (const tag of ["1 KiB", "64 KiB"]) {
    console.log(`${what} ${tag}: wasm/js = ${(results[`${what} ${tag} wasm`]! / results[`${what} ${tag} js`]!).toFixed(2)}×`)
  }
}
