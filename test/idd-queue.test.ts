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

describe("the driver's budget (Linux's netdev_budget)", () => {
  /** A queue with a budget of `budget` driver tasks and one guest's transmit lane. */
  function budgeted(budget: number) {
    const queue = new IddWorkQueue("fifo", budget);
    const tx = queue.addLane("tx");
    const push = (name: string) => queue.push(new Task(1, 1, () => {}, name, name.startsWith("d") ? DRIVER_LANE : tx));
    const take = () => queue.shift()?.arg as string | undefined;
    return { queue, push, take };
  }

  it("gives the backends a turn of what they had waiting once the driver has taken its budget in a row", () => {
    const { push, take } = budgeted(3);
    ["tx1", "tx2", "d1", "d2", "d3", "d4", "d5", "d6", "d7"].forEach(push);
    const order = Array.from({ length: 9 }, take);
    // Then a fresh budget: with nothing else waiting the driver simply goes on.
    expect(order).toEqual(["d1", "d2", "d3", "tx1", "tx2", "d4", "d5", "d6", "d7"]);
  });

  it("leaves work queued during the backends' turn for the next one", () => {
    const { push, take } = budgeted(2);
    ["tx1", "d1", "d2", "d3"].forEach(push);
    expect([take(), take(), take()]).toEqual(["d1", "d2", "tx1"]);
    push("tx2");
    expect([take(), take(), take()]).toEqual(["d3", "tx2", undefined]);
  });

  it("starts a new run with the whole budget when work reaches an idle IDD", () => {
    const { push, take } = budgeted(2);
    push("d1");
    expect(take()).toBe("d1");
    ["tx1", "d2", "d3"].forEach(push);
    expect([take(), take(), take()]).toEqual(["d2", "d3", "tx1"]);
  });

  it("keeps a receive rate whose driver work alone fills Domain-0 from starving netback and the guest", async () => {
    const { parseScenario } = await import("../src/scenario/load.js");
    const { Simulation } = await import("../src/model/simulation.js");
    // 300,000 packets/s of 256 B: the driver's 40 % of SYSTEM-1's receive cost alone is
    // more than the CPU. Without a budget netback never runs again once the NIC ring is
    // full, its 256 receive buffers stay taken, and the guest gets nothing (livelock).
    const run = (host: string) => {
      const sc = parseScenario(`name: livelock
profile: system-1
duration: 1s
${host}
domains:
  - { name: Domain-0, idd: true, share: 50%, extratime: true }
  - { name: Domain-1, share: 50%, extratime: true, workload: { type: udp, direction: recv, rate: 300000, size: 256B } }
`);
      const metrics = new Simulation(sc, 0, 1).execute().metrics;
      const value = (key: string) => metrics.find((m) => m.key === key)!.value;
      return { delivered: value("Domain-1.udpDelivered"), guestCpu: value("Domain-1.cpu") };
    };
    const budgeted = run("");
    expect(budgeted.delivered).toBeGreaterThan(20_000);
    expect(budgeted.guestCpu).toBeGreaterThan(4);
    const unbounded = run("host: { netdevBudget: 1000000000 }");
    expect(unbounded.delivered).toBe(0);
  });

  it("keeps strict driver-first order below the budget", () => {
    const { push, take } = budgeted(300);
    push("tx1");
    for (let i = 1; i <= 300; i++) push(`d${i}`);
    const order = Array.from({ length: 301 }, take);
    expect(order.at(-1)).toBe("tx1");
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
