import { Option, type Command } from "commander";
import { calibrate, PAPER_PLAN } from "../model/calibrate.js";
import { PROFILES, profileNames } from "../profiles/profiles.js";
import { parseDuration } from "../scenario/units.js";
import { UsageError } from "../scenario/load.js";
import { emit, type OutputFlags } from "./emit.js";
import { checkWritable, progressReporter, type CliIo } from "./io.js";
import { defaultJobs, intArg, outputOptions } from "./options.js";

interface CalibrateFlags extends OutputFlags {
  profile: string;
  seed: number;
  runs: number;
  duration: string;
  jobs: number;
}

export function calibrateCommand(prog: Command, io: CliIo): void {
  const cmd = prog
    .command("calibrate")
    .description("derive the send/receive weight by running the paper's Send and Receive benchmarks (Figs. 4–5)")
    .addOption(new Option("-p, --profile <name>", "host profile").choices(profileNames()).default("system-1"))
    .option("-s, --seed <n>", "random seed", intArg("--seed", 0, 2 ** 31 - 1), 1)
    .option("-r, --runs <n>", "runs per point (paper: 10)", intArg("--runs", 1, 1000), PAPER_PLAN.runs)
    .option("-d, --duration <time>", "length of each run (paper: 20s)", "20s")
    .option("-j, --jobs <n>", "worker threads (results are identical for any number)", intArg("--jobs", 1, 64), defaultJobs());
  outputOptions(cmd).action(async (flags: CalibrateFlags) => {
    const d = parseDuration(flags.duration);
    if (!d.ok || d.value < 100e6 || d.value > 3600e9) {
      throw new UsageError([`--duration: ${d.ok ? "must be between 100ms and 1h" : d.message}`]);
    }
    if (flags.output) checkWritable(flags.output);
    const plan = { ...PAPER_PLAN, runs: flags.runs, duration: d.value };
    const doc = await calibrate(PROFILES[flags.profile], plan, flags.seed, progressReporter(io, Boolean(flags.quiet), `calibrate ${flags.profile}`), flags.jobs);
    emit(doc, flags, io);
  });
}
