import type { Command } from "commander";
import { loadScenarioFile, UsageError } from "../scenario/load.js";
import type { Override } from "../scenario/overrides.js";
import type { CliIo } from "./io.js";
import { columnsOf, estimateScenarioEvents } from "../model/runner.js";
import { estimateWallSeconds, humanDuration } from "../model/estimate.js";
import { defaultJobs, setOption } from "./options.js";

export function validateCommand(prog: Command, io: CliIo): void {
  const cmd = prog
    .command("validate")
    .description("check scenario files without running them (exit 2 on the first invalid one, after reporting all)")
    .argument("<scenario...>", "scenario YAML files");
  setOption(cmd).action((files: string[], flags: { set: Override[] }) => {
    const problems: string[] = [];
    for (const file of files) {
      try {
        const { scenario } = loadScenarioFile(file, flags.set);
        const set = flags.set.length > 0 ? `, with ${flags.set.map((o) => `--set ${o.text}`).join(" ")}` : "";
        // The estimate --max-hours checks (src/model/estimate.ts): rough, and mostly on the slow side.
        const columns = columnsOf(scenario);
        const events = estimateScenarioEvents(scenario, scenario.runs);
        const jobs = defaultJobs();
        const wall = humanDuration(estimateWallSeconds(events, columns.length * scenario.runs, jobs));
        io.stdout(`${file}: ok (${scenario.name}: ${scenario.domains.length} domains, ${columns.length} column${columns.length === 1 ? "" : "s"} × ${scenario.runs} runs of ${scenario.duration / 1e9}s, estimated ${wall} on ${jobs} worker${jobs === 1 ? "" : "s"}${set})\n`);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        problems.push(...e.diagnostics);
      }
    }
    if (problems.length > 0) {
      io.stderr(problems.map((p) => `error: ${p}`).join("\n") + "\n");
      process.exitCode = 2;
    }
  });
}
