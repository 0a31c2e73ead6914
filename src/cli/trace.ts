import { extname } from "node:path";
import { Option, type Command } from "commander";
import { estimateColumnsEvents } from "../model/runner.js";
import { Simulation } from "../model/simulation.js";
import { Trace, TRACE_FORMATS, type TraceFormat } from "../model/trace.js";
import { UsageError } from "../scenario/load.js";
import type { Override } from "../scenario/overrides.js";
import { parseDuration } from "../scenario/units.js";
import { SEC } from "../sim/engine.js";
import { renderSvg, traceFigure } from "../report/figures.js";
import { AtomicFile, checkDistinct, checkWritable, writeAtomic, type CliIo } from "./io.js";
import { checkPolicies, loadChecked, pickColumn } from "./load.js";
import { guardDuration, intArg, maxHoursOption, setOption } from "./options.js";

/** The longest window `--plot` draws: a second of Table 2 is some 25,000 bars already. */
const PLOT_WINDOW = 2e9;

interface TraceFlags {
  plot?: string;
  column?: string;
  run: number;
  seed?: number;
  from?: string;
  to?: string;
  output?: string;
  format?: TraceFormat;
  set: Override[];
  maxHours: number;
}

/**
 * `xeniso trace`: one run of one column with its scheduling trace (src/model/trace.ts),
 * as CSV. The run is the very one `xeniso run` averages as run N of that column: same
 * seed, same run index, and tracing changes nothing in it.
 */
export function traceCommand(prog: Command, io: CliIo): void {
  const cmd = prog
    .command("trace")
    .description("one run of a scenario's column with its scheduling trace, as CSV or as Trace Event JSON for Perfetto: every switch and wake-up on every CPU, the mechanisms' actions (debt, shares set by a policy, cuts, parking) and each request a driver domain's disk served")
    .argument("<scenario>", "a scenario YAML file, e.g. scenarios/sedf-dc.yaml")
    .option("-c, --column <name>", "the column (variant) to trace; needed when the scenario has several")
    .option("--run <n>", "which run of the column, as `run` numbers them from 0", intArg("--run", 0, 999), 0)
    .option("-s, --seed <n>", "random seed (default: the scenario's)", intArg("--seed", 0, 2 ** 31 - 1))
    .option("--from <time>", "keep the events from this time on (default: the start)")
    .option("--to <time>", "keep the events before this time (default: the end of the run)")
    .addOption(
      new Option("-f, --format <format>", "csv: one row per event; chrome: Trace Event JSON for ui.perfetto.dev or chrome://tracing (default: chrome for an -o FILE.json, else csv)").choices(
        TRACE_FORMATS,
      ),
    )
    .option("-o, --output <file>", "write the trace to FILE (atomically) instead of stdout")
    .option("--plot <file>", `also draw the window as an SVG chart of who ran when on each CPU (a window of at most ${PLOT_WINDOW / 1e9} s)`);
  maxHoursOption(setOption(cmd)).action(async (file: string, flags: TraceFlags) => {
    const { scenario } = loadChecked(file, flags.set);
    const column = pickColumn(file, scenario, flags.column);
    await checkPolicies(file, column.scenario);
    const time = (flag: string, text: string | undefined, fallback: number) => {
      if (text === undefined) return fallback;
      const d = parseDuration(text);
      if (!d.ok) throw new UsageError([`${flag}: ${d.message}`]);
      if (d.value > scenario.duration) throw new UsageError([`${flag} ${text}: after the end of the run (${scenario.duration / 1e9}s)`]);
      return d.value;
    };
    const from = time("--from", flags.from, 0);
    // Without --to, the events at the run's very end are kept too.
    const to = time("--to", flags.to, Infinity);
    if (from >= to) throw new UsageError([`--from ${flags.from}: must come before --to ${flags.to ?? "(the end of the run)"}`]);
    if (flags.plot !== undefined && Math.min(to, scenario.duration) - from > PLOT_WINDOW) {
      const span = (Math.min(to, scenario.duration) - from) / 1e9;
      throw new UsageError([`--plot: draws at most ${PLOT_WINDOW / 1e9} s of a trace, and this window is ${span} s: narrow it with --from and --to`]);
    }
    checkDistinct([["-o", flags.output], ["--plot", flags.plot]], [file]);
    for (const f of [flags.output, flags.plot]) if (f) checkWritable(f);
    guardDuration(`${file}: one run of ${column.name}`, estimateColumnsEvents([column], 1), 1, 1, flags.maxHours);
    // Written as it grows: Table 2's 120 s make 3 million rows (120 MB).
    const out = flags.output ? new AtomicFile(flags.output) : null;
    const format = flags.format ?? (flags.output !== undefined && extname(flags.output).toLowerCase() === ".json" ? "chrome" : "csv");
    const trace = new Trace(out ? (text) => out.write(text) : io.stdout, from, to, flags.plot !== undefined, format);
    const sim = new Simulation(column.scenario, flags.run, flags.seed ?? scenario.seed, undefined, { trace });
    try {
      // To a pipe, a second of the run at a time, so its rows never pile up unread.
      if (out === null && io.drain) await sim.executeInSteps(SEC, io.drain);
      else sim.execute();
      trace.finish(scenario.duration);
    } catch (e) {
      out?.abort();
      throw e;
    }
    out?.close();
    if (flags.plot) {
      const title = `${scenario.name}, ${column.name}, run ${flags.run}: who ran when`;
      const spec = traceFigure(title, trace.spans!, trace.cuts!, sim.domains.map((d) => d.name), sim.cpus.length, trace.diskSpans!);
      writeAtomic(flags.plot, await renderSvg(spec));
    }
  });
}
