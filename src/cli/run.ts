import { InvalidArgumentError, type Command } from "commander";
import type { LoadedScenario } from "../scenario/load.js";
import type { ResultDoc } from "../report/result.js";
import { columnsOf, estimateColumnsEvents, onlyColumns, runScenarios, runScenariosToPrecision, sweptColumns, type DecisionRow, type PrecisionRound, type ScenarioResult, type SeriesRow, type SweptScenario } from "../model/runner.js";
import { precisionText } from "../report/render.js";
import { UsageError } from "../scenario/load.js";
import { parseDuration, parsePercent } from "../scenario/units.js";
import { checkOutputFlags, checkTableIds, emit, type OutputFlags } from "./emit.js";
import { prepareFigureDir, writeFigures } from "./plot.js";
import { checkDistinct, checkWritable, progressReporter, writeAtomic, type CliIo } from "./io.js";
import type { Override } from "../scenario/overrides.js";
import type { Sweep } from "../scenario/sweep.js";
import { loadSweep } from "./sweep.js";
import { columnOption, resolveFormat, defaultJobs, guardDuration, intArg, maxHoursOption, outputOptions, setOption, sweepOption, tableOption } from "./options.js";
import { checkPolicies, loadChecked } from "./load.js";
import { csvField } from "../report/csv.js";
import { reportsOf } from "../scenario/schema.js";

interface RunFlags extends OutputFlags {
  seed?: number;
  runs?: number;
  jobs: number;
  series?: string;
  seriesBin: string;
  plot?: string;
  maxHours: number;
  column: string[];
  set: Override[];
  sweep: Sweep[];
  precision?: number;
  maxRuns?: number;
}

const SERIES_FIELDS = ["column", "run", "t", "domain", "cpu", "idd", "iddTrue", "combined", "replyRate", "connTime", "blocks", "diskMBps", "cut", "share", "sentMbps", "vifRate"] as const;

/**
 * Time series as CSV (one row per column, run, bin and domain; `cut` marks ShareGuard's
 * cuts, `share` a share policy's reservations) or, for a .json file, JSON with the
 * points and ShareGuard's decisions.
 */
function seriesText(file: string, rows: SeriesRow[], decisions: DecisionRow[]): string {
  if (file.endsWith(".json")) return JSON.stringify({ points: rows, shareguard: decisions.map((d) => ({ ...d, time: d.time / 1e9, cutFor: d.cutFor / 1e9 })) }) + "\n";
  const lines = [SERIES_FIELDS.join(",")];
  for (const r of rows) lines.push(SERIES_FIELDS.map((f) => (r[f] === undefined ? "" : typeof r[f] === "number" ? +(r[f] as number).toFixed(4) : csvField(r[f] as string))).join(","));
  return lines.join("\n") + "\n";
}

/** Where --precision stops when no --max-runs says. */
const DEFAULT_MAX_RUNS = 100;

/** --precision 2%: a half-width as a fraction of the mean, above 0 and under 100 %. */
function precisionArg(value: string): number {
  const p = parsePercent(value);
  if (!p.ok || !(p.value > 0 && p.value < 1)) throw new InvalidArgumentError(`--precision must be a percentage above 0% and under 100%, such as 2%; got "${value}"`);
  return p.value;
}

/** What --precision did, for stderr: how many runs it took, or the cells still short where it stopped. */
function precisionReport(r: ScenarioResult): string {
  const p = r.precision!;
  const head = `${r.scenario?.name}: ${r.runs} runs, ${precisionText(p)}`;
  if (p.short.length === 0) return `${head}\n`;
  const listed = p.short.slice(0, 5).join("; ");
  return `${head}: ${listed}${p.short.length > 5 ? `; and ${p.short.length - 5} more` : ""}\n`;
}

/**
 * A --precision round's progress label: the runs it adds ("sedf-dc runs 11–13") and, after
 * the first, how many cells the last round left short; with several scenarios, the round.
 */
