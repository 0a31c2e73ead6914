import { Option, type Command } from "commander";
import { benchmarkScenario, BLOCK_PLAN, calibrate, PAPER_PLAN, planPoints } from "../model/calibrate.js";
import { estimateEvents } from "../model/estimate.js";
import { PROFILES, profileNames } from "../profiles/profiles.js";
import { parseDuration } from "../scenario/units.js";
import { UsageError } from "../scenario/load.js";
import { checkOutputFlags, emit, type OutputFlags } from "./emit.js";
import { prepareFigureDir, writeFigures } from "./plot.js";
import { checkWritable, progressReporter, type CliIo } from "./io.js";
import { defaultJobs, guardDuration, intArg, maxHoursOption, outputOptions } from "./options.js";

interface CalibrateFlags extends OutputFlags {
  profile: string;
  seed: number;
  runs: number;
  duration: string;
  jobs: number;
  plot?: string;
  maxHours: number;
  block?: boolean;
}

export function calibrateCommand(prog: Command, io: CliIo): void {
  const cmd = prog
    .command("calibrate")
    .description("derive the send/receive weight by running the paper's Send and Receive benchmarks (Figs. 4–5)")
    .addOption(new Option("-p, --profile <name>", "host profile").choices(profileNames()).default("system-1"))
    .option("-s, --seed <n>", "random seed", intArg("--seed", 0, 2 ** 31 - 1), 1)
    .option("-r, --runs <n>", "runs per point (paper: 10)", intArg("--runs", 1, 1000), PAPER_PLAN.runs)
    .option("-d, --duration <time>", "length of each run (paper: 20s)", "20s")
    .option("-j, --jobs <n>", "worker threads (results are identical for any number)", intArg("--jobs", 1, 64), defaultJobs())
    .option("--plot <dir>", "also draw the figures of this run as SVG files in DIR")
    .option("--block", "beyond the paper: also run a disk benchmark and derive XenMon's block weight (xenmon.blockWeight) by request size");
  maxHoursOption(outputOptions(cmd)).action(async (flags: CalibrateFlags) => {
    checkOutputFlags(flags);
    const d = parseDuration(flags.duration);
    if (!d.ok || d.value < 100e6 || d.value > 3600e9) {
      throw new UsageError([`--duration: ${d.ok ? "must be between 100ms and 1h" : d.message}`]);
    }
    if (flags.output) checkWritable(flags.output);
    if (flags.plot) prepareFigureDir(flags.plot);
    const plan = { ...PAPER_PLAN, ...(flags.block ? BLOCK_PLAN : {}), runs: flags.runs, duration: d.value };
    const profile = PROFILES[flags.profile];
    const points = planPoints(plan);
    const events = points.reduce((a, p) => a + estimateEvents(benchmarkScenario(profile, p.direction, p.rate, p.size, plan.duration)), 0) * plan.runs;
    guardDuration(`calibrate: ${points.length} benchmarks × ${plan.runs} runs`, events, points.length * plan.runs, flags.jobs, flags.maxHours);
    const doc = await calibrate(profile, plan, flags.seed, progressReporter(io, Boolean(flags.quiet), `calibrate ${flags.profile}`), flags.jobs);
    if (flags.plot) await writeFigures(doc, flags.plot, io, flags.quiet);
    emit(doc, flags, io);
  });
}
