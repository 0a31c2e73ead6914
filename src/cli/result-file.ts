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
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError([`${file}: ${err.code === "ENOENT" ? "no such file" : `not a JSON result: ${err.message}`}`]);
  }
  const docs = Array.isArray(doc) && doc.length > 0 ? doc : [doc];
  for (const d of docs as Array<Partial<ResultDoc> | null>) {
    if (typeof d !== "object" || d === null || typeof d.schemaVersion !== "number" || !Array.isArray(d.tables)) {
      throw new UsageError([`${file}: not an xeniso result (no schemaVersion and tables); make one with --format json`]);
    }
  }
  return docs as ResultDoc[];
}
