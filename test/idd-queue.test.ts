import { describe, expect, it } from "vitest";
import { Task } from "../src/host/domain.js";
import { DRIVER_LANE, IddWorkQueue, type NetbackOrder } from "../src/net/idd-queue.js";

/** Three guests' lanes, then work pushed in `arrivals` order; returns the order it is taken in. */
function drain(order: NetbackOrder, arrivals: Array<[guest: number, dir: "rx" | "tx" | "driver"]>): string[] {
  const queue = new IddWorkQueue(order);
  const lanes = [1, 2, 3].map(() => ({ rx: queue.addLane("rx"), tx: queue.addLane("tx") }));
  arrivals.forEach(([guest, dir], i) => {
    const lane = dir === "driver" ? DRIVER_LANE : lanes[guest - 1][dir];
    queue.push(new Task(1, guest, () => {}, `${dir}${guest}.${i}`, lane));
  });
  const taken: string[] = [];
  for (let t = queue.shift(); t !== undefined; t = queue.shift()) taken.push(t.arg as string);
  expect(queue.size).toBe(0);
  return taken;
}

const burst: Array<[number, "rx" | "tx" | "driver"]> = [
  [3, "tx"], [3, "tx"], [3, "tx"], [1, "tx"], [2, "tx"],
  [3, "rx"], [1, "rx"], [3, "rx"], [2, "driver"],
];

describe("IDD work order", () => {
  it("fifo: driver work first, then everything in arrival order", () => {
    expect(drain("fifo", burst)).toEqual(["driver2.8", "tx3.0", "tx3.1", "tx3.2", "tx1.3", "tx2.4", "rx3.5", "rx1.6", "rx3.7"]);
  });

  it("xen3: received packets in one FIFO, guests' transmits one per guest in turn, the two alternating", () => {
    // rx keeps arrival order across guests (rx_queue); tx goes guest 1, 2, 3, 3, 3 (net_schedule_list).
    expect(drain("xen3", burst)).toEqual(["driver2.8", "rx3.5", "tx1.3", "rx1.6", "tx2.4", "rx3.7", "tx3.0", "tx3.1", "tx3.2"]);
  });

  it("round-robin: one packet per guest and direction in turn", () => {
    expect(drain("round-robin", burst)).toEqual(["driver2.8", "rx1.6", "tx1.3", "tx2.4", "rx3.5", "tx3.0", "rx3.7", "tx3.1", "tx3.2"]);
  });

  it("xen3 gives a backlogged guest's transmits no more turns than a guest with a packet waiting", () => {
    const arrivals: Array<[number, "tx"]> = [];
    for (let i = 0; i < 30; i++) arrivals.push([3, "tx"]);
    for (let i = 0; i < 10; i++) arrivals.push([2, "tx"]);
    const firstTwenty = drain("xen3", arrivals).slice(0, 20);
    expect(firstTwenty.filter((s) => s.startsWith("tx2")).length).toBe(10);
  });
});

describe("choosing the netback order", () => {
  it("takes the profile's unless the scenario or a variant sets one", async () => {
    const { parseScenario } = await import("../src/scenario/load.js");
    const { columnsOf } = await import("../src/model/runner.js");
    const sc = parseScenario(`name: o
profile: system-2
duration: 1s
netbackOrder: round-robin
domains:
  - { name: Domain-0, idd: true, share: 50% }
variants:
  - { name: a }
  - { name: b, netbackOrder: xen3 }
`);
    expect(columnsOf(sc).map((c) => c.scenario.netbackOrder)).toEqual(["round-robin", "xen3"]);
  });
});
