import type { Task } from "./domain.js";

/**
 * The order in which a domain works through its pending tasks. Once `peek` has named a
 * task it must keep naming it until `shift` removes it: a task that has started is
 * finished before another begins.
 */
export interface WorkQueue {
  readonly size: number;
  push(task: Task): void;
  peek(): Task | undefined;
  shift(): Task | undefined;
}

/** First in, first out: a guest kernel working through interrupts and requests. */
export class FifoQueue implements WorkQueue {
  private items: Task[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(task: Task): void {
    this.items.push(task);
  }

  peek(): Task | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): Task | undefined {
    if (this.head >= this.items.length) return undefined;
    const task = this.items[this.head++];
    // Compact now and then so memory stays flat on long runs.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return task;
  }
}
