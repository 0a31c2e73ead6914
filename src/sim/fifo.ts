/**
 * A first-in, first-out queue with O(1) `push` and `shift`: a ring whose length is a
 * power of two, doubled when full (an array's own shift copies the whole array once it
 * is large, which made a long backlog quadratic). Memory stays at the longest the queue
 * has been.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = new Array(8).fill(undefined);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** Appends `item`; returns the new length. */
  push(item: T): number {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    return ++this.count;
  }

  peek(): T | undefined {
    return this.count > 0 ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  /** Doubles the ring, unrolling it to start at 0. */
  private grow(): void {
    const n = this.items.length;
    const items: (T | undefined)[] = new Array(2 * n).fill(undefined);
    for (let k = 0; k < n; k++) items[k] = this.items[(this.head + k) & (n - 1)];
    this.items = items;
    this.head = 0;
  }
}
