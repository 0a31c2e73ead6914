import { MS, SEC, type Nanos } from "../sim/engine.js";

/** Ethernet + IP + TCP (with timestamps) headers on the wire. */
export const HEADERS = 66;
/** Linux 2.6 TCP: initial (SYN) RTO 3 s; minimum RTO 200 ms. */
export const SYN_RTO: Nanos = 3 * SEC;
export const MIN_RTO: Nanos = 200 * MS;
/** Linux tcp_syn_retries: after the SYN and 5 retries (3, 6, …, 96 s apart) connect() fails, 189 s on. */
export const SYN_RETRIES = 5;
/** Linux delayed-ACK timeout (TCP_DELACK_MIN). */
export const DELAYED_ACK: Nanos = 40 * MS;
/** RFC 3390 initial window for a 1448-byte MSS. */
export const INITIAL_CWND = 3;
/** A 64 KB receiver window, in segments. */
export const MAX_CWND = 45;

/**
 * RFC 6298 retransmission timeout: srtt + 4·rttvar, at least Linux's 200 ms. Without it
 * a sender whose packets queue behind a busy IDD would time out spuriously and resend
 * data that was only delayed.
 */
export class RtoEstimator {
  private srtt = 0;
  private rttvar = 0;
  private samples = 0;

  sample(rtt: Nanos): void {
    if (this.samples++ === 0) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
  }

  /** The timeout, before backoff; `fallback` until the first sample. */
  rto(fallback: Nanos): Nanos {
    if (this.samples === 0) return fallback;
    return Math.min(120 * SEC, Math.max(MIN_RTO, Math.round(this.srtt + 4 * this.rttvar)));
  }
}

