import { Task, type Domain } from "../host/domain.js";
import type { Engine, Nanos } from "../sim/engine.js";
import type { SimEvent } from "../sim/event-queue.js";
import { Fifo } from "../sim/fifo.js";
import { DRIVER_LANE, type IddWorkQueue } from "./idd-queue.js";
import { Link } from "./link.js";
import type { Packet } from "./packet.js";
import { DEFAULT_VIF_INTERVAL, VifCredit } from "./vif-credit.js";

/** Per-packet CPU costs and ring sizes of one host's network path. */
export interface NetPathCosts {
  /** IDD time to receive one packet for a guest: driver + netback (size-independent). */
  iddRx: Nanos;
  /** The part of iddRx spent in the NIC driver and bridge, before netback. */
  iddRxDriver: Nanos;
  /** IDD time to transmit one packet from a guest: netback + driver. */
  iddTx: Nanos;
  /**
   * IDD time paid once per batch: whenever packet work reaches an IDD with none queued
   * (an interrupt, a softirq entry, netback's per-batch hypercalls). 0 in every profile:
   * a knob for studying the batching hypothesis of docs/deviations.md.
   */
  iddBatch: Nanos;
  /** Guest time to take one packet from netfront up its stack. */
  guestRx: Nanos;
  /** Guest time to push one packet down its stack to netfront. */
  guestTx: Nanos;
  /** Descriptors in the NIC's receive ring; a full ring drops arriving packets. */
  nicRxRing: number;
  /** Slots in each netfront ring: receive buffers a guest keeps posted (netback drops a packet for a guest with none free), and transmit requests (a full tx ring holds the sender back). */
  netfrontRing: number;
  linkBitsPerSecond: number;
  linkPropagation: Nanos;
}

/** One guest's attachment to the IDD: its queues, its traffic filter and XenMon's counters. */
export class GuestPort {
  /** Packets netback handled for this guest, per direction (what XenMon counts). */
  sent = 0;
  recv = 0;
  /** Bytes of the packets netback sent for the guest (what the vif's counters in Domain-0 show). */
  sentBytes = 0;
  /** Block requests blkback answered for this guest (what XenMon counts of its disk I/O). */
  blk = 0;
  /**
   * Posted receive buffers of the guest taken by packets netback has accepted for it and
   * the guest's stack has not yet consumed (waiting in netback, or in the ring). In Xen
   * 3.0 a packet reserves one when netback accepts it (`rx_req_cons_peek++` in
   * netif_be_start_xmit) and the guest posts it again after processing the response, so
   * one bound covers both places.
   */
  rxBuffersInUse = 0;
  txInRing = 0;
  /** Packets the guest has queued behind a full tx ring. */
  readonly txBacklog = new Fifo<Packet>();
  droppedNetback = 0;
  /** ShareGuard's switches: drop this guest's inbound / outbound traffic, hold its block requests (see `setCut`). */
  dropRx = false;
  dropTx = false;
  holdBlock = false;
  /**
   * ShareGuard's throttle: the IDD time (ns, as XenMon reckons it) the guest's packets may
   * still take this interval, and what one packet takes in each direction. Unlimited
   * unless ShareGuard throttles the guest.
   */
  allowance = Infinity;
  rxCharge = 0;
  txCharge = 0;
  /** What one block request takes of the allowance (XenMon's reckoning: blockWeight received packets). */
  blkCharge = 0;
  droppedByFilterRx = 0;
  droppedByFilterTx = 0;
  /** Block requests blkback held, while the guest was cut off or past its allowance, before taking them. */
  heldBlock = 0;
  /** Set by blkback for a guest with a disk: takes the requests it held, now that it may. */
  onResume: (() => void) | null = null;
  /**
   * The packets in the transmit ring that netback has not taken, for want of the vif's
   * credit (`credit`), oldest first; they hold their ring slots.
   */
  readonly creditWait = new Fifo<Packet>();
  /** Packets that waited for the vif's credit before netback took them. */
  creditWaits = 0;
  /** The credit timer, while one is pending. */
  pendingCreditTimer: SimEvent | null = null;
  /** Whether the vif has had a rate limit at any time in the run. */
  everRateLimited: boolean;
  /** How often the vif's credit comes: its scenario's interval, or xend's default for a vif with none. */
  readonly vifInterval: Nanos;

