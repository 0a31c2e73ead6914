import type { Task } from "../host/domain.js";
import { FifoQueue, type WorkQueue } from "../host/work-queue.js";

/** Lane of the NIC driver's receive work; guests' netback lanes are numbered from 1. */
export const DRIVER_LANE = 0;

/** How netback orders the packets of different guests. */
export type NetbackOrder = "fifo" | "round-robin";

/**
 * How the net-IDD orders its work. The NIC driver's receive processing comes first (in
 * Linux it runs in the NET_RX softirq, ahead of netback's tasklets), so the NIC ring is
 * drained whenever the IDD runs. Netback's work then runs either in arrival order
 * ("fifo": one queue for every guest and direction) or round-robin over per-guest,
 * per-direction queues, one packet at a time ("round-robin": as net_rx_action and
 * net_tx_action walk their lists of interfaces).
 */
export class IddWorkQueue implements WorkQueue {
  private readonly driver = new FifoQueue();
  private readonly lanes: FifoQueue[] = [new FifoQueue()];
  private next = 1;
  private current: Task | undefined;
  private queued = 0;

  constructor(private readonly order: NetbackOrder = "fifo") {}

  /** A lane for one guest's traffic in one direction; returns its number. */
  addLane(): number {
    if (this.order === "fifo" && this.lanes.length > 1) return 1;
    this.lanes.push(new FifoQueue());
    return this.lanes.length - 1;
  }

  get size(): number {
    return this.queued + (this.current ? 1 : 0);
  }

  push(task: Task): void {
    (task.lane === DRIVER_LANE ? this.driver : this.lanes[task.lane]).push(task);
    this.queued++;
  }

  peek(): Task | undefined {
    if (this.current === undefined && this.queued > 0) {
      this.current = this.driver.shift() ?? this.nextRoundRobin();
      this.queued--;
    }
    return this.current;
  }

  shift(): Task | undefined {
    const task = this.peek();
    this.current = undefined;
    return task;
  }

  private nextRoundRobin(): Task | undefined {
    const n = this.lanes.length;
    for (let k = 0; k < n - 1; k++) {
      const lane = this.next;
      this.next = this.next + 1 >= n ? 1 : this.next + 1;
      const task = this.lanes[lane].shift();
      if (task !== undefined) return task;
    }
    return undefined;
  }
}
