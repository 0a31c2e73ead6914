import type { Nanos } from "../sim/engine.js";

/** A piece of CPU work queued in a domain: `cost` ns still to run, done on behalf of `owner`. */
export interface Task {
  cost: Nanos;
  /** Domain id the work is done for: the domain itself, or a guest when the IDD works for it. */
  readonly owner: number;
  /** Called once, at the simulated instant the last nanosecond of work has run. */
  done(): void;
}

/** SEDF reservation: `slice` ns in every `period` ns; extratime lets the domain use slack. */
export interface SchedParams {
  slice: Nanos;
  period: Nanos;
  extratime: boolean;
}

export type RunState = "blocked" | "runnable" | "running";

/**
 * A domain with one VCPU pinned to a physical CPU. It holds a FIFO of tasks; a domain
 * with no task (and not CPU-bound) is blocked. It also keeps the counters XenMon reads.
 */
export class Domain {
  private readonly tasks: Task[] = [];
  private head = 0;
  /** A CPU-bound domain always has work (a spinning batch job). */
  cpuBound = false;

  state: RunState = "blocked";
  private since: Nanos = 0;
  /** Time spent in each state since the start of the run. */
  readonly timeIn: Record<RunState, Nanos> = { blocked: 0, runnable: 0, running: 0 };
  /** Number of times the domain was dispatched on its CPU. */
  execCount = 0;
  /** CPU time this domain spent on behalf of each domain id (ground truth for the IDD). */
  readonly onBehalf: Float64Array;

  /** Set by the host: called when work arrives for a blocked domain. */
  onWake: (d: Domain) => void = () => {};

  readonly sched: SchedParams;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly cpu: number,
    sched: SchedParams,
    domainCount: number,
  ) {
    // Time is integral: a fractional slice would leave sub-nanosecond remainders that
    // the clock can never advance past.
    this.sched = { ...sched, slice: Math.round(sched.slice), period: Math.round(sched.period) };
    this.onBehalf = new Float64Array(domainCount);
  }

  hasWork(): boolean {
    return this.cpuBound || this.head < this.tasks.length;
  }

  get queuedTasks(): number {
    return this.tasks.length - this.head;
  }

  /** The head task's remaining cost, or Infinity for a CPU-bound domain with no task. */
  headCost(): Nanos {
    return this.head < this.tasks.length ? this.tasks[this.head].cost : Infinity;
  }

  submit(task: Task): void {
    this.tasks.push(task);
    if (this.state === "blocked") this.onWake(this);
  }

  setState(state: RunState, now: Nanos): void {
    this.timeIn[this.state] += now - this.since;
    this.state = state;
    this.since = now;
  }

  /** Time in `state` up to `now`, counting the stretch still in progress. */
  timeInAt(state: RunState, now: Nanos): Nanos {
    return this.timeIn[state] + (this.state === state ? now - this.since : 0);
  }

  /**
   * Runs `elapsed` ns of work: advances the head tasks, calling `done` for those that
   * finish. Callbacks may queue more work here or elsewhere.
   */
  consume(elapsed: Nanos): void {
    while (elapsed > 0 && this.head < this.tasks.length) {
      const task = this.tasks[this.head];
      const used = Math.min(task.cost, elapsed);
      task.cost -= used;
      elapsed -= used;
      this.onBehalf[task.owner] += used;
      if (task.cost <= 0) this.finishHead(task);
    }
    if (elapsed > 0) {
      if (!this.cpuBound) throw new Error(`${this.name} ran ${elapsed} ns with no work`);
      this.onBehalf[this.id] += elapsed;
    }
    // Zero-cost tasks that reached the head complete at this same instant.
    while (this.head < this.tasks.length && this.tasks[this.head].cost <= 0) {
      this.finishHead(this.tasks[this.head]);
    }
  }

  private finishHead(task: Task): void {
    this.head++;
    // Compact the array now and then so memory stays flat on long runs.
    if (this.head > 1024 && this.head * 2 > this.tasks.length) {
      this.tasks.splice(0, this.head);
      this.head = 0;
    }
    task.done();
  }
}
