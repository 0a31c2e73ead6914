import { EventQueue, type SimEvent } from "./event-queue.js";

/** Simulated time is an integer count of nanoseconds. */
export type Nanos = number;

export const NS = 1;
export const US = 1_000;
export const MS = 1_000_000;
export const SEC = 1_000_000_000;

export interface EngineOptions {
  /**
   * Whether `tryAdvance` may take its fast path. Turning it off makes every such step a
   * queued event; results must be identical either way (test/engine.test.ts, test/fast-path.test.ts).
   */
  fastPath?: boolean;
}

/**
 * The discrete-event engine: a clock and a queue of actions. It knows nothing of Xen.
 * Each simulation owns its engine, so tests can run several side by side.
 */
export class Engine {
  private readonly queue = new EventQueue();
  private seq = 0;
  private clock: Nanos = 0;
  private fired = 0;
  /** End of the current `run`: the fast path never goes past it. */
  private horizon: Nanos = -1;
  private readonly fastPath: boolean;

  constructor(options: EngineOptions = {}) {
    this.fastPath = options.fastPath ?? true;
  }

  get now(): Nanos {
    return this.clock;
  }

  /** Number of events executed so far, queued or taken on the fast path (cancelled ones are not counted). */
  get eventsFired(): number {
    return this.fired;
  }

  /** Schedules `action` at absolute time `time` (never in the past). */
  at(time: Nanos, action: () => void): SimEvent {
    return this.schedule(time, action, undefined);
  }

  after(delay: Nanos, action: () => void): SimEvent {
    return this.schedule(this.clock + delay, action, undefined);
  }

  /**
   * Schedules `handler(arg)` at `time`. Hot paths pass a handler created once and the
   * per-event data as `arg`, so no closure is allocated per event.
   */
  schedule<T>(time: Nanos, handler: (arg: T) => void, arg: T): SimEvent {
    if (!(time >= this.clock)) {
      throw new Error(`event scheduled in the past: ${time} < ${this.clock}`);
    }
    const ev: SimEvent = { time: Math.round(time), seq: this.seq++, action: handler, arg, cancelled: false };
    this.queue.push(ev);
    return ev;
  }

  /** Cancelled events stay in the heap and are skipped when popped (lazy deletion). */
  cancel(ev: SimEvent | undefined): void {
    if (ev) ev.cancelled = true;
  }

  /**
   * The fast path for an event the caller is about to schedule at `time`: when that
   * event would be the very next to fire (nothing pending at or before `time`, and
   * `time` within the current run), the clock moves to `time`, the step counts as a
   * fired event, and the caller does the work at once. Otherwise returns false and the
   * caller schedules the event as usual. Either way the work happens at the same
   * simulated instant and in the same order relative to every other event.
   */
  tryAdvance(time: Nanos): boolean {
    if (!this.fastPath || time > this.horizon) return false;
    const t = Math.round(time);
    if (t < this.clock) return false;
    const q = this.queue;
    for (let next = q.peek(); next !== undefined; next = q.peek()) {
      if (!next.cancelled) {
        if (next.time <= t) return false;
        break;
      }
      q.pop();
    }
    this.clock = t;
    this.fired++;
    return true;
  }

  /** Runs events up to and including time `until`; the clock then reads `until`. */
  run(until: Nanos): void {
    const q = this.queue;
    this.horizon = until;
    for (;;) {
      const next = q.peek();
      if (next === undefined || next.time > until) break;
      q.pop();
      if (next.cancelled) continue;
      this.clock = next.time;
      this.fired++;
      next.action(next.arg);
    }
    this.horizon = -1;
    this.clock = until;
  }
}
