import { describe, expect, it } from "vitest";
import { estimateEvents } from "../src/model/estimate.js";
import { columnsOf } from "../src/model/runner.js";
import { Simulation } from "../src/model/simulation.js";
import { loadScenarioFile } from "../src/scenario/load.js";

/**
 * The estimate behind --max-hours and `validate` is rough by design: it must tell a run
 * of minutes from one of days. It should stay within a small factor of the events a
 * run really takes, which this checks on a short run of each kind of load.
 */
describe("the run-time estimate", () => {
  for (const [file, column] of [
    ["sedf-dc.yaml", "SEDF"],
    ["shareguard.yaml", "Without ShareGuard"],
    ["udp-recv.yaml", "result"],
    ["udp-send.yaml", "result"],
    ["studies/table2-closed.yaml", "Without 100ms"],
    ["studies/table2-own-idd.yaml", "Own IDD"],
    ["studies/disk-isolation.yaml", "SEDF-DC, blocks counted"],
  ]) {
    it(`is within a factor of 2.5 of the events of ${file} ${column}`, () => {
      const { scenario } = loadScenarioFile(`scenarios/${file}`);
      // Short runs; Table 2's keeps its transfer inside the run.
      const table2 = file === "shareguard.yaml" || file.startsWith("studies/table2");
      const short = table2 ? { ...scenario, duration: 50e9, window: { from: 40e9, to: 50e9 } } : { ...scenario, duration: 5e9, window: undefined };
      const col = columnsOf(short).find((c) => c.name === column)!;
      const real = new Simulation(col.scenario, 0, scenario.seed).execute().events;
      const ratio = estimateEvents(col.scenario) / real;
      expect(ratio).toBeGreaterThan(1 / 2.5);
      expect(ratio).toBeLessThan(2.5);
    });
  }
});
