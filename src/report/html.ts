import { significance } from "./compare.js";
import { deviation, type Cell, type ResultDoc, type Table } from "./result.js";
import { columnHasPaper, fitLine, grade, hasPaper, num, ours as oursText, percentText, provenance } from "./render.js";
import { pText } from "./significance.js";

/** A figure ready for the page: its caption and its SVG text. */
export interface RenderedFigure {
  caption: string;
  svg: string;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2.5rem; border-bottom: 1px solid #ddd; } h3 { font-size: 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: right; }
th:first-child, td:first-child, td.unit { text-align: left; }
thead th { background: #f4f4f4; }
td.aim { background: #e3f5e1; } td.bound { background: #fff4cc; } td.miss { background: #fbdcdc; font-weight: 600; }
.meta, .legend { color: #666; font-size: 0.9rem; }
figure { margin: 1rem 0 1.5rem; } figcaption { color: #444; font-size: 0.9rem; }
details { margin: 1rem 0; }
.sig { color: #1f5fa8; cursor: help; }
`;

/** Below this p, a cell is marked as differing from its table's first column. */
export const MARK_ALPHA = 0.05;

/**
 * A mark after a cell that differs from the same row's cell in the table's first column
 * (Table 1's SEDF, Table 2's Baseline, a sweep's first value) beyond the runs' spread:
 * ▲ above it, ▼ below, its p in the tooltip. The columns of one result are run with the
 * same seed, so their runs pair up (paired t-test; Welch's where a cell keeps no runs).
 */
function markAgainstFirst(t: Table, cell: Cell, col: string, first: Cell | undefined): string {
  if (first === undefined || col === t.columns[0]) return "";
  const { p, test } = significance(first, cell, true);
  if (p === undefined || p >= MARK_ALPHA) return "";
  const arrow = cell.mean > first.mean ? "▲" : "▼";
  return ` <span class="sig" title="${esc(`differs from ${t.columns[0]}: p ${pText(p)}, ${test} t-test`)}">${arrow}</span>`;
}

function tableHtml(t: Table, ci: number | undefined): string {
  const withPaper = hasPaper(t);
  // As in the text tables: a column the paper has no value for shows ours alone.
  const full = t.columns.map((col) => withPaper && columnHasPaper(t, col));
  const head = ["<th>Metric</th>", "<th>Unit</th>"];
  t.columns.forEach((col, k) => {
    if (full[k]) head.push(`<th>${esc(col)} paper</th>`, `<th>${esc(col)} ours</th>`, `<th>${esc(col)} dev</th>`);
    else head.push(`<th>${esc(col)}${withPaper ? " ours" : ""}</th>`);
  });
  const rows = t.rows.map((r) => {
    const cells = [`<td>${esc(r.label)}</td>`, `<td class="unit">${esc(r.unit)}</td>`];
    const first = r.values[t.columns[0]];
    for (const [k, col] of t.columns.entries()) {
      const c = r.values[col];
      const ours = c ? esc(oursText(c, ci)) + markAgainstFirst(t, c, col, first) : "";
      if (!full[k]) {
        cells.push(`<td>${ours}</td>`);
        continue;
      }
      if (!c) {
        cells.push("<td></td>", "<td></td>", "<td></td>");
        continue;
      }
      const dev = deviation(c, r.unit);
      const cls = dev ? ` class="${grade(dev.value, r.unit)}"` : "";
      cells.push(`<td>${c.paper === undefined ? "—" : esc(num(c.paper))}</td>`, `<td>${ours}</td>`, `<td${cls}>${dev ? esc(dev.text) : ""}</td>`);
    }
    return `<tr>${cells.join("")}</tr>`;
  });
  return `<table data-table="${esc(t.id)}"><caption>${esc(t.title)}</caption><thead><tr>${head.join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/**
 * Vega numbers its clip paths and gradients from 1 in every SVG; inlined side by side
 * they would collide, so each figure's ids get a prefix of their own.
 */
function scopeIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
}

function sectionName(doc: ResultDoc): string {
  return doc.scenario ? `${doc.scenario.name} (${doc.scenario.path})` : `${doc.command} ${doc.profile}`;
}

function sectionHtml(doc: ResultDoc, figures: RenderedFigure[], section: number, ci: number | undefined): string {
  const name = sectionName(doc);
  const [paperTables, otherTables] = [doc.tables.filter(hasPaper), doc.tables.filter((t) => !hasPaper(t))];
  const meta = `${provenance(doc)}${doc.scenario ? `, scenario sha256 ${doc.scenario.sha256.slice(0, 12)}…` : ""}`;
  const parts = [`<section id="s${section}"><h2>${esc(name)}</h2>`, `<p class="meta">${esc(meta)}</p>`];
  for (const t of paperTables) parts.push(tableHtml(t, ci), `<p class="fit">${esc(fitLine(t))}</p>`);
  figures.forEach((f, i) => parts.push(`<figure>${scopeIds(f.svg, `s${section}f${i}-`)}<figcaption>${esc(f.caption)}</figcaption></figure>`));
  for (const t of otherTables) parts.push(`<details><summary>${esc(t.title)}</summary>${tableHtml(t, ci)}</details>`);
  parts.push("</section>");
  return parts.join("\n");
}

/**
 * One self-contained page (no scripts, no external files) with every result's tables,
 * paper beside ours with the deviations graded, and its figures inlined as SVG. Ours is
 * mean ± sd over the runs, or with `ci` (0.95) mean ± its confidence interval's half-width.
 */
export function renderHtml(results: Array<{ doc: ResultDoc; figures: RenderedFigure[] }>, ci?: number): string {
  // The paper's tables first (scenario runs, in the order given), calibration after.
  const ordered = [...results].sort((a, b) => Number(a.doc.command === "calibrate") - Number(b.doc.command === "calibrate"));
  const body = ordered.map((r, i) => sectionHtml(r.doc, r.figures, i, ci)).join("\n");
  const toc = ordered.map((r, i) => `<li><a href="#s${i}">${esc(sectionName(r.doc))}</a> — ${esc(r.doc.tables.filter(hasPaper).map((t) => t.title.split(":")[0]).join("; ") || `${r.figures.length} figures`)}</li>`).join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>xeniso report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>xeniso report: “Enforcing Performance Isolation Across Virtual Machines in Xen” reproduced</h1>
<p class="legend">Ours: the mean over the runs ± ${ci === undefined ? "their standard deviation" : `its ${percentText(ci)} confidence interval (Student's t)`}.
Deviation from the paper: <span style="background:#e3f5e1">within ±5 % / ±1 pp</span>,
<span style="background:#fff4cc">within ±10 % / ±2 pp</span>, <span style="background:#fbdcdc">beyond (a miss; see docs/deviations.md)</span>.
Throughputs deviate in %, CPU shares in percentage points.
<span class="sig">▲</span>/<span class="sig">▼</span> after a value: above or below the same row of the table's first column
beyond the runs' spread (paired t-test over the runs, or Welch's for a result that does not keep them; p &lt; ${MARK_ALPHA}; hover for p and the test). Among many cells, about one in twenty
unchanged ones is marked by chance.</p>
<ul class="toc">
${toc}
</ul>
${body}
</body>
</html>
`;
}
