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
      for (const col of t.columns) {
        const a = row.values[col];
        const b = gr.values[col];
        if (!a || !b) {
          if (a !== b) diffs.push(`${t.id} / ${row.label} / ${col}: cell ${a ? "added" : "missing"}`);
          continue;
        }
        for (const k of ["mean", "sd"] as const) {
          const tol = 1e-9 * Math.max(1, Math.abs(b[k]));
          if (!(Math.abs(a[k] - b[k]) <= tol)) diffs.push(`${t.id} / ${row.label} / ${col}: ${k} ${b[k]} → ${a[k]}`);
        }
      }
    }
    for (const label of rows.keys()) diffs.push(`${t.id} / ${label}: row disappeared`);
  });
  expect(diffs, `results differ from ${goldenFile}; if the model change is deliberate, run \`npm run results\``).toEqual([]);
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
