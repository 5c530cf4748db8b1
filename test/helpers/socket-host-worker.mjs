/**
 * A worker thread that hosts sockets for a test in another thread (thread-sockets.ts): it loads
 * the built package given in workerData.dist and runs each call it is sent on the socket it
 * names, in order. Every call is answered at once on `syncReplies`, signalled through `flag`
 * (the caller waits with Atomics.wait); one that returns a promise is answered "pending" there,
 * and its outcome goes to `replies` when it settles.
 */
import {workerData} from "node:worker_threads"

const {dist, requests, syncReplies, replies, flag} = workerData
const zmq = await import(`${dist}/esm/index.js`)
/** The draft classes (and Peer, Channel), loaded when first asked for (loading prints zeromq.js's warning). */
let draft = null
const signal = new Int32Array(flag)
const sockets = new Map()
let nextId = 1

/** What crosses threads: Buffers as Uint8Arrays; errors as their message, code and errno. */
function plain(value) {
  if (Array.isArray(value)) return value.map(plain)
  if (value instanceof Uint8Array) return new Uint8Array(value)
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  }
  return value
}

function errorOf(e) {
  return {message: e?.message ?? String(e), code: e?.code, errno: e?.errno, name: e?.name}
}

async function create(type, options) {
  if (zmq[type] === undefined) draft ??= {...(await import(`${dist}/esm/draft.js`)), ...(await import(`${dist}/esm/draft-extra.js`))}
  const Class = zmq[type] ?? draft[type]
  const socket = new Class(options)
  sockets.set(nextId, socket)
  return nextId++
}

function run({op, id, type, options, method, args, prop, value}) {
  if (op === "create") return create(type, options)
  const socket = sockets.get(id)
  if (op === "get") return plain(socket[prop])
  if (op === "set") {
    socket[prop] = value
    return undefined
  }
  return socket[method](...args)
}

requests.on("message", async request => {
  const {call} = request
  let reply
  let pending = null
  try {
    // A call made synchronously (the caller waits); only "create" may take a moment (an import).
    const value = request.op === "create" ? await run(request) : run(request)
    // An operation that returns a promise (send, receive...): the caller gets it as pending now,
    // and its outcome later. What it throws at once, the caller throws at once, as locally.
    if (value instanceof Promise) {
      pending = value
      reply = {call, pending: true}
    } else {
      reply = {call, value: plain(value)}
    }
  } catch (e) {
    reply = {call, error: errorOf(e)}
  }
  syncReplies.postMessage(reply)
  Atomics.store(signal, 0, call)
  Atomics.notify(signal, 0)
  if (pending === null) return
  try {
    replies.postMessage({call, value: plain(await pending)})
  } catch (e) {
    replies.postMessage({call, error: errorOf(e)})
  }
})
