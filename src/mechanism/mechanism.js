/** CURVE's inner flag bits (libzmq curve_mechanism_base: more | command). */
export const INNER_MORE = 0x01;
export const INNER_COMMAND = 0x02;
/**
 * What stands in for a NULL or PLAIN mechanism after its handshake: traffic goes in clear, and no
 * command reaches a mechanism any more, so an idle connection does not keep the handshake's state.
 */
export const TRAFFIC_IN_CLEAR = {
    name: "NULL",
    asServer: false,
    complete: true,
    peerMetadata: new Map(),
    start: () => [],
    onCommand: () => [],
};
