import { EventQueue, type SimEvent } from "./event-queue.js";

/** Simulated time is an integer count of nanoseconds. */
export type Nanos = number;

export const NS = 1;
export const US = 1_000;
export const MS = 1_000_000;
export const SEC = 1_000_000_000;

/**
 * The discrete-event engine: a clock and a queue of actions. It knows nothing of Xen.
 * Each simulation owns its engine, so tests can run several side by side.
 */
export class Engine {
  private readonly queue = new EventQueue();
  private seq = 0;
  private clock: Nanos = 0;
  private fired = 0;

  get now(): Nanos {
    return this.clock;
  }

  /** Number of events executed so far (cancelled ones are not counted). */
  get eventsFired(): number {
    return this.fired;
  }

  /** Schedules `action` at absolute time `time` (never in the past). */
  at(time: Nanos, action: () => void): SimEvent {
    if (!(time >= this.clock)) {
      throw new Error(`event scheduled in the past: ${time} < ${this.clock}`);
    }
    const ev: SimEvent = { time: Math.round(time), seq: this.seq++, action, cancelled: false };
    this.queue.push(ev);
    return ev;
  }

  after(delay: Nanos, action: () => void): SimEvent {
    return this.at(this.clock + delay, action);
  }

  /** Cancelled events stay in the heap and are skipped when popped (lazy deletion). */
  cancel(ev: SimEvent | undefined): void {
    if (ev) ev.cancelled = true;
  }

  /** Runs events up to and including time `until`; the clock then reads `until`. */
  run(until: Nanos): void {
    const q = this.queue;
    for (;;) {
      const next = q.peek();
      if (next === undefined || next.time > until) break;
      q.pop();
      if (next.cancelled) continue;
      this.clock = next.time;
      this.fired++;
      next.action();
    }
    this.clock = until;
  }
}
