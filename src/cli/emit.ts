import { csvOfMany, render, renderMany, renderRunsCsv, type Format } from "../report/render.js";
import type { ResultDoc } from "../report/result.js";
import { didYouMean, UsageError } from "../scenario/load.js";
import { decideColor, writeAtomic, type CliIo } from "./io.js";
import { resolveFormat } from "./options.js";

export interface OutputFlags {
  /** Unset: from -o's extension, else the table (`resolveFormat`). */
  format?: Format;
  output?: string;
  color?: boolean;
  quiet?: boolean;
  /** CSV with one row per run rather than per cell. */
  perRun?: boolean;
  /** Only these tables (by id); empty or unset: all. */
  table?: string[];
  /** Each mean's confidence interval at this level (0.95) instead of the runs' sd. */
  ci?: number;
}

/**
 * Refuses a `--table` that names no table of the results to come (their ids, one list
 * per result), before anything runs. With several results, a table need be in one only.
 */
export function checkTableIds(flags: OutputFlags, tablesOf: string[][]): void {
  const known = [...new Set(tablesOf.flat())];
  const missing = (flags.table ?? []).filter((id) => !known.includes(id));
  if (missing.length > 0) throw new UsageError(missing.map((id) => `--table: no table "${id}"${didYouMean(id, known)}; the tables are ${known.map((k) => `"${k}"`).join(", ")}`));
}

/** The result with only the tables named by `ids` (all of them for none). */
export function tablesNamed(doc: ResultDoc, ids: string[]): ResultDoc {
  return ids.length === 0 ? doc : { ...doc, tables: doc.tables.filter((t) => ids.includes(t.id)) };
}

/** The results with only the tables `--table` names; a result left with none is left out. */
function onlyTables(docs: ResultDoc[], ids: string[]): ResultDoc[] {
  return docs.map((d) => tablesNamed(d, ids)).filter((d) => d.tables.length > 0);
}

/** Refuses output flags that do not go together, before anything runs. */
export function checkOutputFlags(flags: OutputFlags): void {
  const format = resolveFormat(flags.format, flags.output);
  if (flags.perRun && format !== "csv") {
    throw new UsageError([`--per-run: writes CSV; add -f csv or -o FILE.csv (a JSON result keeps each run's value in its cells' "perRun")`]);
  }
  if (flags.ci !== undefined && flags.perRun) throw new UsageError([`--ci: --per-run gives each run's value, with no interval to add; leave one of them out`]);
  if (flags.ci !== undefined && format === "json") {
    throw new UsageError([`--ci: for table, md and csv output; a JSON result keeps each cell's sd, n and runs, from which any interval follows`]);
  }
}

/** Prints a result document (or several) in the chosen format, to stdout or atomically to a file. */
export function emit(doc: ResultDoc | ResultDoc[], flags: OutputFlags, io: CliIo): void {
  checkOutputFlags(flags);
  if (flags.table?.length) {
    const docs = onlyTables(Array.isArray(doc) ? doc : [doc], flags.table);
    doc = Array.isArray(doc) ? docs : docs[0];
  }
  // A file never gets escape codes unless asked for explicitly.
  const color = flags.output ? flags.color === true : decideColor(flags.color, io);
  // Tables are cut to the terminal's width; a file or a pipe gets them whole.
  const width = flags.output || !io.stdoutIsTTY ? undefined : io.stdoutColumns;
  const format = resolveFormat(flags.format, flags.output);
  let text: string;
  if (flags.perRun) text = Array.isArray(doc) ? csvOfMany(doc, renderRunsCsv) : renderRunsCsv(doc);
  else {
    const opts = { color, width, ci: flags.ci };
    text = Array.isArray(doc) ? renderMany(doc, format, opts) : render(doc, format, opts);
  }
  if (flags.output) {
    writeAtomic(flags.output, text);
    if (!flags.quiet) io.stderr(`wrote ${flags.output}\n`);
  } else {
    io.stdout(text);
  }
}
