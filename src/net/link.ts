import type { Channel, Engine, Nanos } from "../sim/engine.js";
import type { Packet } from "./packet.js";

/**
 * One direction of the host's Ethernet link: packets serialise one after another at the
 * link rate, then arrive after the propagation delay. The link has no loss of its own.
 */
export class Link {
  private freeAt: Nanos = 0;
  /** Packets in flight, in arrival order (a FIFO link delivers them in the order sent). */
  private readonly inFlight: Channel;

  constructor(
    private readonly engine: Engine,
    private readonly bitsPerSecond: number,
    private readonly propagation: Nanos,
  ) {
    this.inFlight = engine.channel();
  }

  /** How many packets of `size` bytes the link's backlog amounts to: sent, and not yet on the wire. */
  packetsWaiting(size: number): number {
    return Math.max(0, this.freeAt - this.engine.now) / this.wireTime(size);
  }

  private wireTime(size: number): Nanos {
    return Math.round((size * 8 * 1e9) / this.bitsPerSecond);
  }

  /** `arrive` is called with the packet when it reaches the far end; pass a handler made once, not a closure per packet. */
  send(pkt: Packet, arrive: (pkt: Packet) => void): void {
    const start = Math.max(this.engine.now, this.freeAt);
    this.freeAt = start + this.wireTime(pkt.size);
    this.inFlight.post(this.freeAt + this.propagation, arrive, pkt);
  }
}
