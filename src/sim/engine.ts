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
 * The head (time, seq) of every event source, in two typed arrays indexed by source, so
 * that the engine's scan for the earliest head reads contiguous numbers rather than a
 * field of each source object. Infinity marks a source with nothing pending.
 */
class SourceHeads {
  times = new Float64Array(8).fill(Infinity);
  seqs = new Float64Array(8);
  count = 0;

  /** Room for one more source; returns its index. */
  add(): number {
    if (this.count === this.times.length) {
      const times = new Float64Array(2 * this.count).fill(Infinity);
      times.set(this.times);
      const seqs = new Float64Array(2 * this.count);
      seqs.set(this.seqs);
      this.times = times;
      this.seqs = seqs;
    }
    return this.count++;
  }
}

/**
 * Pending events kept outside the heap, in a structure that already holds them in
 * (time, seq) order, so the engine only ever looks at the head, which each source keeps
 * in the engine's `SourceHeads`. The engine fires the earliest of the heap's top and
 * every source's head, so an event fires at the same point in the global (time, seq)
 * order whether it sits in the heap or in a source.
 */
export abstract class EventSource {
  private readonly index: number;

  constructor(private readonly heads: SourceHeads) {
    this.index = heads.add();
  }

  /** Time of the head event; Infinity when nothing is pending. */
  get headTime(): Nanos {
    return this.heads.times[this.index];
  }

  protected setHead(time: Nanos, seq: number): void {
    this.heads.times[this.index] = time;
    this.heads.seqs[this.index] = seq;
  }

  protected clearHead(): void {
    this.heads.times[this.index] = Infinity;
  }

  /** Removes the head event and runs it; the engine has already moved the clock to `headTime`. */
  abstract fire(): void;
}

/**
 * One re-settable event with a fixed handler, such as a CPU's end-of-step timer: setting
 * it replaces the pending event, clearing it drops it, and neither touches the heap nor
 * allocates.
 */
export class Slot extends EventSource {
  constructor(
    heads: SourceHeads,
    private readonly engine: Engine,
    private readonly handler: () => void,
  ) {
    super(heads);
  }

  get isSet(): boolean {
    return this.headTime !== Infinity;
  }

  set(time: Nanos): void {
    this.setHead(this.engine.checkTime(time), this.engine.nextSeq());
  }

  clear(): void {
    this.clearHead();
  }

  fire(): void {
    this.clearHead();
    this.handler();
  }
}

/**
 * A FIFO of events posted in time order, such as the packets in flight on a link (each
 * arrives no earlier than the one sent before it). Events live in a ring of parallel
 * arrays, so posting one allocates nothing.
 */
export class Channel extends EventSource {
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  private handlers: Array<((arg: any) => void) | undefined> = new Array(64).fill(undefined);
  private args: unknown[] = new Array(64).fill(undefined);
  private head = 0;
  private count = 0;
  private lastTime = -Infinity;

  constructor(
    heads: SourceHeads,
    private readonly engine: Engine,
  ) {
    super(heads);
  }

  post<T>(time: Nanos, handler: (arg: T) => void, arg: T): void {
    const t = this.engine.checkTime(time);
    if (t < this.lastTime) throw new Error(`channel event out of order: ${t} < ${this.lastTime}`);
    this.lastTime = t;
    if (this.count === this.times.length) this.grow();
    const mask = this.times.length - 1;
    const i = (this.head + this.count) & mask;
    const seq = this.engine.nextSeq();
    this.times[i] = t;
    this.seqs[i] = seq;
    this.handlers[i] = handler;
    this.args[i] = arg;
    if (this.count++ === 0) this.setHead(t, seq);
  }

  fire(): void {
    const i = this.head;
    const handler = this.handlers[i]!;
    const arg = this.args[i];
    this.handlers[i] = undefined;
    this.args[i] = undefined;
    this.head = (i + 1) & (this.times.length - 1);
    if (--this.count === 0) this.clearHead();
    else this.setHead(this.times[this.head], this.seqs[this.head]);
    handler(arg);
  }

  /** Doubles the ring (its length stays a power of two), unrolling it to start at 0. */
  private grow(): void {
    const n = this.times.length;
    const order = Array.from({ length: n }, (_, k) => (this.head + k) & (n - 1));
    const times = new Float64Array(2 * n);
    const seqs = new Float64Array(2 * n);
    order.forEach((from, to) => {
      times[to] = this.times[from];
      seqs[to] = this.seqs[from];
    });
    this.handlers = [...order.map((from) => this.handlers[from]), ...new Array(n).fill(undefined)];
    this.args = [...order.map((from) => this.args[from]), ...new Array(n).fill(undefined)];
    this.times = times;
    this.seqs = seqs;
    this.head = 0;
  }
}

/**
 * The discrete-event engine: a clock, a heap of actions and a few event sources kept
 * outside the heap (slots and channels, for the events that come by the million). It
 * knows nothing of Xen. Each simulation owns its engine, so tests can run several side
 * by side.
 */
export class Engine {
  private readonly queue = new EventQueue();
  private readonly sources: EventSource[] = [];
  private readonly heads = new SourceHeads();
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

  /** A re-settable event outside the heap (see `Slot`). */
  slot(handler: () => void): Slot {
    const slot = new Slot(this.heads, this, handler);
    this.sources.push(slot);
    return slot;
  }

  /** A FIFO of time-ordered events outside the heap (see `Channel`). */
  channel(): Channel {
    const channel = new Channel(this.heads, this);
    this.sources.push(channel);
    return channel;
  }

  /** The next sequence number: ties at equal times fire in the order events were scheduled. */
  nextSeq(): number {
    return this.seq++;
  }

  /** `time` rounded to a whole nanosecond; throws if it lies in the past. */
  checkTime(time: Nanos): Nanos {
    if (!(time >= this.clock)) {
      throw new Error(`event scheduled in the past: ${time} < ${this.clock}`);
    }
    return Math.round(time);
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
    const ev: SimEvent = { time: this.checkTime(time), seq: this.seq++, action: handler, arg, pos: -1 };
    this.queue.push(ev);
    return ev;
  }

  /** Takes a pending event out of the queue; cancelling one that has fired, or twice, does nothing. */
  cancel(ev: SimEvent | undefined): void {
    if (ev) this.queue.remove(ev);
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
    if (this.queue.peekTime() <= t) return false;
    const times = this.heads.times;
    for (let i = 0; i < this.heads.count; i++) if (times[i] <= t) return false;
    this.clock = t;
    this.fired++;
    return true;
  }

  /** Runs events up to and including time `until`; the clock then reads `until`. */
  run(until: Nanos): void {
    const q = this.queue;
    const sources = this.sources;
    const heads = this.heads;
    this.horizon = until;
    for (;;) {
      // The earliest of the heap's top and the sources' heads, by (time, seq).
      let time = q.peekTime();
      let seq = q.peekSeq();
      let source = -1;
      const times = heads.times;
      for (let i = 0; i < heads.count; i++) {
        const t = times[i];
        if (t < time || (t === time && heads.seqs[i] < seq)) {
          time = t;
          seq = heads.seqs[i];
          source = i;
        }
      }
      if (time > until || time === Infinity) break;
      if (source >= 0) {
        this.clock = time;
        this.fired++;
        sources[source].fire();
        continue;
      }
      const next = q.pop()!;
      this.clock = time;
      this.fired++;
      next.action(next.arg);
    }
    this.horizon = -1;
    this.clock = until;
  }
}
