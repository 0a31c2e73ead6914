import { MAX_REQUEST_BYTES, type BlockBackend, type BlockRequest, type BlockSink } from "../block/blkback.js";
import type { Engine, Nanos, Slot } from "../sim/engine.js";
import type { Random } from "../sim/rng.js";
import { ConnectionTimes } from "./web.js";

/**
 * Requests a guest's block layer holds at once, queued or on the ring (Linux's
 * nr_requests, 128 by default): an open-loop load past it waits, as fio's would, so a
 * request due then is not issued.
 */
export const GUEST_QUEUE_DEPTH = 128;

/**
 * How the guest issues its reads (or writes): at a fixed rate, whatever became of the ones before
 * (fio --rate_iops), or keeping `depth` outstanding, each completion issuing the next
 * (fio --iodepth).
 */
export type DiskLoad = { rate: number } | { depth: number };

export interface DiskConfig {
  load: DiskLoad;
  /** Bytes per read or write; blkfront splits one larger than MAX_REQUEST_BYTES into requests of at most that. */
  size: number;
  /** Sequential reads follow on from one another; a random read needs positioning (for its first request only). Writes likewise. */
  access: "sequential" | "random";
  /** What the guest does: reads, or writes (blkback submits them as asynchronous WRITEs). */
  op: "read" | "write";
  start: Nanos;
  /** Stop issuing after this long (Infinity: until the run ends). */
  duration: Nanos;
}

/** One read (or write) of the application's: the block requests blkfront made of it, and how many are still to complete. */
interface GuestIo {
  readonly issued: Nanos;
  readonly bytes: number;
  left: number;
}

/** What the workload measured over the window: reads (or writes) completed, their bytes and their latencies (issue to the last part's completion). */
export class DiskStats {
  completed = 0;
  bytes = 0;
  /** Reads (or writes) an open-loop load did not issue because the guest already held GUEST_QUEUE_DEPTH requests. */
  notIssued = 0;
  /** The disk's time serving the guest's requests that completed in the window (positioning and transfer). */
  diskBusy: Nanos = 0;
  /** Bytes of every read (or write) completed so far, in the window or not: what a time series bins. */
  bytesSoFar = 0;

  constructor(
    readonly latencies: ConnectionTimes,
    private readonly from: Nanos,
    private readonly to: Nanos,
  ) {}

  add(now: Nanos, io: GuestIo): void {
    this.bytesSoFar += io.bytes;
    this.latencies.add(now, now - io.issued);
    if (now < this.from || now > this.to) return;
    this.completed++;
    this.bytes += io.bytes;
  }

  /** One request of a read or write is done, after `service` ns of the disk's time. */
  addService(now: Nanos, service: Nanos): void {
    if (now >= this.from && now <= this.to) this.diskBusy += service;
  }
}

/** A guest reading from its virtual disk, as fio would, through the IDD's blkback (src/block/blkback.ts). */
export class DiskWorkload implements BlockSink {
  readonly stats: DiskStats;
  private readonly nextRequest: Slot | null = null;
  private readonly gap: Nanos = 0;
  private nextTime: Nanos = 0;

  constructor(
    private readonly engine: Engine,
    private readonly blk: BlockBackend,
    private readonly guest: number,
    private readonly cfg: DiskConfig,
    private readonly rand: Random,
    window: { from: Nanos; to: Nanos },
  ) {
    this.stats = new DiskStats(new ConnectionTimes(window.from, window.to), window.from, window.to);
    if ("rate" in cfg.load) {
      this.gap = 1e9 / cfg.load.rate;
      this.nextRequest = engine.slot(() => this.arrive());
    }
  }

  /** Whether the guest reads or writes. */
  get op(): "read" | "write" {
    return this.cfg.op;
  }

  start(): void {
    if (this.nextRequest !== null) {
      // A random phase, as the UDP benchmark's, so runs differ in how requests meet the schedulers.
      this.issueAt(this.cfg.start + this.rand() * this.gap);
      return;
    }
    const depth = (this.cfg.load as { depth: number }).depth;
    this.engine.at(this.cfg.start, () => {
      for (let i = 0; i < depth; i++) this.issue();
    });
  }

  completed(req: BlockRequest): void {
    const io = req.tag as GuestIo;
    this.stats.addService(this.engine.now, req.service);
    if (--io.left > 0) return;
    this.stats.add(this.engine.now, io);
    if (this.nextRequest === null && this.issuing()) this.issue();
  }

  private issuing(): boolean {
    return this.engine.now < this.cfg.start + this.cfg.duration;
  }

  private issueAt(time: Nanos): void {
    this.nextTime = time;
    this.nextRequest!.set(Math.round(time));
  }

  private arrive(): void {
    if (!this.issuing()) return;
    if (this.blk.outstanding(this.guest) >= GUEST_QUEUE_DEPTH) this.stats.notIssued++;
    else this.issue();
    this.issueAt(this.nextTime + this.gap);
  }

  /**
   * One read (or write), as blkfront makes requests of it: parts of at most MAX_REQUEST_BYTES,
   * each after the first following on from the one before, so only a random read's first
   * part needs positioning.
   */
  private issue(): void {
    const size = this.cfg.size;
    const parts = Math.ceil(size / MAX_REQUEST_BYTES);
    const now = this.engine.now;
    const io: GuestIo = { issued: now, bytes: size, left: parts };
    for (let p = 0; p < parts; p++) {
      const bytes = Math.min(MAX_REQUEST_BYTES, size - p * MAX_REQUEST_BYTES);
      this.blk.submit({ guest: this.guest, bytes, sequential: this.cfg.access === "sequential" || p > 0, write: this.cfg.op === "write", issued: now, sink: this, tag: io, service: 0 });
    }
  }
}
