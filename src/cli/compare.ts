import Table from "cli-table3";
import { Chalk } from "chalk";
import { Option, type Command } from "commander";
import { resultColumns, compareResults, howMadeDiffers, type Change } from "../report/compare.js";
import { mdCell, num, renderJson } from "../report/render.js";
import type { ResultDoc } from "../report/result.js";
import { pText } from "../report/significance.js";
import { UsageError } from "../scenario/load.js";
import { parsePercent } from "../scenario/units.js";
import { decideColor, EXIT, type CliIo } from "./io.js";
import { checkTableIds, tablesNamed } from "./emit.js";
import { tableOption } from "./options.js";
import { readResult } from "./result-file.js";

interface CompareFlags {
  tolerance: string;
  absolute: string;
  baselineColumn?: string;
  column?: string;
  alpha: string;
  significant?: boolean;
  all?: boolean;
  format?: "table" | "md" | "json";
  color?: boolean;
  table: string[];
}

function change(c: Change): string {
  if (c.after === undefined) return "disappeared";
  if (c.before === undefined) return "new";
  // A relative change from 0 is no number.
  if (!Number.isFinite(c.relative)) return "from 0";
  return `${c.relative >= 0 ? "+" : ""}${(c.relative * 100).toFixed(2)}%`;
}

/** A change as `--format json` gives it: JSON has no Infinity, so a cell that appeared or disappeared says so in `status`. */
function changeRecord(c: Change, significant: boolean) {
  const status = c.after === undefined ? "disappeared" : c.before === undefined ? "new" : c.relative === 0 ? "same" : "changed";
  return {
    table: c.table,
    metric: c.metric,
    column: c.column,
    unit: c.unit,
    status,
    ...(c.before !== undefined ? { baseline: c.before } : {}),
    ...(c.after !== undefined ? { new: c.after } : {}),
    ...(status === "changed" || status === "same" ? { relative: Number.isFinite(c.relative) ? c.relative : null } : {}),
    beyondTolerance: c.breach,
    ...(c.p !== undefined ? { p: c.p, test: c.test, significant } : {}),
  };
}

function pValue(p: number | undefined): string {
  return p === undefined ? "" : pText(p);
}

/** Which columns to set against each other, from the flags: none (every column by name), or one of each result. */
function columnPair(flags: CompareFlags, files: string[], docs: ResultDoc[]): { before: string; after: string } | undefined {
  const before = flags.baselineColumn ?? flags.column;
  const after = flags.column ?? flags.baselineColumn;
  if (before === undefined || after === undefined) {
    if (files.length === 1) throw new UsageError([`compare: one result given; to compare two of its columns, name them with --baseline-column and --column`]);
    return undefined;
  }
  const problems: string[] = [];
  // A flag given alone names the column on both sides; say so under the flag the user wrote.
  const sides = [
    { name: before, flag: flags.baselineColumn !== undefined ? "--baseline-column" : "--column", file: files[0], doc: docs[0] },
    { name: after, flag: flags.column !== undefined ? "--column" : "--baseline-column", file: files[files.length - 1], doc: docs[docs.length - 1] },
  ];
  const seen = new Set<string>();
  for (const { name, flag, file, doc } of sides) {
    const names = resultColumns(doc);
    if (names.includes(name) || seen.has(`${file}\u0000${name}`)) continue;
    seen.add(`${file}\u0000${name}`);
    problems.push(`${file}: ${flag}: no column "${name}" (it has ${names.map((n) => `"${n}"`).join(", ")})`);
  }
  if (problems.length) throw new UsageError(problems);
  if (files.length === 1 && before === after) throw new UsageError([`compare: --baseline-column and --column both name "${before}"; name two different columns of ${files[0]}`]);
  return { before, after };
}

/** The changes listed, how the results were made differently and the summary line, in one of compare's formats. */
function renderComparison(
  format: "table" | "md" | "json",
  header: Record<string, unknown>,
  shown: Change[],
  made: string[],
  summary: string,
  stands: (c: Change) => boolean,
  chalk: InstanceType<typeof Chalk>,
): string {
  if (format === "json") return renderJson({ ...header, madeDifferently: made, summary, changes: shown.map((c) => changeRecord(c, stands(c))) });
  const row = (c: Change, mark: (text: string) => string, markP: (text: string) => string) => {
    const text = change(c);
    const p = pValue(c.p);
    return [c.table, c.metric, c.column, c.unit, c.before === undefined ? "" : num(c.before), c.after === undefined ? "" : num(c.after), c.breach ? mark(text) : text, stands(c) ? markP(p) : p];
  };
  const madeLines = made.map((line) => `made differently: ${line}\n`).join("");
  if (format === "md") {
    const lines = ["| Table | Metric | Column | Unit | Baseline | New | Change | p |", "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |"];
    const bold = (text: string) => `**${text}**`;
    for (const c of shown) lines.push(`| ${row(c, bold, bold).map(mdCell).join(" | ")} |`);
    return `${shown.length > 0 ? lines.join("\n") + "\n\n" : ""}${madeLines}${summary}\n`;
  }
  let text = "";
  if (shown.length > 0) {
    const table = new Table({ head: ["Table", "Metric", "Column", "Unit", "Baseline", "New", "Change", "p"], style: { head: [], border: [], compact: true } });
    for (const c of shown) table.push(row(c, chalk.red, chalk.bold));
    text = table.toString() + "\n";
  }
  return `${text}${madeLines}${summary}\n`;
}

