/**
 * The v5 scenarios (scenarios.ts) against zeromq.js's own `zeromq/v5-compat` (native libzmq): the
 * reference for what zmtp/v5-compat must do (v5-compat.test.ts runs the same scenarios on zmtp).
 * zeromq.js 6.8.0 is not reliable in a long-lived process that opens and closes many sockets (see
 * test/dropin/dropin.test.ts): here a later scenario's messages now and then never arrive. So this
 * file has a process of its own (vitest forks per file), and each test a short timeout and retries.
 */
import {createRequire} from "node:module"
import {describe} from "vitest"
import {v5Scenarios, type V5} from "./scenarios.js"

const zmq = createRequire(import.meta.url)("zeromq/v5-compat") as V5

describe("v5 API (zeromq.js, native)", {retry: 2, timeout: 5000}, () => v5Scenarios(zmq))
