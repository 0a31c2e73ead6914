import type { Engine, Nanos } from "./engine.js";
import type { SimEvent } from "./event-queue.js";

/**
 * A restartable one-shot timer, like a TCP retransmission or delayed-ACK timer: set and
 * cleared far more often than it fires. Clearing it, or moving its deadline later,
 * queues nothing; the event already queued, when it comes due before the deadline,
 * re-queues itself at the deadline. So a timer costs a few queued events over its life,
 * not one per restart, and the queue stays small.
 */
export class Timer {
  /** When the handler is due, or -1 when the timer is not set. */
  private deadline: Nanos = -1;
  private pending: SimEvent | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly handler: () => void,
  ) {}

  get isSet(): boolean {
    return this.deadline >= 0;
  }

  /** (Re)sets the timer to fire at absolute time `time`. */
  set(time: Nanos): void {
    const t = Math.round(time);
    this.deadline = t;
    if (this.pending !== undefined && this.pending.time <= t) return;
    this.engine.cancel(this.pending);
    this.pending = this.engine.schedule(t, Timer.due, this);
  }

  setAfter(delay: Nanos): void {
    this.set(this.engine.now + delay);
  }

  clear(): void {
    this.deadline = -1;
  }

  private static due(timer: Timer): void {
    timer.pending = undefined;
    const deadline = timer.deadline;
    if (deadline < 0) return;
    if (timer.engine.now < deadline) {
      timer.pending = timer.engine.schedule(deadline, Timer.due, timer);
      return;
    }
    timer.deadline = -1;
    timer.handler();
  }
}
