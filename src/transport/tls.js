/**
 * wss://: ZWS over TLS, set up as libzmq's wss engine does with the ZMQ_WSS_* options (a zmtp
 * extension here: the libzmq in zeromq.js is built without wss). A binding socket presents
 * ZMQ_WSS_CERT_PEM with ZMQ_WSS_KEY_PEM; a connecting one trusts ZMQ_WSS_TRUST_PEM and, with
 * ZMQ_WSS_TRUST_SYSTEM, the system's roots (neither: nothing, so every server is refused, as with
 * libzmq's empty trust list), and checks the certificate against ZMQ_WSS_HOSTNAME, else the
 * endpoint's host.
 */
import { isIP } from "node:net";
import tls from "node:tls";
import { errnoError } from "../errors.js";
/** The server's context, or EINVAL at bind when the key or certificate is missing or unusable. */
export function serverContext(o, address) {
    const { keyPem, certPem } = o.wss;
    if (keyPem === null || certPem === null)
        throw errnoError("EINVAL", "wss:// needs ZMQ_WSS_KEY_PEM and ZMQ_WSS_CERT_PEM to bind", address);
    try {
        return tls.createSecureContext({ key: keyPem, cert: certPem });
    }
    catch (e) {
        throw errnoError("EINVAL", `wss:// key or certificate: ${e.message}`, address);
    }
}
/** An accepted tcp connection, as the TLS server side. */
export function acceptTls(socket, context) {
    return new tls.TLSSocket(socket, { isServer: true, secureContext: context });
}
/** The TLS client side over a connected tcp socket; `done` once the server is verified. */
export function connectTls(socket, host, o, done) {
    const trust = [];
    if (o.wssTrustSystem)
        trust.push(...tls.rootCertificates);
    if (o.wss.trustPem !== null)
        trust.push(o.wss.trustPem);
    const name = o.wss.hostname ?? host;
    const secure = tls.connect({
        socket,
        ca: trust,
        rejectUnauthorized: true,
        servername: isIP(name) ? undefined : name,
        checkServerIdentity: (_, cert) => tls.checkServerIdentity(name, cert),
    });
    const failed = (e) => {
        secure.destroy();
        done(null, e);
    };
    secure.once("error", failed);
    secure.once("secureConnect", () => {
        secure.off("error", failed);
        done(secure);
    });
}
