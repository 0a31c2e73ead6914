import type { LoadedScenario } from "../scenario/load.js";
import { partsLabel, type SweptValue } from "../scenario/sweep.js";
import { DEFAULT_COLUMN, DEFAULT_PERIOD, measurementWindow, netIddOf, reportsOf, type ReportConfig, type Scenario, type Variant } from "../scenario/schema.js";
import { SCHEMA_VERSION, XENISO_VERSION, type Cell, type PrecisionRecord, type ResultDoc, type Row, type Table } from "../report/result.js";
import { confidenceHalfWidth } from "../report/significance.js";
import type { ShareGuardDecision } from "../shareguard/shareguard.js";
import { estimateEvents } from "./estimate.js";
import { mergeHost } from "./host-profile.js";
import { runJobs, type Job, type JobResult } from "./replication.js";
import type { Metric, SeriesPoint } from "./simulation.js";
import { cellOfRuns, meanSd } from "./stats.js";

export interface RunOptions {
  runs: number;
  seed: number;
  /** Called after each finished run, for progress display, with the share of the estimated work done. */
  onRun?: (done: number, total: number, work: number) => void;
  /** When set, time series are collected in bins of this many ns. */
  seriesBin?: number;
  /** Worker threads to spread the runs over (1: all in this thread). */
  jobs?: number;
}

export type SeriesRow = SeriesPoint & { column: string; run: number };
export type DecisionRow = ShareGuardDecision & { column: string; run: number };

/** Bin of the time series kept in every result for its figures, unless --series-bin says otherwise. */
export const FIGURE_BIN = 1e9;

/** What a result keeps to draw its figures: the first run of every column. */
export interface FigureData {
  /** Bin width, in seconds. */
  bin: number;
  columns: Array<{
    column: string;
    /** The paper's figure these series reproduce, when the scenario says. */
    figure?: string;
    points: SeriesPoint[];
    /** ShareGuard's cuts, times in seconds. */
    cuts: Array<{ domain: string; from: number; to: number; used: number }>;
    /** On a host with several net-IDDs: the one serving each guest, by name. */
    idds?: Record<string, string>;
  }>;
  /** Figures drawn against a swept quantity: which column is which point of which panel. */
  sweep?: {
    axis: string;
    points: Array<{ figure: string; column: string; x: number }>;
    /** Set for a `--sweep`: the scenario's name. Its panels are named after it, and its columns keep their time series. */
    of?: string;
  };
}

/** The scenario one column runs: the base with the variant's changes applied. */
export function applyVariant(sc: Scenario, v: Variant): Scenario {
  const off = new Set(v.withoutWorkload ?? []);
  return {
    ...sc,
    scheduler: v.scheduler ?? sc.scheduler,
    netbackOrder: v.netbackOrder ?? sc.netbackOrder,
    host: mergeHost(sc.host, v.host),
    shareguard: v.shareguard ?? sc.shareguard,
    xenmon: v.xenmon ?? sc.xenmon,
    domains: sc.domains.map((base) => {
      let d = base;
      const period = v.periods?.[d.name];
      // The same share over a different period: a slice given in the base scales with it.
      if (period !== undefined) d = { ...d, period, slice: d.slice === undefined ? undefined : (d.slice * period) / (d.period ?? DEFAULT_PERIOD) };
      if (off.has(d.name)) return { ...d, workload: undefined };
      const workload = v.workloads?.[d.name];
      if (workload !== undefined) d = { ...d, workload };
      const rate = v.rates?.[d.name];
      if (rate !== undefined && (d.workload?.type === "web" || d.workload?.type === "udp" || d.workload?.type === "disk")) d = { ...d, workload: { ...d.workload, rate } };
      const fileSize = v.fileSizes?.[d.name];
      if (fileSize !== undefined && d.workload?.type === "web") d = { ...d, workload: { ...d.workload, fileSize } };
      const netIdd = v.netIdds?.[d.name];
      if (netIdd !== undefined) d = { ...d, netIdd };
      const vif = v.vifs?.[d.name];
      if (vif !== undefined) d = { ...d, vif: vif ?? undefined };
      return d;
    }),
  };
}

/** Figures need no more than 4 decimals; fewer digits keep results/ small and its diffs legible. */
function roundNumbers<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = typeof v === "number" ? Math.round(v * 1e4) / 1e4 : v;
  return out as T;
}

