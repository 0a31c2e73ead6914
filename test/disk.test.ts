import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BlockBackend, type BlockCosts, type BlockRequest } from "../src/block/blkback.js";
import { PhysicalCpu } from "../src/host/cpu.js";
import { Domain } from "../src/host/domain.js";
import { SedfScheduler } from "../src/host/schedulers/sedf.js";
import { columnsOf } from "../src/model/runner.js";
import { Simulation } from "../src/model/simulation.js";
import { IddWorkQueue } from "../src/net/idd-queue.js";
import { NetBackend } from "../src/net/netback.js";
import { testCosts } from "./helpers/host.js";
import { parseScenario } from "../src/scenario/load.js";
import { Engine, MS, SEC, US } from "../src/sim/engine.js";
import { DiskWorkload, GUEST_QUEUE_DEPTH } from "../src/workloads/disk.js";
import { problems } from "./helpers/scenario.js";

/** Round numbers, so that every time below can be added up by hand. */
const costs: BlockCosts = {
  iddSubmit: 10 * US,
  iddPerPage: 1 * US,
  iddComplete: 8 * US,
  guestPerRequest: 20 * US,
  ring: 32,
  maxPending: 64,
  positioning: 10 * MS,
  transferRate: 40.96e6, // 4 KB in 100 µs
  elevator: "noop",
  cfq: { slice: 100 * MS, sliceIdle: 8 * MS, quantum: 4, sliceAsync: 40 * MS, sliceAsyncRq: 2 },
};


/** Domain-0 (the IDD) on CPU 0 and `guests` guests, each on a CPU of its own, all idle but for what the test gives them. */
function diskHost(guests: number, blockCosts: BlockCosts = costs) {
  const engine = new Engine();
  const queue = new IddWorkQueue();
  const n = guests + 1;
  const idd = new Domain(0, "Domain-0", 0, { slice: 5 * MS, period: 10 * MS, extratime: true }, n, queue);
  const doms = Array.from({ length: guests }, (_, i) => new Domain(i + 1, `Domain-${i + 1}`, i + 1, { slice: 5 * MS, period: 10 * MS, extratime: true }, n));
  const cpus = Array.from({ length: n }, (_, i) => new PhysicalCpu(i, engine, new SedfScheduler()));
  cpus[0].add(idd);
  doms.forEach((d, i) => cpus[i + 1].add(d));
  cpus.forEach((c) => c.start());
  const net = new NetBackend(engine, idd, queue, testCosts);
  const blk = new BlockBackend(engine, idd, queue, blockCosts);
  const ports = doms.map((d) => {
    const port = net.attach(d);
    blk.attach(port);
    return port;
  });
  /** Each completion, as [guest, issued, completed]. */
  const done: Array<[number, number, number]> = [];
  const sink = { completed: (r: BlockRequest) => done.push([r.guest, r.issued, engine.now]) };
  const request = (guest: number, bytes: number, sequential: boolean): BlockRequest => ({ guest, bytes, sequential, issued: engine.now, sink, service: 0 });
  return { engine, idd, doms, blk, ports, done, request };
}

