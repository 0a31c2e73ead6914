import { readFileSync } from "node:fs";

/** Bumped whenever the JSON layout changes in a way readers must know about. */
export const SCHEMA_VERSION = 1;

export const XENISO_VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/** One figure in a table: mean and sd over runs, and the paper's value where it gives one. */
export interface Cell {
  mean: number;
  sd: number;
  n: number;
  /**
   * Each run's value, run 0 first, where every run gave one. Run i of every column, and
   * of every result made with the same seed, draws the same random numbers, so two
   * cells' runs pair up (`xeniso compare`'s paired test).
   */
  perRun?: number[];
  paper?: number;
}

export interface Row {
  label: string;
  unit: string;
  values: Record<string, Cell>;
}

export interface Table {
  id: string;
  title: string;
  columns: string[];
  rows: Row[];
}

/** The document `--format json` prints, and what `results/` keeps. */
export interface ResultDoc {
  schemaVersion: number;
  xeniso: string;
  command: string;
  /** The scenario file, and the `--set` and `--sweep` flags applied to it (only when there were any). */
  scenario: { path: string; name: string; sha256: string; policies?: Array<{ path: string; sha256: string }>; set?: string[]; sweep?: string[] } | null;
  profile: string;
  seed: number;
  runs: number;
  /** Set by `run --precision`: runs were added until this goal was met, or until maxRuns. */
  precision?: PrecisionRecord;
  tables: Table[];
  [extra: string]: unknown;
}

/**
 * A sequential run's goal and outcome: every cell of its tables with a confidence
 * half-width at most `relative` of its mean at `level`, within `maxRuns` runs; `short`
 * names the cells that were not (empty when the goal was met).
 */
export interface PrecisionRecord {
  relative: number;
  level: number;
  maxRuns: number;
  short: string[];
}

/** Deviation of ours from the paper's, relative (for throughputs) or in points (for %). */
export function deviation(cell: Cell, unit: string): { value: number; text: string } | null {
  if (cell.paper === undefined) return null;
  if (unit === "%") {
    const d = cell.mean - cell.paper;
    return { value: d, text: `${d >= 0 ? "+" : ""}${d.toFixed(1)} pp` };
  }
  const rel = cell.paper === 0 ? 0 : (cell.mean - cell.paper) / Math.abs(cell.paper);
  return { value: rel, text: `${rel >= 0 ? "+" : ""}${(rel * 100).toFixed(1)}%` };
}