/** One column of the result tables: its name and the scenario it runs. */
export interface Column {
  name: string;
  scenario: Scenario;
  figure?: string;
}

/**
 * `xeniso run --sweep`: one scenario run once per point of the sweeps (src/scenario/sweep.ts),
 * every point's columns side by side in one result.
 */
export interface SweptScenario {
  /** The --sweep flags as given, recorded in the result. */
  flags: string[];
  /** Each point's value per sweep (Domain-3 = 5%) and the scenario with its values set. */
  points: Array<{ parts: SweptValue[]; scenario: Scenario }>;
  /** Per column of the scenario, whether each sweep changes it. */
  changes: Map<string, boolean[]>;
}

/**
 * Whether two column scenarios run alike: everything but the table layout and the other
 * columns (a column's scenario still carries the variants list it came from).
 */
export function sameRun(a: Scenario, b: Scenario): boolean {
  const run = (sc: Scenario) => JSON.stringify({ ...sc, variants: undefined, report: undefined, reports: undefined });
  return run(a) === run(b);
}

/** A swept column, with the column of the file it is a version of. */
interface SweptColumn extends Column {
  origin: string;
  /** Whether the point leaves this column as the file has it, so the paper's values apply. */
  asFiled: boolean;
  /** Which point of the sweep it runs. */
  point: number;
}

/**
 * The x axis of a figure against one swept key: every value a number with one unit
 * after it (`2.5%,5%,10%` → 2.5, 5, 10 in %), or none for values that are not.
 */
