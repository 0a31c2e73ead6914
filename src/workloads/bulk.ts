import type { NetBackend } from "../net/netback.js";
import type { Packet, PacketSink } from "../net/packet.js";
import type { Engine, Nanos } from "../sim/engine.js";
import { Timer } from "../sim/timer.js";
import { DELAYED_ACK, HEADERS, INITIAL_CWND, RtoEstimator, SYN_RTO } from "./tcp.js";

export interface BulkConfig {
  /** send: the guest uploads to an external machine; recv: it downloads from one. */
  direction: "send" | "recv";
  start: Nanos;
  duration: Nanos;
  mss: number;
  quickAckSegments: number;
  /** Largest window in segments: the smaller of the send buffer and the receiver's window. */
  maxWindow: number;
}

interface BulkSegment {
  kind: "DATA" | "ACK";
  seq: number;
}

/**
 * A greedy TCP-like transfer between a guest and an external machine (an scp of a large
 * file, either way): as much as the congestion window allows during [start, start + duration].
 * The receiver ACKs every segment at first, then every second one, and at once when a
 * segment arrives out of order. Loss is repaired after an RFC 6298 timeout, going back
 * to the first unacknowledged segment with a window of one; the timeout backs off while
 * nothing gets through (as when ShareGuard cuts the guest off).
 */
export class BulkTransfer {
  /** Segments the receiver has taken in order. */
  delivered = 0;
  private sndUna = 0;
  private sndNxt = 0;
  private cwnd = INITIAL_CWND;
  private ssthresh = Infinity;
  private sentHigh = 0;
  private readonly sentAt = new Map<number, Nanos>();
  private readonly rto = new RtoEstimator();
  private backoff = 1;
  /** Retransmission timer. */
  private readonly timer: Timer;
  private rcvNext = 0;
  private unacked = 0;
  private readonly delayedAck: Timer;
  private active = false;
  private readonly toReceiver: PacketSink = { deliver: (p) => this.atReceiver(p.payload as BulkSegment) };
  private readonly toSender: PacketSink = { deliver: (p) => this.atSender(p.payload as BulkSegment) };

  constructor(
    private readonly engine: Engine,
    private readonly net: NetBackend,
    private readonly guest: number,
    private readonly cfg: BulkConfig,
  ) {
    this.timer = new Timer(engine, () => this.retransmit());
    this.delayedAck = new Timer(engine, () => this.ack());
  }

  start(): void {
    this.engine.at(this.cfg.start, () => {
      this.active = true;
      this.send();
    });
    this.engine.at(this.cfg.start + this.cfg.duration, () => {
      this.active = false;
      this.timer.clear();
    });
  }

  private send(): void {
    if (!this.active) return;
    while (this.sndNxt - this.sndUna < Math.floor(this.cwnd)) {
      const seq = this.sndNxt++;
      if (seq >= this.sentHigh) {
        this.sentHigh = seq + 1;
        this.sentAt.set(seq, this.engine.now);
      } else {
        this.sentAt.delete(seq); // Karn: no RTT sample from a retransmitted segment
      }
      this.toward("receiver", { kind: "DATA", seq }, HEADERS + this.cfg.mss);
    }
    if (!this.timer.isSet) this.timer.setAfter(this.rto.rto(SYN_RTO) * this.backoff);
  }

  /** Go back to the first unacknowledged segment, with a window of one. */
  private retransmit(): void {
    if (!this.active) return;
    this.backoff = Math.min(this.backoff * 2, 64);
    this.ssthresh = Math.max(2, Math.floor((this.sndNxt - this.sndUna) / 2));
    this.cwnd = 1;
    this.sndNxt = this.sndUna;
    this.send();
  }

  private atSender(seg: BulkSegment): void {
    const ackNo = seg.seq;
    if (ackNo <= this.sndUna) return;
    const acked = ackNo - this.sndUna;
    const sent = this.sentAt.get(ackNo - 1);
    if (sent !== undefined) this.rto.sample(this.engine.now - sent);
    for (let s = this.sndUna; s < ackNo; s++) this.sentAt.delete(s);
    this.sndUna = ackNo;
    if (this.sndNxt < this.sndUna) this.sndNxt = this.sndUna;
    this.cwnd = Math.min(this.cwnd + (this.cwnd < this.ssthresh ? acked : acked / this.cwnd), this.cfg.maxWindow);
    this.backoff = 1;
    this.timer.clear();
    this.send();
  }

  private atReceiver(seg: BulkSegment): void {
    if (seg.seq !== this.rcvNext) {
      this.ack();
      return;
    }
    this.rcvNext++;
    this.delivered++;
    if (this.rcvNext <= this.cfg.quickAckSegments || ++this.unacked >= 2) this.ack();
    else this.delayedAck.setAfter(DELAYED_ACK);
  }

  private ack(): void {
    this.delayedAck.clear();
    this.unacked = 0;
    this.toward("sender", { kind: "ACK", seq: this.rcvNext }, HEADERS);
  }

  /** Puts a segment on its way to one end; which end is the guest depends on the direction. */
  private toward(end: "sender" | "receiver", seg: BulkSegment, size: number): void {
    const fromGuest = (end === "receiver") === (this.cfg.direction === "send");
    const pkt: Packet = { guest: this.guest, dir: fromGuest ? "tx" : "rx", size, sink: end === "receiver" ? this.toReceiver : this.toSender, payload: seg };
    if (fromGuest) this.net.sendFromGuest(pkt);
    else this.net.sendFromOutside(pkt);
  }
}
