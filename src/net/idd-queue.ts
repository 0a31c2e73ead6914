import type { Task } from "../host/domain.js";
import { FifoQueue, type WorkQueue } from "../host/work-queue.js";

/** Lane of the NIC driver's receive work; netback's lanes are numbered from 1. */
export const DRIVER_LANE = 0;

/**
 * How netback orders the packets of different guests once the driver is done.
 * - "fifo": arrival order, one queue for every guest and direction.
 * - "round-robin": one packet at a time from per-guest, per-direction queues.
 * - "xen3": as Xen 3.0's netback does it. Packets for guests wait in one FIFO
 *   (net_rx_action drains `rx_queue` in order), while packets from guests are taken one
 *   per interface in turn (net_tx_action takes a request from the first interface on
 *   `net_schedule_list` and puts it back at the tail). The two tasklets alternate.
 */
export type NetbackOrder = "fifo" | "round-robin" | "xen3";

export type Direction = "rx" | "tx";

/**
 * How the net-IDD orders its work. The NIC driver's receive processing comes first (in
 * Linux it runs in the NET_RX softirq, ahead of netback's tasklets), so the NIC ring is
 * drained whenever the IDD runs. Netback's lanes are gathered in groups: groups take
 * turns, one packet each, and within a group its lanes take turns.
 */
export class IddWorkQueue implements WorkQueue {
  private readonly lanes: FifoQueue[] = [new FifoQueue()];
  /** Lane numbers per group; group 0 receives, group 1 (if any) transmits. */
  private readonly groups: number[][] = [];
  /** Next lane to try in each group (an index into the group). */
  private readonly nextInGroup: number[] = [];
  private nextGroup = 0;
  private current: Task | undefined;
  private queued = 0;

  constructor(private readonly order: NetbackOrder = "fifo") {}

  /** A lane for one guest's traffic in one direction; returns its number. */
  addLane(direction: Direction): number {
    const shared = this.order === "fifo" || (this.order === "xen3" && direction === "rx");
    const group = this.order === "xen3" && direction === "tx" ? 1 : 0;
    while (this.groups.length <= group) {
      this.groups.push([]);
      this.nextInGroup.push(0);
    }
    if (shared && this.groups[group].length > 0) return this.groups[group][0];
    this.lanes.push(new FifoQueue());
    const lane = this.lanes.length - 1;
    this.groups[group].push(lane);
    return lane;
  }

  get size(): number {
    return this.queued + (this.current ? 1 : 0);
  }

  push(task: Task): void {
    this.lanes[task.lane].push(task);
    this.queued++;
  }

  peek(): Task | undefined {
    if (this.current === undefined && this.queued > 0) {
      this.current = this.lanes[DRIVER_LANE].shift() ?? this.nextTurn();
      this.queued--;
    }
    return this.current;
  }

  shift(): Task | undefined {
    const task = this.peek();
    this.current = undefined;
    return task;
  }

  private nextTurn(): Task | undefined {
    const groups = this.groups.length;
    for (let g = 0; g < groups; g++) {
      const group = this.nextGroup;
      this.nextGroup = group + 1 >= groups ? 0 : group + 1;
      const task = this.nextInLanes(group);
      if (task !== undefined) return task;
    }
    return undefined;
  }

  private nextInLanes(group: number): Task | undefined {
    const lanes = this.groups[group];
    const n = lanes.length;
    for (let k = 0; k < n; k++) {
      const index = this.nextInGroup[group];
      this.nextInGroup[group] = index + 1 >= n ? 0 : index + 1;
      const task = this.lanes[lanes[index]].shift();
      if (task !== undefined) return task;
    }
    return undefined;
  }
}
