import type { Nanos } from "../sim/engine.js";

/** Netback lets one request use this much credit at most beyond a chunk: a 128 KB jumbo packet. */
const MAX_BURST_BYTES = 131_072;

/**
 * Netback's credit-based transmit scheduling: the `rate=` of a vif in xm's domain
 * configuration (`vif = ['rate=10Mb/s@50ms']`), a limit netback has had since Xen 2.0's
 * CMSG_NETIF_BE_CREDITLIMIT; beyond the paper, which does not use it.
 * Xen's tools turn the rate into a chunk of credit per interval (xend's parseRate:
 * bytes = rate · interval, 50 ms by default). Netback spends credit on each request it
 * takes off the guest's transmit ring, by its size in bytes; a request larger than what
 * is left waits in the ring, with every request behind it, until a timer brings the next
 * chunk, one interval after the last. Credit does not pile up while the guest is quiet:
 * a chunk tops the balance up to at most one chunk (or the waiting request's size, up to
 * 128 KB, if that is larger), so a guest may burst one chunk and no more.
 *
 * This follows net_tx_action and tx_add_credit of linux-2.6.18-xen's netback.c, to the
 * rule, in continuous time: the kernel's timer counts whole jiffies, which at a 50 ms
 * interval moves a chunk by at most a few per cent of it. Only transmit is limited, as
 * in Xen: netback never holds back what it receives for a guest.
 */
export class VifCredit {
  private remaining: number;
  /** When credit was last added, or when the pending timer will add it. */
  private expires: Nanos = 0;
  private timerPending = false;

  /** The vif connects at time 0 with one chunk of credit, as netback's connect does. */
  constructor(
    private chunk: number,
    readonly interval: Nanos,
  ) {
    this.remaining = chunk;
  }

  /** Bytes of credit per interval. */
  get bytesPerInterval(): number {
    return this.chunk;
  }

  /**
   * The vif's rate changes to `chunk` bytes per interval, as Linux's xen-netback takes a
   * write to the vif's xenstore `rate` key (xen_net_rate_changed; the netback of the
   * paper's Xen 3.0 read it only when the vif connected): a pending timer is brought
   * forward to now, and returns true for the caller to fire it (it tops up by the new
   * chunk); with none pending, a balance above the new chunk is cut down to it. A vif
   * that had no limit starts from a new VifCredit instead, whose one chunk is that cut.
   */
  setChunk(chunk: number): boolean {
    this.chunk = chunk;
    if (this.timerPending) return true;
    this.remaining = Math.min(this.remaining, chunk);
    return false;
  }

  /** Credit left, in bytes. */
  get balance(): number {
    return this.remaining;
  }

  /** When the pending timer fires (meaningful once `take` has returned false). */
  get timerAt(): Nanos {
    return this.expires;
  }

  /**
   * Netback looks at a request of `size` bytes at `now`: takes its credit and returns
   * true, or returns false, and from then on a timer is pending (at `timerAt`) and every
   * request must wait for it.
   */
  take(size: number, now: Nanos): boolean {
    if (size > this.remaining) {
      if (this.timerPending) return false;
      const next = this.expires + this.interval;
      // Quiet for a whole interval or more: the chunk is due now.
      if (now >= next) {
        this.expires = now;
        this.add(size);
      }
      if (size > this.remaining) {
        this.expires = next;
        this.timerPending = true;
        return false;
      }
    }
    this.remaining -= size;
    return true;
  }

  /** The timer fired: the next chunk, for a ring whose first waiting request is `headSize` bytes. */
  timerFired(headSize: number): void {
    this.timerPending = false;
    this.add(headSize);
  }

  private add(headSize: number): void {
    const maxBurst = Math.max(Math.min(headSize, MAX_BURST_BYTES), this.chunk);
    this.remaining = Math.min(this.remaining + this.chunk, maxBurst);
  }
}

/** The largest chunk of credit xend passes to netback: beyond 2^32 − 1 bytes it falls back to no limit. */
export const MAX_VIF_CREDIT = 0xffffffff;

/** How often netback adds a chunk when the rate names no interval (xend's default). */
export const DEFAULT_VIF_INTERVAL: Nanos = 50_000_000;

/** The credit chunk xend derives from a rate: whole bytes per interval. */
export function creditPerInterval(bytesPerSecond: number, interval: Nanos): number {
  return Math.floor((bytesPerSecond * interval) / 1e9);
}
