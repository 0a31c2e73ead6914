/** rx: from the wire toward a guest; tx: from a guest toward the wire. */
export type Direction = "rx" | "tx";

/** Whatever consumes a packet at the end of its path: a guest's socket or an external host. */
export interface PacketSink {
  deliver(pkt: Packet): void;
}

export interface Packet {
  /** Domain id of the guest this packet belongs to (the IDD knows it; so does the simulator). */
  readonly guest: number;
  readonly dir: Direction;
  /** Bytes on the wire. */
  readonly size: number;
  /** Where the packet is delivered at the end of its path. */
  readonly sink: PacketSink;
  /** Opaque payload for the protocol that sent it (TCP-like flows put their segment here). */
  readonly payload?: unknown;
}