  constructor(
    readonly guest: Domain,
    readonly rxLane: number,
    readonly txLane: number,
    /** The vif's rate limit (Xen's `rate=`), or null for none; a policy may change it (`NetBackend.setVifRate`). */
    public credit: VifCredit | null = null,
  ) {
    this.vifInterval = credit?.interval ?? DEFAULT_VIF_INTERVAL;
    this.everRateLimited = credit !== null;
  }

  /**
   * ShareGuard's cut: all the guest's traffic off, or back on. Packets are dropped where
   * the paper drops them; block requests, which a disk cannot lose as a NIC loses
   * packets, wait on the guest's ring untaken, as when blkback stops taking a guest's
   * requests, and are taken once the cut is over.
   */
  setCut(on: boolean): void {
    this.dropRx = on;
    this.dropTx = on;
    this.holdBlock = on;
    if (!on) this.onResume?.();
  }

  /** ShareGuard's throttle: the IDD time the guest may take from now to the next evaluation. */
  setAllowance(allowance: number): void {
    this.allowance = allowance;
    this.onResume?.();
  }

  /** Whether a packet costing `charge` fits in what is left of the allowance; takes it if so. */
  admit(charge: number): boolean {
    if (this.allowance < charge) return false;
    this.allowance -= charge;
    return true;
  }
}

/**
 * The network I/O path of the paper's Fig. 3, seen from the driver domain: NIC → IDD
 * (driver, then netback) → netfront → guest, and the mirror image for transmit.
 * Per-packet costs depend on direction only, never on size (paper §3, Fig. 4).
 */
export class NetBackend {
  readonly ports = new Map<number, GuestPort>();
  /** The same ports indexed by guest id, for the per-packet path. */
  private readonly portById: GuestPort[] = [];
  private nicRxInUse = 0;
  droppedNicRing = 0;
  readonly uplink: Link;
  readonly downlink: Link;
  // Handlers made once: the per-packet path allocates no closure.
  private readonly nicArrival = (pkt: Packet): void => this.arriveAtNic(pkt);
  private readonly driverStageDone = (pkt: Packet): void => this.driverDone(pkt);
  private readonly netbackRxDone = (pkt: Packet): void => this.received(this.portById[pkt.guest], pkt);
  private readonly guestRxDone = (pkt: Packet): void => {
    this.portById[pkt.guest].rxBuffersInUse--;
    pkt.sink.deliver(pkt);
  };
  private readonly guestTxDone = (pkt: Packet): void => this.postTx(this.portById[pkt.guest], pkt, true);
  private readonly netbackTxDone = (pkt: Packet): void => this.transmitted(this.portById[pkt.guest], pkt);
  private readonly creditTimer = (port: GuestPort): void => this.creditArrived(port);

  constructor(
    private readonly engine: Engine,
    readonly idd: Domain,
    private readonly iddQueue: IddWorkQueue,
    private readonly costs: NetPathCosts,
  ) {
    this.uplink = new Link(engine, costs.linkBitsPerSecond, costs.linkPropagation);
    this.downlink = new Link(engine, costs.linkBitsPerSecond, costs.linkPropagation);
  }

  /** Connects a guest's vif, rate-limited by `credit` if given. */
  attach(guest: Domain, credit: VifCredit | null = null): GuestPort {
    const port = new GuestPort(guest, this.iddQueue.addLane("rx"), this.iddQueue.addLane("tx"), credit);
    this.ports.set(guest.id, port);
    this.portById[guest.id] = port;
    return port;
  }

