/**
 * inproc:// across the threads of a process (libzmq: one context, so one table of inproc names,
 * whatever thread a socket lives in). The default context of each copy of zmtp in each thread
 * has one ThreadBus. Names are claimed in the shared table (thread-names.ts); everything else is
 * said over one process-wide BroadcastChannel, addressed by owner id:
 *
 * - "connect": a socket asks the owner of a name to join it; it sends the two rings
 *   (engine/thread-ring.ts) it made, its socket type, routing id and RCVHWM.
 * - "accept" / "refuse": the bound socket's answer (refused when the name is no longer bound there;
 *   the connect then waits for the next bind, as an early inproc connect does).
 * - "bound": a name was bound; a thread with connects waiting for it asks again.
 * - "dead": a worker thread has ended. A thread cannot announce its own termination, so the thread
 *   that started it does (process "worker" event, then the worker's "exit"), frees its names and
 *   tells everyone; links to that thread, or to threads it started (they end with it), end after
 *   their rings are read. A thread whose own loop ends closes its links at process "exit".
 *
 * The channel is unref'd: waiting for a peer keeps no thread alive; pending operations do.
 */
import * as threads from "node:worker_threads"
import {newRing, RingReader, RingWriter, waitAsync} from "../engine/thread-ring.js"
import {ThreadEngine} from "../engine/thread-engine.js"
import {ThreadNames} from "./thread-names.js"

const CHANNEL = "zmtp:inproc-threads:1"

/** What each side of a link tells the other. */
export interface ThreadPeer {
  socketType: string
  routingId: Uint8Array | null
  recvHwm: number
}

/** A link between two threads as one side sees it: its rings and its peer. */
export interface ThreadLink {
  /** "inproc://name" */
  address: string
  out: RingWriter
  inn: RingReader
  peer: ThreadPeer
  /** Makes this side's engine (tracked, so that the peer thread's end ends it). */
  engine(): ThreadEngine
}

/** What the registry (inproc.ts) gives the bus. */
export interface ThreadSide {
  /** A bound socket asked for by another thread: joins it, or null (not bound, or closed). */
  accept(name: string, peer: ThreadPeer, link: ThreadLink): ThreadPeer | null
  /** Connects waiting for `name` (asked again when another thread binds it). */
  waitingFor(name: string): Iterable<ThreadConnecter>
  /** Takes a waiting connect out of the table: it is being joined. */
  joined(connecter: ThreadConnecter): void
}

export interface ThreadConnecter {
  readonly name: string
  /** This socket's details for the bound one. */
  threadPeer(): ThreadPeer
  /** The bound socket in another thread accepted: attach the link. */
  completeThread(link: ThreadLink): void
}

type Message =
  | {k: "connect"; to: number; from: number; id: number; name: string; peer: ThreadPeer; lineage: number[]; rings: [SharedArrayBuffer, SharedArrayBuffer]}
  | {k: "accept"; to: number; id: number; peer: ThreadPeer; lineage: number[]}
  | {k: "refuse"; to: number; id: number}
  | {k: "bound"; name: string}
  | {k: "dead"; thread: number}

/** This thread and the threads that started it, innermost first (a thread ends with its parent). */
const LINEAGE_KEY = "zmtp:thread-lineage:1"

export class ThreadBus {
  private readonly owner: number
  private readonly lineage: number[]
  private channel: threads.BroadcastChannel | null = null
  private nextId = 1
  /** Connects asked of another thread, by request id: the rings they sent (written, read). */
  private readonly asking = new Map<number, {connecter: ThreadConnecter; owner: number; thread: number; rings: [SharedArrayBuffer, SharedArrayBuffer]}>()
  private readonly engines = new Set<ThreadEngine>()

  private constructor(
    private readonly names: ThreadNames,
    private readonly side: ThreadSide,
  ) {
    this.owner = names.newOwner()
    const env = threads as {getEnvironmentData?(key: string): unknown}
    const parents = env.getEnvironmentData?.(LINEAGE_KEY)
    this.lineage = [threads.threadId, ...(Array.isArray(parents) ? (parents as number[]) : [])]
    threads.setEnvironmentData?.(LINEAGE_KEY, this.lineage)
    buses.add(this)
    watchWorkers(names)
  }

  /** The bus of a default context, or null where there are no threads to share with. */
  static start(side: ThreadSide): ThreadBus | null {
    if (typeof threads.BroadcastChannel !== "function" || waitAsync === undefined) return null
    const names = ThreadNames.shared()
    return names ? new ThreadBus(names, side) : null
  }

  private post(message: Message): void {
    this.open().postMessage(message)
  }

  private open(): threads.BroadcastChannel {
    if (this.channel === null) {
      const channel = (this.channel = new threads.BroadcastChannel(CHANNEL))
      channel.unref()
      channel.onmessage = event => this.received((event as {data: Message}).data)
    }
    return this.channel
  }

  /** Claims `name` for this process's table: false when a socket anywhere has it. */
  bind(name: string): boolean {
    this.open()
    if (!this.names.add(name, this.owner, threads.threadId)) return false
    this.post({k: "bound", name})
    return true
  }

