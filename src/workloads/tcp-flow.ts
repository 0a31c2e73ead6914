import type { Engine, Nanos } from "../sim/engine.js";
import { Timer } from "../sim/timer.js";
import { INITIAL_CWND, RtoEstimator, SYN_RTO } from "./tcp.js";

/** Linux's default reordering threshold: a segment is lost once three beyond it got through. */
const DUP_THRESH = 3;

/** What a receiver did with an arriving segment, which decides how it acknowledges. */
export enum Arrival {
  /** The next segment expected; nothing was waiting behind it. */
  InOrder,
  /** The next segment expected, and it closed a gap: held segments were taken too. */
  FilledGap,
  /** Beyond a gap: held until the gap fills (Linux's out-of-order queue). */
  OutOfOrder,
  /** Already received. */
  Duplicate,
}

/**
 * The receiving half of a TCP connection, by whole segments. Like Linux it keeps segments
 * that arrive beyond a gap, so a loss costs one retransmission, not a window.
 */
export class Reassembly {
  /** Next segment expected: the cumulative ACK number. */
  rcvNext = 0;
  /**
   * The send time carried by the last segment that advanced rcvNext (RFC 7323's
   * TS.Recent), echoed in every ACK: the sender's RTT samples and its test for a
   * spurious timeout.
   */
  tsRecent = -1;
  /** Segments held beyond a gap (allocated at the first gap). */
  private held: Set<number> | null = null;

  /** Takes segment `seq`, sent at time `ts`. */
  accept(seq: number, ts: Nanos): Arrival {
    if (seq < this.rcvNext || this.held?.has(seq)) return Arrival.Duplicate;
    if (seq > this.rcvNext) {
      (this.held ??= new Set()).add(seq);
      return Arrival.OutOfOrder;
    }
    this.rcvNext++;
    this.tsRecent = ts;
    if (this.held === null || this.held.size === 0) return Arrival.InOrder;
    while (this.held.delete(this.rcvNext)) this.rcvNext++;
    return Arrival.FilledGap;
  }
}

const enum Recovery {
  None,
  /** Fast recovery after duplicate ACKs: halve the window, resend what SACK shows lost. */
  Fast,
  /** After a retransmission timeout: a window of one, everything not SACKed resent in order. */
  Loss,
}

export interface SenderLimits {
  /** Segments to send in all (Infinity for a transfer that runs until stopped). */
  segments: number;
  /** The receiver's window, in segments: the most that may be outstanding. */
  maxWindow: number;
}

/**
 * The sending half of a Linux-2.6-like TCP connection, by whole segments: slow start
 * and congestion avoidance; SACK-based fast recovery after three duplicate ACKs (the
 * segments the receiver reports holding are not resent; a segment counts as lost once
 * three beyond it have arrived, Linux's FACK rule); and after a retransmission timeout
 * (RFC 6298, exponential backoff) a window of one from which every segment not SACKed
 * is resent in order. Each ACK reports the cumulative ACK number, for a segment that
 * arrived beyond a gap that segment (the newest SACK block), and the echoed timestamp.
 *
 * Timestamps are on, as by default in Linux: every ACK of new data gives an RTT sample,
 * so the timeout follows a queue that builds up in the IDD; and a timeout turns out
 * spurious when the first ACK after it echoes a segment sent before it (the original
 * was only delayed). Linux then undoes the window reduction and stops resending
 * (tcp_try_undo_loss), so a spurious timeout costs one retransmission, not a window.
 */
export class TcpSender {
  sndUna = 0;
  sndNxt = 0;
  cwnd = INITIAL_CWND;
  ssthresh: number;
  /** Segments sent again (fast or timeout retransmissions). */
  retransmissions = 0;
  /** Segments above sndUna the receiver reported holding. */
  private sacked: Set<number> | null = null;
  /** One past the highest SACKed segment (Linux's "forward ACK"). */
  private fack = 0;
  private dupAcks = 0;
  private recovery = Recovery.None;
  /** Recovery ends when everything sent before it began is acknowledged. */
  private recoverPoint = 0;
  /** Resent during this recovery: not resent again before a timeout. */
  private resent: Set<number> | null = null;
  /** Where the search for the next lost segment resumes. */
  private retransmitNext = 0;
  /** When the last timeout fired, and the windows before it (to undo a spurious one). */
  private timedOutAt = -1;
  private cwndBeforeTimeout = 0;
  private ssthreshBeforeTimeout = 0;
  private backoff = 1;
  private readonly timer: Timer;
  private stopped = false;

  constructor(
    private readonly engine: Engine,
    private readonly limits: SenderLimits,
    /** Puts segment `seq` on the wire. */
    private readonly transmit: (seq: number) => void,
    private readonly rtt: RtoEstimator = new RtoEstimator(),
  ) {
    this.ssthresh = limits.maxWindow;
    this.timer = new Timer(engine, () => this.timeout());
  }

  /** Everything, up to the last segment, is acknowledged. */
  get done(): boolean {
    return this.sndUna >= this.limits.segments;
  }

  /** No more sending and no more timeouts (the connection closed, the transfer ended). */
  stop(): void {
    this.stopped = true;
    this.timer.clear();
  }