export function sweepAxis(sweep: SweptScenario): { title: string; xs: number[] } | undefined {
  if (sweep.flags.length !== 1) return undefined;
  const parsed = sweep.points.map((p) => /^(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*(\D*)$/i.exec(p.parts[0].value));
  if (parsed.some((m) => m === null) || new Set(parsed.map((m) => m![2])).size !== 1) return undefined;
  const unit = parsed[0]![2];
  const key = sweep.points[0].parts[0].key;
  return { title: unit === "" ? key : `${key} (${unit})`, xs: parsed.map((m) => Number(m![1])) };
}

/**
 * Each column of the file in turn, in every version the sweeps make of it, named
 * "COLUMN, KEY=VALUE" by the sweeps that change it, or "KEY=VALUE" when the scenario has
 * one column (no variants, or one picked with --column). A column no sweep changes is
 * the same run at every point, so it runs once, under its own name and with its paper
 * figure; a swept column draws no paper figure.
 */
export function sweptColumns(base: Scenario, sweep: SweptScenario): SweptColumn[] {
  const filedColumns = columnsOf(base);
  const versions = sweep.points.map((p) => columnsOf(p.scenario));
  const seen = new Set<string>();
  return filedColumns.flatMap((filed, c) =>
    sweep.points.flatMap((p, i) => {
      const col = versions[i][c];
      const parts = partsLabel(p.parts.filter((_, k) => sweep.changes.get(filed.name)?.[k] ?? true));
      const name = filedColumns.length === 1 ? parts : parts === "" ? filed.name : `${filed.name}, ${parts}`;
      if (seen.has(name)) return [];
      seen.add(name);
      // A column the sweeps leave alone is the file's, and still draws the paper's figure.
      const figure = parts === "" ? filed.figure : undefined;
      return [{ name, scenario: col.scenario, ...(figure ? { figure } : {}), origin: filed.name, asFiled: sameRun(filed.scenario, col.scenario), point: i }];
    }),
  );
}

/**
 * The scenario's tables laid out over swept columns: a table limited to some columns shows
 * every version of them, and a paper value stands beside a swept column only where the
 * point leaves that column as the file has it (the paper measured the file's setting).
 */
function sweptLayout(base: Scenario, columns: SweptColumn[]): Scenario {
  const spread = (r: ReportConfig): ReportConfig => ({
    ...r,
    ...(r.columns ? { columns: columns.filter((c) => r.columns!.includes(c.origin)).map((c) => c.name) } : {}),
    rows: r.rows.map((row) => {
      const paper = row.paper;
      if (!paper) return row;
      return { ...row, paper: Object.fromEntries(columns.filter((c) => c.asFiled && paper[c.origin] !== undefined).map((c) => [c.name, paper[c.origin]])) };
    }),
  });
  return { ...base, variants: undefined, ...(base.report ? { report: spread(base.report) } : {}), ...(base.reports ? { reports: base.reports.map(spread) } : {}) };
}

/**
 * A `--sweep`'s figure: the report's rows against the swept value, one panel per column
 * of the file the sweep changes. None without a report, or for values that are not
 * numbers in one unit.
 */
function sweepFigure(base: Scenario, sweep: SweptScenario, columns: SweptColumn[]): FigureData["sweep"] | undefined {
  const axis = sweepAxis(sweep);
  if (axis === undefined || !base.report) return undefined;
  const changed = columns.filter((c) => sweep.changes.get(c.origin)?.[0]);
  if (changed.length === 0) return undefined;
  return { axis: axis.title, of: base.name, points: changed.map((c) => ({ figure: c.origin, column: c.name, x: axis.xs[c.point] })) };
}

/** (column name, scenario) for every column of the result tables. */
export function columnsOf(sc: Scenario): Column[] {
  if (!sc.variants) return [{ name: DEFAULT_COLUMN, scenario: sc }];
  return sc.variants.map((v) => ({ name: v.name, scenario: applyVariant(sc, v), figure: v.figure }));
}

/** Estimated events of `runs` runs of every column (what --max-hours and `validate` go by). */
export function estimateScenarioEvents(sc: Scenario, runs: number): number {
  return estimateColumnsEvents(columnsOf(sc), runs);
}

export function estimateColumnsEvents(columns: Column[], runs: number): number {
  return columns.reduce((a, c) => a + estimateEvents(c.scenario), 0) * runs;
}

/**
 * The scenario with only the named columns (`xeniso run --column`), each as it would run
 * among the others: a run's random streams depend on the seed, the run index and the
 * component, never on which columns run beside it. Tables keep the named columns (and
 * only their paper values, so the result still passes the schema's cross-field rules),
 * and a further table left with none is dropped. Throws with the known names for an
 * unknown one.
 */
export function onlyColumns(sc: Scenario, names: string[]): Scenario {
  const known = columnsOf(sc).map((c) => c.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) throw new Error(`no column ${unknown.map((n) => `"${n}"`).join(", ")}: the columns are ${known.map((n) => `"${n}"`).join(", ")}`);
  const keep = (n: string) => names.includes(n);
  const narrow = (r: ReportConfig): ReportConfig => ({
    ...r,
    ...(r.columns ? { columns: r.columns.filter(keep) } : {}),
    rows: r.rows.map((row) => (row.paper ? { ...row, paper: Object.fromEntries(Object.entries(row.paper).filter(([col]) => keep(col))) } : row)),
  });
  const reports = (sc.reports ?? []).map(narrow).filter((r) => r.columns === undefined || r.columns.length > 0);
  return {
    ...sc,
    ...(sc.variants ? { variants: sc.variants.filter((v) => keep(v.name)) } : {}),
    ...(sc.report ? { report: narrow(sc.report) } : {}),
    reports: reports.length > 0 ? reports : undefined,
  };
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
    // Columns may word one metric differently (a guest served by another IDD in one of
    // them, another XenMon interval): the row names every wording.
    if (!entry.label.split(" / ").includes(m.label)) entry.label += ` / ${m.label}`;
    const list = entry.values.get(column) ?? [];
    list.push(m.value);
    entry.values.set(column, list);
  }
}

