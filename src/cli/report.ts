import type { Command } from "commander";
import { figuresOf, renderSvg } from "../report/figures.js";
import { renderHtml } from "../report/html.js";
import { checkDistinct, checkWritable, writeAtomic, type CliIo } from "./io.js";
import { readResults } from "./result-file.js";

export function reportCommand(prog: Command, io: CliIo): void {
  prog
    .command("report")
    .description("one self-contained HTML page with the tables (paper vs ours, deviations graded) and figures of saved results")
    .argument("<results...>", "results saved with --format json, e.g. results/*.json")
    .requiredOption("-o, --output <file>", "the HTML file to write (atomically)")
    .option("-q, --quiet", "do not report the file written")
    .action(async (files: string[], flags: { output: string; quiet?: boolean }) => {
      const docs = files.flatMap(readResults);
      checkDistinct([["-o", flags.output]], files);
      checkWritable(flags.output);
      const sections = [];
      for (const doc of docs) {
        const figures = [];
        for (const f of figuresOf(doc)) figures.push({ caption: f.caption, svg: await renderSvg(f.spec) });
        sections.push({ doc, figures });
      }
      writeAtomic(flags.output, renderHtml(sections));
      if (!flags.quiet) io.stderr(`wrote ${flags.output}\n`);
    });
}
