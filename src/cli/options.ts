import { availableParallelism } from "node:os";
import { extname } from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import { EVENTS_PER_WALL_SECOND, estimateWallSeconds, humanDuration } from "../model/estimate.js";
import { OverrideError, parseOverride } from "../scenario/overrides.js";
import { checkNewPath, parseSweep, type Sweep } from "../scenario/sweep.js";
import { parsePercent } from "../scenario/units.js";
import { FORMATS, type Format } from "../report/render.js";
import { TooLongError } from "./io.js";

/** A whole-number flag within [min, max]; commander reports the error and xeniso exits 2. */
export function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be a whole number, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

/** Options every data-producing command shares. */
export function outputOptions(cmd: Command, quiet = "no progress display on stderr"): Command {
  return cmd
    .addOption(new Option("-f, --format <format>", "output format (default: from -o's extension, .json .csv .md, else table)").choices(FORMATS))
    .option("-o, --output <file>", "write the output to FILE (atomically) instead of stdout")
    .option("--color", "force colour in table output")
    .option("--no-color", "never colour output")
    .option("-q, --quiet", quiet)
    .option("--per-run", "CSV with one row per run (run, value) instead of one per cell (mean, sd, n)")
    .option("--ci <level>", "give each mean's confidence interval over the runs (Student's t) instead of their sd, e.g. 95% (table, md; csv adds ci_low, ci_high)", confidenceArg);
}

/** --ci 95% (or 0.95): a confidence level from 50 % up to (not including) 100 %, as a fraction. */
export function confidenceArg(value: string): number {
  const c = parsePercent(value);
  // A bare number is a fraction; "95" would be a level of 9500 %, so it is refused with the rest.
  const level = c.ok ? c.value : /^\s*\d*\.\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!(level >= 0.5 && level < 1)) throw new InvalidArgumentError(`--ci must be a confidence level from 50% up to (not including) 100%, such as 95% or 0.95; got "${value}"`);
  return level;
}

/**
 * The format asked for, else the one `-o`'s file name implies (`-o result.json` writes
 * JSON, as `--series` does), else the table.
 */
export function resolveFormat(format: Format | undefined, output: string | undefined): Format {
  if (format !== undefined) return format;
  const ext = output === undefined ? "" : extname(output).toLowerCase();
  return FORMAT_OF_EXTENSION[ext] ?? "table";
}

const FORMAT_OF_EXTENSION: Record<string, Format> = { ".json": "json", ".csv": "csv", ".md": "md", ".markdown": "md" };

/** One worker per core. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/** --max-hours: the longest estimated wall time a run may take before it is refused. */
export function maxHoursOption(cmd: Command): Command {
  return cmd.option("--max-hours <h>", "refuse to start if the run is estimated to take longer than this (exit 5)", hoursArg, 12);
}

function hoursArg(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0) || n > 8760) throw new InvalidArgumentError(`--max-hours must be a number of hours above 0 and at most 8760 (a year), got "${value}"`);
  return n;
}

/** Refuses (exit 5) a job whose estimated wall time exceeds --max-hours, saying what it would take. */
export function guardDuration(what: string, events: number, runs: number, jobs: number, maxHours: number): void {
  const wall = estimateWallSeconds(events, runs, jobs);
  if (wall <= maxHours * 3600) return;
  throw new TooLongError(
    `${what} would take about ${humanDuration(wall)} (about ${events.toExponential(1)} simulated events at ${EVENTS_PER_WALL_SECOND / 1e6}M/s on ${Math.min(jobs, runs)} worker${Math.min(jobs, runs) === 1 ? "" : "s"}), more than --max-hours ${maxHours}. Shorten the duration, lower --runs or the rates, or raise --max-hours.`,
  );
}

/**
 * A repeatable flag whose values are parsed as they come (`parse` sees the earlier ones);
 * a malformed one is refused with commander's message and exit 2. `unset` is what the
 * help says the flag's absence means.
 */
function repeatable<T>(flags: string, description: string, parse: (text: string, earlier: T[]) => T, unset = "none"): Option {
  return new Option(flags, description)
    .argParser((text: string, earlier: T[]) => {
      try {
        return [...earlier, parse(text, earlier)];
      } catch (e) {
        if (e instanceof OverrideError) throw new InvalidArgumentError(e.message);
        throw e;
      }
    })
    .default([] as T[], unset);
}

/**
 * --set PATH=VALUE, repeatable: changes to every scenario given, applied before
 * validation (src/scenario/overrides.ts).
 */
export function setOption(cmd: Command): Command {
  return cmd.addOption(repeatable("--set <path=value>", "change the scenario: a key (domains.Domain-1.share=30%, runs=4) set to a YAML value; repeat for several", parseOverride));
}

/**
 * --sweep PATH=V1,V2,..., repeatable: the scenario once per value (every combination for
 * several), as columns of one table (src/scenario/sweep.ts).
 */
export function sweepOption(cmd: Command): Command {
  return cmd.addOption(
    repeatable(
      "--sweep <path=values>",
      "run once per value, as columns side by side: a key and comma-separated YAML values (shareguard.limits.Domain-3=2.5%,5%,10%); repeat for every combination",
      (text: string, earlier: Sweep[]) => {
        const sweep = parseSweep(text);
        checkNewPath(earlier, sweep);
        return sweep;
      },
    ),
  );
}

/** --table ID, repeatable: only these tables of each result (`emit`); `compare`'s has no -t, its tolerance's. */
export function tableOption(cmd: Command, flags = "-t, --table <id>", what = "only this table of each result"): Command {
  return cmd.addOption(repeatable(flags, `${what} (table1, table2, xenmon, …); repeat for several`, (id: string) => id, "all"));
}

/** --column NAME, repeatable: only these columns (variants) of each scenario. */
export function columnOption(cmd: Command): Command {
  return cmd.addOption(repeatable("-c, --column <name>", "only this column (variant) of each scenario; repeat for several", (name: string) => name, "all"));
}
