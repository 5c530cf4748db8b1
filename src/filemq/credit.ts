/**
 * The client's side of credit-based flow control (spec/filemq.md §5 "Session"; the reference's
 * §6): the client is good for a window of chunk bytes, opened with the first NOM after the last
 * ICANHAZ-OK and topped up with another NOM whenever less than half of it is left.
 *
 * Two C bugs shape it. Every chunk counts against the credit, whatever the client does with it,
 * or a client that refuses files never tops up and stalls (B2). And the C server re-sends its
 * last CHEEZBURGER when the credit left is smaller than its next chunk (B1): a message with the
 * sequence of the one before it carries nothing new and is not counted.
 */
import type {Cheezburger, Nom} from "./codec.js"

/**
 * The window our client opens with the C server: so large that B1 cannot happen (spec/filemq.md
 * §7 "Our client → C server"). In fmq_server.c a burst runs, without reading the socket, until
 * `check_for_client_data` sees `credit == 0` or no patches left; when `get_next_patch_for_client`
 * finds `zchunk_size (chunk) > self->credit` it only sets `no_credit_event`, which the "send
 * CHEEZBURGER" and "check for client data" actions of the same `send chunk` event then override
 * (fmq_server.xml), so 0 < credit < next chunk loops for ever. Chunks are at most CHUNK_SIZE
 * (1,000,000), and nothing tells the client the size of the next one (the C server sends no
 * headers), so no finite window can be made to run down to exactly 0: the only safe credit is
 * one that never runs down. 2^52 bytes (4.5 PB; topped up at half) does not, and stays exact in
 * a double and far below the C server's uint64. Its ROUTER is unbounded (`zsock_set_unbounded`
 * in fmq_server_engine.inc), so nothing is dropped; our DEALER's receive HWM bounds our side.
 */
export const C_SERVER_CREDIT = 2 ** 52

export class CreditWindow {
  /** What the server may still send us, as far as we know. */
  private credit = 0
  private lastSequence = 0
  /** A CHEEZBURGER has arrived in this session (sequence numbers restart with each session). */
  private sequenceSeen = false

  constructor(private window: number) {}

  /** A new session (OHAI): the server holds no credit for us until our next NOM. */
  reset(): void {
    this.credit = 0
  }

  /** The window for this session: set at OHAI-OK, before the first NOM. */
  setWindow(window: number): void {
    this.window = window
  }

  /** OHAI-OK: the server numbers this session's CHEEZBURGERs afresh. */
  restartSequence(): void {
    this.sequenceSeen = false
  }

  /**
   * Counts a CHEEZBURGER against the credit. False when it is the same message again (a stale
   * re-send under B1): acting on it would start a file at a stale offset.
   */
  take(msg: Cheezburger): boolean {
    if (this.sequenceSeen && msg.sequence === this.lastSequence) return false
    this.sequenceSeen = true
    // Every chunk counts against the credit, whatever we do with it (C bug B2).
    this.credit -= msg.chunk.length
    this.lastSequence = msg.sequence
    return true
  }

  /** The NOM that refills the window when less than half of it is left, or null. */
  topUp(): Nom | null {
    const window = this.window
    if (this.credit >= window / 2) return null
    const add = window - this.credit
    this.credit += add
    return {id: "NOM", credit: add, sequence: this.lastSequence}
  }
}
