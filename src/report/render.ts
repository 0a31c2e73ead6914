import { Chalk, type ChalkInstance } from "chalk";
import Table from "cli-table3";
import { csvField } from "./csv.js";
import { confidenceHalfWidth } from "./significance.js";
import { deviation, type Cell, type PrecisionRecord, type ResultDoc, type Table as ResultTable } from "./result.js";

export type Format = "table" | "json" | "csv" | "md";
export const FORMATS: Format[] = ["table", "json", "csv", "md"];

/** Significant-enough digits for a figure of this size. */
export function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return "0";
  return v.toPrecision(3);
}

/**
 * How tables, Markdown and CSV are drawn. `width`: the terminal's, for the table format
 * (see renderTable); none for a pipe or a file. `ci`: a confidence level (0.95) to give
 * each mean's confidence interval over the runs where the runs' sd goes by default.
 */
export interface RenderOptions {
  color?: boolean;
  width?: number;
  ci?: number;
}

export function meanSd(c: Cell): string {
  return c.n > 1 ? `${num(c.mean)} ± ${num(cleanSpread(c, c.sd))}` : num(c.mean);
}

/** An sd of a billionth of the mean is floating-point residue of identical runs: show 0. */
function cleanSpread(c: Cell, spread: number): number {
  return c.sd <= 1e-9 * Math.abs(c.mean) ? 0 : spread;
}

/** Ours as printed: mean ± sd, or mean ± the half-width of its `ci` confidence interval. */
export function ours(c: Cell, ci: number | undefined): string {
  if (ci === undefined) return meanSd(c);
  const half = confidenceHalfWidth(c, ci);
  return half === undefined ? num(c.mean) : `${num(c.mean)} ± ${num(cleanSpread(c, half))}`;
}

/** What ± means under a result, said only where it is not the sd the README promises. */
function spreadNote(ci: number | undefined): string {
  return ci === undefined ? "" : `; ± is the ${percentText(ci)} confidence interval of the mean over the runs (Student's t)`;
}

/** 0.95 → "95 %", 0.999 → "99.9 %". */
export function percentText(fraction: number): string {
  return `${+(fraction * 100).toFixed(4)} %`;
}

export function hasPaper(t: ResultTable): boolean {
  return t.rows.some((r) => Object.values(r.values).some((c) => c.paper !== undefined));
}

/** Whether the paper gives a value for any row of this column (else it shows ours alone). */
export function columnHasPaper(t: ResultTable, column: string): boolean {
  return t.rows.some((r) => r.values[column]?.paper !== undefined);
}

/**
 * Header cells and body rows of a table as plain strings (shared by md and table), and
 * how many grid columns each result column takes: paper, ours and dev in a table with
 * paper values, except for a column the paper has no value for (a study's other
 * settings, a sweep's other points), which takes ours alone.
 */
function grid(t: ResultTable, withPaper: boolean, ci: number | undefined): { head: string[]; body: string[][]; spans: number[] } {
  const head = ["Metric", "Unit"];
  const spans = t.columns.map((col) => (withPaper && columnHasPaper(t, col) ? 3 : 1));
  t.columns.forEach((col, k) => {
    if (spans[k] === 3) head.push(`${col} paper`, `${col} ours`, `${col} dev`);
    else head.push(withPaper ? `${col} ours` : col);
  });
  const body = t.rows.map((r) => {
    const line = [r.label, r.unit];
    t.columns.forEach((col, k) => {
      const c = r.values[col];
      if (spans[k] === 1) line.push(c ? ours(c, ci) : "");
      else if (!c) line.push("", "", "");
      else line.push(c.paper === undefined ? "—" : num(c.paper), ours(c, ci), deviation(c, r.unit)?.text ?? "");
    });
    return line;
  });
  return { head, body, spans };
}