  port(guestId: number): GuestPort {
    const p = this.portById[guestId];
    if (!p) throw new Error(`domain ${guestId} has no network port`);
    return p;
  }

  /** An external host sends `pkt` to a guest: it crosses the downlink, then reaches the NIC. */
  sendFromOutside(pkt: Packet): void {
    this.downlink.send(pkt, this.nicArrival);
  }

  /** The guest's application hands `pkt` to its stack: guest CPU first, then the tx ring. */
  sendFromGuest(pkt: Packet): void {
    const port = this.port(pkt.guest);
    port.guest.submit(new Task(this.costs.guestTx, pkt.guest, this.guestTxDone, pkt));
  }

  private arriveAtNic(pkt: Packet): void {
    if (this.nicRxInUse >= this.costs.nicRxRing) {
      this.droppedNicRing++;
      return;
    }
    this.nicRxInUse++;
    this.startBatchIfIdle(pkt.guest);
    this.idd.submit(new Task(this.costs.iddRxDriver, pkt.guest, this.driverStageDone, pkt, DRIVER_LANE));
  }

  /**
   * Work from outside (the NIC, a guest's transmit) finding the IDD with nothing queued
   * starts a batch, which costs the batch overhead first. Work the IDD queues for itself
   * while processing (netback after the driver, a backlogged transmit) belongs to the
   * batch in progress.
   */
  private startBatchIfIdle(owner: number): void {
    if (this.costs.iddBatch > 0 && !this.idd.hasWork()) this.idd.submit(new Task(this.costs.iddBatch, owner, batchStarted, null, DRIVER_LANE));
  }

  /** The driver has taken the packet off the NIC; the IDD's filter and netback come next. */
  private driverDone(pkt: Packet): void {
    this.nicRxInUse--;
    const port = this.port(pkt.guest);
    if (port.dropRx || !port.admit(port.rxCharge)) {
      // ShareGuard's filter in the IDD: the driver part of the work is already spent.
      port.droppedByFilterRx++;
      return;
    }
    if (port.rxBuffersInUse >= this.costs.netfrontRing) {
      // Xen 3.0 netback: "Drop the packet if the target domain has no receive buffers."
      port.droppedNetback++;
      return;
    }
    port.rxBuffersInUse++;
    this.idd.submit(new Task(this.costs.iddRx - this.costs.iddRxDriver, pkt.guest, this.netbackRxDone, pkt, port.rxLane));
  }

  /** Netback has put the packet in the guest's ring, in the buffer it reserved on arrival. */
  private received(port: GuestPort, pkt: Packet): void {
    port.recv++;
    port.guest.submit(new Task(this.costs.guestRx, pkt.guest, this.guestRxDone, pkt));
  }

  /** `fromGuest`: the guest just posted it, rather than it waiting behind a full ring. */
  private postTx(port: GuestPort, pkt: Packet, fromGuest: boolean): void {
    if (port.dropTx) {
      // ShareGuard's rule in netback: dropped before it enters the IDD's stack, at no cost.
      port.droppedByFilterTx++;
      return;
    }
    if (port.txInRing >= this.costs.netfrontRing) {
      port.txBacklog.push(pkt);
      return;
    }
    const credit = port.credit;
    if (credit !== null && (port.creditWait.length > 0 || !credit.take(pkt.size, this.engine.now))) {
      // The vif is out of credit: the request stays in the ring, untaken, behind any
      // others, until the credit timer.
      port.txInRing++;
      port.creditWaits++;
      if (port.creditWait.push(pkt) === 1) this.armCreditTimer(port, credit);
      return;
    }
    this.takeTx(port, pkt, fromGuest);
  }