  /** Sends what the windows allow: in recovery, lost segments first, then new ones. */
  send(): void {
    if (this.stopped) return;
    const window = Math.min(Math.floor(this.cwnd), this.limits.maxWindow);
    let inFlight = this.recovery === Recovery.None ? this.sndNxt - this.sndUna : this.pipe();
    while (inFlight < window) {
      const lost = this.recovery === Recovery.None ? -1 : this.nextLost();
      if (lost >= 0) this.retransmit(lost);
      else if (this.sndNxt < this.limits.segments && this.sndNxt - this.sndUna < this.limits.maxWindow) this.sendNew();
      else break;
      inFlight++;
    }
    if (!this.timer.isSet && this.sndNxt > this.sndUna) this.timer.setAfter(this.rtt.rto(SYN_RTO) * this.backoff);
  }

  /** An ACK arrived: cumulative `ackNo`, `sacked` (a segment held beyond a gap) or -1, and the echoed send time. */
  onAck(ackNo: number, sacked: number, tsEcho: Nanos): void {
    if (this.stopped) return;
    if (sacked >= ackNo && sacked >= this.sndUna && sacked < this.sndNxt) {
      (this.sacked ??= new Set()).add(sacked);
      if (sacked + 1 > this.fack) this.fack = sacked + 1;
    }
    if (ackNo > this.sndUna) this.advance(ackNo, tsEcho);
    else if (ackNo === this.sndUna && this.sndNxt > this.sndUna) this.duplicate();
    this.send();
  }

  private advance(ackNo: number, tsEcho: Nanos): void {
    if (tsEcho >= 0) this.rtt.sample(this.engine.now - tsEcho);
    if (this.recovery === Recovery.Loss && tsEcho >= 0 && tsEcho < this.timedOutAt) {
      // The timeout was spurious: what it resent was only delayed.
      this.cwnd = Math.max(this.cwnd, this.cwndBeforeTimeout);
      this.ssthresh = Math.max(this.ssthresh, this.ssthreshBeforeTimeout);
      this.recovery = Recovery.None;
      this.resent?.clear();
    }
    for (let s = this.sndUna; s < ackNo; s++) {
      this.sacked?.delete(s);
      this.resent?.delete(s);
    }
    const acked = ackNo - this.sndUna;
    this.sndUna = ackNo;
    if (this.sndNxt < ackNo) this.sndNxt = ackNo;
    if (this.fack < ackNo) this.fack = ackNo;
    this.dupAcks = 0;
    this.backoff = 1;
    this.timer.clear();
    if (this.recovery !== Recovery.None && ackNo >= this.recoverPoint) {
      const wasFast = this.recovery === Recovery.Fast;
      this.recovery = Recovery.None;
      this.sacked?.clear();
      this.resent?.clear();
      if (wasFast) {
        this.cwnd = this.ssthresh; // fast recovery ends on the halved window
        return;
      }
    }
    // The window stays put during fast recovery; otherwise slow start, then about one segment per window.
    if (this.recovery !== Recovery.Fast) {
      const growth = this.cwnd < this.ssthresh ? acked : acked / this.cwnd;
      this.cwnd = Math.min(this.cwnd + growth, this.limits.maxWindow);
    }
  }

  private duplicate(): void {
    this.dupAcks++;
    if (this.recovery !== Recovery.None) return;
    if (this.dupAcks < DUP_THRESH && this.fack - this.sndUna <= DUP_THRESH) return;
    this.ssthresh = Math.max(2, Math.floor((this.sndNxt - this.sndUna) / 2));
    this.cwnd = this.ssthresh;
    this.enterRecovery(Recovery.Fast);
    // The first lost segment goes at once, whatever the window (RFC 6675).
    const lost = this.nextLost();
    if (lost >= 0) this.retransmit(lost);
  }

  private timeout(): void {
    if (this.stopped || this.sndNxt === this.sndUna) return;
    // Repeated timeouts of one loss episode do not shrink ssthresh again.
    if (this.recovery !== Recovery.Loss) {
      this.cwndBeforeTimeout = this.cwnd;
      this.ssthreshBeforeTimeout = this.ssthresh;
      this.timedOutAt = this.engine.now;
      this.ssthresh = Math.max(2, Math.floor((this.sndNxt - this.sndUna) / 2));
    }
    this.backoff = Math.min(this.backoff * 2, 64);
    this.cwnd = 1;
    this.enterRecovery(Recovery.Loss);
    this.send();
  }

  private enterRecovery(kind: Recovery): void {
    this.recovery = kind;
    this.recoverPoint = this.sndNxt;
    this.retransmitNext = this.sndUna;
    this.resent?.clear();
  }

  /** Whether `seq` (outstanding, not SACKed) is taken for lost. */
  private isLost(seq: number): boolean {
    if (this.recovery === Recovery.Loss) return seq < this.recoverPoint;
    return this.fack - seq > DUP_THRESH;
  }

  /** Segments believed still in the network: sent, not SACKed, and not lost unless resent. */
  private pipe(): number {
    let pipe = 0;
    for (let s = this.sndUna; s < this.sndNxt; s++) {
      if (this.sacked?.has(s)) continue;
      if (!this.isLost(s) || this.resent?.has(s)) pipe++;
    }
    return pipe;
  }

  /** The next segment to resend, or -1. */
  private nextLost(): number {
    let s = Math.max(this.retransmitNext, this.sndUna);
    for (; s < this.sndNxt && this.isLost(s); s++) {
      if (!this.sacked?.has(s) && !this.resent?.has(s)) {
        this.retransmitNext = s + 1;
        return s;
      }
    }
    this.retransmitNext = s;
    return -1;
  }

  private retransmit(seq: number): void {
    (this.resent ??= new Set()).add(seq);
    this.retransmissions++;
    this.transmit(seq);
  }

  private sendNew(): void {
    this.transmit(this.sndNxt++);
  }
}
