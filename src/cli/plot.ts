import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { figuresOf, renderSvg } from "../report/figures.js";
import type { ResultDoc } from "../report/result.js";
import { UsageError } from "../scenario/load.js";
import { writeAtomic, type CliIo } from "./io.js";
import { readResults } from "./result-file.js";

/** Creates `dir` if need be; a path that cannot be a directory is a usage error. */
export function prepareFigureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError([`${dir}: cannot create the figure directory: ${(e as Error).message}`]);
  }
}

/** Renders every figure of a result into `dir` as SVG files; returns their paths. */
export async function writeFigures(doc: ResultDoc, dir: string, io: CliIo, quiet = false): Promise<string[]> {
  const written: string[] = [];
  for (const fig of figuresOf(doc)) {
    const file = join(dir, fig.file);
    writeAtomic(file, await renderSvg(fig.spec));
    written.push(file);
  }
  if (!quiet) io.stderr(written.length ? `wrote ${written.length} figure${written.length === 1 ? "" : "s"} to ${dir}: ${written.map((f) => f.slice(dir.length + 1)).join(", ")}\n` : `no figures to draw from this result\n`);
  return written;
}

export function plotCommand(prog: Command, io: CliIo): void {
  prog
    .command("plot")
    .description("draw the paper's figures (SVG) from saved JSON results: Figs. 4–5 from calibrate, 6 and 7–10 from run")
    .argument("<results...>", "results saved with --format json, e.g. results/sedf-dc.json")
    .option("-o, --out <dir>", "directory for the SVG files (created if missing)", "figures")
    .option("-q, --quiet", "do not list the files written")
    .action(async (files: string[], flags: { out: string; quiet?: boolean }) => {
      const docs = files.flatMap(readResults);
      prepareFigureDir(flags.out);
      for (const doc of docs) await writeFigures(doc, flags.out, io, flags.quiet);
    });
}
