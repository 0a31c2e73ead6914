import type { ElevatorKind } from "../block/elevator.js";
import { NETDEV_BUDGET, type NetbackOrder } from "../net/idd-queue.js";

/**
 * Host profiles: the per-packet and per-request costs of the machines the paper used.
 * Every number records where it came from. docs/parameters.md explains the arithmetic.
 *
 * Only the send/receive cost *ratio* of SYSTEM-1 and SYSTEM-2 is printed in the paper
 * (§3); Figures 4–5 are plots whose values the text does not give. The absolute
 * per-packet costs come from the one host whose Domain-0 load the paper does give in
 * numbers: the 2.8 GHz Pentium-4 of §4.2 (Table 1, SEDF column), scaled by clock.
 */
export interface Param {
  value: number;
  unit: "ns" | "count" | "bit/s" | "byte/s" | "ratio" | "bytes";
  source: string;
}

export interface WebCosts {
  /** Guest CPU per HTTP request, independent of its size (accept, parse, log, close). */
  requestBase: Param;
  /** Guest CPU per KB of response (read file, copy into socket buffers). */
  requestPerKB: Param;
  /** Segment payload of the TCP-like flows. */
  mss: Param;
  /** Receiver acknowledges every segment for this many segments, then every second one. */
  quickAckSegments: Param;
  /** Server listen backlog (completed connections waiting for accept). */
  listenBacklog: Param;
  /** Server processes, each serving one connection at a time. */
  maxClients: Param;
}

/** The split block driver and the disk behind an IDD (src/block/blkback.ts): beyond the paper, which measures no disk I/O. */
export interface BlockParams {
  iddSubmit: Param;
  iddPerPage: Param;
  iddComplete: Param;
  guestPerRequest: Param;
  ring: Param;
  maxPending: Param;
  positioning: Param;
  transferRate: Param;
  /** Domain-0's I/O scheduler, and CFQ's tunables for when it is CFQ (src/block/elevator.ts). */
  elevator: { value: ElevatorKind; source: string };
  cfqSlice: Param;
  cfqSliceIdle: Param;
  cfqQuantum: Param;
  cfqSliceAsync: Param;
  cfqSliceAsyncRq: Param;
}

export interface HostProfile {
  name: string;
  title: string;
  cpus: number;
  iddRx: Param;
  iddTx: Param;
  /** IDD time per batch of packet work (see NetPathCosts.iddBatch); 0 in the paper's profiles. */
  iddBatchCost: Param;
  /** Share of iddRx spent in the NIC driver and bridge, before netback (and before ShareGuard's filter). */
  iddRxDriverShare: Param;
  /** The order in which netback works through different guests' packets. */
  netbackOrder: { value: NetbackOrder; source: string };
  guestRx: Param;
  guestTx: Param;
  nicRxRing: Param;
  /** Driver packets the IDD takes in a row before netback's waiting work gets a turn (src/net/idd-queue.ts). */
  netdevBudget: Param;
  netfrontRing: Param;
  linkRate: Param;
  linkPropagation: Param;
  /**
   * Run-to-run variation of the IDD's per-packet costs (coefficient of variation of a
   * per-run, per-direction factor): what makes repeated runs of real hardware differ.
   */
  runVariation: Param;
  /** The send/receive weight XenMon uses unless a scenario sets one: the paper's measurement. */
  xenmonWeight: Param;
  web: WebCosts;
  disk: BlockParams;
}

const P4_28_RX = 10_570; // ns; derived by scripts/derive-profile.mjs, see docs/parameters.md
const XEON_RX = 12_330; // ns; likewise, from Table 2's Baseline column

