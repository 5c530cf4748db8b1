/**
 * The option properties zeromq.js defines on every socket. index.ts installs them as accessors
 * over the raw get/set{Type}Option(id) methods of socket.ts; this declares them on the class.
 */
import type {Buffer} from "node:buffer"

declare module "./socket.js" {
  /** The option properties zeromq.js defines on every socket (index.ts installs the accessors). */
  interface Socket {
    affinity: number
    rate: number
    recoveryInterval: number
    readonly type: number
    linger: number
    reconnectInterval: number
    backlog: number
    reconnectMaxInterval: number
    maxMessageSize: number
    readonly lastEndpoint: string | null
    tcpKeepalive: number
    tcpKeepaliveCount: number
    tcpKeepaliveIdle: number
    tcpKeepaliveInterval: number
    tcpAcceptFilter: string | null
    immediate: boolean
    ipv6: boolean
    readonly securityMechanism: null | "plain" | "curve" | "gssapi"
    plainServer: boolean
    plainUsername: string | null
    plainPassword: string | null
    zapDomain: string | null
    typeOfService: number
    handshakeInterval: number
    socksProxy: string | null
    heartbeatInterval: number
    heartbeatTimeToLive: number
    heartbeatTimeout: number
    connectTimeout: number
    tcpMaxRetransmitTimeout: number
    readonly threadSafe: boolean
    multicastMaxTransportDataUnit: number
    vmciBufferSize: number
    vmciBufferMinSize: number
    vmciBufferMaxSize: number
    vmciConnectTimeout: number
    interface: string | null
    zapEnforceDomain: boolean
    loopbackFastPath: boolean
    [Symbol.asyncIterator](): AsyncIterator<Buffer[]>
  }
}

/** The properties zeromq.js defines on the socket types that send. */
export interface WritableOptions {
  sendBufferSize: number
  sendHighWaterMark: number
  sendTimeout: number
  multicastHops: number
  /** zmtp extension: past the send HWM, a peer's messages go to a log in this directory (null: off). */
  spillDirectory: string | null
  /** zmtp extension: bytes each peer's spill log may hold; past it the HWM action applies. */
  spillBudget: number
  /** zmtp extension: a restart delivers the logs an earlier run left (else they are removed). */
  spillRecover: boolean
}

/** The properties zeromq.js defines on the socket types that receive. */
export interface ReadableOptions {
  receiveBufferSize: number
  receiveHighWaterMark: number
  receiveTimeout: number
}
