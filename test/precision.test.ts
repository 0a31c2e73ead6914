import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { precisionOf, runScenarios, runScenariosToPrecision, type PrecisionRound } from "../src/model/runner.js";
import type { Cell, ResultDoc } from "../src/report/result.js";
import { confidenceHalfWidth } from "../src/report/significance.js";
import { loadScenarioFile } from "../src/scenario/load.js";
import { parseOverride } from "../src/scenario/overrides.js";
import { UDP_SCENARIO } from "./helpers/scenario.js";

function doc(tables: Array<{ id: string; cells: Record<string, Cell> }>): ResultDoc {
  return {
    schemaVersion: 1,
    xeniso: "0",
    command: "run",
    scenario: null,
    profile: "p",
    seed: 1,
    runs: 10,
    tables: tables.map(({ id, cells }) => ({ id, title: id, columns: Object.keys(cells), rows: [{ label: "m", unit: "req/s", values: cells }] })),
  };
}

describe("which cells fall short of a precision goal", () => {
  const goal = { relative: 0.02, level: 0.95, tables: [] };

  it("measures each cell's confidence half-width against its mean, and asks for the runs the widest needs", () => {
    // sd 4 over 10 runs: t(0.975, 9) = 2.262157, half-width 2.262157 · 4 / √10 = 2.8614, 2.86 % of 100.
    const d = doc([{ id: "t", cells: { wide: { mean: 100, sd: 4, n: 10 }, narrow: { mean: 100, sd: 2, n: 10 }, one: { mean: 5, sd: 0, n: 1 }, zero: { mean: 0, sd: 0, n: 10 } } }]);
    const { short, runsNeeded } = precisionOf(d, goal);
    expect(short).toEqual(["t: m (wide)"]);
    // n ≥ 10 · (2.8614 / 2)² = 20.47.
    expect(runsNeeded).toBe(21);
    expect(precisionOf(d, { ...goal, relative: 0.03 }).short).toEqual([]);
    // At 99 % the interval is wider: t(0.995, 9) = 3.249836, so 4.11 %.
    expect(precisionOf(d, { ...goal, relative: 0.04, level: 0.99 }).short).toEqual(["t: m (wide)"]);
  });

  it("takes the scenario's own tables, its XenMon view only when it has none, and the named tables when given", () => {
    const noisy = { a: { mean: 10, sd: 5, n: 4 } };
    const quiet = { a: { mean: 10, sd: 0.01, n: 4 } };
    expect(precisionOf(doc([{ id: "table1", cells: quiet }, { id: "xenmon", cells: noisy }]), goal).short).toEqual([]);
    expect(precisionOf(doc([{ id: "xenmon", cells: noisy }]), goal).short).toEqual(["xenmon: m"]);
    expect(precisionOf(doc([{ id: "table1", cells: quiet }, { id: "xenmon", cells: noisy }]), { ...goal, tables: ["xenmon"] }).short).toEqual(["xenmon: m"]);
  });

  it("asks for enough runs: at that many, with the same mean and spread, the cell is no longer short", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1e4, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 2, max: 50 }), fc.constantFrom(0.005, 0.02, 0.1), fc.constantFrom(0.9, 0.95, 0.99), (mean, cv, n, relative, level) => {
        const g = { relative, level, tables: [] };
        const { short, runsNeeded } = precisionOf(doc([{ id: "t", cells: { a: { mean, sd: cv * mean, n } } }]), g);
        if (short.length === 0) return;
        expect(runsNeeded).toBeGreaterThan(n);
        const after = confidenceHalfWidth({ mean, sd: cv * mean, n: runsNeeded }, level)!;
        expect(after).toBeLessThanOrEqual(relative * mean * (1 + 1e-9));
      }),
    );
  });
});

describe("runs to a precision", () => {
  const dir = mkdtempSync(join(tmpdir(), "xeniso-precision-"));
  const file = join(dir, "udp.yaml");
  writeFileSync(file, UDP_SCENARIO);
  // One second: one 1 s bin, so the XenMon view's spread over the bins is 0, not noise
  // about 0 that no number of runs pins to a relative precision.
  const loaded = loadScenarioFile(file, [parseOverride("duration=1s")]);
  const goal = { relative: 0.03, level: 0.95, maxRuns: 40, tables: ["xenmon"] };

  it("adds runs until every cell is within the goal, and gives what --runs N gives for the N it stopped at", async () => {
    // Each round reports its own runs' progress: 1 of N … N of N.
    const rounds: number[] = [];
    const announced: PrecisionRound[][] = [];
    const onRound = (r: PrecisionRound[]): number => announced.push(r);
    const [seq] = await runScenariosToPrecision([{ loaded, seed: 7, runs: 2 }], goal, { onRound, onRun: (done, total) => done === total && rounds.push(total) });
    // Each round was announced with the runs it adds, one after the other, and the cells
    // the round before left short.
    expect(announced.map((r) => r.length)).toEqual(rounds.map(() => 1));
    announced.forEach(([r], k) => {
      expect(r.scenario).toBe(0);
      expect(r.from).toBe(k === 0 ? 0 : announced[k - 1][0].to);
      expect(r.to - r.from).toBe(rounds[k]);
      if (k === 0) expect(r.short).toBe(0);
      else expect(r.short).toBeGreaterThan(0);
    });
    expect(seq.precision).toEqual({ relative: 0.03, level: 0.95, maxRuns: 40, short: [] });
    expect(rounds.length).toBeGreaterThan(1);
    expect(rounds.reduce((a, n) => a + n, 0)).toBe(seq.runs);
    expect(seq.runs).toBeLessThan(40);
    expect(precisionOf(seq, goal).short).toEqual([]);
    const [fixed] = await runScenarios([{ loaded, seed: 7, runs: seq.runs }], {});
    const { precision: _p, ...rest } = seq;
    expect(rest).toEqual(fixed);
    // It went on because the round before fell short, and added at most as many runs as it had.
    const before = seq.runs - rounds[rounds.length - 1];
    const [last] = await runScenarios([{ loaded, seed: 7, runs: before }], {});
    expect(precisionOf(last, goal).short.length).toBeGreaterThan(0);
    expect(seq.runs).toBeLessThanOrEqual(2 * before);
    // The workers share the rounds out differently, and change nothing.
    expect(await runScenariosToPrecision([{ loaded, seed: 7, runs: 2 }], goal, { jobs: 2 })).toEqual([seq]);
  });

  it("stops at maxRuns with the cells still short named", async () => {
    const [capped] = await runScenariosToPrecision([{ loaded, seed: 7, runs: 2 }], { ...goal, relative: 1e-6, maxRuns: 5 }, {});
    expect(capped.runs).toBe(5);
    expect(capped.precision?.short.length).toBeGreaterThan(0);
    expect(capped.precision?.short).toContain("xenmon: Domain-0 CPU");
  });
});