/** A table cell from a column's values, one per run that gave the metric; each run's value kept when every run gave one. */
function cellOf(values: number[] | undefined, runs: number, paper?: number | null): Cell | undefined {
  if (!values) return undefined;
  const cell: Cell = values.length === runs ? cellOfRuns(values) : { ...meanSd(values), n: values.length };
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

export type ScenarioResult = ResultDoc & { series?: SeriesRow[]; decisions?: DecisionRow[] };

/** Runs one scenario's columns `opts.runs` times each and gathers its result document. */
export async function runScenario(loaded: LoadedScenario, opts: RunOptions): Promise<ScenarioResult> {
  return (await runScenarios([{ loaded, seed: opts.seed, runs: opts.runs }], opts))[0];
}

/** One scenario of a batch, with its own seed and number of runs. */
export interface BatchEntry {
  loaded: LoadedScenario;
  seed: number;
  runs: number;
  /** Run it over these points rather than as it is (`--sweep`). */
  sweep?: SweptScenario;
}

/**
 * Runs several scenarios on one pool of workers, so that no core waits for the last run
 * of one scenario before the next begins. Longer runs are handed out first (by their
 * estimated number of events) to shorten the tail; every run is independent and seeded
 * by its own (seed, run index), so the results are those of running each scenario alone.
 */
export async function runScenarios(batch: BatchEntry[], opts: Pick<RunOptions, "onRun" | "seriesBin" | "jobs">): Promise<ScenarioResult[]> {
  const plans = batch.map((entry) => planScenario(entry, opts.seriesBin));
  const results = await runPool(plans.map((p, i) => p.jobs(0, batch[i].runs)), opts);
  return plans.map((p, i) => p.assemble(results[i], batch[i].runs));
}

/**
 * Runs groups of jobs on one pool, the longest first, and returns each group's results
 * in its jobs' order.
 */
async function runPool(groups: Job[][], opts: Pick<RunOptions, "onRun" | "jobs">): Promise<JobResult[][]> {
  const jobs = groups.flat();
  const cost = jobs.map((j) => estimateEvents(j.scenario));
  const order = jobs.map((_, i) => i).sort((x, y) => cost[y] - cost[x] || x - y);
  let done = 0;
  let doneCost = 0;
  const totalCost = cost.reduce((a, c) => a + c, 0);
  const shuffled = await runJobs(
    order.map((i) => jobs[i]),
    opts.jobs ?? 1,
    (k) => {
      doneCost += cost[order[k]];
      opts.onRun?.(++done, jobs.length, totalCost > 0 ? doneCost / totalCost : done / jobs.length);
    },
    yieldToEventLoop,
  );
  const results = new Array<JobResult>(jobs.length);
  order.forEach((i, k) => (results[i] = shuffled[k]));
  let at = 0;
  return groups.map((g) => results.slice(at, (at += g.length)));
}

/** One scenario's part of a `runScenariosToPrecision` round: its runs from..to−1 (0-based), and the cells the round before left short (none before the first). */
export interface PrecisionRound {
  /** Its index in the batch. */
  scenario: number;
  from: number;
  to: number;
  short: number;
}

/** How `runScenariosToPrecision` decides when a scenario has run enough. */
export interface PrecisionGoal {
  /** The largest confidence half-width allowed, as a fraction of the mean (0.02). */
  relative: number;
  /** The confidence level (0.95). */
  level: number;
  /** Stop here even if some cell is short. */
  maxRuns: number;
  /** The tables whose cells must reach it; empty: the scenario's own tables, or its XenMon view when it has none. */
  tables: string[];
}

/**
 * Runs each scenario of a batch in rounds until every cell of its tables has a mean
 * known to within `goal.relative` at `goal.level` (Student's t over the runs), or until
 * `goal.maxRuns`. A round adds runs after the last: run i is seeded by (seed, i) as
 * always, so the result is the one `--runs N` gives for the N it stopped at, and how many
 * rounds it takes depends only on the results, not on the number of workers.
 */
export async function runScenariosToPrecision(
  batch: BatchEntry[],
  goal: PrecisionGoal,
  opts: Pick<RunOptions, "onRun" | "seriesBin" | "jobs"> & {
    /** Called before each round with the runs it takes, for progress display (each round's `onRun` counts from 1). */
    onRound?: (round: PrecisionRound[]) => void;
  },
): Promise<ScenarioResult[]> {
  const plans = batch.map((entry) => planScenario(entry, opts.seriesBin));
  // Each scenario's results so far, column by column, and the runs its next round reaches.
  const byColumn = plans.map((p) => Array.from({ length: p.columns }, (): JobResult[] => []));
  const done = batch.map(() => 0);
  const shortBefore = batch.map(() => 0);
  const target = batch.map((e) => Math.min(goal.maxRuns, Math.max(2, e.runs)));
  const finished: Array<ScenarioResult | undefined> = batch.map(() => undefined);
  while (finished.some((f) => f === undefined)) {
    const active = batch.flatMap((_, i) => (finished[i] === undefined ? [i] : []));
    opts.onRound?.(active.map((i) => ({ scenario: i, from: done[i], to: target[i], short: shortBefore[i] })));
    const round = await runPool(active.map((i) => plans[i].jobs(done[i], target[i])), opts);
    active.forEach((i, k) => {
      const per = target[i] - done[i];
      byColumn[i].forEach((list, c) => list.push(...round[k].slice(c * per, (c + 1) * per)));
      done[i] = target[i];
      const doc = plans[i].assemble(byColumn[i].flat(), done[i]);
      const { short, runsNeeded } = precisionOf(doc, goal);
      if (short.length === 0 || done[i] >= goal.maxRuns) finished[i] = withPrecision(doc, { relative: goal.relative, level: goal.level, maxRuns: goal.maxRuns, short });
      // The runs the short cells' spread asks for, but at most double: an estimate from a
      // few runs may be far off.
      else {
        shortBefore[i] = short.length;
        target[i] = Math.min(goal.maxRuns, 2 * done[i], Math.max(done[i] + 1, runsNeeded));
      }
    });
  }
  return finished as ScenarioResult[];
}

/** The result with its precision record after `runs`, where a reader of the JSON looks for how it was made. */
function withPrecision(doc: ScenarioResult, precision: PrecisionRecord): ScenarioResult {
  return Object.fromEntries(Object.entries(doc).flatMap(([k, v]) => (k === "runs" ? [[k, v], ["precision", precision]] : [[k, v]]))) as ScenarioResult;
}

/**
 * The cells of a result whose confidence half-width is above `goal.relative` of their
 * mean (as "table: row (column)"), and the runs that would bring the widest of them
 * within it at their present spread: n ≥ (t · sd / (relative · |mean|))², taken at the
 * present t, which only falls as runs are added.
 */
export function precisionOf(doc: ResultDoc, goal: Pick<PrecisionGoal, "relative" | "level" | "tables">): { short: string[]; runsNeeded: number } {
  const own = doc.tables.filter((t) => t.id !== "xenmon");
  const tables = goal.tables.length > 0 ? doc.tables.filter((t) => goal.tables.includes(t.id)) : own.length > 0 ? own : doc.tables;
  const short: string[] = [];
  let runsNeeded = 0;
  for (const t of tables) {
    for (const r of t.rows) {
      for (const [column, cell] of Object.entries(r.values)) {
        const half = confidenceHalfWidth(cell, goal.level);
        if (half === undefined || half <= goal.relative * Math.abs(cell.mean)) continue;
        short.push(`${t.id}: ${r.label}${t.columns.length > 1 ? ` (${column})` : ""}`);
        runsNeeded = Math.max(runsNeeded, Math.ceil(cell.n * (half / (goal.relative * Math.abs(cell.mean))) ** 2));
      }
    }
  }
  return { short, runsNeeded };
}

/** On a host with several net-IDDs, the one serving each guest (the simulation's attachment); undefined with one or none. */
function iddsOf(sc: Scenario): Record<string, string> | undefined {
  if (sc.domains.filter((d) => d.idd).length < 2) return undefined;
  return Object.fromEntries(sc.domains.filter((d) => !d.idd).map((d) => [d.name, netIddOf(sc.domains, d)!]));
}

/**
 * A scenario's runs as jobs (`jobs(from, to)`: runs from..to−1 of every column, column by
 * column), and how to turn the results of its first `runs` runs, in that order, into its
 * result document.
 */
function planScenario(
  entry: BatchEntry,
  seriesBin: number | undefined,
): { columns: number; jobs: (from: number, to: number) => Job[]; assemble: (results: JobResult[], runs: number) => ScenarioResult } {
  const { loaded, sweep } = entry;
  const swept = sweep ? sweptColumns(loaded.scenario, sweep) : undefined;
  const opts = { seed: entry.seed, seriesBin, sweep: sweep?.flags, sweepFigure: sweep && swept ? sweepFigure(loaded.scenario, sweep, swept) : undefined };
  const sc = swept ? sweptLayout(loaded.scenario, swept) : loaded.scenario;
  const columns = swept ?? columnsOf(sc);
  // Run 0 of every column always keeps its series, for the figures.
  // (About 1 s, as a whole number of XenMon intervals.)
  const figureBin = opts.seriesBin ?? sc.xenmon.interval * Math.max(1, Math.round(FIGURE_BIN / sc.xenmon.interval));
  const jobs = (from: number, to: number): Job[] =>
    columns.flatMap((col) => Array.from({ length: to - from }, (_, k) => from + k).map((run) => ({ scenario: col.scenario, run, seed: opts.seed, seriesBin: run === 0 ? figureBin : opts.seriesBin })));
  return { columns: columns.length, jobs, assemble: (results, runs) => assemble(loaded, sc, columns, { ...opts, runs }, figureBin, results) };
}

function assemble(
  loaded: LoadedScenario,
  sc: Scenario,
  columns: Column[],
  opts: { runs: number; seed: number; seriesBin?: number; sweep?: string[]; sweepFigure?: FigureData["sweep"] },
  figureBin: number,
  results: JobResult[],
): ScenarioResult {
  const collected: Collected = new Map();
  const series: SeriesRow[] = [];
  const decisions: DecisionRow[] = [];
  const figures: FigureData = { bin: figureBin / 1e9, columns: [] };
  const sweepPoints = (sc.variants ?? []).flatMap((v) => (v.sweep ? [{ figure: v.sweep.figure, column: v.name, x: v.sweep.x }] : []));
  if (sweepPoints.length > 0) figures.sweep = { axis: sc.sweepAxis ?? "x", points: sweepPoints };
  if (opts.sweepFigure) figures.sweep = opts.sweepFigure;
  results.forEach((r, i) => {
    const col = columns[Math.floor(i / opts.runs)];
    const column = col.name;
    const run = i % opts.runs;
    collect(collected, column, r.metrics);
    if (run === 0) {
      const cuts = r.decisions.filter((d) => d.cutFor > 0).map((d) => ({ domain: d.domain, from: d.time / 1e9, to: (d.time + d.cutFor) / 1e9, used: d.used }));
      const points = r.series.map((p) => roundNumbers(p));
      const idds = iddsOf(col.scenario);
      figures.columns.push({ column, ...(col.figure ? { figure: col.figure } : {}), points, cuts: cuts.map((c) => roundNumbers(c)), ...(idds ? { idds } : {}) });
    }
    if (!opts.seriesBin) return;
    for (const p of r.series) series.push({ column, run, ...p });
    for (const d of r.decisions) decisions.push({ column, run, ...d });
  });
  const names = columns.map((c) => c.name);
  const tables: Table[] = reportsOf(sc).map((report) => {
    const shown = report.columns ?? names;
    const rows = report.rows.map((r): Row => {
      const entry = collected.get(r.metric);
      const values: Record<string, Cell> = {};
      for (const name of shown) {
        const cell = cellOf(entry?.values.get(name), opts.runs, r.paper?.[name]);
        if (cell) values[name] = cell;
      }
      return { label: r.label, unit: entry?.unit ?? "", values };
    });
    return { id: report.id, title: report.title, columns: shown, rows };
  });
  const window = measurementWindow(sc);
  const oneWindow = columns.every((c) => JSON.stringify(measurementWindow(c.scenario)) === JSON.stringify(window));
  tables.push({
    id: "xenmon",
    title: `XenMon view: ${sc.name} (${oneWindow ? `window ${window.from / 1e9}s–${window.to / 1e9}s` : "windows differ by column"})`,
    columns: names,
    rows: [...collected.values()].map((e) => {
      const values: Record<string, Cell> = {};
      for (const name of names) {
        const cell = cellOf(e.values.get(name), opts.runs);
        if (cell) values[name] = cell;
      }
      return { label: e.label, unit: e.unit, values };
    }),
  });
  return {
    schemaVersion: SCHEMA_VERSION,
    xeniso: XENISO_VERSION,
    command: "run",
    scenario: { path: loaded.file, name: sc.name, sha256: loaded.hash, ...(loaded.policies?.length ? { policies: loaded.policies } : {}), ...(loaded.set.length > 0 ? { set: loaded.set } : {}), ...(opts.sweep ? { sweep: opts.sweep } : {}) },
    profile: sc.profile,
    seed: opts.seed,
    runs: opts.runs,
    tables,
    figures,
    ...(opts.seriesBin ? { series, decisions } : {}),
  };
}