const common = {
  nicRxRing: { value: 256, unit: "count", source: "e1000/tg3 default RX descriptor ring in Linux 2.6.16" },
  netdevBudget: { value: NETDEV_BUDGET, unit: "count", source: "netdev_budget in Linux 2.6.16's net/core/dev.c: packets net_rx_action takes before __do_softirq runs the tasklets, netback's among them" },
  netfrontRing: { value: 256, unit: "count", source: "NET_RX_RING_SIZE / NET_TX_RING_SIZE in Xen 3.0 netfront (one page of 256 slots)" },
  linkRate: { value: 1e9, unit: "bit/s", source: "paper: 1-Gbit NICs on a gigabit LAN (§3, §5.2)" },
  linkPropagation: { value: 25_000, unit: "ns", source: "assumption: one switch hop on a LAN, 50 µs round trip" },
  netbackOrder: { value: "fifo", source: "assumption: arrival order; see docs/deviations.md for the round-robin alternative" },
  iddBatchCost: { value: 0, unit: "ns", source: "none: the paper's calibration columns give one number per host, which the per-packet costs take; a study knob (docs/deviations.md)" },
  iddRxDriverShare: { value: 0.4, unit: "ratio", source: "assumption: driver + bridge vs. netback's page flip and notification; the paper gives only the total" },
  guestRx: { value: 2_000, unit: "ns", source: "assumption: netfront + guest stack per packet; small next to the IDD's cost (only the guest's total per request is fixed by the paper)" },
  guestTx: { value: 2_000, unit: "ns", source: "assumption: as guestRx" },
  disk: {
    iddSubmit: { value: 10_000, unit: "ns", source: "assumption: about one packet's work in netback on the 2.8 GHz host (iddRx 10.57 µs): blkback takes the request off the ring, maps its grants in one hypercall and submits the bio; the paper measures no disk I/O, and the same value stands on every profile" },
    iddPerPage: { value: 1_000, unit: "ns", source: "assumption: granting, mapping and unmapping one 4 KB page of a request" },
    iddComplete: { value: 8_000, unit: "ns", source: "assumption: the disk's interrupt, end_block_io_op, the response on the ring and its event-channel notification" },
    guestPerRequest: { value: 20_000, unit: "ns", source: "assumption: blkfront's interrupt, the guest's block layer and the application taking the data and issuing its next request" },
    ring: { value: 32, unit: "count", source: "BLK_RING_SIZE in Xen 3.0's blkif: one page of 32 requests" },
    maxPending: { value: 64, unit: "count", source: "MAX_PENDING_REQS in Xen 3.0's blkback: requests taken off all the rings and not yet answered" },
    positioning: { value: 12_700_000, unit: "ns", source: "assumption: a 7,200 rpm disk of 2006: 8.5 ms average seek and 4.2 ms, half a rotation" },
    transferRate: { value: 60e6, unit: "byte/s", source: "assumption: the sustained media rate of a 7,200 rpm SATA disk of 2006" },
    elevator: { value: "noop", source: "Xen 3.0's blkback submits every guest's requests from one thread (xenblkd), so Domain-0's elevator cannot tell the guests apart: arrival order" },
    cfqSlice: { value: 100_000_000, unit: "ns", source: "cfq_slice_sync = HZ/10 in Linux's CFQ: a synchronous queue's slice at priority 4" },
    cfqSliceIdle: { value: 8_000_000, unit: "ns", source: "cfq_slice_idle = HZ/125 in Linux 2.6.18's CFQ" },
    cfqQuantum: { value: 4, unit: "count", source: "cfq_quantum in Linux 2.6.18's CFQ: requests dispatched in one round" },
    cfqSliceAsync: { value: 40_000_000, unit: "ns", source: "cfq_slice_async = HZ/25 in Linux's CFQ: the shared write queue's slice at priority 4" },
    cfqSliceAsyncRq: { value: 2, unit: "count", source: "cfq_slice_async_rq in Linux's CFQ: a write queue's turn is at most 2 · (this + this · (7 − priority)) requests" },
  },
} satisfies Partial<HostProfile>;

