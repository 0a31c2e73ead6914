import type { LoadedScenario } from "../scenario/load.js";
import type { Scenario } from "../scenario/schema.js";
import { SCHEMA_VERSION, XENISO_VERSION, type ResultDoc, type Row, type Table } from "../report/result.js";
import { Simulation, type Metric } from "./simulation.js";
import { meanSd } from "./stats.js";

export interface RunOptions {
  runs: number;
  seed: number;
  /** Called after each finished run, for progress display. */
  onRun?: (done: number, total: number) => void;
}

/** Metrics of every run, in run order. */
export function runReplications(scenario: Scenario, opts: RunOptions): Metric[][] {
  const all: Metric[][] = [];
  for (let run = 0; run < opts.runs; run++) {
    all.push(new Simulation(scenario, run, opts.seed).execute().metrics);
    opts.onRun?.(run + 1, opts.runs);
  }
  return all;
}

/** Folds per-run metrics into table rows (mean ± sd over runs), one column. */
export function aggregate(perRun: Metric[][], column: string): Row[] {
  const first = perRun[0] ?? [];
  return first.map((m, i) => {
    const { mean, sd } = meanSd(perRun.map((ms) => ms[i].value));
    return { label: m.label, unit: m.unit, values: { [column]: { mean, sd, n: perRun.length } } };
  });
}

export function runScenario(loaded: LoadedScenario, opts: RunOptions): ResultDoc {
  const sc = loaded.scenario;
  const column = "result";
  const table: Table = {
    id: "xenmon",
    title: `XenMon view: ${sc.name} (window ${sc.warmup / 1e9}s–${sc.duration / 1e9}s)`,
    columns: [column],
    rows: aggregate(runReplications(sc, opts), column),
  };
  return {
    schemaVersion: SCHEMA_VERSION,
    xeniso: XENISO_VERSION,
    command: "run",
    scenario: { path: loaded.file, name: sc.name, sha256: loaded.hash },
    profile: sc.profile,
    seed: opts.seed,
    runs: opts.runs,
    tables: [table],
  };
}