describe("the split block driver", () => {
  it("costs the IDD its submit, pages and completion, and the guest its response, on the guest's behalf", () => {
    const h = diskHost(1);
    h.engine.at(0, () => h.blk.submit(h.request(1, 8192, false)));
    h.engine.run(1 * SEC);
    expect(h.idd.onBehalf[1]).toBe(10 * US + 2 * 1 * US + 8 * US);
    expect(h.doms[0].onBehalf[1]).toBe(20 * US);
    expect(h.ports[0].blk).toBe(1);
    // Submit (12 µs), positioning (10 ms) and two pages at the media rate (200 µs), completion (8 µs), the guest (20 µs).
    expect(h.done).toEqual([[1, 0, 12 * US + 10 * MS + 200 * US + 8 * US + 20 * US]]);
  });

  it("lets a sequential stream skip positioning after its first request, but never a random one", () => {
    /** When each of `count` requests completes, one issued as the last completes. */
    const chain = (sequential: boolean, count: number) => {
      const h = diskHost(1);
      const ends: number[] = [];
      const sink = {
        completed: () => {
          ends.push(h.engine.now);
          if (ends.length < count) h.blk.submit({ ...h.request(1, 4096, sequential), sink });
        },
      };
      h.engine.at(0, () => h.blk.submit({ ...h.request(1, 4096, sequential), sink }));
      h.engine.run(1 * SEC);
      return ends;
    };
    // Submit and a page (11 µs), 4 KB off the disk (100 µs), completion (8 µs), the guest (20 µs).
    const per = 11 * US + 100 * US + 8 * US + 20 * US;
    expect(chain(true, 3)).toEqual([1, 2, 3].map((k) => 10 * MS + k * per));
    expect(chain(false, 3)).toEqual([1, 2, 3].map((k) => k * (10 * MS + per)));
  });

  it("takes up to 16 of one guest's requests a turn, so that two streams queued at once seek only between turns", () => {
    const h = diskHost(2);
    h.engine.at(0, () => {
      for (let i = 0; i < 20; i++) for (const g of [1, 2]) h.blk.submit(h.request(g, 4096, true));
    });
    h.engine.run(1 * SEC);
    // Issued 1, 2, 1, 2, …; blkback takes guest 1's first 16, guest 2's first 16, then the last 4 of each.
    const order = h.done.map(([g]) => g).join("");
    expect(order).toBe("1".repeat(16) + "2".repeat(16) + "1111" + "2222");
    // Four seeks in all: one at each change of stream.
    const last = h.done[h.done.length - 1][2];
    expect(last).toBeGreaterThanOrEqual(4 * 10 * MS + 40 * 100 * US);
    expect(last).toBeLessThan(5 * 10 * MS + 40 * 100 * US);
  });

  it("makes two sequential streams seek at every request when the disk interleaves them", () => {
    const h = diskHost(2);
    const ends: number[] = [];
    // Each guest keeps one request outstanding: the disk serves them in turn, 1, 2, 1, 2, …
    for (const g of [1, 2]) {
      const sink = {
        completed: () => {
          ends.push(h.engine.now);
          if (h.engine.now < 100 * MS) h.blk.submit({ ...h.request(g, 4096, true), sink });
        },
      };
      h.engine.at(0, () => h.blk.submit({ ...h.request(g, 4096, true), sink }));
    }
    h.engine.run(1 * SEC);
    // Every request pays positioning: about 10.1 ms each, against 0.1 ms for a stream alone.
    const span = ends[ends.length - 1] - ends[0];
    expect(span / (ends.length - 1)).toBeGreaterThan(10 * MS);
  });

  it("under cfq lets each of two interleaved streams keep the disk for its slice, waiting out the gap to its next request", () => {
    const h = diskHost(2, { ...costs, elevator: "cfq" });
    for (const g of [1, 2]) {
      const sink = {
        completed: () => {
          h.done.push([g, 0, h.engine.now]);
          if (h.engine.now < 400 * MS) h.blk.submit({ ...h.request(g, 4096, true), sink });
        },
      };
      h.engine.at(0, () => h.blk.submit({ ...h.request(g, 4096, true), sink }));
    }
    h.engine.run(1 * SEC);
    // A guest's next request reaches the elevator some 40 µs after the last left the disk
    // (the completion's 8 µs, the guest's 20 µs, the submit's 11 µs, and the CPUs'
    // scheduling): within the 8 ms CFQ waits for it. So each stream keeps the disk for
    // its 100 ms slice, about 650 requests of 0.15 ms, and pays positioning once a slice
    // rather than at every request (about 40 requests in 400 ms under noop, above).
    const order = h.done.map(([g]) => g).join("");
    const turns = order.match(/1+|2+/g)!;
    expect(turns.slice(0, 4).map((t) => t[0])).toEqual(["1", "2", "1", "2"]);
    for (const t of turns.slice(0, 4)) expect(Math.abs(t.length - 650)).toBeLessThan(50);
  });

  it("under cfq keeps two streams of writes together in one queue, so they seek at every request as under noop", () => {
    const completions = (elevator: "noop" | "cfq", write: boolean) => {
      const h = diskHost(2, { ...costs, elevator });
      let count = 0;
      for (const g of [1, 2]) {
        const sink = {
          completed: () => {
            count++;
            if (h.engine.now < 400 * MS) h.blk.submit({ ...h.request(g, 4096, true), write, sink });
          },
        };
        h.engine.at(0, () => h.blk.submit({ ...h.request(g, 4096, true), write, sink }));
      }
      h.engine.run(1 * SEC);
      return count;
    };
    // 400 ms of 10.1 ms requests, about 40, against some 2,600 for reads under cfq.
    for (const [elevator, write] of [["noop", false], ["noop", true], ["cfq", true]] as const) {
      expect(completions(elevator, write)).toBeGreaterThan(38);
      expect(completions(elevator, write)).toBeLessThan(43);
    }
    expect(completions("cfq", false)).toBeGreaterThan(2500);
  });

  it("has at most maxPending requests taken over all guests; a freed slot goes to the guests in turn", () => {
    const h = diskHost(3, { ...costs, maxPending: 4 });
    h.engine.at(0, () => {
      for (const g of [1, 2, 3]) for (let i = 0; i < 6; i++) h.blk.submit(h.request(g, 4096, false));
    });
    let most = 0;
    for (let t = 1 * MS; t <= 2 * SEC; t += 1 * MS) {
      h.engine.run(t);
      most = Math.max(most, h.blk.pendingCount);
      expect(h.blk.pendingCount).toBeLessThanOrEqual(4);
    }
    expect(most).toBe(4);
    expect(h.done).toHaveLength(18);
    // None of it is ShareGuard's doing.
    expect(h.ports.map((p) => p.heldBlock)).toEqual([0, 0, 0]);
    // After the first four (all guest 1's, its turn), slots go round: 2, 3, 1, 2, 3, …
    expect(h.done.slice(4, 10).map(([g]) => g)).toEqual([2, 3, 1, 2, 3, 1]);
  });

  it("holds a guest to its ring: past 32 requests, the rest wait in the guest, and none is lost", () => {
    const h = diskHost(1);
    h.engine.at(0, () => {
      for (let i = 0; i < 40; i++) h.blk.submit(h.request(1, 4096, true));
    });
    h.engine.run(1);
    expect(h.blk.outstanding(1)).toBe(40);
    expect(h.blk.onRing(1)).toBe(32);
    h.engine.run(2 * SEC);
    expect(h.done).toHaveLength(40);
    expect(h.blk.outstanding(1)).toBe(0);
  });
});

