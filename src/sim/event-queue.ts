/**
 * A binary min-heap of pending events, ordered by (time, seq), from which an event can
 * also be removed before its time.
 *
 * The sequence number is assigned at insertion, so events at equal times fire in the
 * order they were scheduled (FIFO). That makes runs reproducible without asking
 * callers to break ties themselves.
 */
export interface SimEvent {
  readonly time: number;
  readonly seq: number;
  /** Called as `action(arg)`: a handler shared by many events needs no closure per event. */
  readonly action: (arg: any) => void;
  readonly arg: unknown;
  /** Where the event sits in the heap's arrays; -1 once it has left the heap. */
  pos: number;
}

/**
 * The heap keeps each entry's (time, seq) key in typed arrays beside the event objects,
 * so sifting compares numbers in contiguous memory instead of chasing object pointers.
 * Each event knows its position, so `remove` takes it out at once: a cancelled timer
 * (a TCP retransmission or SYN retry, due seconds later) leaves nothing behind to be
 * skipped later, nor garbage that lives long enough to reach the old generation.
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
    this.siftUp(this.n++, ev);
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
    const top = this.events[0];
    this.removeAt(0);
    return top;
  }

  /** Takes `ev` out of the heap if it is still there. */
  remove(ev: SimEvent): void {
    if (ev.pos >= 0) this.removeAt(ev.pos);
  }

  /** Removes the entry at `i`, filling the hole with the last entry. */
  private removeAt(i: number): void {
    const events = this.events;
    events[i].pos = -1;
    const n = --this.n;
    const last = events[n];
    events[n] = undefined as unknown as SimEvent; // let the removed event be collected
    if (i === n) return;
    // The last entry moves into the hole, then up or down to its place.
    if (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = this.times[parent];
      if (last.time < pt || (last.time === pt && last.seq < this.seqs[parent])) {
        this.siftUp(i, last);
        return;
      }
    }
    this.siftDown(i, last);
  }

  /** Places `ev` at hole `i` or above it. */
  private siftUp(i: number, ev: SimEvent): void {
    const times = this.times;
    const seqs = this.seqs;
    const events = this.events;
    const t = ev.time;
    const s = ev.seq;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent];
      if (pt < t || (pt === t && seqs[parent] < s)) break;
      times[i] = pt;
      seqs[i] = seqs[parent];
      (events[i] = events[parent]).pos = i;
      i = parent;
    }
    times[i] = t;
    seqs[i] = s;
    events[i] = ev;
    ev.pos = i;
  }

  /** Places `ev` at hole `i` or below it. */
  private siftDown(i: number, ev: SimEvent): void {
    const times = this.times;
    const seqs = this.seqs;
    const events = this.events;
    const n = this.n;
    const t = ev.time;
    const s = ev.seq;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const r = child + 1;
      if (r < n && (times[r] < times[child] || (times[r] === times[child] && seqs[r] < seqs[child]))) child = r;
      const ct = times[child];
      if (t < ct || (t === ct && s < seqs[child])) break;
      times[i] = ct;
      seqs[i] = seqs[child];
      (events[i] = events[child]).pos = i;
      i = child;
    }
    times[i] = t;
    seqs[i] = s;
    events[i] = ev;
    ev.pos = i;
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
