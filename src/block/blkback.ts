import { Task, type Domain } from "../host/domain.js";
import type { Engine, Nanos, Slot } from "../sim/engine.js";
import { Fifo } from "../sim/fifo.js";
import { DRIVER_LANE, type IddWorkQueue } from "../net/idd-queue.js";
import type { GuestPort } from "../net/netback.js";
import { CfqElevator, DEFAULT_IO_PRIORITY, NoopElevator, type CfqParams, type Elevator, type ElevatorKind } from "./elevator.js";

/** Granted pages are 4 KB; blkback maps each segment of a request. */
export const PAGE_BYTES = 4096;
/** BLKIF_MAX_SEGMENTS_PER_REQUEST in Xen 3.0: blkfront splits anything larger. */
export const MAX_REQUEST_BYTES = 11 * PAGE_BYTES;

/** Per-request CPU costs, the guests' ring and the disk behind one IDD's blkback. */
export interface BlockCosts {
  /** IDD time to take a request off the ring and submit it to the disk: blkback's dispatch, less the pages. */
  iddSubmit: Nanos;
  /** IDD time per 4 KB page of the request (granting, mapping and unmapping it). */
  iddPerPage: Nanos;
  /** IDD time when the disk is done: the interrupt, end_block_io_op, the response and its notification. */
  iddComplete: Nanos;
  /** Guest time per request, paid when blkfront takes the response (its interrupt, the block layer, the application). */
  guestPerRequest: Nanos;
  /** Requests a guest may have outstanding on its ring (BLK_RING_SIZE). */
  ring: number;
  /** Requests blkback has taken and not yet answered, over all guests (MAX_PENDING_REQS): past it, the rest wait on their rings. */
  maxPending: number;
  /** The disk's time to reach a request that does not follow on from the one before: seek and rotation. */
  positioning: Nanos;
  /** Media transfer rate, bytes per second. */
  transferRate: number;
  /** Domain-0's I/O scheduler: noop (arrival order; what Xen 3.0's one blkback thread amounts to) or cfq (per-guest time slices). */
  elevator: ElevatorKind;
  /** CFQ's tunables, used under `cfq`. */
  cfq: CfqParams;
}

/** Whatever issued a block request and hears of its completion: a guest's disk workload. */
export interface BlockSink {
  completed(req: BlockRequest): void;
}

export interface BlockRequest {
  /** Domain id of the guest. */
  readonly guest: number;
  readonly bytes: number;
  /** A write (blkback submits it as an asynchronous WRITE); a read otherwise. The disk takes as long either way. */
  readonly write?: boolean;
  /** It follows on from the guest's previous request (a sequential stream), so it needs no positioning if the disk served that one last. */
  readonly sequential: boolean;
  /** When the guest issued it. */
  readonly issued: Nanos;
  readonly sink: BlockSink;
  /** The sink's own: what the request is part of (blkback never reads it). */
  readonly tag?: unknown;
  /** The disk's time serving it (positioning and transfer), set when the disk takes it. */
  service: Nanos;
}

/** Told of every request the disk served: whose, from when to when, and whether it needed positioning (a trace's disk records). */
export type DiskObserver = (guest: number, from: Nanos, to: Nanos, positioned: boolean) => void;

/** A guest's attachment to blkback: its ring and the requests waiting for room on it. */
class BlockPort {
  /** Requests on the ring: taken by blkback or not yet, until blkfront has their response. */
  inRing = 0;
  /** Requests on the ring that blkback has not taken: all its pending slots are in use, or ShareGuard has the guest cut off or past its allowance. */
  readonly held = new Fifo<BlockRequest>();
  readonly backlog = new Fifo<BlockRequest>();

  constructor(
    readonly net: GuestPort,
    readonly lane: number,
    /** Its place in the order blkback turns to the guests. */
    readonly order: number,
  ) {}
}

/**
 * One disk, serving one request at a time in the order Domain-0's elevator gives: a
 * request costs the positioning time unless it follows on from the one served just
 * before it, then its bytes at the media rate. Interleaved sequential streams thus seek
 * between requests.
 */
class Disk {
  private serving: BlockRequest | null = null;
  private servingSince: Nanos = 0;
  private positioned = false;
  private readonly serviceEnd: Slot;
  observer: DiskObserver | null = null;
  /** The guest of the request served last: a guest's sequential requests are one stream, so its next follows on from it. */
  private lastGuest = -1;
  readonly elevator: Elevator;

  constructor(
    private readonly engine: Engine,
    private readonly costs: BlockCosts,
    private readonly done: (req: BlockRequest) => void,
  ) {
    this.serviceEnd = engine.slot(() => this.finish());
    this.elevator = costs.elevator === "cfq" ? new CfqElevator(engine, costs.cfq, () => this.startNext()) : new NoopElevator();
  }

  enqueue(req: BlockRequest): void {
    this.elevator.add(req);
    this.startNext();
  }

  private startNext(): void {
    if (this.serving !== null) return;
    const req = this.elevator.next();
    if (req === undefined) return;
    this.serving = req;
    this.positioned = !(req.sequential && req.guest === this.lastGuest);
    this.lastGuest = req.guest;
    req.service = (this.positioned ? this.costs.positioning : 0) + (req.bytes * 1e9) / this.costs.transferRate;
    this.servingSince = this.engine.now;
    this.serviceEnd.set(this.engine.now + req.service);
  }

  private finish(): void {
    const req = this.serving!;
    this.serving = null;
    this.observer?.(req.guest, this.servingSince, this.engine.now, this.positioned);
    this.elevator.completed(req);
    this.done(req);
    this.startNext();
  }
}