function roundLabel(name: string, scenarios: number, n: number, round: PrecisionRound[]): string {
  const short = round.reduce((a, r) => a + r.short, 0);
  const why = short > 0 ? ` (${short} cell${short === 1 ? "" : "s"} short)` : "";
  if (scenarios > 1) return n === 1 ? name : `${name}, round ${n}${why}`;
  const { from, to } = round[0];
  return `${name} ${to - from === 1 ? `run ${to}` : `runs ${from + 1}–${to}`}${why}`;
}

export function runCommand(prog: Command, io: CliIo): void {
  const cmd = prog
    .command("run")
    .description("simulate scenario files and print their tables (paper value beside ours); several files share one pool of workers")
    .argument("<scenarios...>", "scenario YAML files, e.g. scenarios/sedf-dc.yaml, or scenarios/*.yaml for the whole paper")
    .option("-s, --seed <n>", "random seed (default: each scenario's)", intArg("--seed", 0, 2 ** 31 - 1))
    .option("-r, --runs <n>", "independent runs to average (default: each scenario's); with --precision, the runs to start from", intArg("--runs", 1, 1000))
    .option("--precision <percent>", "add runs until every cell of the tables shown has its mean within ±PERCENT at 95% confidence (or --ci's level), e.g. 2%", precisionArg)
    .option("--max-runs <n>", "with --precision: the most runs to take (default 100)", intArg("--max-runs", 2, 1000))
    .option("-j, --jobs <n>", "worker threads for the runs (results are identical for any number)", intArg("--jobs", 1, 64), defaultJobs())
    .option("--series <file>", "also write the time series behind the figures (CSV, or JSON if FILE ends in .json; one scenario only)")
    .option("--series-bin <time>", "time series resolution, of --series and of the JSON result's figures", "1s")
    .option("--plot <dir>", "also draw the figures of these runs as SVG files in DIR");
  maxHoursOption(tableOption(outputOptions(sweepOption(setOption(columnOption(cmd)))))).action(async (files: string[], flags: RunFlags, command: Command) => {
    // With --precision, --ci is also its confidence level: a JSON or per-run output, which
    // has no intervals to show, records it in the result's precision instead of refusing it.
    const noIntervals = flags.perRun || resolveFormat(flags.format, flags.output) === "json";
    const output: RunFlags = flags.precision !== undefined && noIntervals ? { ...flags, ci: undefined } : flags;
    checkOutputFlags(output);
    if (flags.maxRuns !== undefined && flags.precision === undefined) throw new UsageError([`--max-runs: goes with --precision (the most runs it may add up to); for a fixed number of runs use --runs`]);
    const maxRuns = flags.maxRuns ?? DEFAULT_MAX_RUNS;
    if (flags.precision !== undefined && flags.runs !== undefined && flags.runs > maxRuns) throw new UsageError([`--runs ${flags.runs}: more than --max-runs ${maxRuns}, where --precision would stop`]);
    // Every file is checked before anything runs, and every problem is reported at once.
    const problems: string[] = [];
    const loaded: Array<LoadedScenario & { sweep?: SweptScenario }> = [];
    for (const file of files) {
      try {
        const l = loadChecked(file, flags.set);
        const sweep = flags.sweep.length > 0 ? loadSweep(file, flags.set, flags.sweep, flags.column) : undefined;
        loaded.push({ ...l, sweep });
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        problems.push(...e.diagnostics);
      }
    }
    if (flags.column.length > 0) {
      for (const l of loaded) {
        try {
          l.scenario = onlyColumns(l.scenario, flags.column);
        } catch (e) {
          problems.push(`${l.file}: --column: ${(e as Error).message}`);
        }
      }
    }
    // The policy modules of the columns that will run import, and export what they must.
    for (const l of problems.length === 0 ? loaded : []) {
      for (const sc of l.sweep ? l.sweep.points.map((p) => p.scenario) : [l.scenario]) {
        try {
          await checkPolicies(l.file, sc);
        } catch (e) {
          if (!(e instanceof UsageError)) throw e;
          problems.push(...e.diagnostics);
        }
      }
    }
    if (problems.length > 0) throw new UsageError([...new Set(problems)]);
    checkTableIds(flags, loaded.map((l) => [...reportsOf(l.scenario).map((r) => r.id), "xenmon"]));
    if (flags.series && loaded.length > 1) throw new UsageError([`--series: takes one scenario, got ${loaded.length}; run them one at a time`]);
    const bin = parseDuration(flags.seriesBin);
    if (!bin.ok) throw new UsageError([`--series-bin: ${bin.message}`]);
    // The bin of --series, and of the JSON result's figures when it is given. Left at its
    // default without --series, the figures bin a run by whole XenMon intervals of their own.
    const binned = flags.series !== undefined || command.getOptionValueSource("seriesBin") !== "default";
    for (const l of binned ? loaded : []) {
      for (const { xenmon } of [l.scenario, ...(l.sweep?.points.map((p) => p.scenario) ?? [])]) {
        if (bin.value < xenmon.interval || bin.value % xenmon.interval !== 0) {
          throw new UsageError([`--series-bin: must be a whole number of XenMon intervals (${xenmon.interval / 1e6}ms), at least one; got ${flags.seriesBin}`]);
        }
      }
    }
    checkDistinct([["-o", flags.output], ["--series", flags.series]], files);
    for (const f of [flags.output, flags.series]) if (f) checkWritable(f);
    if (flags.plot) prepareFigureDir(flags.plot);
    const batch = loaded.map((l) => ({ loaded: l, sweep: l.sweep, seed: flags.seed ?? l.scenario.seed, runs: flags.runs ?? l.scenario.runs }));
    // With --precision the duration guard reckons with every run it may take.
    const planned = flags.precision === undefined ? batch : batch.map((b) => ({ ...b, runs: maxRuns }));
    let events = 0;
    let runs = 0;
    const columnCounts = planned.map(({ loaded: l, sweep, runs: n }) => {
      const columns = sweep ? sweptColumns(l.scenario, sweep) : columnsOf(l.scenario);
      events += estimateColumnsEvents(columns, n);
      runs += columns.length * n;
      return columns.length;
    });
    const [cols] = columnCounts;
    const what = loaded.length === 1 ? `${files[0]}: ${cols} column${cols === 1 ? "" : "s"} × ${flags.precision === undefined ? "" : "up to "}${planned[0].runs} runs` : `${loaded.length} scenarios: ${flags.precision === undefined ? "" : "up to "}${runs} runs`;
    guardDuration(what, events, runs, flags.jobs, flags.maxHours);
    const name = loaded.length === 1 ? loaded[0].scenario.name : `${loaded.length} scenarios`;
    const runOpts = { jobs: flags.jobs, seriesBin: binned ? bin.value : undefined };
    let results: ScenarioResult[];
    if (flags.precision === undefined) results = await runScenarios(batch, { ...runOpts, onRun: progressReporter(io, Boolean(flags.quiet), name) });
    else {
      // Each round has a progress line of its own, saying which runs it adds and why.
      let roundProgress: ReturnType<typeof progressReporter>;
      let rounds = 0;
      const onRound = (round: PrecisionRound[]): void => {
        rounds++;
        roundProgress = progressReporter(io, Boolean(flags.quiet), roundLabel(name, loaded.length, rounds, round));
      };
      const goal = { relative: flags.precision, level: flags.ci ?? 0.95, maxRuns, tables: flags.table ?? [] };
      results = await runScenariosToPrecision(batch, goal, { ...runOpts, onRound, onRun: (done, total, work) => roundProgress?.(done, total, work) });
    }
    if (!flags.quiet) for (const r of results) if (r.precision) io.stderr(precisionReport(r));
    const docs: ResultDoc[] = results.map(({ series, decisions, ...doc }) => {
      // Table, JSON and series come from the same runs.
      if (flags.series) writeAtomic(flags.series, seriesText(flags.series, series ?? [], decisions ?? []));
      return doc;
    });
    if (flags.plot) for (const doc of docs) await writeFigures(doc, flags.plot, io, flags.quiet);
    emit(docs.length === 1 ? docs[0] : docs, output, io);
  });
}
