import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { expect } from "vitest";
import type { ResultDoc } from "../../src/report/result.js";

/**
 * Compares a fresh result with the committed one in results/: every table, row and cell.
 * Numbers must agree to 1e-9 relative (the simulation is deterministic; the slack only
 * absorbs last-digit differences of Math functions between platforms).
 */
export function expectMatchesGolden(fresh: ResultDoc, goldenFile: string): void {
  const golden = JSON.parse(readFileSync(goldenFile, "utf8")) as ResultDoc;
  const diffs: string[] = [];
  expect(fresh.tables.map((t) => t.id)).toEqual(golden.tables.map((t) => t.id));
  fresh.tables.forEach((t, i) => {
    const g = golden.tables[i];
    const rows = new Map(g.rows.map((r) => [r.label, r]));
    for (const row of t.rows) {
      const gr = rows.get(row.label);
      if (!gr) {
        diffs.push(`${t.id} / ${row.label}: new row`);
        continue;
      }
      rows.delete(row.label);
      compareCells(t.id, t.columns, row, gr, diffs);
    }
    for (const label of rows.keys()) diffs.push(`${t.id} / ${label}: row disappeared`);
  });
  expect(diffs, `results differ from ${goldenFile}; if the model change is deliberate, run \`npm run results\``).toEqual([]);
}

/**
 * Compares a result of some of a scenario's columns (`run --column`) with the committed
 * result of all of them: every table the fresh run has, every row, the columns it ran.
 * A row's label may name more wordings in the full result (the columns word a metric
 * differently; see `collect` in src/model/runner.ts), so a row matches one whose
 * wordings include all of its own. A row the golden has for these columns and the fresh
 * run lacks is a lost metric.
 */
export function expectColumnsMatchGolden(fresh: ResultDoc, goldenFile: string): void {
  const golden = JSON.parse(readFileSync(goldenFile, "utf8")) as ResultDoc;
  const diffs: string[] = [];
  const wordings = (label: string) => label.split(" / ");
  for (const t of fresh.tables) {
    const g = golden.tables.find((x) => x.id === t.id);
    if (!g) {
      diffs.push(`${t.id}: table not in the golden`);
      continue;
    }
    const unmatched = new Set(g.rows.filter((r) => t.columns.some((c) => r.values[c] !== undefined)));
    for (const row of t.rows) {
      const gr = g.rows.find((r) => wordings(row.label).every((w) => wordings(r.label).includes(w)));
      if (!gr) {
        diffs.push(`${t.id} / ${row.label}: new row`);
        continue;
      }
      unmatched.delete(gr);
      compareCells(t.id, t.columns, row, gr, diffs);
    }
    for (const r of unmatched) diffs.push(`${t.id} / ${r.label}: row disappeared`);
  }
  expect(diffs, `results differ from ${goldenFile}; if the model change is deliberate, run \`npm run results\``).toEqual([]);
}

type Row = ResultDoc["tables"][number]["rows"][number];

/** Adds to `diffs` every cell of `columns` in which `fresh` and `golden` differ. */
function compareCells(table: string, columns: string[], fresh: Row, golden: Row, diffs: string[]): void {
  for (const col of columns) {
    const a = fresh.values[col];
    const b = golden.values[col];
    if (!a || !b) {
      if (a !== b) diffs.push(`${table} / ${fresh.label} / ${col}: cell ${a ? "added" : "missing"}`);
      continue;
    }
    for (const k of ["mean", "sd"] as const) {
      const tol = 1e-9 * Math.max(1, Math.abs(b[k]));
      if (!(Math.abs(a[k] - b[k]) <= tol)) diffs.push(`${table} / ${fresh.label} / ${col}: ${k} ${b[k]} → ${a[k]}`);
    }
    // Each run's value too, where the golden keeps them: the pairs `xeniso compare` tests.
    if (b.perRun !== undefined) {
      const same = a.perRun !== undefined && a.perRun.length === b.perRun.length && a.perRun.every((v, i) => Math.abs(v - b.perRun![i]) <= 1e-9 * Math.max(1, Math.abs(b.perRun![i])));
      if (!same) diffs.push(`${table} / ${fresh.label} / ${col}: perRun ${JSON.stringify(b.perRun)} → ${JSON.stringify(a.perRun)}`);
    }
  }
}

/**
 * A result made as a user makes it: the built CLI (`npm test` builds it first) with one
 * worker thread per core and the scenario's own runs and seed.
 */
export async function cliResult(args: string[]): Promise<ResultDoc> {
  const { stdout } = await promisify(execFile)(process.execPath, ["bin/xeniso", ...args, "--quiet", "--format", "json"], {
    maxBuffer: 1 << 28,
    env: { ...process.env, CI: "true" },
  });
  return JSON.parse(stdout) as ResultDoc;
}
