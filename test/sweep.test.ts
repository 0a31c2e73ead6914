import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, UsageError } from "../src/scenario/load.js";
import { OverrideError, parseOverride } from "../src/scenario/overrides.js";
import { checkNewPath, parseSweep, partsLabel, sweepPoints } from "../src/scenario/sweep.js";
import { runScenarios, sweepAxis, sweptColumns } from "../src/model/runner.js";
import { figuresOf } from "../src/report/figures.js";
import { loadSweep } from "../src/cli/sweep.js";
import { UDP_SCENARIO } from "./helpers/scenario.js";

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof OverrideError) return e.message;
    if (e instanceof UsageError) return e.diagnostics.join("\n");
    throw e;
  }
  throw new Error("expected a refusal");
};

// Two columns, and a report with the paper's value for one of them only.
const SCENARIO = `${UDP_SCENARIO}variants:
  - { name: A }
  - { name: B, rates: { Domain-1: 3000 } }
report:
  id: t
  title: T
  rows:
    - { label: Domain-0 CPU, metric: Domain-0.cpu, paper: { A: 1.1 } }
`;

const file = join(mkdtempSync(join(tmpdir(), "xeniso-sweep-")), "s.yaml");
writeFileSync(file, SCENARIO);

describe("--sweep flags", () => {
  it("splits values at the commas outside brackets, braces and quotes", () => {
    const s = parseSweep("domains.Domain-1.workload={ type: udp, direction: recv, rate: 1000, size: 256B },[a, b], 'x,y' ,5%");
    expect(s.path).toBe("domains.Domain-1.workload");
    expect(s.values.map((v) => v.text)).toEqual(["{ type: udp, direction: recv, rate: 1000, size: 256B }", "[a, b]", "'x,y'", "5%"]);
    expect(s.values[3].override).toMatchObject({ flag: "--sweep", text: "domains.Domain-1.workload=5%", segments: ["domains", "Domain-1", "workload"] });
  });

  it("refuses what cannot be a sweep, each with its reason", () => {
    expect(refusal(() => parseSweep("domains.Domain-1.share"))).toMatch(/^--sweep takes PATH=V1,V2/);
    expect(refusal(() => parseSweep("runs=1,2"))).toBe("--sweep: cannot sweep runs: use --runs");
    expect(refusal(() => parseSweep("seed=1,2"))).toBe("--sweep: cannot sweep seed: use --seed, or more --runs");
    expect(refusal(() => parseSweep("variants=[],[]"))).toMatch(/^--sweep: cannot sweep the whole variants list/);
    expect(refusal(() => parseSweep("a.b=1,,2"))).toMatch(/^--sweep: an empty value in the list/);
    expect(refusal(() => parseSweep("a.b=1, 1"))).toBe("--sweep: the value 1 is given twice");
    expect(refusal(() => parseSweep("a.b=1,*x"))).toBe("--sweep: the value may not use a YAML alias (*name)");
    expect(refusal(() => parseSweep("a..b=1"))).toMatch(/^--sweep: the path has an empty key/);
    expect(refusal(() => checkNewPath([parseSweep("a.b=1,2")], parseSweep("a[b]=3")))).toBe("--sweep: a[b] is swept twice; give all its values in one --sweep");
  });

  it("makes every combination, the first sweep slowest, labelled by the shortest distinct keys", () => {
    const points = sweepPoints([parseSweep("domains.Domain-1.share=30%,40%"), parseSweep("domains.Domain-0.share=20%,30%,40%")]);
    expect(points.map((p) => partsLabel(p.parts))).toEqual([
      "Domain-1 share=30%, Domain-0 share=20%",
      "Domain-1 share=30%, Domain-0 share=30%",
      "Domain-1 share=30%, Domain-0 share=40%",
      "Domain-1 share=40%, Domain-0 share=20%",
      "Domain-1 share=40%, Domain-0 share=30%",
      "Domain-1 share=40%, Domain-0 share=40%",
    ]);
    expect(points[5].overrides.map((o) => o.text)).toEqual(["domains.Domain-1.share=40%", "domains.Domain-0.share=40%"]);
    expect(sweepPoints([parseSweep("shareguard.limits.Domain-3=5%,10%")]).map((p) => p.parts.map((v) => partsLabel([v])))).toEqual([["Domain-3=5%"], ["Domain-3=10%"]]);
  });
});

