import type { Command } from "commander";
import { loadScenarioFile } from "../scenario/load.js";
import { runScenario } from "../model/runner.js";
import { emit, type OutputFlags } from "./emit.js";
import { progressReporter, type CliIo } from "./io.js";
import { intArg, outputOptions } from "./main.js";

interface RunFlags extends OutputFlags {
  seed?: number;
  runs?: number;
}

export function runCommand(prog: Command, io: CliIo): void {
  const cmd = prog
    .command("run")
    .description("simulate a scenario file and print its tables (paper value beside ours)")
    .argument("<scenario>", "scenario YAML file, e.g. scenarios/sedf-dc.yaml")
    .option("-s, --seed <n>", "random seed (default: the scenario's)", intArg("--seed", 0, 2 ** 31 - 1))
    .option("-r, --runs <n>", "independent runs to average (default: the scenario's)", intArg("--runs", 1, 1000));
  outputOptions(cmd).action((file: string, flags: RunFlags) => {
    const loaded = loadScenarioFile(file);
    const seed = flags.seed ?? loaded.scenario.seed;
    const runs = flags.runs ?? loaded.scenario.runs;
    const doc = runScenario(loaded, { seed, runs, onRun: progressReporter(io, Boolean(flags.quiet), loaded.scenario.name) });
    emit(doc, flags, io);
  });
}
