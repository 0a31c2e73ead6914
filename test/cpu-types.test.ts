import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { columnsOf } from "../src/model/runner.js";
import { Simulation } from "../src/model/simulation.js";
import { parseScenario } from "../src/scenario/load.js";
import { problems } from "./helpers/scenario.js";

/** Two CPUs: on CPU 0, Domain-0 at 60 % and a guest flooding it with UDP; on CPU 1, two CPU-bound guests weighted 2:1. */
const MIXED = `name: mixed
profile: system-2
duration: 4s
scheduler: { type: sedf, cpuTypes: { 1: credit } }
domains:
  - { name: Domain-0, idd: true, cpu: 0, share: 60% }
  - { name: A, cpu: 1, weight: 512, workload: { type: cpu } }
  - { name: B, cpu: 1, weight: 256, workload: { type: cpu } }
  - { name: U, cpu: 0, share: 30%, workload: { type: udp, direction: recv, rate: 60000, size: 256B } }
`;

const metricsOf = (text: string) => new Map(new Simulation(parseScenario(text), 0, 1).execute().metrics.map((m) => [m.key, m.value]));

describe("a scheduler per CPU (scheduler.cpuTypes)", () => {
  it("runs each CPU under its own scheduler: SEDF holds Domain-0 to its slice, credit shares CPU 1 by weight", () => {
    const m = metricsOf(MIXED);
    // SEDF without extratime: Domain-0 gets its 60 % and no more, however many packets wait.
    expect(m.get("Domain-0.cpu")).toBeCloseTo(60, 0);
    expect(m.get("U.udpDelivered")!).toBeLessThan(50_000);
    // Credit: the two CPU-bound guests split CPU 1 by weight, 2:1.
    expect(m.get("A.cpu")).toBeCloseTo(66.7, 0);
    expect(m.get("B.cpu")).toBeCloseTo(33.3, 0);
  });

  it("gives the very run of the host-wide scheduler when every CPU names it, or names the one it already runs", () => {
    const allCredit = MIXED.replace("{ type: sedf, cpuTypes: { 1: credit } }", "{ type: credit }").replace("share: 60% }", "share: 60%, cap: 60% }");
    const perCpu = MIXED.replace("{ type: sedf, cpuTypes: { 1: credit } }", "{ type: credit-dc, cpuTypes: { 0: credit, 1: credit } }").replace("share: 60% }", "share: 60%, cap: 60% }");
    expect(metricsOf(perCpu)).toEqual(metricsOf(allCredit));
    const sedf = MIXED.replace("{ type: sedf, cpuTypes: { 1: credit } }", "{ type: sedf }").replace(/, weight: \d+/g, ", share: 30%");
    expect(metricsOf(sedf.replace("{ type: sedf }", "{ type: sedf, cpuTypes: { 0: sedf, 1: sedf } }"))).toEqual(metricsOf(sedf));
  });

  it("collects debt on the CPUs that run SEDF-DC, beside a credit CPU", () => {
    const web = (guestScheduler: string) => `name: w
profile: system-2
duration: 6s
window: { from: 2s, to: 6s }
scheduler: { type: credit, cpuTypes: { 1: ${guestScheduler} } }
domains:
  - { name: Domain-0, idd: true, cpu: 0, cap: 60% }
  - { name: W, cpu: 1, share: 20%, workload: { type: web, rate: 600, fileSize: 10KB } }
  - { name: C, cpu: 1, share: 10%, extratime: true, workload: { type: cpu } }
`;
    const plain = metricsOf(web("sedf"));
    const dc = metricsOf(web("sedf-dc"));
    // SEDF holds the server to its 20 %, Domain-0's work for it on top; SEDF-DC counts that work in.
    expect(plain.get("W.cpu")).toBeCloseTo(20, 0);
    expect(plain.get("W.combined")!).toBeGreaterThan(30);
    expect(dc.get("W.combined")!).toBeGreaterThan(18.5);
    expect(dc.get("W.combined")!).toBeLessThan(21);
    expect(dc.get("W.cpu")!).toBeLessThan(plain.get("W.cpu")! - 5);
  });

  it("runs credit beside credit-dc as two pools: each hands out its own CPUs' credits, and only credit-dc collects debt", () => {
    const pools = (cpu0: string, cpu1: string) => `name: pools
profile: system-2
duration: 6s
window: { from: 2s, to: 6s }
scheduler: { type: ${cpu0}, cpuTypes: { 1: ${cpu1} } }
domains:
  - { name: Domain-0, idd: true, cpu: 0, cap: 50% }
  - { name: P, cpu: 0, cap: 20%, workload: { type: web, rate: 600, fileSize: 10KB } }
  - { name: Q, cpu: 1, cap: 20%, workload: { type: web, rate: 600, fileSize: 10KB } }
  - { name: B0, cpu: 0, workload: { type: cpu } }
  - { name: B1, cpu: 1, workload: { type: cpu } }
`;
    const m = metricsOf(pools("credit", "credit-dc"));
    // P, in the plain credit pool, gets its 20 % and Domain-0's work on top; Q, in the
    // credit-dc pool, is charged that work and held to about 20 % in all.
    expect(m.get("P.cpu")).toBeCloseTo(20, 0);
    expect(m.get("P.combined")!).toBeGreaterThan(26);
    expect(m.get("Q.combined")!).toBeGreaterThan(18.5);
    expect(m.get("Q.combined")!).toBeLessThan(21.5);
    expect(m.get("Q.cpu")!).toBeLessThan(m.get("P.cpu")! - 4);
    // Each pool's batch domain takes what its own CPU has left: B1 what Q leaves of CPU 1.
    expect(m.get("B1.cpu")! + m.get("Q.cpu")!).toBeCloseTo(100, 0);
    // Swapping the pools swaps the roles.
    const swapped = metricsOf(pools("credit-dc", "credit"));
    expect(swapped.get("Q.cpu")).toBeCloseTo(20, 0);
    expect(swapped.get("P.combined")!).toBeLessThan(21.5);
  });

  it("pools: one naming every credit CPU, or one per scheduler type, changes nothing; a pool per CPU gives each CPU an accounting of its own", () => {
    const allCredit = MIXED.replace("{ type: sedf, cpuTypes: { 1: credit } }", "{ type: credit }").replace("share: 60% }", "share: 60%, cap: 60% }");
    expect(metricsOf(allCredit.replace("{ type: credit }", "{ type: credit, pools: [[1, 0]] }"))).toEqual(metricsOf(allCredit));
    const twoTypes = allCredit.replace("{ type: credit }", "{ type: credit, cpuTypes: { 1: credit-dc } }");
    expect(metricsOf(twoTypes.replace("} }", "}, pools: [[0], [1]] }"))).toEqual(metricsOf(twoTypes));
    // docs/studies.md, "Credit pools": with one accounting for both CPUs, the credits the
    // batch domains earn leave Domain-0 far under its 22 % cap; a pool per CPU gives it its cap.
    const study = readFileSync("scenarios/studies/credit-pools.yaml", "utf8").replace("duration: 60s", "duration: 10s");
    const column = (name: string) => columnsOf(parseScenario(study)).find((c) => c.name === name)!.scenario;
    const cpuOf = (name: string) => new Simulation(column(name), 0, 1).execute().metrics.find((m) => m.key === "Domain-0.cpu")!.value;
    const perCpu = cpuOf("Credit, a pool per CPU");
    expect(perCpu).toBeGreaterThan(21.9);
    expect(cpuOf("Credit")).toBeLessThan(perCpu - 2);
  });

  it("refuses pools that name a CPU the host lacks, a CPU twice, a CPU under SEDF, or two schedulers, and an unpinned domain across pools", () => {
    const allCredit = MIXED.replace("{ type: sedf, cpuTypes: { 1: credit } }", "{ type: credit, pools: POOLS }").replace("share: 60% }", "share: 60%, cap: 60% }");
    const withPools = (pools: string) => allCredit.replace("POOLS", pools);
    expect(problems(withPools("[[0], [2]]"))).toEqual(["s.yaml:4:42 scheduler.pools[1][0]: no CPU 2: the host has 2 CPUs (0..1)"]);
    expect(problems(withPools("[[0, 1], [1]]"))).toEqual(["s.yaml:4:45 scheduler.pools[1][0]: CPU 1 is already in pool 0: a CPU belongs to one pool"]);
    expect(problems(withPools("[[0], [1]], cpuTypes: { 1: sedf }").replace("weight: 512", "share: 30%").replace("weight: 256", "share: 30%"))).toEqual([
      "s.yaml:4:42 scheduler.pools[1][0]: CPU 1 runs sedf, which schedules each CPU on its own: pools are for CPUs under credit or credit-dc",
    ]);
    expect(problems(withPools("[[0, 1]], cpuTypes: { 1: credit-dc }"))).toEqual(["s.yaml:4:40 scheduler.pools[0][1]: CPU 1 runs credit-dc and CPU 0 credit: the CPUs of a pool run one scheduler"]);
    expect(problems(withPools("[[0], [1]]").replace("{ name: A, cpu: 1,", "{ name: A, cpu: any,"))).toEqual([
      "s.yaml:7:21 domains[1].cpu: an unpinned domain moves among the CPUs of one credit pool, and the scheduler has 2 pools: pin it (cpu: 0)",
    ]);
  });

  it("refuses a CPU that does not exist, an unpinned domain beside two credit pools, and credit settings on a CPU no column runs it on", () => {
    expect(problems(MIXED.replace("cpuTypes: { 1: credit }", "cpuTypes: { 1: credit, 2: sedf }"))).toEqual(["s.yaml:4:36 scheduler.cpuTypes.2: no CPU 2: the host has 2 CPUs (0..1)"]);
    expect(problems(MIXED.replace("{ type: sedf, cpuTypes: { 1: credit } }", "{ type: credit-dc, cpuTypes: { 1: credit } }").replace("{ name: A, cpu: 1,", "{ name: A, cpu: any,"))).toEqual([
      "s.yaml:7:21 domains[1].cpu: an unpinned domain moves among the CPUs of one credit pool, and the scheduler runs credit and credit-dc side by side (two pools): pin it (cpu: 0)",
    ]);
    expect(problems(MIXED.replace("{ name: A, cpu: 1,", "{ name: A, cpu: 0,"))).toEqual(["s.yaml:7:32 domains[1].weight: weight is a credit scheduler setting, and no column runs it on CPU 0"]);
    expect(problems(MIXED.replace("{ name: A, cpu: 1,", "{ name: A, cpu: any,"))[0]).toMatch(/domains\[1\]\.cpu: an unpinned domain needs the credit scheduler on every CPU in every column, and a column runs sedf/);
    // A credit version where some CPU runs the credit scheduler is taken.
    expect(parseScenario(MIXED.replace("cpuTypes: { 1: credit } }", "cpuTypes: { 1: credit }, creditVersion: xen-3.0 }"), "s.yaml").scheduler.creditVersion).toBe("xen-3.0");
  });
});
