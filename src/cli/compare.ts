import Table from "cli-table3";
import { Chalk } from "chalk";
import type { Command } from "commander";
import { compareResults, howMadeDiffers, type Change } from "../report/compare.js";
import { num } from "../report/render.js";
import { UsageError } from "../scenario/load.js";
import { parsePercent } from "../scenario/units.js";
import { decideColor, EXIT, type CliIo } from "./io.js";
import { readResult } from "./result-file.js";

interface CompareFlags {
  tolerance: string;
  absolute: string;
  all?: boolean;
  color?: boolean;
}

function change(c: Change): string {
  if (c.after === undefined) return "disappeared";
  if (c.before === undefined) return "new";
  return `${c.relative >= 0 ? "+" : ""}${(c.relative * 100).toFixed(2)}%`;
}

export function compareCommand(prog: Command, io: CliIo): void {
  prog
    .command("compare")
    .description("compare two JSON results cell by cell; exit 3 if a change exceeds the tolerance or a metric disappeared")
    .argument("<baseline>", "the reference result, e.g. results/sedf-dc.json")
    .argument("<new>", "the result to check")
    .option("-t, --tolerance <pct>", "largest relative change allowed", "1%")
    .option("-a, --absolute <x>", "changes smaller than this (in the metric's unit) never count", "1e-6")
    .option("--all", "list every cell, not only the changed ones")
    .option("--color", "force colour")
    .option("--no-color", "never colour output")
    .action((baselineFile: string, newFile: string, flags: CompareFlags) => {
      const tol = parsePercent(flags.tolerance);
      const abs = Number(flags.absolute);
      const problems: string[] = [];
      if (!tol.ok) problems.push(`--tolerance: ${tol.message}`);
      if (!Number.isFinite(abs) || abs < 0) problems.push(`--absolute: expected a non-negative number, got "${flags.absolute}"`);
      if (problems.length) throw new UsageError(problems);
      const [before, after] = [readResult(baselineFile), readResult(newFile)];
      const changes = compareResults(before, after, tol.ok ? tol.value : 0, abs);
      const chalk = new Chalk({ level: decideColor(flags.color, io) ? 1 : 0 });
      const shown = flags.all ? changes : changes.filter((c) => c.relative !== 0);
      const breaches = changes.filter((c) => c.breach);
      if (shown.length > 0) {
        const table = new Table({ head: ["Table", "Metric", "Column", "Unit", "Baseline", "New", "Change"], style: { head: [], border: [], compact: true } });
        for (const c of shown) {
          const text = change(c);
          table.push([c.table, c.metric, c.column, c.unit, c.before === undefined ? "" : num(c.before), c.after === undefined ? "" : num(c.after), c.breach ? chalk.red(text) : text]);
        }
        io.stdout(table.toString() + "\n");
      }
      for (const line of howMadeDiffers(before, after)) io.stdout(`made differently: ${line}\n`);
      io.stdout(`${changes.length} cells compared, ${changes.filter((c) => c.relative !== 0).length} changed, ${breaches.length} beyond ±${flags.tolerance}\n`);
      if (breaches.length > 0) process.exitCode = EXIT.regression;
    });
}
