import type { Engine, Nanos, Slot } from "../sim/engine.js";
import type { BlockRequest } from "./blkback.js";

/**
 * Domain-0's I/O scheduler (Linux's "elevator"): the order in which the requests blkback
 * submitted reach the disk, which serves one at a time.
 */
export interface Elevator {
  /** A request reaches the block layer. */
  add(req: BlockRequest): void;
  /**
   * The disk is free: the request it serves next, or undefined when there is none or the
   * elevator chooses to wait (it then calls its `kick` when the disk should ask again).
   */
  next(): BlockRequest | undefined;
  /** The disk has finished `req`. */
  completed(req: BlockRequest): void;
  /** The I/O priority of the guest's requests, 0 (highest) to 7 (lowest). */
  setPriority(guest: number, priority: number): void;
}

export type ElevatorKind = "noop" | "cfq";

/**
 * Linux's noop elevator: arrival order. It is also what the disk sees under Xen 3.0,
 * whose blkback submits every guest's requests from one thread (xenblkd), so an
 * elevator that shares the disk among processes has only one process to share it with.
 */
export class NoopElevator implements Elevator {
  private readonly queue: BlockRequest[] = [];

  add(req: BlockRequest): void {
    this.queue.push(req);
  }

  next(): BlockRequest | undefined {
    return this.queue.shift();
  }

  completed(): void {}

  /** Arrival order knows no priorities. */
  setPriority(): void {}
}

/** CFQ's tunables (block/cfq-iosched.c), in ns where they are times. */
export interface CfqParams {
  /** A synchronous (read) queue's time slice at the default priority 4 (cfq_slice_sync = HZ/10). */
  slice: Nanos;
  /** An asynchronous (write) queue's, likewise (cfq_slice_async = HZ/25). */
  sliceAsync: Nanos;
  /** Requests an asynchronous queue may dispatch in a turn, scaled by priority (cfq_slice_async_rq). */
  sliceAsyncRq: number;
  /** How long an emptied queue keeps the disk waiting for its process's next request (cfq_slice_idle = HZ/125). */
  sliceIdle: Nanos;
  /** Requests a queue that does not idle may dispatch in its turn (cfq_quantum). */
  quantum: number;
}

/** Best-effort I/O priority, as `ionice -c2 -n`: 0 is highest, 4 the default, 7 lowest. */
export const DEFAULT_IO_PRIORITY = 4;

/** A queue: one guest's reads, or every guest's writes at one priority; its requests, its place in the round, and what CFQ has learnt of its process. */
class CfqQueue {
  readonly requests: BlockRequest[] = [];
  /** Waiting in the round for a turn, or holding the disk. */
  busy = false;
  /** End of the current slice; -1 until the slice's first dispatch sets it. */
  sliceEnd = -1;
  dispatched = 0;
  /** When the disk last finished one of its requests (cic->last_end_request). */
  lastEnd: Nanos;
  // The think time's decaying mean, in the kernel's fixed point (samples count 256 each).
  private samples = 0;
  private total = 0;
  /** Whether CFQ waits for this process's next request when its queue empties (the idle window). */
  idleWindow = true;

  constructor(
    /** Reads are synchronous (the process waits for them), blkback's writes asynchronous. */
    readonly sync: boolean,
    readonly slice: Nanos,
    /** Requests it may dispatch in a turn (an asynchronous queue's limit; Infinity for a synchronous one). */
    readonly maxRequests: number,
    now: Nanos,
  ) {
    this.lastEnd = now;
  }

  /**
   * A request arrives: the time since its last one finished is a think-time sample
   * (cfq_update_io_thinktime), and once there are enough of them (sample_valid) the
   * queue idles only for a process that thinks no longer than CFQ would wait
   * (cfq_update_idle_window).
   */
  sampleThinkTime(now: Nanos, sliceIdle: Nanos): void {
    const ttime = Math.min(now - this.lastEnd, 2 * sliceIdle);
    this.samples = (7 * this.samples + 256) / 8;
    this.total = (7 * this.total + 256 * ttime) / 8;
    if (sliceIdle === 0) this.idleWindow = false;
    else if (this.samples > 80) this.idleWindow = this.total / this.samples <= sliceIdle;
  }
}

/**
 * Linux's CFQ ("completely fair queueing") elevator, as it shares a disk among the guests
 * once each guest's requests come from a blkback thread of its own (linux-2.6.18-xen's
 * blkback.<domid>.<dev>): one queue per guest, served in turn, each turn a time slice
 * (longer for a higher I/O priority) in which only that guest's requests reach the disk.
 * A queue that empties keeps the disk idle for up to `sliceIdle`, in case its process
 * is about to issue the next request of a sequential stream, unless the process has
 * been seen to think longer than that. A queue whose process does not idle gives up its
 * turn after one round of `quantum` requests.
 *
 * Those are the guests' reads. Blkback submits a guest's writes as plain WRITEs, which
 * CFQ treats as asynchronous: they go to one queue per priority level, shared by every
 * process (CFQ_KEY_ASYNC), whose turn is `sliceAsync` long (scaled by priority as a
 * read queue's slice) and at most 2 · (sliceAsyncRq + sliceAsyncRq · (7 − priority))
 * requests (cfq_prio_to_maxrq: 16 at priority 4), and which never idles: its turn ends
 * when the disk, free, finds it empty.
 * So CFQ keeps the guests' reads apart but not their writes.
 *
 * Left out: CFQ sorts a queue's requests by sector (the model has no sectors: a queue's
 * requests are served in order), its FIFO expiry, preemption, the shuffling of priority
 * levels between rounds, and the 2 ms wait later kernels give a process that seeks.
 */
