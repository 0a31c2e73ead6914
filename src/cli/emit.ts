import { render, renderMany, type Format } from "../report/render.js";
import type { ResultDoc } from "../report/result.js";
import { decideColor, writeAtomic, type CliIo } from "./io.js";
import { resolveFormat } from "./options.js";

export interface OutputFlags {
  /** Unset: from -o's extension, else the table (`resolveFormat`). */
  format?: Format;
  output?: string;
  color?: boolean;
  quiet?: boolean;
}

/** Prints a result document (or several) in the chosen format, to stdout or atomically to a file. */
export function emit(doc: ResultDoc | ResultDoc[], flags: OutputFlags, io: CliIo): void {
  // A file never gets escape codes unless asked for explicitly.
  const color = flags.output ? flags.color === true : decideColor(flags.color, io);
  // Tables are cut to the terminal's width; a file or a pipe gets them whole.
  const width = flags.output || !io.stdoutIsTTY ? undefined : io.stdoutColumns;
  const format = resolveFormat(flags.format, flags.output);
  const text = Array.isArray(doc) ? renderMany(doc, format, color, width) : render(doc, format, color, width);
  if (flags.output) {
    writeAtomic(flags.output, text);
    if (!flags.quiet) io.stderr(`wrote ${flags.output}\n`);
  } else {
    io.stdout(text);
  }
}
