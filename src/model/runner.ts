import type { LoadedScenario } from "../scenario/load.js";
import { DEFAULT_COLUMN, measurementWindow, type Scenario, type Variant } from "../scenario/schema.js";
import { SCHEMA_VERSION, XENISO_VERSION, type Cell, type ResultDoc, type Row, type Table } from "../report/result.js";
import type { Decision } from "../shareguard/shareguard.js";
import { Simulation, type Metric, type SeriesPoint } from "./simulation.js";
import { meanSd } from "./stats.js";

export interface RunOptions {
  runs: number;
  seed: number;
  /** Called after each finished run, for progress display. */
  onRun?: (done: number, total: number) => void;
  /** When set, time series are collected in bins of this many ns. */
  seriesBin?: number;
}

export type SeriesRow = SeriesPoint & { column: string; run: number };
export type DecisionRow = Decision & { column: string; run: number };

/** The scenario one column runs: the base with the variant's changes applied. */
export function applyVariant(sc: Scenario, v: Variant): Scenario {
  const off = new Set(v.withoutWorkload ?? []);
  return {
    ...sc,
    scheduler: v.scheduler ?? sc.scheduler,
    shareguard: v.shareguard ?? sc.shareguard,
    domains: sc.domains.map((d) => (off.has(d.name) ? { ...d, workload: undefined } : d)),
  };
}

/** (column name, scenario) for every column of the result tables. */
export function columnsOf(sc: Scenario): Array<{ name: string; scenario: Scenario }> {
  if (!sc.variants) return [{ name: DEFAULT_COLUMN, scenario: sc }];
  return sc.variants.map((v) => ({ name: v.name, scenario: applyVariant(sc, v) }));
}

/** Per column, per metric key: the metric's description and its value in every run. */
type Collected = Map<string, { label: string; unit: string; values: Map<string, number[]> }>;

function collect(into: Collected, column: string, metrics: Metric[]): void {
  for (const m of metrics) {
    let entry = into.get(m.key);
    if (!entry) {
      entry = { label: m.label, unit: m.unit, values: new Map() };
      into.set(m.key, entry);
    }
    const list = entry.values.get(column) ?? [];
    list.push(m.value);
    entry.values.set(column, list);
  }
}

function cellOf(values: number[] | undefined, paper?: number | null): Cell | undefined {
  if (!values) return undefined;
  const cell: Cell = { ...meanSd(values), n: values.length };
  if (paper !== undefined && paper !== null) cell.paper = paper;
  return cell;
}

/**
 * Lets pending signals (Ctrl-C) and I/O run between simulations: a run is synchronous,
 * so without this an interrupt would only be seen after the last one.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function runScenario(loaded: LoadedScenario, opts: RunOptions): Promise<ResultDoc & { series?: SeriesRow[]; decisions?: DecisionRow[] }> {
  const sc = loaded.scenario;
  const columns = columnsOf(sc);
  const collected: Collected = new Map();
  const total = columns.length * opts.runs;
  let done = 0;
  const series: SeriesRow[] = [];
  const decisions: DecisionRow[] = [];
  for (const col of columns) {
    for (let run = 0; run < opts.runs; run++) {
      const sim = new Simulation(col.scenario, run, opts.seed);
      collect(collected, col.name, sim.execute().metrics);
      if (opts.seriesBin) {
        for (const p of sim.series(opts.seriesBin)) series.push({ column: col.name, run, ...p });
        for (const d of sim.shareguard?.decisions ?? []) decisions.push({ column: col.name, run, ...d });
      }
      opts.onRun?.(++done, total);
      await yieldToEventLoop();
    }
  }
  const names = columns.map((c) => c.name);
  const tables: Table[] = [];
  if (sc.report) {
    tables.push({
      id: sc.report.id,
      title: sc.report.title,
      columns: names,
      rows: sc.report.rows.map((r): Row => {
        const entry = collected.get(r.metric);
        const values: Record<string, Cell> = {};
        for (const name of names) {
          const cell = cellOf(entry?.values.get(name), r.paper?.[name]);
          if (cell) values[name] = cell;
        }
        return { label: r.label, unit: entry?.unit ?? "", values };
      }),
    });
  }
  const window = measurementWindow(sc);
  tables.push({
    id: "xenmon",
    title: `XenMon view: ${sc.name} (window ${window.from / 1e9}s–${window.to / 1e9}s)`,
    columns: names,
    rows: [...collected.values()].map((e) => {
      const values: Record<string, Cell> = {};
      for (const name of names) {
        const cell = cellOf(e.values.get(name));
        if (cell) values[name] = cell;
      }
      return { label: e.label, unit: e.unit, values };
    }),
  });
  return {
    schemaVersion: SCHEMA_VERSION,
    xeniso: XENISO_VERSION,
    command: "run",
    scenario: { path: loaded.file, name: sc.name, sha256: loaded.hash },
    profile: sc.profile,
    seed: opts.seed,
    runs: opts.runs,
    tables,
    ...(opts.seriesBin ? { series, decisions } : {}),
  };
}