/**
 * The tables for a terminal. Given the terminal's `width`, a table too wide for it is cut
 * into several, each with the metric and unit columns and as many of the result's columns
 * as fit (all of a column's paper / ours / dev together); a pipe or a file gets each table
 * whole.
 */
export function renderTable(doc: ResultDoc, { color = false, width, ci }: RenderOptions = {}): string {
  const chalk: ChalkInstance = new Chalk({ level: color ? 1 : 0 });
  const parts: string[] = [];
  for (const t of doc.tables) {
    const withPaper = hasPaper(t);
    const { head, body, spans } = grid(t, withPaper, ci);
    // Where each result column's cells begin in the grid.
    const starts = spans.map((_, k) => 2 + spans.slice(0, k).reduce((a, n) => a + n, 0));
    const painted = body.map((cells, i) => {
      const r = t.rows[i];
      const out = [...cells];
      t.columns.forEach((col, k) => {
        const dev = spans[k] === 3 && r.values[col] ? deviation(r.values[col], r.unit) : null;
        const idx = starts[k] + 2;
        if (dev) out[idx] = paint(chalk, out[idx], dev.value, r.unit);
      });
      return out;
    });
    parts.push(chalk.bold(t.title));
    const cost = columnCosts(head, body);
    for (const keep of columnGroups(cost, spans, width)) {
      const over = width === undefined ? 0 : 1 + keep.reduce((a, j) => a + cost[j], 0) - width;
      const table = new Table({
        head: keep.map((j) => chalk.bold(head[j])),
        // cli-table3 colours its borders and headers unless style is emptied: colour is decided here.
        style: { head: [], border: [], compact: true },
        ...(over > 0 ? { colWidths: narrowed(keep, head, body, cost, over), wordWrap: true } : {}),
      });
      for (const cells of painted) table.push(keep.map((j) => cells[j]));
      parts.push(table.toString());
    }
    if (withPaper) parts.push(fitLine(t));
  }
  parts.push(chalk.dim(provenance(doc) + spreadNote(ci)));
  return parts.join("\n") + "\n";
}

/** The narrowest the metric column is wrapped to, border and padding included. */
const MIN_METRIC_WIDTH = 16;

/**
 * cli-table3 column widths (padding included) for grid columns `keep` when even one
 * result column is `over` characters too wide: the metric names wrap first, down to
 * MIN_METRIC_WIDTH, then the result columns' headers at their spaces ("SEDF-DC 1400
 * paper" over two lines); a value is never cut.
 */
function narrowed(keep: number[], head: string[], body: string[][], cost: number[], over: number): number[] {
  const widths = keep.map((j) => cost[j] - 1);
  let excess = over;
  const cut = (k: number, least: number) => {
    const by = Math.max(0, Math.min(excess, widths[k] - least));
    widths[k] -= by;
    excess -= by;
  };
  cut(0, MIN_METRIC_WIDTH);
  for (let k = 2; k < keep.length && excess > 0; k++) {
    const j = keep[k];
    const longestWord = Math.max(...head[j].split(" ").map((w) => w.length));
    cut(k, Math.max(longestWord, ...body.map((cells) => cells[j].length)) + 2);
  }
  return widths;
}

/** Each grid column's width in cli-table3: its widest text, a space either side and a border. */
function columnCosts(head: string[], body: string[][]): number[] {
  return head.map((h, j) => Math.max(h.length, ...body.map((cells) => cells[j].length)) + 3);
}

/**
 * Which grid columns each printed table shows: the metric and unit, then whole result
 * columns (`spans[k]` grid columns for the k-th) for as long as the table stays within
 * `width` characters (always at least one result column). No width: one table with everything.
 */
