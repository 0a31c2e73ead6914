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
  readonly action: () => void;
  cancelled: boolean;
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

export class EventQueue {
  private readonly heap: SimEvent[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(ev: SimEvent): void {
    const h = this.heap;
    let i = h.length;
    h.push(ev);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(ev, h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = ev;
  }

  peek(): SimEvent | undefined {
    return this.heap[0];
  }

  pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    // Sift the last element down from the root.
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(h[r], h[l]) ? r : l;
      if (!before(h[child], last)) break;
      h[i] = h[child];
      i = child;
    }
    h[i] = last;
    return top;
  }
}