describe("ShareGuard and block requests", () => {
  it("holds a cut guest's requests on its ring at no IDD cost, and takes them when the cut ends", () => {
    const h = diskHost(1);
    h.ports[0].setCut(true);
    h.engine.at(0, () => {
      for (let i = 0; i < 5; i++) h.blk.submit(h.request(1, 4096, true));
    });
    h.engine.run(100 * MS);
    expect(h.done).toHaveLength(0);
    expect(h.idd.onBehalf[1]).toBe(0);
    expect(h.blk.onRing(1)).toBe(5);
    expect(h.ports[0].heldBlock).toBe(5);
    h.engine.at(100 * MS, () => h.ports[0].setCut(false));
    h.engine.run(200 * MS);
    expect(h.done).toHaveLength(5);
    expect(h.done[0][2]).toBeGreaterThan(100 * MS);
  });

  it("throttled, takes only the requests the allowance pays for, and the rest once it is renewed", () => {
    const h = diskHost(1);
    h.ports[0].blkCharge = 10 * US;
    h.ports[0].setAllowance(30 * US);
    h.engine.at(0, () => {
      for (let i = 0; i < 5; i++) h.blk.submit(h.request(1, 4096, true));
    });
    h.engine.run(100 * MS);
    expect(h.done).toHaveLength(3);
    h.engine.at(100 * MS, () => h.ports[0].setAllowance(Infinity));
    h.engine.run(200 * MS);
    expect(h.done).toHaveLength(5);
    expect(h.ports[0].heldBlock).toBe(2);
  });
});

