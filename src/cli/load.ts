import { loadPoliciesOf } from "../model/replication.js";
import { columnsOf, type Column } from "../model/runner.js";
import { PolicyError } from "../model/policy-module.js";
import { metricKeys } from "../model/simulation.js";
import { diagnosticAt, didYouMean, loadScenarioFile, UsageError, type LoadedScenario } from "../scenario/load.js";
import type { Override } from "../scenario/overrides.js";
import type { Scenario } from "../scenario/schema.js";

/**
 * A scenario as `run`, `validate` and `profile` load it: its `--set` flags applied and
 * checked (`checkSets`), and every report row's metric one that the columns its table
 * shows report (`checkReportMetrics`). Both need the columns, so they are checked here
 * rather than in the scenario's schema.
 */
export function loadChecked(file: string, set: Override[]): LoadedScenario {
  const loaded = checkSets(file, set);
  checkReportMetrics(file, loaded.scenario);
  return loaded;
}

/**
 * Imports the policy modules of every column and checks what it exports, so a
 * module that cannot work is refused before anything runs (the file itself was checked
 * when the scenario was read, with its place in the file).
 */
export async function checkPolicies(file: string, sc: Scenario): Promise<void> {
  for (const c of columnsOf(sc)) {
    try {
      await loadPoliciesOf(c.scenario);
    } catch (e) {
      if (e instanceof PolicyError) throw new UsageError([`${file}: ${e.key}: ${e.message}`]);
      throw e;
    }
  }
}

/**
 * A report row whose metric no column of its table reports would print an empty row
 * after the whole run: refuse it before, with the nearest key.
 */
export function checkReportMetrics(file: string, sc: Scenario): void {
  const columns = columnsOf(sc);
  const problems: string[] = [];
  const tables = [...(sc.report ? [{ report: sc.report, at: ["report"] }] : []), ...(sc.reports ?? []).map((report, k) => ({ report, at: ["reports", k] }))];
  for (const { report, at } of tables) {
    const shown = columns.filter((c) => !report.columns?.length || report.columns.includes(c.name));
    const keys = new Set(shown.flatMap((c) => [...metricKeys(c.scenario)]));
    report.rows.forEach((row, i) => {
      if (keys.has(row.metric)) return;
      const where = shown.length === 1 ? "its column" : "the columns this table shows";
      problems.push(diagnosticAt(file, [...at, "rows", i, "metric"], `no metric "${row.metric}" in ${where}${didYouMean(row.metric, keys)}`));
    });
  }
  if (problems.length > 0) throw new UsageError(problems);
}

/**
 * Loads a scenario with its `--set` flags, refusing a flag that changes the file but no
 * column of it. That is a key each variant sets for itself: `--set scheduler.type=credit`
 * on sedf-dc.yaml, whose SEDF and SEDF-DC columns each name their scheduler, would run
 * the paper's two schedulers and say nothing. A flag that sets what the file already has
 * changes nothing either, and is harmless.
 */
export function checkSets(file: string, set: Override[]): LoadedScenario {
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

/**
 * The one column a command that runs a single column (`trace`, `search`) works on: the
 * one named, or the scenario's only one.
 */
export function pickColumn(file: string, sc: Scenario, name: string | undefined): Column {
  const columns = columnsOf(sc);
  const names = columns.map((c) => `"${c.name}"`).join(", ");
  if (name === undefined && columns.length > 1) throw new UsageError([`${file}: has ${columns.length} columns (${names}): pick one with --column`]);
  const column = name === undefined ? columns[0] : columns.find((c) => c.name === name);
  if (column === undefined) throw new UsageError([`--column ${name}: ${file} has no such column; its columns are ${names}`]);
  return column;
}
