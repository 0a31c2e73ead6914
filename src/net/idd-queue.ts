import type { Task } from "../host/domain.js";
import { FifoQueue, type WorkQueue } from "../host/work-queue.js";

/**
 * Lane of the work done in interrupt context, ahead of the backends: the NIC driver's
 * receive processing and the disk's completions. Netback's and blkback's lanes are
 * numbered from 1.
 */
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

/** What a lane carries: one direction of a guest's network traffic, or its block requests. */
export type LaneKind = Direction | "blk";

/**
 * Blkback's thread takes up to this many requests off one guest's ring before it turns
 * to the next guest's (BATCH_PER_DOMAIN in Xen 3.0's blkback); netback takes one packet
 * per guest in turn.
 */
export const BLKBACK_BATCH = 16;

/**
 * Packets the NET_RX softirq takes in one run before the other softirqs get theirs:
 * `netdev_budget` in Linux 2.6.16's net/core/dev.c. Past it, net_rx_action re-raises
 * itself and __do_softirq goes on to the TASKLET softirq, where netback's tasklets run.
 */
export const NETDEV_BUDGET = 300;

/**
 * How the net-IDD orders its work. The NIC driver's receive processing comes first (in
 * Linux it runs in the NET_RX softirq, ahead of netback's tasklets), so the NIC ring is
 * drained whenever the IDD runs, but for at most `driverBudget` packets in a row while
 * the backends have work: then the backends get a turn of the tasks they had waiting,
 * as netback's tasklets work through their queues, before the driver goes on. Without
 * the budget, a receive rate whose driver work alone fills the IDD's CPU would starve
 * netback for good (receive livelock), which Linux's softirq loop does not allow.
 * Netback's lanes are gathered in groups: groups take turns, one packet each, and within
 * a group its lanes take turns. Blkback's lanes, one per guest (its thread serves the
 * guests' rings in turn, off blkio_schedule_list, up to BLKBACK_BATCH requests a turn),
 * are a group of their own, made when the first guest with a disk is attached, so a
 * host without one orders its packets as before.
 */
export class IddWorkQueue implements WorkQueue {
  private readonly lanes: FifoQueue[] = [new FifoQueue()];
  /** Lane numbers per group, in the order the groups were made. */
  private readonly groups: number[][] = [];
  /** Next lane to try in each group (an index into the group). */
  private readonly nextInGroup: number[] = [];
  /** Tasks a lane may give in one turn, per group, and how many the lane whose turn it is has given. */
  private readonly burst: number[] = [];
  private readonly takenInTurn: number[] = [];
  private nextGroup = 0;
  /** Each group's index, made on first use: "net" (or "rx" and "tx" under xen3) and "blk". */
  private readonly groupOf = new Map<string, number>();
  private current: Task | undefined;
  private queued = 0;
  /** Driver tasks taken since the driver's run began (or since its last budget ran out). */
  private driverRun = 0;
  /** Backend tasks still due in the turn a spent driver budget gave the backends. */
  private backendTurn = 0;

  constructor(
    private readonly order: NetbackOrder = "fifo",
    private readonly driverBudget = NETDEV_BUDGET,
  ) {}

  /** A lane for one guest's traffic in one direction, or for its block requests; returns its number. */
  addLane(kind: LaneKind): number {
    // Netback's groups: one for both directions, except under xen3, whose two tasklets
    // alternate; received packets share one lane under fifo and xen3.
    const groupKey = kind === "blk" ? "blk" : this.order === "xen3" ? kind : "net";
    const shared = kind !== "blk" && (this.order === "fifo" || (this.order === "xen3" && kind === "rx"));
    let group = this.groupOf.get(groupKey);
    if (group === undefined) {
      group = this.groups.length;
      this.groupOf.set(groupKey, group);
      this.groups.push([]);
      this.nextInGroup.push(0);
      this.burst.push(kind === "blk" ? BLKBACK_BATCH : 1);
      this.takenInTurn.push(0);
    }
    if (shared && this.groups[group].length > 0) return this.groups[group][0];
    return this.newLane(group);
  }

  private newLane(group: number): number {
    this.lanes.push(new FifoQueue());
    const lane = this.lanes.length - 1;
    this.groups[group].push(lane);
    return lane;
  }

  get size(): number {
    return this.queued + (this.current ? 1 : 0);
  }

  push(task: Task): void {
    // Work reaching an idle IDD starts a new softirq run, with the whole budget.
    if (this.size === 0) this.driverRun = 0;
    this.lanes[task.lane].push(task);
    this.queued++;
  }

  peek(): Task | undefined {
    if (this.current === undefined && this.queued > 0) {
      this.current = this.take();
      this.queued--;
    }
    return this.current;
  }

  /** The next task by the driver-first rule and its budget; there is at least one queued. */
  private take(): Task | undefined {
    const driver = this.lanes[DRIVER_LANE];
    const backlog = this.queued - driver.length;
    if (this.backendTurn > 0 && backlog > 0) {
      this.backendTurn--;
      return this.nextTurn();
    }
    this.backendTurn = 0;
    if (driver.length === 0) {
      this.driverRun = 0;
      return this.nextTurn();
    }
    if (++this.driverRun > this.driverBudget) {
      // net_rx_action's budget is spent and the softirq loop goes round: the tasklets run
      // what they have waiting, then the driver starts on a new budget.
      if (backlog > 0) {
        this.driverRun = 0;
        this.backendTurn = backlog - 1;
        return this.nextTurn();
      }
      this.driverRun = 1;
    }
    return driver.shift();
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
      const task = this.lanes[lanes[index]].shift();
      // The lane keeps its turn until it runs dry or has given its burst.
      if (task === undefined || ++this.takenInTurn[group] >= this.burst[group]) {
        this.nextInGroup[group] = index + 1 >= n ? 0 : index + 1;
        this.takenInTurn[group] = 0;
      }
      if (task !== undefined) return task;
    }
    return undefined;
  }
}