const web: WebCosts = {
  requestBase: { value: 427_000, unit: "ns", source: "Table 1 SEDF column: Dom-1 19.6% / 348.06 req/s and Dom-2 14.5% / 93.12 req/s solved for base + perKB, less the guest's cost of the packets the model's SEDF column handles per reply (scripts/derive-profile.mjs)" },
  requestPerKB: { value: 8_780, unit: "ns", source: "as requestBase" },
  mss: { value: 1448, unit: "bytes", source: "Ethernet MTU 1500 less IP, TCP and timestamp option headers" },
  quickAckSegments: { value: 16, unit: "count", source: "Linux 2.6 TCP quick-ack mode at connection start (at most 16 segments)" },
  listenBacklog: { value: 128, unit: "count", source: "Apache 2 ListenBacklog capped by Linux net.core.somaxconn = 128" },
  maxClients: { value: 150, unit: "count", source: "Apache 2.0 prefork default MaxClients" },
};

export const PROFILES: Record<string, HostProfile> = {
  "p4-2.8": {
    name: "p4-2.8",
    title: "Pentium-4 2.8 GHz, single CPU (paper §4.2, Table 1)",
    cpus: 1,
    iddRx: { value: P4_28_RX, unit: "ns", source: "Table 1 SEDF column: Domain-0 22.8% over 348.06 × 26.1 + 93.12 × 133.9 receive-equivalent packets/s, the packets per reply the model's own SEDF column handles (scripts/derive-profile.mjs)" },
    iddTx: { value: Math.round(P4_28_RX * 1.1), unit: "ns", source: "iddRx × 1.1, the SYSTEM-1 weight (same Pentium-4 family and Intel NIC)" },
    ...common,
    runVariation: { value: 0.045, unit: "ratio", source: "SYSTEM-1 weight sd 0.07 / 1.1 / √2 (paper §3)" },
    xenmonWeight: { value: 1.1, unit: "ratio", source: "paper §3: SYSTEM-1 weight, the Pentium-4 family" },
    web,
  },
  "system-1": {
    name: "system-1",
    title: "SYSTEM-1: Pentium-4 2.66 GHz, 1-Gbit Intel NIC (paper §3)",
    cpus: 1,
    iddRx: { value: Math.round((P4_28_RX * 2.8) / 2.66), unit: "ns", source: "p4-2.8 iddRx × 2.8/2.66 (clock ratio)" },
    iddTx: { value: Math.round(((P4_28_RX * 2.8) / 2.66) * 1.1), unit: "ns", source: "iddRx × 1.1: the SYSTEM-1 weight (paper §3)" },
    ...common,
    runVariation: { value: 0.045, unit: "ratio", source: "weight sd 0.07 / 1.1 / √2 (paper §3): a ratio of two factors each with this CV" },
    xenmonWeight: { value: 1.1, unit: "ratio", source: "paper §3: SYSTEM-1 weight = 1.1" },
    web,
  },
  "system-2": {
    name: "system-2",
    title: "SYSTEM-2: dual Xeon 2.8 GHz, 1-Gbit Broadcom NIC (paper §3; the dual-processor host of §5.2)",
    cpus: 2,
    iddRx: { value: XEON_RX, unit: "ns", source: "Table 2 Baseline: Domain-0 11.55% + 37.41% over 329.85 × 25.76 + 231.49 × 134.84 weighted packets/s (weight 1.16)" },
    iddTx: { value: Math.round(XEON_RX * 1.16), unit: "ns", source: "iddRx × 1.16: the SYSTEM-2 weight (paper §3)" },
    ...common,
    runVariation: { value: 0.091, unit: "ratio", source: "weight sd 0.15 / 1.16 / √2 (paper §3)" },
    xenmonWeight: { value: 1.16, unit: "ratio", source: "paper §3: SYSTEM-2 weight = 1.16" },
    web: { ...web, requestBase: { ...web.requestBase, source: `p4-2.8's (same 2.8 GHz clock; Table 2 gives no guest CPU). ${web.requestBase.source}` } },
  },
};

export function profileNames(): string[] {
  return Object.keys(PROFILES);
}
