/**
 * CURVE for FileMQ (issue 21 item 5): key files, the allow-list, and the ZAP handler that applies
 * it. FILEMQ v2 leaves security to ZMTP (spec/filemq.md), so this is ordinary CURVE on the server's
 * ROUTER and the client's DEALER (26/CURVEZMQ), with ZAP (27/ZAP) deciding which client keys get in.
 * A C FileMQ peer, which speaks NULL, keeps working with a server that has no keys.
 *
 * Key files are CZMQ's certificate form (zcert_save, what the ZeroMQ tools write and read): text
 * in ZPL, keys as 40 Z85 characters in quotes:
 *
 *     #   ****  Generated on 2026-12-05 by zmtp  ****
 *     #   ZeroMQ CURVE **Secret** Certificate
 *     #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.
 *
 *     metadata
 *     curve
 *         public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
 *         secret-key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
 *
 * `NAME` holds the public key only, `NAME_secret` both. A file with a bare 40-character key on a
 * line (libzmq's curve_keygen prints them so) is read too.
 */
import {Buffer} from "node:buffer"
import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from "node:fs"
import {join} from "node:path"
import {Context, curveKeyPair, Router} from "../index.js"
import {z85Encode} from "../wire/z85.js"

export interface CurveCertificate {
  publicKey: string
  secretKey: string | null
}

const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/

/** Reads a certificate (or a bare key) file. Throws with the file's name when it holds no key. */
export function readCertificate(path: string): CurveCertificate {
  const text = readFileSync(path, "utf8")
  const field = (name: string) => {
    const m = new RegExp(`^\\s*${name}\\s*=\\s*"([^"]*)"`, "m").exec(text)
    return m ? m[1]! : null
  }
  let publicKey = field("public-key")
  const secretKey = field("secret-key")
  if (publicKey === null) {
    const bare = text.split(/\r?\n/).map(l => l.trim()).filter(l => Z85_KEY.test(l))
    if (bare.length === 1) publicKey = bare[0]!
  }
  if (publicKey === null || !Z85_KEY.test(publicKey)) throw new Error(`${path}: no CURVE public key (expected a certificate with public-key = "…" or one 40-character Z85 key)`)
  if (secretKey !== null && !Z85_KEY.test(secretKey)) throw new Error(`${path}: the secret-key is not 40 Z85 characters`)
  return {publicKey, secretKey}
}

/** Reads a secret certificate: both keys. */
export function readSecretCertificate(path: string): {publicKey: string; secretKey: string} {
  const cert = readCertificate(path)
  if (cert.secretKey === null) throw new Error(`${path}: no secret-key (use the NAME_secret file that \`filemq keygen NAME\` wrote)`)
  return {publicKey: cert.publicKey, secretKey: cert.secretKey}
}

/**
 * Writes a new key pair as `base` (public) and `base_secret` (mode 0600), refusing to overwrite
 * either; returns the pair.
 */
export function writeCertificatePair(base: string): {publicKey: string; secretKey: string; publicFile: string; secretFile: string} {
  const secretFile = `${base}_secret`
  for (const f of [base, secretFile]) if (existsSync(f)) throw new Error(`${f} exists; not overwriting a key file`)
  const pair = curveKeyPair()
  const date = new Date().toISOString().slice(0, 10)
  const header = (kind: string, warning: string) => `#   ****  Generated on ${date} by zmtp  ****\n#   ZeroMQ CURVE ${kind} Certificate\n#   ${warning}\n\nmetadata\ncurve\n`
  writeFileSync(base, `${header("Public", "Exchange securely, or use a secure mechanism to verify the contents of this file after exchange. Store public certificates in your home directory, in the .curve subdirectory.")}    public-key = "${pair.publicKey}"\n`, {flag: "wx"})
  writeFileSync(secretFile, `${header("**Secret**", "DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.")}    public-key = "${pair.publicKey}"\n    secret-key = "${pair.secretKey}"\n`, {flag: "wx", mode: 0o600})
  return {...pair, publicFile: base, secretFile}
}

/**
 * The client keys a server lets in: a directory of certificates (every file in it; CZMQ's
 * certificate store) or one file with one certificate or key per line.
 */
export function readAllowList(path: string): Set<string> {
  const keys = new Set<string>()
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      const file = join(path, name)
      if (statSync(file).isFile() && !name.endsWith("_secret")) keys.add(readCertificate(file).publicKey)
    }
  } else {
    const text = readFileSync(path, "utf8")
    const fields = [...text.matchAll(/public-key\s*=\s*"([^"]*)"/g)].map(m => m[1]!)
    const bare = text.split(/\r?\n/).map(l => l.trim()).filter(l => Z85_KEY.test(l))
    for (const k of [...fields, ...bare]) keys.add(k)
  }
  if (keys.size === 0) throw new Error(`${path}: no client keys found`)
  return keys
}

/**
 * A ZAP handler (27/ZAP) on `inproc://zeromq.zap.01` of `context`, admitting the CURVE clients
 * whose public key is in `allowed` (200) and refusing the others (400, which the client's socket
 * reports as a handshake:error:auth with that text).
 */
export class Authenticator {
  private readonly router: Router
  private running: Promise<void> | null = null

  constructor(
    context: Context,
    private readonly allowed: ReadonlySet<string>,
    private readonly onRefused: (clientKey: string, address: string) => void,
  ) {
    this.router = new Router({context, linger: 0})
  }

  async start(): Promise<void> {
    await this.router.bind("inproc://zeromq.zap.01")
    this.running = this.loop()
  }

  private async loop(): Promise<void> {
    for (;;) {
      let frames: Buffer[]
      try {
        frames = await this.router.receive()
      } catch {
        return // closed
      }
      // [routing id, "", version, request id, domain, address, identity, mechanism, credentials...]
      const [id, , version, requestId, , address, , mechanism, key] = frames
      if (id === undefined || requestId === undefined) continue
      let status = "400"
      let text = "only CURVE clients are served"
      if (version?.toString() !== "1.0") {
        status = "500"
        text = "unknown ZAP version"
      } else if (mechanism?.toString() === "CURVE" && key?.length === 32) {
        const z85 = z85Encode(key)
        if (this.allowed.has(z85)) {
          status = "200"
          text = "OK"
        } else {
          text = "client key not allowed"
          this.onRefused(z85, address?.toString() ?? "")
        }
      }
      await this.router.send([id, Buffer.alloc(0), Buffer.from("1.0"), requestId, Buffer.from(status), Buffer.from(text), Buffer.alloc(0), Buffer.alloc(0)])
    }
  }

  async close(): Promise<void> {
    this.router.close()
    await this.running
  }
}