function columnGroups(cost: number[], spans: number[], width?: number): number[][] {
  const all = cost.map((_, j) => j);
  if (width === undefined) return [all];
  // One border character on the left, then each column's cost.
  const fixed = 1 + cost[0] + cost[1];
  const groups: number[][] = [];
  let current: number[] = [];
  let used = fixed;
  for (let k = 0, first = 2; k < spans.length; first += spans[k], k++) {
    const cols = all.slice(first, first + spans[k]);
    const extra = cols.reduce((a, j) => a + cost[j], 0);
    if (current.length > 0 && used + extra > width) {
      groups.push([0, 1, ...current]);
      current = [];
      used = fixed;
    }
    current.push(...cols);
    used += extra;
  }
  if (current.length > 0 || groups.length === 0) groups.push([0, 1, ...current]);
  return groups;
}

export type Grade = "aim" | "bound" | "miss";

/**
 * How close a deviation is to the paper: within the reproduction's aim (±5 % of a
 * throughput, ±1 pp of a CPU share), within its bound (±10 % / ±2 pp), or a miss.
 */
export function grade(dev: number, unit: string): Grade {
  const [aim, bound] = unit === "%" ? [1, 2] : [0.05, 0.1];
  const a = Math.abs(dev);
  return a <= aim ? "aim" : a <= bound ? "bound" : "miss";
}

/** How a paper table fares: its cells with a paper value, graded, and the misses by name. */
export interface Fit {
  cells: number;
  aim: number;
  bound: number;
  misses: Array<{ column: string; label: string; dev: string }>;
}

export function fitOf(t: ResultTable): Fit {
  const fit: Fit = { cells: 0, aim: 0, bound: 0, misses: [] };
  for (const r of t.rows) {
    for (const column of t.columns) {
      const c = r.values[column];
      const dev = c ? deviation(c, r.unit) : null;
      if (!dev) continue;
      fit.cells++;
      const g = grade(dev.value, r.unit);
      if (g === "aim") fit.aim++;
      else if (g === "bound") fit.bound++;
      else fit.misses.push({ column, label: r.label, dev: dev.text });
    }
  }
  return fit;
}

/** The line under a result: how it was made, with the `--set` and `--sweep` flags that changed the file. */
export function provenance(doc: ResultDoc): string {
  const flags = [...(doc.scenario?.set ?? []).map((s) => `, --set ${s}`), ...(doc.scenario?.sweep ?? []).map((s) => `, --sweep ${s}`)];
  return `seed ${doc.seed}, ${doc.runs} run${doc.runs === 1 ? "" : "s"}${doc.precision ? ` (${precisionText(doc.precision)})` : ""}, profile ${doc.profile}, xeniso ${doc.xeniso}${flags.join("")}`;
}

/** "until ±2 % at 95 % confidence", or where --max-runs stopped it first, how many cells fell short. */
export function precisionText(p: PrecisionRecord): string {
  const goal = `±${percentText(p.relative)} at ${percentText(p.level)} confidence`;
  const n = p.short.length;
  return n === 0 ? `until ${goal}` : `stopped at --max-runs ${p.maxRuns}, ${n} cell${n === 1 ? "" : "s"} short of ${goal}`;
}

/** The most misses a fit line names; a study with many columns would otherwise print a paragraph. */
export const FIT_LINE_MISSES = 8;

/**
 * One line under a paper table: "15 of 16 cells within bounds (±10 % / ±2 pp; 13 within
 * ±5 % / ±1 pp); misses: SEDF-DC Dom-1 web-server Throughput +16.9%". The bounds and the
 * aim are the reproduction's (see `grade`); the column is named only when there are
 * several. Past FIT_LINE_MISSES misses it names the first ones and counts the rest.
 */
export function fitLine(t: ResultTable): string {
  const f = fitOf(t);
  const within = f.aim + f.bound;
  const misses = f.misses.map((m) => (t.columns.length > 1 ? `${m.column} ${m.label} ${m.dev}` : `${m.label} ${m.dev}`));
  const named = misses.length > FIT_LINE_MISSES ? [...misses.slice(0, FIT_LINE_MISSES), `and ${misses.length - FIT_LINE_MISSES} more`] : misses;
  return `${within} of ${f.cells} cell${f.cells === 1 ? "" : "s"} within bounds (±10 % / ±2 pp; ${f.aim} within ±5 % / ±1 pp)${misses.length > 0 ? `; misses: ${named.join(", ")}` : ""}`;
}

