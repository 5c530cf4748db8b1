/**
 * A FileMQ relay (issue 21 item 3; the Guide's "content distribution"): a client that mirrors an
 * upstream server into a directory, and a server that publishes that directory to its own
 * clients, in one process. A tree of relays lets one server feed many clients while each server
 * serves only a few.
 *
 * The two halves meet only in the directory, which is what makes the relay as robust as its
 * parts: the client writes each file to a dot-named temp file, checks its SHA-1 and renames it
 * into place, so the server's tree (which skips dot files) sees only complete, checked files,
 * and publishes each as soon as it appears (no stability wait: a rename is atomic). A deletion or
 * a new version upstream becomes a deletion or a new version here, and so flows on down. A
 * relay that restarts resumes: its client has its manifest and partial files, its server its
 * index.
 */
import {mkdir} from "node:fs/promises"
import {FmqClient, type ClientOptions} from "./client.js"
import {DEFAULT_ENDPOINT, FmqServer, type ServerOptions} from "./server.js"

export interface RelayOptions {
  /** The upstream server's endpoint. */
  upstream: string
  /** Where the mirror lives, and what is published. */
  dir: string
  /** Where this relay's server binds (default tcp://*:5670). */
  bind?: string
  /** The upstream path mirrored (default "/"). */
  path?: string
  /** The path this relay publishes the directory as (default "/"). */
  alias?: string
  client?: Omit<ClientOptions, "inbox">
  server?: Omit<ServerOptions, "stableMs">
}

export class FmqRelay {
  readonly client: FmqClient
  readonly server: FmqServer
  /** The resolved endpoint this relay serves on, once started. */
  endpoint = ""

  constructor(private readonly options: RelayOptions) {
    this.client = new FmqClient({...options.client, inbox: options.dir})
    // Files appear here by rename, complete and checked: publish them at once.
    this.server = new FmqServer({...options.server, stableMs: 0})
  }

  /** Publishes the directory, binds, then starts mirroring into it; resolves with the endpoint. */
  async start(): Promise<string> {
    await mkdir(this.options.dir, {recursive: true})
    await this.server.publish(this.options.dir, this.options.alias ?? "/")
    this.endpoint = await this.server.bind(this.options.bind ?? DEFAULT_ENDPOINT)
    this.client.subscribe(this.options.path ?? "/")
    await this.client.connect(this.options.upstream)
    return this.endpoint
  }

  async close(): Promise<void> {
    await this.client.close()
    await this.server.close()
  }
}
