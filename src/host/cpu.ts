import type { Engine, Nanos, Slot } from "../sim/engine.js";
import type { Domain } from "./domain.js";
import type { Scheduler } from "./scheduler.js";

export type SwitchReason = "blocked" | "slice over" | "preempted" | "";

/** Told of every switch and wake-up on a CPU: what a scheduling trace records (src/model/trace.ts). */
export interface CpuObserver {
  /**
   * `next` (null: idle) replaced `prev` (null: idle), which had run, or idled, `ran` ns
   * since it was switched in, and left because it `blocked` (no work left), its grant
   * was over (`slice over`), or it was `preempted` (by a wake-up, or its scheduler's
   * state changing); "" when the CPU was idle.
   */
  switched(cpu: number, now: Nanos, prev: Domain | null, next: Domain | null, ran: Nanos, why: SwitchReason): void;
  woke(cpu: number, now: Nanos, dom: Domain): void;
}

/**
 * One physical CPU: runs the domain its scheduler picks, advances that domain's tasks
 * in simulated time, and asks the scheduler again when the granted time ends, the
 * domain runs out of work, or a wake-up calls for preemption.
 */
export class PhysicalCpu {
  private current: Domain | null = null;
  private dispatchedAt: Nanos = 0;
  /** Work done by `current` has been accounted up to this time. */
  private settledAt: Nanos = 0;
  /** The scheduler's grant for `current` ends here. */
  private grantEnd: Nanos = 0;
  /** The end of the current step (or the idle CPU's wake-up): at most one is pending. */
  private readonly stepEnd: Slot;
  /** A reschedule posted for the current instant (see `postReschedule`). */
  private readonly reschedulePost: Slot;
  /** Time with no domain running, since the start. */
  private idle: Nanos = 0;
  private idleSince: Nanos = 0;
  /** When `current` was switched in (a decision that keeps it running is no switch). */
  private switchedAt: Nanos = 0;
  /** Set to trace this CPU's switches and wake-ups; null (no cost but a check) otherwise. */
  observer: CpuObserver | null = null;

  constructor(
    readonly index: number,
    private readonly engine: Engine,
    readonly scheduler: Scheduler,
  ) {
    // Slots rather than queued events: a CPU sets its step timer millions of times a run.
    this.stepEnd = engine.slot(() => this.onTimer());
    this.reschedulePost = engine.slot(() => this.reschedule());
  }

  get running(): Domain | null {
    return this.current;
  }

  /**
   * CPU time `dom` has spent on behalf of domain `owner` up to `now`, counting the stretch
   * the running task has run since the CPU last settled its accounts.
   */
  onBehalfAt(dom: Domain, owner: number, now: Nanos): Nanos {
    const settled = dom.onBehalf[owner];
    if (this.current !== dom || now <= this.settledAt) return settled;
    return dom.headOwner() === owner ? settled + (now - this.settledAt) : settled;
  }

  idleTimeAt(now: Nanos): Nanos {
    return this.idle + (this.current === null ? now - this.idleSince : 0);
  }

  add(dom: Domain): void {
    this.scheduler.add(dom, this.engine.now);
    if (dom.hasWork()) dom.setState("runnable", this.engine.now);
    dom.onWake = (d) => this.wake(d);
  }

  /** Takes over an unpinned domain its scheduler took from another CPU's run queue. */
  private adopt(dom: Domain): void {
    dom.cpu = this.index;
    dom.onWake = (d) => this.wake(d);
  }

  /** Starts scheduling at the current time. */
  start(): void {
    this.postReschedule();
  }

  /**
   * The scheduler's state changed outside a decision (the credit scheduler's accounting
   * parked or unparked a domain): ask it again at the current time.
   */
  poke(): void {
    this.postReschedule();
  }

  private wake(dom: Domain): void {
    const now = this.engine.now;
    dom.setState("runnable", now);
    this.observer?.woke(this.index, now, dom);
    if (this.scheduler.wake(dom, now, this.current)) this.postReschedule();
  }

  /**
   * Rescheduling is posted as an event at the current time rather than done inline, so
   * that a wake-up raised from inside a task's completion never re-enters the CPU.
   */
  private postReschedule(): void {
    if (!this.reschedulePost.isSet) this.reschedulePost.set(this.engine.now);
  }

  /** Charges the running domain for the time since the last settlement. */
  private settle(): void {
    const now = this.engine.now;
    if (this.current !== null && now > this.settledAt) this.current.consume(now - this.settledAt);
    this.settledAt = now;
  }

  private reschedule(): void {
    if (this.dispatch()) this.runCurrent();
  }

  /**
   * Settles the outgoing domain's account, asks the scheduler whom to run next and
   * switches to it. Returns false when the CPU goes idle (its wake-up, if any, queued).
   */
  private dispatch(): boolean {
    const now = this.engine.now;
    this.stepEnd.clear();
    this.settle();

    const prev = this.current;
    if (prev !== null) prev.setState(prev.hasWork() ? "runnable" : "blocked", now);
    else this.idle += now - this.idleSince;
    const grantOver = now >= this.grantEnd;

    const { next, runFor } = this.scheduler.pick(now, prev, prev === null ? 0 : now - this.dispatchedAt);
    this.current = next;
    this.dispatchedAt = now;
    if (next !== prev) {
      if (this.observer !== null) {
        const why = prev === null ? "" : !prev.hasWork() ? "blocked" : grantOver ? "slice over" : "preempted";
        this.observer.switched(this.index, now, prev, next, now - this.switchedAt, why);
      }
      this.switchedAt = now;
    }
    this.grantEnd = now + runFor;
    if (next === null) {
      this.idleSince = now;
      if (Number.isFinite(runFor)) this.stepEnd.set(this.grantEnd);
      return false;
    }
    if (next.cpu !== this.index) this.adopt(next);
    next.setState("running", now);
    // Xen's scheduler lets a domain it picks again keep running without a switch, and
    // XenMon counts an execution only at a switch (TRC_SCHED_SWITCH_INFNEXT).
    if (next !== prev) next.execCount++;
    return true;
  }

  /** The running domain's head task finished or its grant ended (or the idle CPU's timer rang). */
  private onTimer(): void {
    this.settle();
    this.runCurrent();
  }

  /**
   * Runs the current domain task after task until its grant ends or it runs out of work,
   * then dispatches again. Each step ends at the earlier of the head task finishing and
   * the grant ending; it is taken on the engine's fast path when nothing else can fire
   * first, so an IDD working through a queue of packets costs no queued event per packet.
   */
  private runCurrent(): void {
    for (;;) {
      const dom = this.current;
      if (dom === null || this.engine.now >= this.grantEnd || !dom.hasWork()) {
        if (!this.dispatch()) return;
        continue;
      }
      const end = Math.min(this.engine.now + dom.headCost(), this.grantEnd);
      if (!this.engine.tryAdvance(end)) {
        this.stepEnd.set(end);
        return;
      }
      this.settle();
    }
  }
}
