import type { Command } from "commander";
import { hasPerRun } from "../report/render.js";
import { UsageError } from "../scenario/load.js";
import { checkOutputFlags, checkTableIds, emit, type OutputFlags } from "./emit.js";
import { checkDistinct, checkWritable, type CliIo } from "./io.js";
import { outputOptions, tableOption } from "./options.js";
import { readResults } from "./result-file.js";

/**
 * Prints saved results again in another format: a run of the paper takes minutes, and a
 * table, a Markdown page or a dataframe's CSV of it should not.
 */
export function showCommand(prog: Command, io: CliIo): void {
  const cmd = prog
    .command("show")
    .description("print saved JSON results again as a table, Markdown or CSV (--per-run: one row per run), without running anything")
    .argument("<results...>", "results saved with --format json, e.g. results/sedf-dc.json");
  tableOption(outputOptions(cmd, "do not report the file written")).action((files: string[], flags: OutputFlags) => {
    checkOutputFlags(flags);
    const problems: string[] = [];
    const docs = files.flatMap((file) => {
      try {
        const found = readResults(file);
        if (flags.perRun && !hasPerRun(found)) problems.push(`${file}: --per-run: this result keeps no run's value (saved before results kept "perRun"); run it again`);
        return found;
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        problems.push(...e.diagnostics);
        return [];
      }
    });
    if (problems.length > 0) throw new UsageError(problems);
    checkTableIds(flags, docs.map((d) => d.tables.map((t) => t.id)));
    checkDistinct([["-o", flags.output]], files);
    if (flags.output) checkWritable(flags.output);
    emit(docs.length === 1 ? docs[0] : docs, flags, io);
  });
}