  /**
   * Netback takes a request off the guest's transmit ring (its ring slot is counted
   * here). `fromOutside`: it reaches netback from outside the IDD's batch in progress (the
   * guest just posted it, or the credit timer let it go), not from the backlog behind a
   * slot netback has just freed.
   */
  private takeTx(port: GuestPort, pkt: Packet, fromOutside: boolean): void {
    // The throttle charges a packet as netback takes it, so one that waited behind a full
    // ring is charged once; past the allowance it is dropped as a cut would drop it.
    if (!port.admit(port.txCharge)) {
      port.droppedByFilterTx++;
      return;
    }
    port.txInRing++;
    if (fromOutside) this.startBatchIfIdle(pkt.guest);
    this.idd.submit(new Task(this.costs.iddTx, pkt.guest, this.netbackTxDone, pkt, port.txLane));
  }

  /** The vif's credit timer: netback takes what the new chunk covers, oldest first. */
  private creditArrived(port: GuestPort): void {
    port.pendingCreditTimer = null;
    port.credit!.timerFired(port.creditWait.peek()!.size);
    this.releaseWaiting(port);
  }

  /**
   * Changes the vif's rate limit from now (beyond Xen 3.0, whose netback read a vif's
   * rate only when it connected; Linux's later xen-netback watches it): `chunk` bytes of
   * credit every `port.vifInterval`, or no limit (null). A pending credit timer fires now
   * with the new chunk (VifCredit.setChunk). Lifting the limit lets netback take every
   * waiting request now, as the unlimited credit xen-netback then gives would.
   */
  setVifRate(port: GuestPort, chunk: number | null): void {
    const credit = port.credit;
    if (credit === null) {
      if (chunk !== null) {
        port.credit = new VifCredit(chunk, port.vifInterval);
        port.everRateLimited = true;
      }
      return;
    }
    if (chunk !== null && !credit.setChunk(chunk)) return;
    this.engine.cancel(port.pendingCreditTimer ?? undefined);
    if (chunk === null) {
      port.pendingCreditTimer = null;
      port.credit = null;
      this.releaseWaiting(port);
    } else this.creditArrived(port);
  }

  /** Netback takes the waiting requests the vif's credit covers (all of them with no limit), oldest first. */
  private releaseWaiting(port: GuestPort): void {
    const credit = port.credit;
    const waiting = port.creditWait;
    while (waiting.length > 0) {
      const pkt = waiting.peek()!;
      // A cut drops what netback takes while it lasts, at no cost and for no credit.
      if (credit !== null && !port.dropTx && !credit.take(pkt.size, this.engine.now)) {
        this.armCreditTimer(port, credit);
        break;
      }
      waiting.shift();
      // It leaves the ring's untaken part; takeTx counts it in again if netback keeps it.
      port.txInRing--;
      if (port.dropTx) port.droppedByFilterTx++;
      else this.takeTx(port, pkt, true);
    }
    this.refillTxRing(port);
  }

  /**
   * A chunk smaller than the waiting request can leave the timer due already (a vif quiet
   * for intervals); the kernel's timer then fires at the next tick, ours at once.
   */
  private armCreditTimer(port: GuestPort, credit: VifCredit): void {
    port.pendingCreditTimer = this.engine.schedule(Math.max(credit.timerAt, this.engine.now), this.creditTimer, port);
  }

  private transmitted(port: GuestPort, pkt: Packet): void {
    port.txInRing--;
    port.sent++;
    port.sentBytes += pkt.size;
    this.uplink.send(pkt, deliverToSink);
    this.refillTxRing(port);
  }

  /** Refills freed ring slots from the backlog; a packet ShareGuard drops leaves its slot free for the next. */
  private refillTxRing(port: GuestPort): void {
    while (port.txInRing < this.costs.netfrontRing && port.txBacklog.length > 0) this.postTx(port, port.txBacklog.shift()!, false);
  }
}

function batchStarted(): void {}

function deliverToSink(pkt: Packet): void {
  pkt.sink.deliver(pkt);
}
