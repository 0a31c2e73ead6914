import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkReportMetrics } from "../src/cli/load.js";
import { loadPoliciesOf } from "../src/model/replication.js";
import { columnsOf } from "../src/model/runner.js";
import { metricKeys, Simulation } from "../src/model/simulation.js";
import { loadScenarioFile, parseScenario, UsageError } from "../src/scenario/load.js";
import { SEC } from "../src/sim/engine.js";

const files = [
  ...readdirSync("scenarios").filter((f) => f.endsWith(".yaml")).map((f) => `scenarios/${f}`),
  ...readdirSync("scenarios/studies").filter((f) => f.endsWith(".yaml")).map((f) => `scenarios/studies/${f}`),
];
/** Reported only when the run gives them a value. */
const sometimes = /\.(combinedSd|combinedMax|replyRateMin|replyRateMax|replyRateSd|shareguardFirstUsed|shareguardFirstCut|shareguardMedianCut|vifWaits)$/;

describe("metricKeys, the keys a report row may name", () => {
  it("lists exactly what a run of every column of every scenario reports, but for the keys that need data", async () => {
    for (const file of files) {
      const { scenario } = loadScenarioFile(file);
      for (const col of columnsOf(scenario)) {
        await loadPoliciesOf(col.scenario);
        const reported = new Simulation({ ...col.scenario, duration: 1 * SEC, window: undefined }, 0, 1).execute().metrics.map((m) => m.key);
        const listed = metricKeys(col.scenario);
        expect(reported.filter((k) => !listed.has(k)), `${file} ${col.name}`).toEqual([]);
        expect([...listed].filter((k) => !reported.includes(k) && !sometimes.test(k)), `${file} ${col.name}`).toEqual([]);
      }
    }
  });

  it("refuses a report row whose metric no column of its table reports, with the nearest key", () => {
    const text = `name: t
profile: system-1
duration: 2s
domains:
  - { name: Domain-0, idd: true, share: 40% }
  - { name: Domain-1, share: 50%, workload: { type: udp, direction: recv, rate: 1000, size: 256B } }
report:
  id: t
  title: T
  rows:
    - { label: ok, metric: Domain-1.udpDelivered }
    - { label: typo, metric: Domain-1.udpdelivered }
    - { label: web, metric: Domain-1.replyRate }
`;
    let diagnostics: string[] = [];
    try {
      checkReportMetrics("<none>", parseScenario(text, "<none>"));
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      diagnostics = e.diagnostics;
    }
    expect(diagnostics).toEqual([
      '<none>: report.rows[1].metric: no metric "Domain-1.udpdelivered" in its column (did you mean "Domain-1.udpDelivered"?)',
      '<none>: report.rows[2].metric: no metric "Domain-1.replyRate" in its column',
    ]);
  });
});