describe("loading a sweep", () => {
  it("reports a problem of one value against that value, and a path problem once", () => {
    expect(refusal(() => loadSweep(file, [], [parseSweep("domains.Domain-1.share=30%,130%")]))).toBe(
      `${file}: --sweep domains.Domain-1.share=130%: domains[1].share: must be at least 0% and at most 100%`,
    );
    expect(refusal(() => loadSweep(file, [], [parseSweep("domains.Domain-7.share=1%,2%")]))).toBe(
      `${file}: --sweep domains.Domain-7.share: domains has no item named "Domain-7": its items are "Domain-0", "Domain-1"`,
    );
  });

  it("runs a column no sweep changes once, and refuses a sweep that changes no column", () => {
    // Column B sets Domain-1's rate itself, so sweeping the base's rate leaves B alone.
    const sweep = loadSweep(file, [], [parseSweep("domains.Domain-1.workload.rate=1000,2000")]);
    expect(sweptColumns(loadScenarioFile(file).scenario, sweep).map((c) => c.name)).toEqual(["A, Domain-1 rate=1000", "A, Domain-1 rate=2000", "B"]);
    expect(refusal(() => loadSweep(file, [], [parseSweep("domains.Domain-1.workload.rate=1000,2000")], ["B"]))).toBe(
      `${file}: --sweep domains.Domain-1.workload.rate: changes no column (does each variant set this key itself? then sweep it under variants[...])`,
    );
  });
});

describe("a swept run", () => {
  it("is each point's run under its own name, with the paper's value only where the file's setting stands", async () => {
    const base = loadScenarioFile(file);
    const sweep = loadSweep(file, [], [parseSweep("domains.Domain-0.share=40%,2%")]);
    const [swept, at2] = await runScenarios(
      [
        { loaded: base, seed: 3, runs: 2, sweep },
        { loaded: loadScenarioFile(file, [parseOverride("domains.Domain-0.share=2%")]), seed: 3, runs: 2 },
      ],
      {},
    );
    const table = swept.tables.find((t) => t.id === "t")!;
    expect(table.columns).toEqual(["A, Domain-0 share=40%", "A, Domain-0 share=2%", "B, Domain-0 share=40%", "B, Domain-0 share=2%"]);
    // 40 % is the file's own setting: the paper's value for A stands there, and only there.
    expect(Object.entries(table.rows[0].values).map(([c, cell]) => [c, cell.paper])).toEqual([
      ["A, Domain-0 share=40%", 1.1],
      ["A, Domain-0 share=2%", undefined],
      ["B, Domain-0 share=40%", undefined],
      ["B, Domain-0 share=2%", undefined],
    ]);
    // A point's columns are exactly what --set gives: a run's randomness never depends on its neighbours.
    const xenmon = (doc: typeof swept) => doc.tables.find((t) => t.id === "xenmon")!;
    for (const row of xenmon(at2).rows) {
      const same = xenmon(swept).rows.find((r) => r.label === row.label)!;
      expect(same.values["A, Domain-0 share=2%"]).toEqual(row.values.A);
      expect(same.values["B, Domain-0 share=2%"]).toEqual(row.values.B);
    }
    // And the points differ: at 2 % Domain-0 cannot keep up with column B's 3,000 packets a second.
    const cpu = (column: string) => xenmon(swept).rows.find((r) => r.label === "Domain-0 CPU")!.values[column].mean;
    expect(cpu("B, Domain-0 share=2%")).toBeLessThan(cpu("B, Domain-0 share=40%") - 0.5);
    expect(swept.scenario?.sweep).toEqual(["domains.Domain-0.share=40%,2%"]);
    // A figure of the report's rows against the swept value, per column, beside each column's time series.
    expect(sweepAxis(sweep)).toEqual({ title: "Domain-0 share (%)", xs: [40, 2] });
    expect(sweepAxis(loadSweep(file, [], [parseSweep("netbackOrder=fifo,xen3")]))).toBeUndefined();
    expect(sweepAxis(loadSweep(file, [], [parseSweep("duration=2s,1500ms")]))).toBeUndefined();
    const files = figuresOf(swept).map((f) => f.file);
    expect(files.filter((f) => f.includes("-sweep-"))).toEqual(["t-sweep-a-percent.svg", "t-sweep-b-percent.svg"]);
    expect(files).toContain("t-a-domain-0-share-2-b-cpu.svg");
    expect(swept.scenario?.set).toBeUndefined();
  });
});