describe("block requests (property)", () => {
  it("are never lost or duplicated; a guest never has more than its ring on it, nor blkback more than maxPending taken", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 80 }),
        fc.array(fc.record({ depth: fc.integer({ min: 1, max: 64 }), sectors: fc.integer({ min: 1, max: 88 }), sequential: fc.boolean() }), { minLength: 1, maxLength: 3 }),
        (ring, maxPending, loads) => {
          const h = diskHost(loads.length, { ...costs, ring, maxPending });
          const issued = loads.map(() => 0);
          const completed = loads.map(() => 0);
          const until = 200 * MS;
          loads.forEach((load, i) => {
            const guest = i + 1;
            const sink = {
              completed: () => {
                completed[i]++;
                if (h.engine.now < until) issue();
              },
            };
            const issue = () => {
              issued[i]++;
              h.blk.submit({ ...h.request(guest, load.sectors * 512, load.sequential), sink });
            };
            h.engine.at(0, () => {
              for (let k = 0; k < load.depth; k++) issue();
            });
          });
          for (let t = 1 * MS; t <= 2 * until; t += 1 * MS) {
            h.engine.run(t);
            loads.forEach((_, i) => expect(h.blk.onRing(i + 1)).toBeLessThanOrEqual(ring));
            expect(h.blk.pendingCount).toBeLessThanOrEqual(maxPending);
          }
          loads.forEach((load, i) => {
            expect(completed[i] + h.blk.outstanding(i + 1)).toBe(issued[i]);
            expect(h.blk.outstanding(i + 1)).toBeLessThanOrEqual(load.depth);
            expect(h.ports[i].blk).toBeGreaterThanOrEqual(completed[i]);
          });
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("the disk workload", () => {
  it("splits a read larger than 44 KB into blkfront's requests, positioning only for the first", () => {
    const h = diskHost(1);
    const w = new DiskWorkload(h.engine, h.blk, 1, { load: { depth: 1 }, size: 100 * 1024, access: "random", op: "read", start: 0, duration: 1 }, () => 0, { from: 0, to: 1 * SEC });
    w.start();
    h.engine.run(1 * SEC);
    // 44 + 44 + 12 KB: 11, 11 and 3 pages. The IDD submits each (21, 21, 13 µs) and completes each (8 µs).
    expect(h.ports[0].blk).toBe(3);
    expect(h.idd.onBehalf[1]).toBe(21 * US + 21 * US + 13 * US + 3 * 8 * US);
    expect(h.doms[0].onBehalf[1]).toBe(3 * 20 * US);
    // The disk: positioning after the first part's submit, then 44, 44 and 12 KB at 4 KB per 100 µs;
    // the read is done when the guest has the last part's response.
    expect(w.stats.completed).toBe(1);
    expect(w.stats.bytes).toBe(100 * 1024);
    expect(w.stats.latencies.mean).toBe(21 * US + 10 * MS + 2500 * US + 8 * US + 20 * US);
  });

  it("keeps depth requests outstanding (closed loop), each completion issuing the next", () => {
    const h = diskHost(1);
    const rand = () => 0.5;
    const w = new DiskWorkload(h.engine, h.blk, 1, { load: { depth: 4 }, size: 4096, access: "sequential", op: "read", start: 0, duration: Infinity }, rand, { from: 0, to: 1 * SEC });
    w.start();
    let most = 0;
    for (let t = 1 * MS; t <= 1 * SEC; t += 1 * MS) {
      h.engine.run(t);
      most = Math.max(most, h.blk.outstanding(1));
      expect(h.blk.outstanding(1)).toBeLessThanOrEqual(4);
    }
    expect(most).toBe(4);
    // Sequential 4 KB reads keep the disk busy: one every 100 µs after the first seek.
    expect(w.stats.completed).toBeGreaterThan(9000);
  });

  it("at a fixed rate, issues no more than the guest's block layer holds, and counts what it could not issue", () => {
    const h = diskHost(1);
    const w = new DiskWorkload(h.engine, h.blk, 1, { load: { rate: 1000 }, size: 4096, access: "random", op: "read", start: 0, duration: Infinity }, () => 0, { from: 0, to: 10 * SEC });
    w.start();
    h.engine.run(10 * SEC);
    // Random reads take 10.1 ms each: about 99 a second against 1000 offered.
    expect(h.blk.outstanding(1)).toBe(GUEST_QUEUE_DEPTH);
    expect(w.stats.completed).toBeGreaterThan(980);
    expect(w.stats.completed).toBeLessThan(1000);
    // Arrivals at 0, 1 ms, … 10 s: each was completed, is still outstanding, or was not issued.
    expect(w.stats.notIssued + w.stats.completed + GUEST_QUEUE_DEPTH).toBe(10_001);
  });
});

/** A one-CPU host: a UDP receiver and a disk reader behind one Domain-0. */
function mixedHost(blockWeight?: number): string {
  return `name: t
profile: p4-2.8
duration: 5s
${blockWeight === undefined ? "" : `xenmon: { blockWeight: ${blockWeight} }\n`}domains:
  - { name: Domain-0, idd: true, share: 60%, extratime: true }
  - { name: Domain-1, share: 20%, extratime: true, workload: { type: udp, direction: recv, rate: 2000, size: 256B } }
  - { name: Domain-2, share: 20%, extratime: true, workload: { type: disk, size: 4KB, access: sequential, depth: 4 } }
`;
}

describe("XenMon and block I/O", () => {
  const run = (text: string) => {
    const metrics = new Simulation(parseScenario(text, "t.yaml"), 0, 1).execute().metrics;
    return (key: string) => metrics.find((m) => m.key === key)!.value;
  };

  it("by default, as the paper's, charges the IDD's block work to the guests by their packets", () => {
    const m = run(mixedHost());
    expect(m("Domain-2.blk")).toBeGreaterThan(1000);
    expect(m("Domain-2.iddTrue")).toBeGreaterThan(5);
    expect(m("Domain-2.idd")).toBe(0);
    expect(m("Domain-1.idd")).toBeCloseTo(m("Domain-0.cpu"), 6);
  });

  it("with blockWeight set to a request's cost over a received packet's, estimates each guest's part", () => {
    // A 4 KB request costs the IDD 10 + 1 + 8 = 19 µs on p4-2.8, a received packet 10.57 µs.
    const m = run(mixedHost(19 / 10.57));
    for (const g of ["Domain-1", "Domain-2"]) expect(Math.abs(m(`${g}.idd`) - m(`${g}.iddTrue`))).toBeLessThan(0.05 * m(`${g}.iddTrue`));
  });

  it("puts blkback's answers in the time series, bin by bin, adding up to the window's figure", () => {
    const sim = new Simulation(parseScenario(mixedHost(), "t.yaml"), 0, 1, undefined, { seriesBin: 1 * SEC });
    const metrics = sim.execute().metrics;
    const metric = (key: string) => metrics.find((m) => m.key === key)!.value;
    const points = sim.series().filter((p) => p.domain === "Domain-2");
    expect(points).toHaveLength(5);
    expect(points.reduce((a, p) => a + p.blocks!, 0) / points.length).toBeCloseTo(metric("Domain-2.blk"), 6);
    // The window is the whole run here, so the bins' throughput averages to the window's.
    expect(points.reduce((a, p) => a + p.diskMBps!, 0) / points.length).toBeCloseTo(metric("Domain-2.diskMBps"), 6);
    const web = sim.series().find((p) => p.domain === "Domain-1")!;
    expect([web.blocks, web.diskMBps]).toEqual([undefined, undefined]);
  });

  it("leaves a run without a disk workload as it was: nothing counted, nothing charged", () => {
    const text = mixedHost(5).replace(/ {2}- \{ name: Domain-2.*\n/, "");
    const m = run(text);
    expect(m("Domain-1.idd")).toBeCloseTo(m("Domain-0.cpu"), 6);
    expect(() => m("Domain-2.blk")).toThrow();
  });
});

describe("disk workloads in a scenario", () => {
  const base = (workload: string, idd = true) => `name: t
profile: p4-2.8
duration: 2s
domains:
  - { name: Domain-0, idd: ${idd}, share: 40% }
  - { name: Domain-1, share: 50%, workload: ${workload} }
`;

  it("refuses a load that is neither or both of open and closed loop", () => {
    expect(problems(base("{ type: disk, size: 4KB, access: random }"))).toEqual([
      "s.yaml:6:45 domains[1].workload: a disk workload needs rate (open loop: requests per second, as fio --rate_iops) or depth (closed loop: requests outstanding, as fio --iodepth)",
    ]);
    expect(problems(base("{ type: disk, size: 4KB, access: random, rate: 10, depth: 2 }"))[0]).toMatch(/domains\[1\]\.workload\.depth: give either rate \(open loop\) or depth \(closed loop\), not both$/);
  });

  it("refuses sizes that are not whole sectors, or past 16 MB", () => {
    expect(problems(base("{ type: disk, size: 1000B, access: random, depth: 1 }"))[0]).toMatch(/workload\.size: must be a whole number of 512-byte sectors$/);
    expect(problems(base("{ type: disk, size: 32MB, access: random, depth: 1 }"))[0]).toMatch(/workload\.size: must be at least 512B and at most 16777216B$/);
  });

  it("lets a column change an open-loop disk load's rate, not a closed loop's", () => {
    const text = (workload: string) => `${base(workload)}variants:
  - { name: A, rates: { Domain-1: 40 } }
`;
    expect(problems(text("{ type: disk, size: 4KB, access: random, depth: 2 }"))[0]).toMatch(/variants\[0\]\.rates\.Domain-1: Domain-1's disk load is closed loop \(depth\), with no rate to change: set its depth instead$/);
    const sc = parseScenario(text("{ type: disk, size: 4KB, access: random, rate: 10 }"), "s.yaml");
    const col = columnsOf(sc)[0].scenario;
    expect(col.domains[1].workload).toMatchObject({ type: "disk", rate: 40 });
  });

  it("refuses an elevator Domain-0 does not have and an I/O priority outside 0–7", () => {
    expect(problems(`${base("{ type: disk, size: 4KB, access: random, depth: 1 }")}host: { disk: { elevator: deadline } }\n`)).toEqual([
      's.yaml:7:27 host.disk.elevator: expected one of "noop"|"cfq"',
    ]);
    expect(problems(base("{ type: disk, size: 4KB, access: random, depth: 1, ioPriority: 8 }"))).toEqual(["s.yaml:6:108 domains[1].workload.ioPriority: must be at most 7"]);
    const sc = parseScenario(`${base("{ type: disk, size: 4KB, access: random, depth: 1, ioPriority: 0 }")}host: { disk: { elevator: cfq, cfqSlice: 50ms } }\n`, "s.yaml");
    expect(sc.host?.disk).toMatchObject({ elevator: "cfq", cfqSlice: 50 * MS });
  });

  it("refuses a disk workload on a host without a driver domain", () => {
    expect(problems(base("{ type: disk, size: 4KB, access: random, depth: 1 }", false))[0]).toMatch(/domains\[1\]\.workload: a disk workload needs a driver domain \(its blkback and disk\): mark one domain idd: true$/);
  });
});
