/**
 * A binary min-heap of pending events, ordered by (time, seq).
 *
 * The sequence number is assigned at insertion, so events at equal times fire in the
 * order they were scheduled (FIFO). That makes runs reproducible without asking
 * callers to break ties themselves.
 */
export interface SimEvent {
  readonly time: number;
  readonly seq: number;
  /** Called as `action(arg)`: a handler shared by many events needs no closure per event. */
  action: (arg: any) => void;
  /** Cleared with `action` when the event is cancelled (see `Engine.cancel`). */
  arg: unknown;
  cancelled: boolean;
}

/**
 * The heap keeps each entry's (time, seq) key in typed arrays beside the event objects,
 * so sifting compares numbers in contiguous memory instead of chasing object pointers.
 */
export class EventQueue {
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private readonly events: SimEvent[] = [];
  private n = 0;

  get size(): number {
    return this.n;
  }

  push(ev: SimEvent): void {
    if (this.n === this.times.length) this.grow();
    const times = this.times;
    const seqs = this.seqs;
    const events = this.events;
    const t = ev.time;
    const s = ev.seq;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent];
      if (pt < t || (pt === t && seqs[parent] < s)) break;
      times[i] = pt;
      seqs[i] = seqs[parent];
      events[i] = events[parent];
      i = parent;
    }
    times[i] = t;
    seqs[i] = s;
    events[i] = ev;
  }

  peek(): SimEvent | undefined {
    return this.n > 0 ? this.events[0] : undefined;
  }

  /** Time of the first event, or Infinity when the queue is empty. */
  peekTime(): number {
    return this.n > 0 ? this.times[0] : Infinity;
  }

  /** Sequence number of the first event (meaningful only when the queue is not empty). */
  peekSeq(): number {
    return this.seqs[0];
  }

  pop(): SimEvent | undefined {
    if (this.n === 0) return undefined;
    const times = this.times;
    const seqs = this.seqs;
    const events = this.events;
    const top = events[0];
    const n = --this.n;
    // Sift the last entry down from the root.
    const t = times[n];
    const s = seqs[n];
    const last = events[n];
    events[n] = undefined as unknown as SimEvent; // let the popped event be collected
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const r = child + 1;
      if (r < n && (times[r] < times[child] || (times[r] === times[child] && seqs[r] < seqs[child]))) child = r;
      const ct = times[child];
      if (t < ct || (t === ct && s < seqs[child])) break;
      times[i] = ct;
      seqs[i] = seqs[child];
      events[i] = events[child];
      i = child;
    }
    times[i] = t;
    seqs[i] = s;
    events[i] = last;
    return top;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }
}