export function compareCommand(prog: Command, io: CliIo): void {
  const cmd = prog
    .command("compare")
    .description(
      "compare two JSON results cell by cell, or two columns of one, each change tested against the runs' spread; exit 3 if a change exceeds the tolerance or a metric disappeared",
    )
    .argument("<baseline>", "the reference result, e.g. results/sedf-dc.json")
    .argument("[new]", "the result to check (default: BASELINE itself, to compare two of its columns)")
    .option("-t, --tolerance <pct>", "largest relative change allowed", "1%")
    .option("-a, --absolute <x>", "changes smaller than this (in the metric's unit) never count", "1e-6")
    .option("--baseline-column <name>", "compare only this column of BASELINE (default: each column with its namesake)")
    .option("-c, --column <name>", "... with this column of NEW (default: the same name)")
    .option("--alpha <p>", "significance level: a change whose p is below it stands out from the runs' spread (paired t-test where both results keep each run and share a seed, else Welch's)", "0.05")
    .option("--significant", "list only the changes that stand out from the runs' spread (p < alpha)")
    .option("--all", "list every cell, not only the changed ones")
    .addOption(new Option("-f, --format <format>", "output format: a table, Markdown (for a pull request), or JSON (for a script)").choices(["table", "md", "json"]).default("table"))
    .option("--color", "force colour")
    .option("--no-color", "never colour output");
  tableOption(cmd, "--table <id>", "compare only this table").action((baselineFile: string, newFile: string | undefined, flags: CompareFlags) => {
      const tol = parsePercent(flags.tolerance);
      const abs = Number(flags.absolute);
      const alpha = Number(flags.alpha);
      const problems: string[] = [];
      if (!tol.ok) problems.push(`--tolerance: ${tol.message}`);
      if (!Number.isFinite(abs) || abs < 0) problems.push(`--absolute: expected a non-negative number, got "${flags.absolute}"`);
      if (!(alpha > 0 && alpha < 1)) problems.push(`--alpha: expected a probability between 0 and 1 (exclusive), got "${flags.alpha}"`);
      if (flags.significant && flags.all) problems.push(`--significant and --all: pick one (the significant changes, or every cell)`);
      if (problems.length) throw new UsageError(problems);
      const files = newFile === undefined ? [baselineFile] : [baselineFile, newFile];
      const read = files.map(readResult);
      checkTableIds(flags, read.map((d) => d.tables.map((t) => t.id)));
      // A table in one result and not the other still counts: its metrics appear or disappear.
      const docs = read.map((d) => tablesNamed(d, flags.table));
      const [before, after] = [docs[0], docs[docs.length - 1]];
      const columns = columnPair(flags, files, docs);
      const changes = compareResults(before, after, { tolerance: tol.ok ? tol.value : 0, absolute: abs, columns });
      const chalk = new Chalk({ level: decideColor(flags.color, io) ? 1 : 0 });
      const stands = (c: Change) => c.p !== undefined && c.p < alpha;
      const shown = flags.all ? changes : changes.filter((c) => c.relative !== 0 && (!flags.significant || stands(c)));
      const breaches = changes.filter((c) => c.breach);
      const made = newFile === undefined ? [] : howMadeDiffers(before, after);
      const tested = changes.filter((c) => c.p !== undefined).length;
      const tests = [
        ["paired", "paired t-test over runs of the same seed"],
        ["Welch", "Welch's t-test"],
      ].flatMap(([test, name]) => {
        const k = changes.filter((c) => c.test === test).length;
        return k === 0 ? [] : [k === tested ? name : `${name} for ${k}`];
      });
      // Cells in one result only are counted apart: they have nothing to be compared with.
      const both = changes.filter((c) => c.before !== undefined && c.after !== undefined);
      const gone = changes.filter((c) => c.after === undefined).length;
      const added = changes.filter((c) => c.before === undefined).length;
      const noise =
        tested > 0
          ? `${changes.filter(stands).length} of ${tested} tested stand out from the runs' spread (${tests.join(", ")}; p < ${alpha})`
          : both.length > 0
            ? "none tested against the runs' spread (each side needs 2 runs or more)"
            : "no cell is in both results";
      const oneSided = `${gone > 0 ? `, ${gone} disappeared` : ""}${added > 0 ? `, ${added} new` : ""}`;
      const summary = `${both.length} cell${both.length === 1 ? "" : "s"} compared, ${both.filter((c) => c.relative !== 0).length} changed, ${both.filter((c) => c.breach).length} beyond ±${flags.tolerance}${oneSided}; ${noise}`;
      const header = { baseline: baselineFile, new: newFile ?? baselineFile, ...(columns ? { columns } : {}), tolerance: flags.tolerance, alpha };
      io.stdout(renderComparison(flags.format ?? "table", header, shown, made, summary, stands, chalk));
      if (breaches.length > 0) process.exitCode = EXIT.regression;
    });
}
