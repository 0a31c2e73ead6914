import { beforeAll, describe, expect, it } from "vitest";
import { columnsOf } from "../src/model/runner.js";
import { Simulation, type SeriesPoint } from "../src/model/simulation.js";
import { loadScenarioFile } from "../src/scenario/load.js";

describe("Table 1 dynamics (scenarios/sedf-dc.yaml, one run)", () => {
  const series = new Map<string, SeriesPoint[]>();
  beforeAll(() => {
    const { scenario } = loadScenarioFile("scenarios/sedf-dc.yaml");
    for (const c of columnsOf(scenario)) {
      const sim = new Simulation(c.scenario, 0, 1, undefined, { seriesBin: 1e9 });
      sim.execute();
      series.set(c.name, sim.series());
    }
  });
  const combined = (col: string, dom: string) => series.get(col)!.filter((p) => p.domain === dom).map((p) => p.combined);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it("under SEDF-DC holds each web server's combined use at its 22% cap, oscillating around it", () => {
    for (const dom of ["Domain-1", "Domain-2"]) {
      const c = combined("SEDF-DC", dom).slice(1); // the first second has no debt yet
      expect(Math.abs(mean(c) - 22)).toBeLessThan(1);
      // Debt is charged back in arrears: single seconds swing around the cap, but never
      // by more than one feedback interval's worth of Domain-0 work.
      expect(Math.max(...c)).toBeLessThan(22 + 12);
      expect(Math.max(...c) - Math.min(...c)).toBeGreaterThan(0.2);
    }
  });

  it("under SEDF lets the web servers exceed their cap through Domain-0", () => {
    expect(mean(combined("SEDF", "Domain-1"))).toBeGreaterThan(25);
    expect(mean(combined("SEDF", "Domain-2"))).toBeGreaterThan(22.5);
  });

  it("reports XenMon's estimate within a few percent of the ground truth", () => {
    for (const p of series.get("SEDF")!.filter((x) => x.domain === "Domain-2")) {
      expect(Math.abs(p.idd - p.iddTrue)).toBeLessThan(0.1 * p.iddTrue + 0.5);
    }
  });
});
