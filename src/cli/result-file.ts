import { readFileSync } from "node:fs";
import type { ResultDoc } from "../report/result.js";
import { UsageError } from "../scenario/load.js";

/** Reads a result saved with `--format json`; anything else is a usage error (exit 2). */
export function readResult(file: string): ResultDoc {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UsageError([`${file}: ${err.code === "ENOENT" ? "no such file" : `not a JSON result: ${err.message}`}`]);
  }
  const d = doc as Partial<ResultDoc>;
  if (typeof d !== "object" || d === null || typeof d.schemaVersion !== "number" || !Array.isArray(d.tables)) {
    throw new UsageError([`${file}: not an xeniso result (no schemaVersion and tables); make one with --format json`]);
  }
  return d as ResultDoc;
}
