import { readFileSync } from "node:fs";
import type { ResultDoc } from "../report/result.js";
import { UsageError } from "../scenario/load.js";

/** Reads a result saved with `--format json`; anything else is a usage error (exit 2). */
export function readResult(file: string): ResultDoc {
  const docs = readResults(file);
  if (docs.length !== 1) throw new UsageError([`${file}: holds ${docs.length} results (a run over several scenarios); compare takes one result per file`]);
  return docs[0];
}

/** The results in a file: one document, or the array `run` writes for several scenarios. */
export function readResults(file: string): ResultDoc[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError([`${file}: ${err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "is a directory, not a JSON result" : `cannot read: ${err.message}`}`]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError([jsonProblem(file, text, (e as Error).message)]);
  }
  const docs = Array.isArray(doc) && doc.length > 0 ? doc : [doc];
  for (const d of docs as Array<Partial<ResultDoc> | null>) {
    if (typeof d !== "object" || d === null || typeof d.schemaVersion !== "number" || !Array.isArray(d.tables)) {
      throw new UsageError([`${file}: not an xeniso result (no schemaVersion and tables); make one with --format json`]);
    }
  }
  return docs as ResultDoc[];
}

/**
 * JSON.parse's complaint as `file:line:col: not a JSON result: problem`. V8 gives an
 * offset ("at position 7"), or quotes the start of the text instead ("Unexpected token
 * '#', "# xeniso…" is not valid JSON"), which is left out: it can span lines.
 */
function jsonProblem(file: string, text: string, message: string): string {
  const at = /^(.*) in JSON at position (\d+)/.exec(message);
  const problem = (at ? at[1] : message.replace(/, ".*"(\.\.\.)? is not valid JSON$/s, "")).replace(/^Unexpected end of JSON input$/, text.trim() === "" ? "the file is empty" : "it ends too soon");
  if (!at) return `${file}: not a JSON result: ${problem}; make one with --format json`;
  const before = text.slice(0, Number(at[2])).split("\n");
  return `${file}:${before.length}:${before[before.length - 1].length + 1}: not a JSON result: ${problem}`;
}