/**
 * Xen 3.0's split block driver, seen from the driver domain: a guest's blkfront puts a
 * request on its ring; blkback, in the IDD, takes it off, maps its pages and submits it
 * to the disk; when the disk is done, the IDD's interrupt work answers on the ring, and
 * the guest takes the response. The IDD's work is done on the guest's behalf (the ground
 * truth knows it), and blkback counts each answered request for XenMon (`GuestPort.blk`).
 * ShareGuard's cut, or its throttle past the allowance, leaves a guest's requests on
 * its ring untaken until it lifts (`GuestPort.setCut`).
 */
export class BlockBackend {
  private readonly ports: BlockPort[] = [];
  /** The same ports in the order they were attached, the order blkback turns to them when a pending slot frees. */
  private readonly attached: BlockPort[] = [];
  /** Which of `attached` is first to be offered the next free pending slot: the one after the guest served last. */
  private nextOffered = 0;
  /** Requests taken and not yet answered. */
  private pending = 0;
  private readonly disk: Disk;
  // Handlers made once: the per-request path allocates no closure.
  private readonly submitted = (req: BlockRequest): void => this.disk.enqueue(req);
  private readonly answered = (req: BlockRequest): void => this.answer(req);
  private readonly taken = (req: BlockRequest): void => this.release(req);

  constructor(
    engine: Engine,
    readonly idd: Domain,
    private readonly iddQueue: IddWorkQueue,
    private readonly costs: BlockCosts,
  ) {
    this.disk = new Disk(engine, costs, (req) => this.diskDone(req));
  }

  /** Gives the guest a ring; `net` is its port on the same IDD, where XenMon reads its counts; `ioPriority` is its blkback thread's (`ionice -c2 -n`). */
  attach(net: GuestPort, ioPriority = DEFAULT_IO_PRIORITY): void {
    const port = new BlockPort(net, this.iddQueue.addLane("blk"), this.attached.length);
    this.disk.elevator.setPriority(net.guest.id, ioPriority);
    this.ports[net.guest.id] = port;
    this.attached.push(port);
    net.onResume = () => this.resume(port);
  }

  /** Hears of every request the disk serves (a trace); null: none. */
  set diskObserver(observer: DiskObserver | null) {
    this.disk.observer = observer;
  }

  /** Requests of the guest still outstanding: on its ring (held or not) or waiting for room on it. */
  outstanding(guestId: number): number {
    const port = this.ports[guestId];
    return port.inRing + port.backlog.length;
  }

  /** Requests blkback has taken and not yet answered, over all guests. */
  get pendingCount(): number {
    return this.pending;
  }

  /** Requests of the guest on its ring. */
  onRing(guestId: number): number {
    return this.ports[guestId].inRing;
  }

  /** The guest issues `req`: onto its ring, or behind it when the ring is full. */
  submit(req: BlockRequest): void {
    const port = this.ports[req.guest];
    if (port.inRing >= this.costs.ring) port.backlog.push(req);
    else this.putOnRing(port, req);
  }

  private putOnRing(port: BlockPort, req: BlockRequest): void {
    port.inRing++;
    if (port.held.length === 0 && this.mayTake(port)) {
      this.take(port, req);
      return;
    }
    port.held.push(req);
    // What ShareGuard holds, as against what waits for a pending slot.
    if (port.net.holdBlock || port.net.allowance < port.net.blkCharge) port.net.heldBlock++;
  }

  /**
   * Whether blkback takes the guest's next request now: it has a pending slot free, and
   * ShareGuard lets it (taking the request's charge from the allowance).
   */
  private mayTake(port: BlockPort): boolean {
    return this.pending < this.costs.maxPending && !port.net.holdBlock && port.net.admit(port.net.blkCharge);
  }

  private take(port: BlockPort, req: BlockRequest): void {
    this.pending++;
    this.nextOffered = port.order + 1 >= this.attached.length ? 0 : port.order + 1;
    const pages = Math.ceil(req.bytes / PAGE_BYTES);
    this.idd.submit(new Task(this.costs.iddSubmit + pages * this.costs.iddPerPage, req.guest, this.submitted, req, port.lane));
  }

  /** ShareGuard lifted a cut or renewed the allowance: blkback takes what it held, in order, as far as it may. */
  private resume(port: BlockPort): void {
    while (port.held.length > 0 && this.mayTake(port)) this.take(port, port.held.shift()!);
  }

  /** The disk's interrupt: work in the IDD ahead of the backends' (the driver's lane). */
  private diskDone(req: BlockRequest): void {
    this.idd.submit(new Task(this.costs.iddComplete, req.guest, this.answered, req, DRIVER_LANE));
  }

  /** Blkback has put the response on the ring and freed its pending slot; the guest takes the response. */
  private answer(req: BlockRequest): void {
    const port = this.ports[req.guest];
    port.net.blk++;
    this.pending--;
    this.offerFreeSlots();
    port.net.guest.submit(new Task(this.costs.guestPerRequest, req.guest, this.taken, req));
  }

  /** Free pending slots go to the guests with requests waiting, in turn. */
  private offerFreeSlots(): void {
    const n = this.attached.length;
    const first = this.nextOffered;
    for (let k = 0; k < n && this.pending < this.costs.maxPending; k++) {
      const port = this.attached[(first + k) % n];
      if (port.held.length > 0 && this.mayTake(port)) this.take(port, port.held.shift()!);
    }
  }

  /** The guest has the response: its ring slot is free for the next request. */
  private release(req: BlockRequest): void {
    const port = this.ports[req.guest];
    port.inRing--;
    const next = port.backlog.shift();
    if (next !== undefined) this.putOnRing(port, next);
    req.sink.completed(req);
  }
}
