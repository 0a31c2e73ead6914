import { Task, type Domain } from "../host/domain.js";
import type { NetBackend } from "../net/netback.js";
import type { Packet, PacketSink } from "../net/packet.js";
import type { Engine, Nanos } from "../sim/engine.js";
import { Timer } from "../sim/timer.js";
import { DELAYED_ACK, HEADERS } from "./tcp.js";
import { Arrival, Reassembly, TcpSender } from "./tcp-flow.js";

export interface BulkConfig {
  /** send: the guest uploads to an external machine; recv: it downloads from one. */
  direction: "send" | "recv";
  start: Nanos;
  duration: Nanos;
  mss: number;
  quickAckSegments: number;
  /** Largest window in segments: the smaller of the send buffer and the receiver's window. */
  maxWindow: number;
  /**
   * The application's guest CPU per data segment (0: none): sending, a new segment leaves
   * only after the guest has spent this producing it (retransmissions are free); receiving,
   * the guest spends it on each segment that arrives in order.
   */
  cpuPerSegment: Nanos;
}

interface BulkSegment {
  kind: "DATA" | "ACK";
  /** DATA: segment number; ACK: next segment expected. */
  seq: number;
  /** ACK: a segment held beyond a gap (the newest SACK block), or -1. */
  sack: number;
  /** TCP timestamp: DATA its send time; ACK the echoed one. */
  ts: Nanos;
}

/**
 * A greedy TCP-like transfer between a guest and an external machine (an scp of a large
 * file, either way): as much as the windows allow during [start, start + duration]. The
 * sender is TcpSender (slow start, SACK fast recovery, timeouts that back off while
 * nothing gets through, as when ShareGuard cuts the guest off). The receiver keeps
 * segments beyond a gap, ACKs every segment at first, then every second one, and at once
 * when a segment arrives out of order or closes a gap.
 */
export class BulkTransfer {
  private readonly received = new Reassembly();
  private readonly sender: TcpSender;
  private unacked = 0;
  private readonly delayedAck: Timer;
  private readonly toReceiver: PacketSink = { deliver: (p) => this.atReceiver(p.payload as BulkSegment) };
  private readonly toSender: PacketSink = { deliver: (p) => this.atSender(p.payload as BulkSegment) };

  /** The guest whose application makes (send) or takes (recv) the data. */
  private readonly app: Domain;
  /** Segments the application has handed to TCP (sending side in the guest). */
  private produced = 0;
  // Handlers made once: the per-segment path allocates no closure.
  private readonly segmentProduced = (seq: number): void => this.transmitData(seq);
  private readonly segmentConsumed = (): void => {};

  constructor(
    private readonly engine: Engine,
    private readonly net: NetBackend,
    private readonly guest: number,
    private readonly cfg: BulkConfig,
  ) {
    this.app = net.port(guest).guest;
    const transmit = (seq: number): void => {
      if (cfg.cpuPerSegment > 0 && cfg.direction === "send" && seq >= this.produced) {
        // A segment TCP has never sent needs the application to make it first.
        this.produced = seq + 1;
        this.app.submit(new Task(cfg.cpuPerSegment, this.guest, this.segmentProduced, seq));
      } else {
        this.transmitData(seq);
      }
    };
    this.sender = new TcpSender(engine, { segments: Infinity, maxWindow: cfg.maxWindow }, transmit);
    this.delayedAck = new Timer(engine, () => this.ack(-1));
  }

  /** Segments the receiver has taken in order. */
  get delivered(): number {
    return this.received.rcvNext;
  }

  start(): void {
    this.engine.at(this.cfg.start, () => this.sender.send());
    this.engine.at(this.cfg.start + this.cfg.duration, () => this.sender.stop());
  }

  private transmitData(seq: number): void {
    this.toward("receiver", { kind: "DATA", seq, sack: -1, ts: this.engine.now }, HEADERS + this.cfg.mss);
  }

  private atSender(seg: BulkSegment): void {
    this.sender.onAck(seg.seq, seg.sack, seg.ts);
  }

  private atReceiver(seg: BulkSegment): void {
    const before = this.received.rcvNext;
    const arrival = this.received.accept(seg.seq, seg.ts);
    if (this.cfg.cpuPerSegment > 0 && this.cfg.direction === "recv") {
      // The application in the guest processes what has arrived in order.
      for (let k = before; k < this.received.rcvNext; k++) this.app.submit(new Task(this.cfg.cpuPerSegment, this.guest, this.segmentConsumed, k));
    }
    if (arrival === Arrival.OutOfOrder) this.ack(seg.seq);
    else if (arrival === Arrival.Duplicate || arrival === Arrival.FilledGap) this.ack(-1);
    else if (this.received.rcvNext <= this.cfg.quickAckSegments || ++this.unacked >= 2) this.ack(-1);
    else this.delayedAck.setAfter(DELAYED_ACK);
  }

  private ack(sack: number): void {
    this.delayedAck.clear();
    this.unacked = 0;
    this.toward("sender", { kind: "ACK", seq: this.received.rcvNext, sack, ts: this.received.tsRecent }, HEADERS);
  }

  /** Puts a segment on its way to one end; which end is the guest depends on the direction. */
  private toward(end: "sender" | "receiver", seg: BulkSegment, size: number): void {
    const fromGuest = (end === "receiver") === (this.cfg.direction === "send");
    const pkt: Packet = { guest: this.guest, dir: fromGuest ? "tx" : "rx", size, sink: end === "receiver" ? this.toReceiver : this.toSender, payload: seg };
    if (fromGuest) this.net.sendFromGuest(pkt);
    else this.net.sendFromOutside(pkt);
  }
}
