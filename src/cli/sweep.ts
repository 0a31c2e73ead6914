import { columnsOf, onlyColumns, sameRun, type SweptScenario } from "../model/runner.js";
import { UsageError } from "../scenario/load.js";
import type { Override } from "../scenario/overrides.js";
import { loadSweepPoints, type Sweep } from "../scenario/sweep.js";

/**
 * `--sweep` for run and validate: every point of the sweeps loaded (with only the
 * `--column`s named, if any), and for each column, which sweeps change it. A column no
 * sweep changes runs once, under its own name. A sweep that changes no column at all is
 * refused: it is almost always a key each variant sets for itself (`scheduler.type`
 * under sedf-dc.yaml's columns).
 */
export function loadSweep(file: string, set: Override[], sweeps: Sweep[], only: string[] = []): SweptScenario {
  const points = loadSweepPoints(file, set, sweeps);
  if (only.length > 0) {
    try {
      for (const p of points) p.scenario = onlyColumns(p.scenario, only);
    } catch (e) {
      throw new UsageError([`${file}: --column: ${(e as Error).message}`]);
    }
  }
  const names = columnsOf(points[0].scenario).map((c) => c.name);
  const changes = new Map(names.map((n) => [n, sweeps.map(() => false)]));
  const problems: string[] = [];
  // Points run through the combinations with the last sweep varying fastest, so sweep k's
  // values, the others at their first, are `stride` apart.
  let stride = points.length;
  sweeps.forEach((sweep, k) => {
    stride /= sweep.values.length;
    const versions = sweep.values.map((_, i) => columnsOf(points[i * stride].scenario));
    for (const [c, column] of versions[0].entries()) {
      const same = versions.every((v) => v[c] !== undefined && sameRun(v[c].scenario, column.scenario));
      changes.get(column.name)![k] = !same || sweep.values.length === 1;
    }
    if (names.every((n) => !changes.get(n)![k])) problems.push(`${file}: --sweep ${sweep.path}: changes no column (does each variant set this key itself? then sweep it under variants[...])`);
  });
  if (problems.length > 0) throw new UsageError(problems);
  return { flags: sweeps.map((s) => s.text), points, changes };
}
