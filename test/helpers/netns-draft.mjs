/**
 * One RADIO/DISH scenario over udp multicast, run by test/interop/draft-multicast.test.ts in a
 * child `node` inside a private network namespace (test/helpers/netns.ts). A child process because
 * the namespace is the process's: the test runner itself stays on the machine's network.
 *
 *   node netns-draft.mjs '<spec as JSON>'
 *
 * Specs (lib is "zmtp" or "libzmq"):
 *   {"scenario": "filter", "radio": lib, "dish": lib, "endpoint": "udp://239.…:port"}
 *   {"scenario": "dish-on-tcp-and-udp", "dish": lib, "tcpRadio": lib, "udpRadio": lib, "tcp": …, "udp": …}
 *   {"scenario": "radio-to-tcp-and-udp", "radio": lib, "tcpDish": lib, "udpDish": lib, "tcp": …, "udp": …}
 * zmtp's classes come from the built CommonJS entry named by $ZMTP_DRAFT (read only if a socket is
 * zmtp's, so libzmq-only specs run without it); libzmq's from zeromq/draft.
 *
 * Prints one JSON line (the scenario's counts) and exits 0; or prints the error on stderr and
 * exits 1. Exits 2 without sending anything if the process sees any interface besides lo: its
 * multicast must never leave a private namespace. Exits 3 if the scenario hangs.
 */
import os from "node:os"
import {createRequire} from "node:module"
import {radioDishFilter, radiosToOneDish, radioToDishes} from "./draft-scenarios.mjs"

const interfaces = Object.keys(os.networkInterfaces())
if (interfaces.length !== 1 || interfaces[0] !== "lo") {
  process.stderr.write(`refusing to send multicast: interfaces ${interfaces.join(", ")} (expected lo alone, in a private namespace)\n`)
  process.exit(2)
}
setTimeout(() => {
  process.stderr.write("scenario still running after 20 s\n")
  process.exit(3)
}, 20000).unref()

const require = createRequire(import.meta.url)
const modules = {}
const draftOf = lib => {
  if (lib === "libzmq") return (modules.libzmq ??= require("zeromq/draft"))
  if (lib !== "zmtp") throw new Error(`unknown library ${lib}`)
  if (!process.env.ZMTP_DRAFT) throw new Error("ZMTP_DRAFT (zmtp's built draft entry) is not set")
  return (modules.zmtp ??= require(process.env.ZMTP_DRAFT))
}
const open = []
const make = (lib, cls) => {
  const s = new (draftOf(lib)[cls])({linger: 0})
  open.push(s)
  return s
}

const scenarios = {
  async filter(spec) {
    const dish = make(spec.dish, "Dish")
    const radio = make(spec.radio, "Radio")
    await dish.bind(spec.endpoint)
    radio.connect(spec.endpoint)
    return radioDishFilter({radio, dish})
  },

  /** One DISH bound to tcp and to a multicast group at once, a RADIO on each. */
  async "dish-on-tcp-and-udp"(spec) {
    const dish = make(spec.dish, "Dish")
    await dish.bind(spec.tcp)
    await dish.bind(spec.udp)
    const tcpRadio = make(spec.tcpRadio, "Radio")
    const udpRadio = make(spec.udpRadio, "Radio")
    tcpRadio.connect(spec.tcp)
    udpRadio.connect(spec.udp)
    return radiosToOneDish({
      dish,
      radios: [
        {name: "tcp", radio: tcpRadio},
        {name: "udp", radio: udpRadio},
      ],
    })
  },

  /** One RADIO connected to a tcp DISH and to a multicast DISH at once: both get its messages. */
  async "radio-to-tcp-and-udp"(spec) {
    const tcpDish = make(spec.tcpDish, "Dish")
    const udpDish = make(spec.udpDish, "Dish")
    await tcpDish.bind(spec.tcp)
    await udpDish.bind(spec.udp)
    const radio = make(spec.radio, "Radio")
    radio.connect(spec.tcp)
    radio.connect(spec.udp)
    return radioToDishes({
      radio,
      dishes: [
        {name: "tcp", dish: tcpDish},
        {name: "udp", dish: udpDish},
      ],
    })
  },
}

try {
  const spec = JSON.parse(process.argv[2] ?? "{}")
  const scenario = scenarios[spec.scenario]
  if (!scenario) throw new Error(`unknown scenario ${JSON.stringify(spec.scenario)}`)
  const counts = await scenario(spec)
  for (const s of open) s.close()
  process.stdout.write(JSON.stringify(counts) + "\n")
  process.exit(0)
} catch (e) {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`)
  process.exit(1)
}