/** Green within the aim, yellow within the bound, red beyond. */
function paint(chalk: ChalkInstance, text: string, dev: number, unit: string): string {
  const g = grade(dev, unit);
  return g === "aim" ? chalk.green(text) : g === "bound" ? chalk.yellow(text) : chalk.red(text);
}

export function renderMarkdown(doc: ResultDoc, { ci }: RenderOptions = {}): string {
  const out: string[] = [];
  for (const t of doc.tables) {
    const { head, body } = grid(t, hasPaper(t), ci);
    out.push(`### ${t.title}`, "", `| ${head.map(mdCell).join(" | ")} |`, `| ${head.map((_, i) => (i < 2 ? "---" : "---:")).join(" | ")} |`);
    for (const line of body) out.push(`| ${line.map(mdCell).join(" | ")} |`);
    out.push("");
    if (hasPaper(t)) out.push(fitLine(t), "");
  }
  out.push(`_${provenance(doc)}${spreadNote(ci)}_`, "");
  return out.join("\n");
}

/** Every cell of a result, table by table, row by row, in its table's column order. */
function* cells(doc: ResultDoc): Generator<{ t: ResultTable; r: ResultTable["rows"][number]; col: string; c: Cell }> {
  for (const t of doc.tables) {
    for (const r of t.rows) {
      for (const col of t.columns) {
        const c = r.values[col];
        if (c) yield { t, r, col, c };
      }
    }
  }
}

/**
 * One CSV row per (table, metric, column): easy to load in a spreadsheet or a dataframe.
 * With `ci`, each row also has its mean's confidence interval (`ci_low`, `ci_high`; empty
 * for a single run).
 */
export function renderCsv(doc: ResultDoc, { ci }: RenderOptions = {}): string {
  const lines = [`table,metric,unit,column,mean,sd,n,paper${ci === undefined ? "" : ",ci_low,ci_high"}`];
  for (const { t, r, col, c } of cells(doc)) {
    const fields: Array<string | number> = [t.id, r.label, r.unit, col, c.mean, c.sd, c.n, c.paper ?? ""];
    if (ci !== undefined) {
      const half = confidenceHalfWidth(c, ci);
      fields.push(...(half === undefined ? ["", ""] : [c.mean - half, c.mean + half]));
    }
    lines.push(fields.map(csvField).join(","));
  }
  return lines.join("\n") + "\n";
}

/**
 * One CSV row per (table, metric, column, run): the long format a dataframe wants for
 * its own statistics. A cell whose runs did not all give the metric has no per-run
 * values (`Cell.perRun`) and no rows; a run's value that is not a number is left empty.
 */
export function renderRunsCsv(doc: ResultDoc): string {
  const lines = ["table,metric,unit,column,run,value,paper"];
  for (const { t, r, col, c } of cells(doc)) {
    c.perRun?.forEach((v, run) => lines.push([t.id, r.label, r.unit, col, run, typeof v === "number" && Number.isFinite(v) ? v : "", c.paper ?? ""].map(csvField).join(",")));
  }
  return lines.join("\n") + "\n";
}

/** Whether any cell of these results keeps its runs' values (results saved before cells kept `perRun` do not). */
export function hasPerRun(docs: ResultDoc[]): boolean {
  for (const doc of docs) for (const { c } of cells(doc)) if (c.perRun !== undefined) return true;
  return false;
}

/** What a result is of: its scenario, or for a calibration (no scenario) the profile it calibrated. */
export function resultName(doc: ResultDoc): string {
  return doc.scenario?.name ?? `${doc.command} ${doc.profile}`;
}

