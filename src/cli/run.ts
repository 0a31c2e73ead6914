import type { Command } from "commander";
import { loadScenarioFile } from "../scenario/load.js";
import { estimateEvents } from "../model/estimate.js";
import { columnsOf, runScenario, type DecisionRow, type SeriesRow } from "../model/runner.js";
import { UsageError } from "../scenario/load.js";
import { parseDuration } from "../scenario/units.js";
import { emit, type OutputFlags } from "./emit.js";
import { prepareFigureDir, writeFigures } from "./plot.js";
import { checkWritable, progressReporter, writeAtomic, type CliIo } from "./io.js";
import { defaultJobs, guardDuration, intArg, maxHoursOption, outputOptions } from "./options.js";

interface RunFlags extends OutputFlags {
  seed?: number;
  runs?: number;
  jobs: number;
  series?: string;
  seriesBin: string;
  plot?: string;
  maxHours: number;
}

const SERIES_FIELDS = ["column", "run", "t", "domain", "cpu", "idd", "iddTrue", "combined", "replyRate", "cut"] as const;

/**
 * Time series as CSV (one row per column, run, bin and domain; `cut` marks ShareGuard's
 * cuts) or, for a .json file, JSON with the points and ShareGuard's decisions.
 */
function seriesText(file: string, rows: SeriesRow[], decisions: DecisionRow[]): string {
  if (file.endsWith(".json")) return JSON.stringify({ points: rows, shareguard: decisions.map((d) => ({ ...d, time: d.time / 1e9, cutFor: d.cutFor / 1e9 })) }) + "\n";
  const lines = [SERIES_FIELDS.join(",")];
  for (const r of rows) lines.push(SERIES_FIELDS.map((f) => (r[f] === undefined ? "" : typeof r[f] === "number" ? +(r[f] as number).toFixed(4) : r[f])).join(","));
  return lines.join("\n") + "\n";
}

export function runCommand(prog: Command, io: CliIo): void {
  const cmd = prog
    .command("run")
    .description("simulate a scenario file and print its tables (paper value beside ours)")
    .argument("<scenario>", "scenario YAML file, e.g. scenarios/sedf-dc.yaml")
    .option("-s, --seed <n>", "random seed (default: the scenario's)", intArg("--seed", 0, 2 ** 31 - 1))
    .option("-r, --runs <n>", "independent runs to average (default: the scenario's)", intArg("--runs", 1, 1000))
    .option("-j, --jobs <n>", "worker threads for the runs (results are identical for any number)", intArg("--jobs", 1, 64), defaultJobs())
    .option("--series <file>", "also write the time series behind the figures (CSV, or JSON if FILE ends in .json)")
    .option("--series-bin <time>", "time series resolution", "1s")
    .option("--plot <dir>", "also draw the figures of this run as SVG files in DIR");
  maxHoursOption(outputOptions(cmd)).action(async (file: string, flags: RunFlags) => {
    const loaded = loadScenarioFile(file);
    const bin = parseDuration(flags.seriesBin);
    if (!bin.ok || bin.value < loaded.scenario.xenmon.interval || bin.value % loaded.scenario.xenmon.interval !== 0) {
      throw new UsageError([`--series-bin: ${bin.ok ? `must be a whole number of XenMon intervals (${loaded.scenario.xenmon.interval / 1e6}ms)` : bin.message}`]);
    }
    for (const f of [flags.output, flags.series]) if (f) checkWritable(f);
    if (flags.plot) prepareFigureDir(flags.plot);
    const seed = flags.seed ?? loaded.scenario.seed;
    const runs = flags.runs ?? loaded.scenario.runs;
    const columns = columnsOf(loaded.scenario);
    const events = columns.reduce((a, c) => a + estimateEvents(c.scenario), 0) * runs;
    guardDuration(`${file}: ${columns.length} column${columns.length === 1 ? "" : "s"} × ${runs} runs`, events, columns.length * runs, flags.jobs, flags.maxHours);
    const onRun = progressReporter(io, Boolean(flags.quiet), loaded.scenario.name);
    const { series, decisions, ...doc } = await runScenario(loaded, { seed, runs, onRun, jobs: flags.jobs, seriesBin: flags.series ? bin.value : undefined });
    // Table, JSON and series come from the same runs.
    if (flags.series) writeAtomic(flags.series, seriesText(flags.series, series ?? [], decisions ?? []));
    if (flags.plot) await writeFigures(doc, flags.plot, io, flags.quiet);
    emit(doc, flags, io);
  });
}
