import type { Nanos } from "../sim/engine.js";
import { FifoQueue, type WorkQueue } from "./work-queue.js";

/**
 * A piece of CPU work queued in a domain: `cost` ns still to run, done on behalf of
 * `owner`. One class (one object shape) for every kind of task keeps the hot path
 * monomorphic. Queues and CPUs never look at `arg`, so by default a task's argument
 * may be of any type.
 */
export class Task<T = any> {
  constructor(
    public cost: Nanos,
    /** Domain id the work is done for: the domain itself, or a guest when the IDD works for it. */
    readonly owner: number,
    /**
     * Called once as `done(arg)`, at the simulated instant the last nanosecond of work has
     * run. Hot paths pass a handler made once and the per-task data as `arg`.
     */
    readonly done: (arg: T) => void,
    readonly arg: T,
    /** Which of the domain's queues the task waits in, for queues that keep several (the IDD's). */
    readonly lane = 0,
  ) {}
}

/**
 * SEDF reservation: `slice` ns in every `period` ns; extratime lets the domain use slack.
 * The credit scheduler reads `weight` (default 256) and `cap` (a fraction of a CPU; 0 or
 * none: uncapped) instead.
 */
export interface SchedParams {
  slice: Nanos;
  period: Nanos;
  extratime: boolean;
  weight?: number;
  cap?: number;
}

export type RunState = "blocked" | "runnable" | "running";

/**
 * A domain with one VCPU, pinned to a physical CPU unless the scenario leaves it free
 * (credit scheduler only). It holds a queue of tasks (FIFO unless told otherwise); a
 * domain with no task (and not CPU-bound) is blocked. It also keeps the counters XenMon
 * reads.
 */
export class Domain {
  /** A CPU-bound domain always has work (a spinning batch job). */
  cpuBound = false;

  state: RunState = "blocked";
  private since: Nanos = 0;
  // Time spent in each state since the start of the run, up to `since`. Three fields
  // rather than a record keyed by state: this is updated at every dispatch.
  private blockedNs: Nanos = 0;
  private runnableNs: Nanos = 0;
  private runningNs: Nanos = 0;
  /** Time paused while not running (see `setPaused`), apart from the three states. */
  private pausedNs: Nanos = 0;
  /** Paused by its scheduler: the credit scheduler parks a capped domain in debt. */
  private paused = false;
  /** Tasks in `queue`, counted here: the CPU asks `hasWork` at every step, and the queues differ in kind. */
  private queued = 0;
  /** Number of times the domain was switched in on a CPU (a decision that keeps it running is none). */
  execCount = 0;
  /** CPU time this domain spent on behalf of each domain id (ground truth for the IDD). */
  readonly onBehalf: Float64Array;

  /** Set by the host: called when work arrives for a blocked domain. */
  onWake: (d: Domain) => void = () => {};

  readonly sched: SchedParams;

  constructor(
    readonly id: number,
    readonly name: string,
    /** The CPU it runs on: its pinned CPU, or, unpinned, wherever the credit scheduler last moved it. */
    public cpu: number,
    sched: SchedParams,
    domainCount: number,
    private readonly queue: WorkQueue = new FifoQueue(),
    /** Pinned to `cpu`; an unpinned domain may run on any CPU (the credit scheduler balances them). */
    readonly pinned = true,
  ) {
    // Time is integral: a fractional slice would leave sub-nanosecond remainders that
    // the clock can never advance past.
    this.sched = { ...sched, slice: Math.round(sched.slice), period: Math.round(sched.period) };
    this.onBehalf = new Float64Array(domainCount);
  }

  hasWork(): boolean {
    return this.cpuBound || this.queued > 0;
  }

  /** Tasks waiting, the running one included (for a net-IDD, its packets' driver and netback stages). */
  get queuedTasks(): number {
    return this.queued;
  }

  /** The head task's remaining cost, or Infinity for a CPU-bound domain with no task. */
  headCost(): Nanos {
    return this.queue.peek()?.cost ?? Infinity;
  }

  /** Whom the head task works for: the domain itself when it is only spinning. */
  headOwner(): number {
    return this.queue.peek()?.owner ?? this.id;
  }

  submit(task: Task): void {
    // The clock moves in whole ns, so a fraction of one could never be run off: the CPU
    // would spin at one instant. Say so instead.
    if (!Number.isInteger(task.cost)) throw new Error(`${this.name}: a task must cost a whole number of ns, got ${task.cost}`);
    this.queue.push(task);
    this.queued++;
    if (this.state === "blocked") this.onWake(this);
  }

  setState(state: RunState, now: Nanos): void {
    const spent = now - this.since;
    if (this.state === "running") this.runningNs += spent;
    else if (this.paused) this.pausedNs += spent;
    else if (this.state === "runnable") this.runnableNs += spent;
    else this.blockedNs += spent;
    this.state = state;
    this.since = now;
  }

  /**
   * Pauses or unpauses the domain from `now` (Xen's vcpu_pause / vcpu_unpause). A paused
   * domain is not in its scheduler's run queue whether or not it has work, so its time
   * off the CPU counts as paused rather than runnable or blocked; the scheduler decides
   * when it runs, the CPU still sets its state.
   */
  setPaused(paused: boolean, now: Nanos): void {
    this.setState(this.state, now);
    this.paused = paused;
  }

  /** Time in `state` up to `now`, counting the stretch still in progress; paused time is in none of them but running. */
  timeInAt(state: RunState, now: Nanos): Nanos {
    const settled = state === "running" ? this.runningNs : state === "runnable" ? this.runnableNs : this.blockedNs;
    const current = this.state === state && (state === "running" || !this.paused);
    return settled + (current ? now - this.since : 0);
  }

  /** Time spent paused off the CPU up to `now`. */
  pausedTimeAt(now: Nanos): Nanos {
    return this.pausedNs + (this.paused && this.state !== "running" ? now - this.since : 0);
  }

  /**
   * Runs `elapsed` ns of work: advances the head tasks, calling `done` for those that
   * finish. Callbacks may queue more work here or elsewhere.
   */
  consume(elapsed: Nanos): void {
    for (let task = this.queue.peek(); elapsed > 0 && task !== undefined; task = this.queue.peek()) {
      const used = Math.min(task.cost, elapsed);
      task.cost -= used;
      elapsed -= used;
      this.onBehalf[task.owner] += used;
      if (task.cost <= 0) this.finishHead();
    }
    if (elapsed > 0) {
      if (!this.cpuBound) throw new Error(`${this.name} ran ${elapsed} ns with no work`);
      this.onBehalf[this.id] += elapsed;
    }
    // Zero-cost tasks that reached the head complete at this same instant.
    for (let task = this.queue.peek(); task !== undefined && task.cost <= 0; task = this.queue.peek()) this.finishHead();
  }

  private finishHead(): void {
    const task = this.queue.shift()!;
    this.queued--;
    task.done(task.arg);
  }
}