/**
 * Several results' CSV in one: the scenario's name as a first column, so the rows stay
 * apart when loaded together.
 */
export function csvOfMany(docs: ResultDoc[], csvOf: (doc: ResultDoc) => string): string {
  const lines = ["scenario," + csvOf(docs[0]).split("\n")[0]];
  for (const doc of docs) {
    for (const row of csvOf(doc).split("\n").slice(1)) if (row !== "") lines.push(`${csvField(resultName(doc))},${row}`);
  }
  return lines.join("\n") + "\n";
}

/** A Markdown table cell: a pipe inside it (a column named "A|B") would end the cell. */
export function mdCell(c: string): string {
  return c.replace(/\|/g, "\\|");
}

/**
 * Indented JSON, as `JSON.stringify(doc, null, 2)` writes it, but with a list of numbers
 * (a cell's `perRun`) on one line: one number per line would make a result many times
 * as long to read and to diff.
 */
export function renderJson(doc: ResultDoc | ResultDoc[] | Record<string, unknown>): string {
  return jsonText(JSON.parse(JSON.stringify(doc)), "") + "\n";
}

/** `value` is plain JSON data (what JSON.parse returns): no undefined, no NaN, no toJSON. */
function jsonText(value: unknown, indent: string): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => v === null || typeof v === "number")) return `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
    return `[\n${value.map((v) => inner + jsonText(v, inner)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${jsonText(v, inner)}`).join(",\n")}\n${indent}}`;
}

/** One result in `format`; JSON is the result itself, whatever the options. */
export function render(doc: ResultDoc, format: Format, opts: RenderOptions = {}): string {
  switch (format) {
    case "json":
      return renderJson(doc);
    case "csv":
      return renderCsv(doc, opts);
    case "md":
      return renderMarkdown(doc, opts);
    case "table":
      return renderTable(doc, opts);
  }
}

/**
 * Several results (one per scenario of a `run` over several files): a JSON array of the
 * documents; the tables one after another; one CSV (`csvOfMany`).
 */
export function renderMany(docs: ResultDoc[], format: Format, opts: RenderOptions = {}): string {
  switch (format) {
    case "json":
      return renderJson(docs);
    case "csv":
      return csvOfMany(docs, (doc) => renderCsv(doc, opts));
    default:
      return docs.map((doc) => render(doc, format, opts)).join("\n") + fitSummary(docs, format);
  }
}

/**
 * After several results (the whole paper), one line per table with paper values: how
 * many of its cells are within bounds. Empty for one result, whose tables already end
 * with their fit lines, and when fewer than two tables have paper values.
 */
function fitSummary(docs: ResultDoc[], format: Format): string {
  if (docs.length < 2) return "";
  const rows = docs.flatMap((doc) =>
    doc.tables.filter(hasPaper).map((t) => {
      const f = fitOf(t);
      return { where: `${resultName(doc)} ${t.id}`, within: `${f.aim + f.bound} of ${f.cells}`, aim: `${f.aim}` };
    }),
  );
  if (rows.length < 2) return "";
  if (format === "md") {
    const lines = ["### Fit to the paper", "", "| Table | Cells within bounds (±10 % / ±2 pp) | Within ±5 % / ±1 pp |", "| --- | ---: | ---: |"];
    for (const r of rows) lines.push(`| ${mdCell(r.where)} | ${r.within} | ${r.aim} |`);
    return "\n" + lines.join("\n") + "\n";
  }
  const w = Math.max(...rows.map((r) => r.where.length));
  const v = Math.max(...rows.map((r) => r.within.length));
  const lines = ["Fit to the paper (cells within ±10 % / ±2 pp; in brackets, within ±5 % / ±1 pp):"];
  for (const r of rows) lines.push(`  ${r.where.padEnd(w)}  ${r.within.padStart(v)}  (${r.aim})`);
  return "\n" + lines.join("\n") + "\n";
}
