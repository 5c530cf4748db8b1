/** Servers and clients on loopback for the FileMQ tests, closed after each test. */
import {FmqClient, type ClientOptions, type FileEvent} from "../../src/filemq/client.js"
import {FmqServer, type ServerOptions} from "../../src/filemq/server.js"

const servers: FmqServer[] = []
const clients: FmqClient[] = []

export async function closeAll(): Promise<void> {
  await Promise.all(clients.splice(0).map(c => c.close()))
  await Promise.all(servers.splice(0).map(s => s.close()))
}

export async function serve(
  mounts: [dir: string, alias: string][] | string,
  options: ServerOptions = {},
  endpoint = "tcp://127.0.0.1:*",
): Promise<{server: FmqServer; endpoint: string}> {
  const server = new FmqServer({stableMs: 100, rescanMs: 1000, ...options})
  servers.push(server)
  for (const [dir, alias] of typeof mounts === "string" ? [[mounts, "/"] as const] : mounts) await server.publish(dir, alias)
  return {server, endpoint: await server.bind(endpoint)}
}

export interface Watched {
  client: FmqClient
  files: FileEvent[]
  deleted: string[]
  rejected: {vpath: string; reason: string}[]
  /** Received files by relative path: how many times each arrived. */
  count(rel: string): number
}

export async function sync(inbox: string, endpoint: string, subs: string[] = ["/"], options: Partial<ClientOptions> = {}): Promise<Watched> {
  const client = new FmqClient({inbox, heartbeatMs: 200, ...options})
  clients.push(client)
  const w: Watched = {
    client,
    files: [],
    deleted: [],
    rejected: [],
    count: rel => w.files.filter(f => f.rel === rel).length,
  }
  client.on("file", e => w.files.push(e))
  client.on("deleted", e => w.deleted.push(e.rel))
  client.on("rejected", e => w.rejected.push(e))
  for (const s of subs) client.subscribe(s)
  await client.connect(endpoint)
  return w
}

/** Forgets a client closed by the test itself. */
export function forget(client: FmqClient): void {
  const i = clients.indexOf(client)
  if (i >= 0) clients.splice(i, 1)
}

export function forgetServer(server: FmqServer): void {
  const i = servers.indexOf(server)
  if (i >= 0) servers.splice(i, 1)
}
