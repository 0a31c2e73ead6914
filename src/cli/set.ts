import { columnsOf } from "../model/runner.js";
import { loadScenarioFile, UsageError, type LoadedScenario } from "../scenario/load.js";
import type { Override } from "../scenario/overrides.js";

/**
 * Loads a scenario with its `--set` flags, refusing a flag that changes the file but no
 * column of it. That is a key each variant sets for itself: `--set scheduler.type=credit`
 * on sedf-dc.yaml, whose SEDF and SEDF-DC columns each name their scheduler, would run
 * the paper's two schedulers and say nothing. A flag that sets what the file already has
 * changes nothing either, and is harmless.
 */
export function loadWithSets(file: string, set: Override[]): LoadedScenario {
  const loaded = loadScenarioFile(file, set);
  const sets = set.filter((o) => o.flag === "--set");
  if (sets.length === 0) return loaded;
  const columns = JSON.stringify(columnsOf(loaded.scenario));
  const problems: string[] = [];
  for (const o of sets) {
    let without;
    try {
      without = loadScenarioFile(file, set.filter((x) => x !== o)).scenario;
    } catch (e) {
      // The others are invalid without it (xenmon.interval with scheduler.feedbackInterval): it is needed.
      if (e instanceof UsageError) continue;
      throw e;
    }
    if (JSON.stringify(without) === JSON.stringify(loaded.scenario)) continue;
    if (JSON.stringify(columnsOf(without)) === columns) {
      problems.push(`${file}: --set ${o.text}: changes no column (does each variant set this key itself? then set it under variants[...])`);
    }
  }
  if (problems.length > 0) throw new UsageError(problems);
  return loaded;
}
