/**
 * Socket types: libzmq's numeric ids (ZMQ_PAIR..ZMQ_STREAM), the names sent in the READY
 * `Socket-Type` property, and which pairs may talk (37/ZMTP "The Socket-Type Property"; libzmq's
 * `mechanism_t::check_socket_type` holds the same table).
 */
export const SocketTypeId = {
  PAIR: 0,
  PUB: 1,
  SUB: 2,
  REQ: 3,
  REP: 4,
  DEALER: 5,
  ROUTER: 6,
  PULL: 7,
  PUSH: 8,
  XPUB: 9,
  XSUB: 10,
  STREAM: 11,
} as const

export type SocketTypeName = keyof typeof SocketTypeId

/**
 * libzmq's draft socket type ids (ZMQ_SERVER..ZMQ_CHANNEL, include/zmq.h's draft section and
 * src/zmq_draft.h). Not implemented here: they are kept out of {@link SocketTypeId}, so
 * {@link socketTypeName} does not know them and constructing one fails.
 */
export const DraftSocketTypeId = {
  SERVER: 12,
  CLIENT: 13,
  RADIO: 14,
  DISH: 15,
  GATHER: 16,
  SCATTER: 17,
  DGRAM: 18,
  PEER: 19,
  CHANNEL: 20,
} as const

const names: SocketTypeName[] = Object.keys(SocketTypeId) as SocketTypeName[]

export function socketTypeName(id: number): SocketTypeName | undefined {
  return names[id]
}

const compatible: Record<SocketTypeName, readonly SocketTypeName[]> = {
  PAIR: ["PAIR"],
  PUB: ["SUB", "XSUB"],
  SUB: ["PUB", "XPUB"],
  REQ: ["REP", "ROUTER"],
  REP: ["REQ", "DEALER"],
  DEALER: ["REP", "DEALER", "ROUTER"],
  ROUTER: ["REQ", "DEALER", "ROUTER"],
  PULL: ["PUSH"],
  PUSH: ["PULL"],
  XPUB: ["SUB", "XSUB"],
  XSUB: ["PUB", "XPUB"],
  STREAM: [],
}

/** True when a local socket of type `local` may accept a peer announcing `peer`. */
export function socketTypesCompatible(local: SocketTypeName, peer: string): boolean {
  return (compatible[local] as readonly string[]).includes(peer)
}

/** libzmq sends the Identity property only from these types (mechanism_t::add_basic_properties). */
export function sendsIdentity(type: SocketTypeName): boolean {
  return type === "REQ" || type === "DEALER" || type === "ROUTER"
}
