import type { Command } from "commander";
import { loadScenarioFile, UsageError } from "../scenario/load.js";
import type { Override } from "../scenario/overrides.js";
import type { CliIo } from "./io.js";
import { setOption } from "./options.js";

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
        io.stdout(`${file}: ok (${scenario.name}: ${scenario.domains.length} domains, ${scenario.runs} runs of ${scenario.duration / 1e9}s${set})\n`);
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
