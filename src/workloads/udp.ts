import type { Engine, Nanos, Slot } from "../sim/engine.js";
import type { Random } from "../sim/rng.js";
import type { NetBackend } from "../net/netback.js";
import type { Packet, PacketSink } from "../net/packet.js";

/** Counts what reaches it: the far end of a UDP benchmark. */
export class PacketCounter implements PacketSink {
  packets = 0;
  deliver(): void {
    this.packets++;
  }
}

/**
 * Packets a sender's stack holds for the wire at most: Linux's default txqueuelen of 1000,
 * on the guest's eth0 and on the external machine's NIC alike. A send that finds as many
 * already outstanding is dropped by the qdisc.
 */
export const TX_QUEUE_LEN = 1000;

/**
 * Whether the benchmark reports the sends its sender's full queue dropped: always for a
 * guest that sends; for the external machine of a receive benchmark, only when it offers
 * more than the link carries (otherwise its queue never fills).
 */
export function reportsSenderDrops(cfg: UdpConfig, linkBitsPerSecond: number): boolean {
  return cfg.direction === "send" || cfg.rate * cfg.size * 8 > linkBitsPerSecond;
}

export interface UdpConfig {
  direction: "send" | "recv";
  rate: number;
  size: number;
}

/**
 * The paper's custom UDP benchmark (§3): packets of one size at a fixed rate, either
 * from an external machine to the guest (Receive benchmark) or from the guest out
 * (Send benchmark). UDP, so no ACKs travel the other way.
 */
export class UdpBenchmark {
  /** Where packets end up: the guest's socket (recv) or the external machine (send). */
  readonly sink = new PacketCounter();
  private readonly gap: Nanos;
  /** The next packet's departure, one re-set slot rather than an event per packet. */
  private readonly nextPacket: Slot;
  /** The next departure unrounded, so the rate has no drift from rounding each gap. */
  private nextTime: Nanos = 0;
  /** Packets the sender's stack took, and those its full queue dropped (the guest's, or the external machine's). */
  private sent = 0;
  notSent = 0;

  constructor(
    engine: Engine,
    private readonly net: NetBackend,
    private readonly guest: number,
    readonly cfg: UdpConfig,
    private readonly rand: Random,
  ) {
    this.gap = 1e9 / cfg.rate;
    this.nextPacket = engine.slot(() => this.emit());
  }

  start(): void {
    // A random phase, so runs differ in how packets line up with scheduling periods.
    this.emitAt(this.rand() * this.gap);
  }

  private emitAt(time: Nanos): void {
    this.nextTime = time;
    this.nextPacket.set(Math.round(time));
  }

  private emit(): void {
    const recv = this.cfg.direction === "recv";
    // The external machine sends no faster than the link carries, so a rate above it
    // queues in its NIC's qdisc until that drops, rather than in the link without bound.
    if (recv ? this.net.downlink.packetsWaiting(this.cfg.size) >= TX_QUEUE_LEN : this.outstanding() >= TX_QUEUE_LEN) this.notSent++;
    else {
      const pkt: Packet = { guest: this.guest, dir: recv ? "rx" : "tx", size: this.cfg.size, sink: this.sink };
      this.sent++;
      if (recv) this.net.sendFromOutside(pkt);
      else this.net.sendFromGuest(pkt);
    }
    this.emitAt(this.nextTime + this.gap);
  }

  /**
   * Packets sent that have neither reached the far end nor been dropped on the way: in
   * the guest's stack, its queue, its ring, netback or on the wire. A fixed rate the host
   * cannot carry (a busy Domain-0, a vif's rate limit) would otherwise queue without
   * bound in the guest.
   */
  private outstanding(): number {
    return this.sent - this.sink.packets - this.net.port(this.guest).droppedByFilterTx;
  }
}
