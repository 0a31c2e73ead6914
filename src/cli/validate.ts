import type { Command } from "commander";
import { UsageError } from "../scenario/load.js";
import type { Override } from "../scenario/overrides.js";
import type { CliIo } from "./io.js";
import { columnsOf, estimateColumnsEvents, onlyColumns, sweptColumns } from "../model/runner.js";
import { estimateWallSeconds, humanDuration } from "../model/estimate.js";
import { columnOption, defaultJobs, setOption, sweepOption } from "./options.js";
import type { Sweep } from "../scenario/sweep.js";
import { loadSweep } from "./sweep.js";
import { checkPolicies, loadChecked } from "./load.js";

export function validateCommand(prog: Command, io: CliIo): void {
  const cmd = prog
    .command("validate")
    .description("check scenario files without running them (exit 2 on the first invalid one, after reporting all)")
    .argument("<scenario...>", "scenario YAML files");
  sweepOption(setOption(columnOption(cmd))).action(async (files: string[], flags: { set: Override[]; sweep: Sweep[]; column: string[] }) => {
    const problems: string[] = [];
    for (const file of files) {
      try {
        const { scenario } = loadChecked(file, flags.set);
        // With --sweep, every point is checked, and the columns and estimate are the sweep's.
        let chosen = scenario;
        try {
          if (flags.column.length > 0) chosen = onlyColumns(scenario, flags.column);
        } catch (e) {
          throw new UsageError([`${file}: --column: ${(e as Error).message}`]);
        }
        const sweep = flags.sweep.length > 0 ? loadSweep(file, flags.set, flags.sweep, flags.column) : undefined;
        for (const sc of [chosen, ...(sweep?.points.map((p) => p.scenario) ?? [])]) await checkPolicies(file, sc);
        const columns = sweep ? sweptColumns(chosen, sweep) : columnsOf(chosen);
        const given = [...flags.column.map((c) => `--column ${JSON.stringify(c)}`), ...flags.set.map((o) => `--set ${o.text}`), ...flags.sweep.map((s) => `--sweep ${s.text}`)];
        const withFlags = given.length > 0 ? `, with ${given.join(" ")}` : "";
        // The estimate --max-hours checks (src/model/estimate.ts): rough, and mostly on the slow side.
        const events = estimateColumnsEvents(columns, scenario.runs);
        const jobs = defaultJobs();
        const wall = humanDuration(estimateWallSeconds(events, columns.length * scenario.runs, jobs));
        io.stdout(`${file}: ok (${scenario.name}: ${scenario.domains.length} domains, ${columns.length} column${columns.length === 1 ? "" : "s"} × ${scenario.runs} run${scenario.runs === 1 ? "" : "s"} of ${scenario.duration / 1e9}s, estimated ${wall} on ${jobs} worker${jobs === 1 ? "" : "s"}${withFlags})\n`);
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
