import type { Command } from "commander";
import { figuresOf, renderSvg } from "../report/figures.js";
import { renderHtml } from "../report/html.js";
import { checkTableIds, tablesNamed } from "./emit.js";
import { checkDistinct, checkWritable, writeAtomic, type CliIo } from "./io.js";
import { confidenceArg, tableOption } from "./options.js";
import { readResults } from "./result-file.js";

interface ReportFlags {
  output: string;
  quiet?: boolean;
  table: string[];
  ci?: number;
}

export function reportCommand(prog: Command, io: CliIo): void {
  const cmd = prog
    .command("report")
    .description("one self-contained HTML page with the tables (paper vs ours, deviations graded) and figures of saved results")
    .argument("<results...>", "results saved with --format json, e.g. results/*.json")
    .requiredOption("-o, --output <file>", "the HTML file to write (atomically)")
    .option("-q, --quiet", "do not report the file written")
    .option("--ci <level>", "give each mean's confidence interval over the runs (Student's t) instead of their sd, e.g. 95%", confidenceArg);
  tableOption(cmd, "-t, --table <id>", "only this table of each result, and only the results that have it").action(async (files: string[], flags: ReportFlags) => {
    const docs = files.flatMap(readResults);
    checkDistinct([["-o", flags.output]], files);
    checkTableIds(flags, docs.map((d) => d.tables.map((t) => t.id)));
    checkWritable(flags.output);
    const sections = [];
    for (const doc of docs) {
      const kept = tablesNamed(doc, flags.table);
      if (kept.tables.length === 0) continue;
      // The figures come from the whole result: a figure may draw on a table left out.
      const figures = [];
      for (const f of figuresOf(doc)) figures.push({ caption: f.caption, svg: await renderSvg(f.spec) });
      sections.push({ doc: kept, figures });
    }
    writeAtomic(flags.output, renderHtml(sections, flags.ci));
    if (!flags.quiet) io.stderr(`wrote ${flags.output}\n`);
  });
}
