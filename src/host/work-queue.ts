import { Fifo } from "../sim/fifo.js";
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
export class FifoQueue extends Fifo<Task> implements WorkQueue {
  get size(): number {
    return this.length;
  }
}