export class CfqElevator implements Elevator {
  /** Each guest's read queue, by guest id. */
  private readonly queues = new Map<number, CfqQueue>();
  /** The shared write queue of each priority level. */
  private readonly asyncQueues = new Map<number, CfqQueue>();
  /** Busy queues waiting for their turn, in order. */
  private readonly round: CfqQueue[] = [];
  private active: CfqQueue | null = null;
  private readonly idleTimer: Slot;
  /**
   * The active queue has been waited for (CFQ's must_dispatch): the request that ends the
   * wait is dispatched even past the slice's end, and the turn ends when it completes.
   */
  private mustDispatch = false;
  private readonly priorities = new Map<number, number>();

  constructor(
    private readonly engine: Engine,
    private readonly params: CfqParams,
    /** Asks the disk to call `next` again (it does nothing while the disk is busy). */
    private readonly kick: () => void,
  ) {
    this.idleTimer = engine.slot(() => {
      // The wait is over and no request came (cfq_idle_slice_timer): the turn passes on if
      // the slice is over or another queue is waiting; otherwise the queue keeps its turn.
      if (this.engine.now > this.active!.sliceEnd || this.round.length > 0) {
        this.expire();
        this.kick();
      }
    });
  }

  /** The guest's I/O priority: its read queue's slice, and which write queue its writes join. A guest never set has DEFAULT_IO_PRIORITY. */
  setPriority(guest: number, priority: number): void {
    this.priorities.set(guest, priority);
  }

  /** A queue's slice at its priority (cfq_prio_to_slice): for reads 100 ms at 4, 20 ms more per step up, 20 ms less per step down. */
  sliceFor(priority: number, sync = true): Nanos {
    const base = sync ? this.params.slice : this.params.sliceAsync;
    return base + Math.floor(base / 5) * (4 - priority);
  }

  /** Requests a write queue may dispatch in a turn at `priority` (cfq_prio_to_maxrq). */
  asyncRequestsFor(priority: number): number {
    const base = this.params.sliceAsyncRq;
    return 2 * (base + base * (7 - priority));
  }

  add(req: BlockRequest): void {
    const q = this.queueOf(req);
    // CFQ learns a process's think time from its synchronous requests only.
    if (q.sync) q.sampleThinkTime(this.engine.now, this.params.sliceIdle);
    q.requests.push(req);
    if (!q.busy) {
      q.busy = true;
      this.round.push(q);
    }
    if (q === this.active && this.idleTimer.isSet) {
      // The request the disk was kept idle for.
      this.idleTimer.clear();
      this.kick();
    }
  }

  next(): BlockRequest | undefined {
    const now = this.engine.now;
    for (;;) {
      const q = this.active;
      if (q === null) {
        const turn = this.round.shift();
        if (turn === undefined) return undefined;
        turn.sliceEnd = -1;
        turn.dispatched = 0;
        this.active = turn;
        continue;
      }
      if (this.idleTimer.isSet) return undefined;
      if (q.sliceEnd >= 0 && now > q.sliceEnd && !this.mustDispatch) {
        this.expire();
        continue;
      }
      const req = q.requests.shift();
      if (req !== undefined) {
        this.mustDispatch = false;
        if (q.sliceEnd < 0) q.sliceEnd = now + q.slice;
        // A read queue that idles keeps its turn to the slice's end; one that does not has a
        // round of `quantum`. A write queue has its limit, and when it is found empty at
        // the disk's next request (below) its turn ends: it never waits.
        if (q.sync) {
          if (!q.idleWindow && (++q.dispatched >= this.params.quantum || q.requests.length === 0)) this.expire();
        } else if (++q.dispatched >= q.maxRequests) this.expire();
        return req;
      }
      if (q.sync && q.idleWindow) {
        // Wait for the process's next request (cfq_arm_slice_timer). Its wait is
        // min(slice_end − 1, slice_idle) in jiffies, slice_end being a time: slice_idle.
        this.mustDispatch = true;
        this.idleTimer.set(now + this.params.sliceIdle);
        return undefined;
      }
      this.expire();
    }
  }

  completed(req: BlockRequest): void {
    const now = this.engine.now;
    const q = this.queueOf(req);
    if (q.sync) q.lastEnd = now;
    // As cfq_completed_request: a turn whose slice is over ends as its request completes.
    if (q === this.active && q.sliceEnd >= 0 && now > q.sliceEnd) this.expire();
  }

  /** The guest's read queue, or its priority level's shared write queue; made on first use. */
  private queueOf(req: BlockRequest): CfqQueue {
    const priority = this.priorities.get(req.guest) ?? DEFAULT_IO_PRIORITY;
    const queues = req.write ? this.asyncQueues : this.queues;
    const key = req.write ? priority : req.guest;
    let q = queues.get(key);
    if (q === undefined) {
      q = req.write ? new CfqQueue(false, this.sliceFor(priority, false), this.asyncRequestsFor(priority), this.engine.now) : new CfqQueue(true, this.sliceFor(priority), Infinity, this.engine.now);
      queues.set(key, q);
    }
    return q;
  }

  /** The active queue's turn ends; with requests still queued it goes to the back of the round. */
  private expire(): void {
    const q = this.active!;
    this.active = null;
    this.mustDispatch = false;
    this.idleTimer.clear();
    if (q.requests.length > 0) this.round.push(q);
    else q.busy = false;
  }
}
