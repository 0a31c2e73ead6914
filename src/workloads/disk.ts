import type { BlockBackend, BlockRequest, BlockSink } from "../block/blkback.js";
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
 * How the guest issues its requests: at a fixed rate, whatever became of the ones before
 * (fio --rate_iops), or keeping `depth` outstanding, each completion issuing the next
 * (fio --iodepth).
 */
export type DiskLoad = { rate: number } | { depth: number };

export interface DiskConfig {
  load: DiskLoad;
  /** Bytes per request. */
  size: number;
  /** Sequential requests follow on from one another; random ones each need positioning. */
  access: "sequential" | "random";
  start: Nanos;
  /** Stop issuing after this long (Infinity: until the run ends). */
  duration: Nanos;
}

/** What the workload measured over the window: completions, their bytes and their latencies (issue to completion). */
export class DiskStats {
  completed = 0;
  bytes = 0;
  /** Requests an open-loop load did not issue because the guest already held GUEST_QUEUE_DEPTH. */
  notIssued = 0;

  constructor(
    readonly latencies: ConnectionTimes,
    private readonly from: Nanos,
    private readonly to: Nanos,
  ) {}

  add(now: Nanos, req: BlockRequest): void {
    this.latencies.add(now, now - req.issued);
    if (now < this.from || now > this.to) return;
    this.completed++;
    this.bytes += req.bytes;
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
    this.stats.add(this.engine.now, req);
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

  private issue(): void {
    this.blk.submit({ guest: this.guest, bytes: this.cfg.size, sequential: this.cfg.access === "sequential", issued: this.engine.now, sink: this });
  }
}