  unbind(name: string): void {
    this.names.remove(name, this.owner)
  }

  /** Asks the thread that has bound `name`, if another has; the connect keeps waiting meanwhile. */
  seek(connecter: ThreadConnecter): void {
    this.open()
    for (const asked of this.asking.values()) if (asked.connecter === connecter) return
    const holder = this.names.holder(connecter.name)
    if (holder === null || holder.owner === this.owner) return
    const id = this.nextId++
    const rings: [SharedArrayBuffer, SharedArrayBuffer] = [newRing(), newRing()]
    this.asking.set(id, {connecter, owner: holder.owner, thread: holder.thread, rings})
    this.holdWhileAsking()
    this.post({k: "connect", to: holder.owner, from: this.owner, id, name: connecter.name, peer: connecter.threadPeer(), lineage: this.lineage, rings})
  }

  /** The connect was cancelled: an answer still to come closes the link it brings. */
  cancel(connecter: ThreadConnecter): void {
    for (const [id, asked] of this.asking) if (asked.connecter === connecter) this.asking.set(id, {...asked, connecter: CANCELLED})
  }

  /**
   * An answer is awaited: the thread stays up for it (a worker that connects, sends and ends has
   * messages queued that the answer lets it write; the other thread answers at once).
   */
  private holdWhileAsking(): void {
    if (this.asking.size > 0) this.channel?.ref()
    else this.channel?.unref()
  }

  private received(m: Message): void {
    this.dispatch(m)
    this.holdWhileAsking()
  }

  private dispatch(m: Message): void {
    switch (m.k) {
      case "connect":
        if (m.to === this.owner) this.connectAsked(m)
        return
      case "accept": {
        const asked = m.to === this.owner ? this.asking.get(m.id) : undefined
        if (asked === undefined) return
        this.asking.delete(m.id)
        const [ours, theirs] = asked.rings
        const link = this.link(asked.connecter.name, new RingWriter(ours), new RingReader(theirs), m.peer, m.lineage)
        if (asked.connecter !== CANCELLED) this.side.joined(asked.connecter)
        asked.connecter.completeThread(link)
        return
      }
      case "refuse": {
        const asked = m.to === this.owner ? this.asking.get(m.id) : undefined
        if (asked === undefined) return
        this.asking.delete(m.id)
        // Bound elsewhere since? Ask there (the connect still waits in the table either way).
        const holder = this.names.holder(asked.connecter.name)
        if (asked.connecter !== CANCELLED && holder !== null && holder.owner !== asked.owner) this.seek(asked.connecter)
        return
      }
      case "bound":
        for (const c of [...this.side.waitingFor(m.name)]) this.seek(c)
        return
      case "dead":
        this.threadGone(m.thread)
        return
    }
  }

  private connectAsked(m: Extract<Message, {k: "connect"}>): void {
    const [toUs, toThem] = m.rings
    const link = this.link(m.name, new RingWriter(toThem), new RingReader(toUs), m.peer, m.lineage)
    const peer = this.side.accept(m.name, m.peer, link)
    if (peer === null) this.post({k: "refuse", to: m.from, id: m.id})
    else this.post({k: "accept", to: m.from, id: m.id, peer, lineage: this.lineage})
  }

  private link(name: string, out: RingWriter, inn: RingReader, peer: ThreadPeer, lineage: number[]): ThreadLink {
    return {
      address: "inproc://" + name,
      out,
      inn,
      peer,
      engine: () => {
        const engine = new ThreadEngine(out, inn, peer.recvHwm, lineage, e => this.engines.delete(e))
        this.engines.add(engine)
        return engine
      },
    }
  }

  /** A thread has ended: its links end (after their rings are read), its connects ask again. */
  threadGone(thread: number): void {
    for (const e of [...this.engines]) if (e.lineage.includes(thread)) e.peerGone()
    for (const [id, asked] of this.asking) {
      if (asked.thread !== thread) continue
      this.asking.delete(id)
      if (asked.connecter !== CANCELLED) this.seek(asked.connecter)
    }
    this.holdWhileAsking()
  }

  /** This thread's loop has ended: its links end now (what they wrote stays readable). */
  exiting(): void {
    for (const e of [...this.engines]) e.abort()
    this.names.removeAll(threads.threadId, this.owner)
    this.channel?.close()
  }
}

const CANCELLED: ThreadConnecter = {
  name: "",
  threadPeer: () => ({socketType: "", routingId: null, recvHwm: 0}),
  completeThread: link => link.engine().abort(),
}

const buses = new Set<ThreadBus>()
let watching = false

/** Announces the end of every worker this thread starts (only its starter can see it). */
function watchWorkers(names: ThreadNames): void {
  if (watching) return
  watching = true
  process.on("worker", (worker: threads.Worker) => {
    const thread = worker.threadId
    worker.once("exit", () => {
      names.removeAll(thread)
      const channel = new threads.BroadcastChannel(CHANNEL)
      channel.postMessage({k: "dead", thread} satisfies Message)
      channel.close()
      for (const bus of buses) bus.threadGone(thread)
    })
  })
  process.once("exit", () => {
    for (const bus of buses) bus.exiting()
  })
}
