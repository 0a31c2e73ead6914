import { describe, expect, it } from "vitest";
import { PAPER_PLAN, benchmarkScenario } from "../src/model/calibrate.js";
import { loadPoliciesOf } from "../src/model/replication.js";
import { columnsOf } from "../src/model/runner.js";
import { Simulation } from "../src/model/simulation.js";
import { PROFILES } from "../src/profiles/profiles.js";
import type { Scenario } from "../src/scenario/schema.js";
import { loadScenarioFile } from "../src/scenario/load.js";
import { SEC } from "../src/sim/engine.js";

/**
 * The engine's fast path (a CPU working through back-to-back tasks without one queued
 * event each) must change nothing but speed: every metric, every XenMon sample and the
 * event count are compared with the straightforward path, one event per step.
 */
function bothWays(scenario: Scenario, profile = PROFILES[scenario.profile]) {
  const run = (fastPath: boolean) => {
    const sim = new Simulation(scenario, 1, 7, profile, { fastPath, keepSamples: true });
    const r = sim.execute();
    return { metrics: r.metrics, events: r.events, samples: JSON.stringify(r.samples) };
  };
  return { fast: run(true), plain: run(false) };
}

/** The paper scenario shortened to `seconds`, with every workload's timing scaled alike. */
function shortened(file: string, seconds: number): Scenario[] {
  const { scenario } = loadScenarioFile(file);
  const k = (seconds * SEC) / scenario.duration;
  return columnsOf(scenario).map(({ scenario: sc }) => ({
    ...sc,
    duration: seconds * SEC,
    window: sc.window && { from: Math.round(sc.window.from * k), to: Math.round(sc.window.to * k) },
    domains: sc.domains.map((d) =>
      d.workload?.type === "bulk" ? { ...d, workload: { ...d.workload, start: Math.round(d.workload.start * k), duration: Math.round(d.workload.duration * k) } } : d,
    ),
  }));
}

describe("the engine's fast path", () => {
  for (const file of ["scenarios/sedf-dc.yaml", "scenarios/shareguard.yaml", "scenarios/studies/credit-table2.yaml", "scenarios/studies/disk-isolation.yaml", "scenarios/studies/disk-contention.yaml", "scenarios/studies/disk-fairness.yaml", "scenarios/studies/disk-writes.yaml", "scenarios/studies/vif-rate.yaml", "scenarios/studies/vif-xenmon.yaml"]) {
    it(`gives results identical to one event per step: ${file}`, async () => {
      // The credit study's SEDF columns are Table 2's; its credit ones are new here.
      for (const sc of shortened(file, 12).filter((c) => !file.includes("credit") || c.scheduler.type.startsWith("credit"))) {
        await loadPoliciesOf(sc);
        const { fast, plain } = bothWays(sc);
        expect(fast.metrics).toEqual(plain.metrics);
        expect(fast.samples).toBe(plain.samples);
        expect(fast.events).toBe(plain.events);
      }
    });
  }

  it("gives results identical to one event per step: the calibration benchmarks", () => {
    const p = PROFILES["system-2"];
    for (const dir of ["send", "recv"] as const) {
      const { fast, plain } = bothWays(benchmarkScenario(p, dir, 14_000, 1000, 3 * SEC), p);
      expect(fast.metrics).toEqual(plain.metrics);
      expect(fast.samples).toBe(plain.samples);
    }
    expect(PAPER_PLAN.rates).toContain(14_000);
  });
});
