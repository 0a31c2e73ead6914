import type { Cell, ResultDoc } from "./result.js";
import { pairedT, welch } from "./significance.js";
import { precisionText } from "./render.js";

export interface Change {
  table: string;
  metric: string;
  /** The column compared: its name, or "A → B" when two different columns are compared. */
  column: string;
  unit: string;
  before?: number;
  after?: number;
  /** (after − before) / |before|; Infinity when a metric appears or disappears. */
  relative: number;
  breach: boolean;
  /** Two-sided p-value for the change, where both cells have two runs or more, and its test. */
  p?: number;
  test?: "paired" | "Welch";
}

export interface CompareOptions {
  /** Largest relative change that is not a breach. */
  tolerance: number;
  /** Changes smaller than this, in the metric's unit, are never breaches. */
  absolute: number;
  /** Compare only column `before` of the first result with column `after` of the second. */
  columns?: { before: string; after: string };
}

interface Located extends Cell {
  table: string;
  metric: string;
  column: string;
  unit: string;
}

/** A result's cells by (table, metric, column); with `only`, that column's cells by (table, metric). */
function cellsOf(doc: ResultDoc, only?: string): Map<string, Located> {
  const cells = new Map<string, Located>();
  for (const t of doc.tables)
    for (const r of t.rows)
      for (const [column, c] of Object.entries(r.values)) {
        if (only !== undefined && column !== only) continue;
        // A hand-made result may leave out a cell's `n`: each cell then ran `doc.runs` runs.
        const cell = { ...c, n: c.n ?? doc.runs, table: t.id, metric: r.label, column, unit: r.unit };
        cells.set(only === undefined ? `${t.id}\u0000${r.label}\u0000${column}` : `${t.id}\u0000${r.label}`, cell);
      }
  return cells;
}

/** Column names of a result, in its tables' order, each once. */
export function resultColumns(doc: ResultDoc): string[] {
  return [...new Set(doc.tables.flatMap((t) => t.columns))];
}

/**
 * Whether `y` stands out from the runs' spread against `x`: the paired test where both
 * keep each run's value and their runs drew the same random numbers (`paired`), else
 * Welch's.
 */
export function significance(x: Cell, y: Cell, paired: boolean): Pick<Change, "p" | "test"> {
  if (paired && x.perRun !== undefined && y.perRun !== undefined && x.perRun.length === y.perRun.length) {
    const r = pairedT(x.perRun, y.perRun);
    if (r !== undefined) return { p: r.p, test: "paired" };
  }
  const r = welch(x, y);
  return r === undefined ? {} : { p: r.p, test: "Welch" };
}

/**
 * Every cell of `before` against the same cell of `after`. A change counts as a breach
 * when it exceeds `tolerance` (relative) and `absolute` (in the metric's own unit), or
 * when a cell disappeared. New cells are listed but are not breaches. Each change that
 * has runs on both sides carries a p-value: whether it stands out from their spread.
 */
export function compareResults(before: ResultDoc, after: ResultDoc, options: CompareOptions): Change[] {
  const { tolerance, absolute, columns } = options;
  // Run i's random numbers come from (seed, i, component) alone, whatever the column or setting.
  const paired = before.seed === after.seed;
  const changes: Change[] = [];
  const a = cellsOf(before, columns?.before);
  const b = cellsOf(after, columns?.after);
  const column = columns === undefined || columns.before === columns.after ? undefined : `${columns.before} → ${columns.after}`;
  const where = (x: Located) => ({ table: x.table, metric: x.metric, column: column ?? x.column, unit: x.unit });
  for (const [key, x] of a) {
    const y = b.get(key);
    if (!y) {
      changes.push({ ...where(x), before: x.mean, relative: -Infinity, breach: true });
      continue;
    }
    const diff = y.mean - x.mean;
    const relative = x.mean === 0 ? (diff === 0 ? 0 : Infinity) : diff / Math.abs(x.mean);
    const breach = Math.abs(diff) > absolute && Math.abs(relative) > tolerance;
    changes.push({ ...where(x), before: x.mean, after: y.mean, relative, breach, ...significance(x, y, paired) });
  }
  for (const [key, y] of b) if (!a.has(key)) changes.push({ ...where(y), after: y.mean, relative: Infinity, breach: false });
  return changes;
}

/**
 * How two results were made differently, one line per difference ("runs: 10 → 4"): a
 * changed cell means little until one knows whether the code, the scenario or the flags
 * changed. Empty when both were made the same way.
 */
export function howMadeDiffers(before: ResultDoc, after: ResultDoc): string[] {
  const made = (doc: ResultDoc): Array<[string, string]> => [
    ["command", doc.command],
    ["scenario", doc.scenario ? doc.scenario.path : "none"],
    ["scenario file sha256", doc.scenario ? `${doc.scenario.sha256.slice(0, 12)}…` : "none"],
    ["--set", doc.scenario?.set?.join(" ") || "none"],
    ["--sweep", doc.scenario?.sweep?.join(" ") || "none"],
    // A policy module decides the numbers as much as the scenario file does.
    ["policy modules", doc.scenario?.policies?.map((p) => `${p.path} (${p.sha256.slice(0, 12)}…)`).join(", ") || "none"],
    ["profile", doc.profile],
    ["seed", String(doc.seed)],
    ["runs", String(doc.runs)],
    // The runs a --precision result took follow from its goal; say so beside them.
    ["--precision", doc.precision ? precisionText(doc.precision) : "none"],
    ["xeniso", doc.xeniso],
  ];
  const a = made(before);
  const b = made(after);
  return a.flatMap(([what, x], i) => (x === b[i][1] ? [] : [`${what}: ${x} → ${b[i][1]}`]));
}
