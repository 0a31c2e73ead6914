import { columnsOf, type SweptScenario } from "../model/runner.js";
import { UsageError } from "../scenario/load.js";
import type { Override } from "../scenario/overrides.js";
import { loadSweepPoints, type Sweep } from "../scenario/sweep.js";

/**
 * `--sweep` for run and validate: every point of the sweeps loaded and checked. A sweep
 * that leaves a column the same at every value is refused: it is almost always a key a
 * variant sets for itself (sweeping `scheduler.type` under sedf-dc.yaml's columns), and
 * its columns would be repeats of one run under different names.
 */
export function loadSweep(file: string, set: Override[], sweeps: Sweep[]): SweptScenario {
  const points = loadSweepPoints(file, set, sweeps);
  const problems: string[] = [];
  // Points run through the combinations with the last sweep varying fastest, so sweep k's
  // values, the others at their first, are `stride` apart.
  let stride = points.length;
  sweeps.forEach((sweep) => {
    stride /= sweep.values.length;
    if (sweep.values.length < 2) return;
    const versions = sweep.values.map((_, i) => columnsOf(points[i * stride].scenario));
    for (const [c, column] of versions[0].entries()) {
      const same = versions.every((v) => v[c] !== undefined && JSON.stringify(v[c].scenario) === JSON.stringify(column.scenario));
      if (same) problems.push(`${file}: --sweep ${sweep.path}: changes nothing in column "${column.name}"${versions[0].length > 1 ? " (does its variant set this key itself? then sweep the key under variants[...])" : ""}`);
    }
  });
  if (problems.length > 0) throw new UsageError(problems);
  return { flags: sweeps.map((s) => s.text), points };
}
