import type { ResultDoc } from "./result.js";

export interface Change {
  table: string;
  metric: string;
  column: string;
  unit: string;
  before?: number;
  after?: number;
  /** (after − before) / |before|; Infinity when a metric appears or disappears. */
  relative: number;
  breach: boolean;
}

/**
 * Every cell of `before` against the same cell of `after`. A change counts as a breach
 * when it exceeds `tolerance` (relative) and `absolute` (in the metric's own unit), or
 * when a cell disappeared. New cells are listed but are not breaches.
 */
export function compareResults(before: ResultDoc, after: ResultDoc, tolerance: number, absolute: number): Change[] {
  const changes: Change[] = [];
  const cells = (doc: ResultDoc) => {
    const m = new Map<string, { table: string; metric: string; column: string; unit: string; mean: number }>();
    for (const t of doc.tables) for (const r of t.rows) for (const [column, c] of Object.entries(r.values)) m.set(`${t.id}\u0000${r.label}\u0000${column}`, { table: t.id, metric: r.label, column, unit: r.unit, mean: c.mean });
    return m;
  };
  const a = cells(before);
  const b = cells(after);
  for (const [key, x] of a) {
    const y = b.get(key);
    if (!y) {
      changes.push({ ...x, before: x.mean, relative: -Infinity, breach: true });
      continue;
    }
    const diff = y.mean - x.mean;
    const relative = x.mean === 0 ? (diff === 0 ? 0 : Infinity) : diff / Math.abs(x.mean);
    const breach = Math.abs(diff) > absolute && Math.abs(relative) > tolerance;
    changes.push({ table: x.table, metric: x.metric, column: x.column, unit: x.unit, before: x.mean, after: y.mean, relative, breach });
  }
  for (const [key, y] of b) if (!a.has(key)) changes.push({ ...y, after: y.mean, relative: Infinity, breach: false });
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
    ["xeniso", doc.xeniso],
  ];
  const a = made(before);
  const b = made(after);
  return a.flatMap(([what, x], i) => (x === b[i][1] ? [] : [`${what}: ${x} → ${b[i][1]}`]));
}
