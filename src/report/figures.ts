import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { FigureData } from "../model/runner.js";
import type { SeriesPoint } from "../model/simulation.js";
import type { TraceSpan } from "../model/trace.js";
import type { ResultDoc, Table } from "./result.js";
import { DEFAULT_COLUMN } from "../scenario/schema.js";

/** One figure panel: the file it is written to, a caption, and its Vega-Lite spec. */
export interface Figure {
  file: string;
  caption: string;
  spec: TopLevelSpec;
}

const WIDTH = 520;
const HEIGHT = 220;

const TIME_AXIS = { field: "t", type: "quantitative", title: "Time (s)" } as const;

/** Vega's category10 palette, assigned by a domain's position in the run. */
const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** Same colour for a domain in every panel, and a legend naming only the lines drawn. */
function domainColor(shown: string[], all: string[]) {
  return {
    field: "domain",
    type: "nominal",
    title: "Domain",
    scale: { domain: shown, range: shown.map((d) => PALETTE[all.indexOf(d) % PALETTE.length]) },
  } as const;
}

function lineChart(title: string, points: Array<{ domain: string }>, yField: string, yTitle: string, domains: string[], layersBelow: object[] = []): TopLevelSpec {
  const shown = domains.filter((d) => points.some((p) => p.domain === d));
  const line = {
    data: { values: points },
    mark: { type: "line", strokeWidth: 1.5 },
    encoding: {
      x: TIME_AXIS,
      y: { field: yField, type: "quantitative", title: yTitle, scale: { zero: true } },
      color: domainColor(shown, domains),
    },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, anchor: "start", fontSize: 13 },
    width: WIDTH,
    height: HEIGHT,
    layer: [...layersBelow, line],
  } as TopLevelSpec;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/**
 * The time-series panels of one column, as the paper draws Figures 7–10: (a) web-server
 * throughput, (b) every domain's CPU, (c) Domain-0's CPU split by the guest it served
 * (with ShareGuard's cuts shaded), (d) each guest's combined use (own + Domain-0);
 * and, beyond the paper, (e) the web servers' mean connection time, (f) the disk
 * workloads' block requests and (g) what rate-limitable vifs sent, against their limits.
 */
function columnFigures(scenarioName: string, col: FigureData["columns"][number]): Figure[] {
  const pts: SeriesPoint[] = col.points;
  const domains = [...new Set(pts.map((p) => p.domain))];
  const served = domains.filter((d) => pts.some((p) => p.domain === d && p.idd > 0));
  const web = domains.filter((d) => pts.some((p) => p.domain === d && p.replyRate !== undefined));
  // "Figure 9c (Without ShareGuard)" for the paper's figures, "Baseline (c)" for the other columns.
  const panel = (letter: string) => (col.figure ? `Figure ${col.figure}${letter} (${col.column})` : `${col.column} (${letter})`);
  const prefix = col.figure ? `fig${col.figure}` : `${slug(scenarioName)}-${slug(col.column)}-`;
  const out: Figure[] = [];
  if (web.length > 0) {
    const points = pts.filter((p) => p.replyRate !== undefined).map((p) => ({ t: p.t, domain: p.domain, value: p.replyRate }));
    out.push({
      file: `${prefix}a-throughput.svg`,
      caption: `${panel("a")}: web-server throughput`,
      spec: lineChart(`${panel("a")}: web-server throughput`, points, "value", "Throughput (req/s)", domains),
    });
  }
  out.push({
    file: `${prefix}b-cpu.svg`,
    caption: `${panel("b")}: CPU utilization of each domain`,
    spec: lineChart(`${panel("b")}: CPU utilization`, pts.map((p) => ({ t: p.t, domain: p.domain, value: p.cpu })), "value", "CPU utilization (% of a CPU)", domains),
  });
  if (served.length > 0) {
    const cuts = col.cuts.map((c) => ({ from: c.from, to: c.to, domain: c.domain }));
    const shade = cuts.length
      ? [{ data: { values: cuts }, mark: { type: "rect", color: "#bbbbbb", opacity: 0.35 }, encoding: { x: { field: "from", type: "quantitative" }, x2: { field: "to" } } }]
      : [];
    const cutNote = cuts.length ? `; shaded: ${[...new Set(cuts.map((c) => c.domain))].join(", ")} cut off by ShareGuard` : "";
    const points = pts.filter((p) => served.includes(p.domain)).map((p) => ({ t: p.t, domain: p.domain, value: p.idd }));
    // The paper's hosts have one net-IDD, Domain-0; a host with several names whose is whose.
    const idds = col.idds;
    const servedBy = idds ? [...new Set(served.map((d) => idds[d]))].map((idd) => `${idd}: ${served.filter((d) => idds[d] === idd).join(", ")}`).join("; ") : "";
    out.push({
      file: `${prefix}c-idd-split.svg`,
      caption: idds
        ? `${panel("c")}: each net-IDD's CPU on behalf of the guests it serves (XenMon; ${servedBy})${cutNote}`
        : `${panel("c")}: Domain-0's CPU on behalf of each guest (XenMon)${cutNote}`,
      spec: lineChart(
        idds ? `${panel("c")}: net-IDD CPU by guest served` : `${panel("c")}: Domain-0 CPU by guest served`,
        points,
        "value",
        idds ? "Its net-IDD's CPU for the guest (%)" : "Domain-0 CPU for the guest (%)",
        domains,
        shade,
      ),
    });
    out.push({
      file: `${prefix}d-combined.svg`,
      caption: `${panel("d")}: combined use (own CPU + ${idds ? "its net-IDD's" : "Domain-0's"} on its behalf)`,
      spec: lineChart(
        `${panel("d")}: combined CPU use (own + ${idds ? "its net-IDD" : "Domain-0"})`,
        pts.filter((p) => served.includes(p.domain)).map((p) => ({ t: p.t, domain: p.domain, value: p.combined })),
        "value",
        "Combined CPU (%)",
        domains,
      ),
    });
  }
  if (web.length > 0) {
    // Beyond the paper, which plots throughput only: how long the replies took.
    const points = pts.filter((p) => p.connTime !== undefined).map((p) => ({ t: p.t, domain: p.domain, value: p.connTime }));
    out.push({
      file: `${prefix}e-connection-time.svg`,
      caption: `${panel("e")}: web-server connection time (not in the paper)`,
      spec: lineChart(`${panel("e")}: web-server connection time`, points, "value", "Mean connection time (ms)", domains),
    });
  }
  const vifs = pts.filter((p) => p.sentMbps !== undefined);
  if (vifs.length > 0) {
    // Beyond the paper: a rate-limited vif's traffic against its limit, drawn dashed in the guest's colour.
    const limits = vifs.filter((p) => p.vifRate !== undefined).map((p) => ({ t: p.t, domain: p.domain, value: p.vifRate }));
    const shown = domains.filter((d) => vifs.some((p) => p.domain === d));
    const limitLine = { data: { values: limits }, mark: { type: "line", strokeWidth: 1, strokeDash: [4, 3] }, encoding: { x: TIME_AXIS, y: { field: "value", type: "quantitative" }, color: domainColor(shown, domains) } };
    out.push({
      file: `${prefix}g-vif.svg`,
      caption: `${panel("g")}: what netback sent for each rate-limitable guest, and (dashed) its vif's rate limit (not in the paper)`,
      spec: lineChart(`${panel("g")}: vif traffic sent (dashed: rate limit)`, vifs.map((p) => ({ t: p.t, domain: p.domain, value: p.sentMbps })), "value", "Sent (Mb/s)", domains, limits.length > 0 ? [limitLine] : []),
    });
  }
  const disks = pts.filter((p) => p.blocks !== undefined);
  if (disks.length > 0) {
    out.push({
      file: `${prefix}f-disk.svg`,
      caption: `${panel("f")}: block requests blkback answered for each disk workload (not in the paper)`,
      spec: lineChart(`${panel("f")}: disk requests`, disks.map((p) => ({ t: p.t, domain: p.domain, value: p.blocks })), "value", "Block requests answered (1/s)", domains),
    });
  }
  return out;
}

/**
 * A scheduling trace's window as a chart of who ran when: one lane per CPU, a bar per
 * stretch a domain ran (gaps are idle), a lane per disk with a bar per request it served,
 * coloured by its guest, and ShareGuard's cuts shaded across the lanes.
 * Colours follow `domains`, the run's domains in order, as in the other panels.
 */
export function traceFigure(title: string, spans: TraceSpan[], cuts: TraceSpan[], domains: string[], cpus: number, diskSpans: TraceSpan[] = []): TopLevelSpec {
  // A lane per CPU, and below them one per disk that served a request in the window.
  const lanes = [...Array.from({ length: cpus }, (_, i) => `CPU ${i}`), ...new Set(diskSpans.map((s) => s.disk!))];
  const all = [...spans.map((s) => ({ ...s, lane: `CPU ${s.cpu}` })), ...diskSpans.map((s) => ({ ...s, lane: s.disk! }))];
  const shown = domains.filter((d) => all.some((s) => s.domain === d));
  const bars = {
    data: { values: all },
    mark: { type: "bar" },
    encoding: {
      y: { field: "lane", type: "nominal", title: null, scale: { domain: lanes } },
      x: { field: "from", type: "quantitative", title: "Time (ms)", scale: { zero: false } },
      x2: { field: "to" },
      color: domainColor(shown, domains),
    },
  };
  // Over the bars, which would hide it on a busy CPU.
  const shade = { data: { values: cuts }, mark: { type: "rect", color: "#000000", opacity: 0.25 }, encoding: { x: { field: "from", type: "quantitative" }, x2: { field: "to" } } };
  const cutNote = cuts.length ? `; shaded: ${[...new Set(cuts.map((c) => c.domain))].join(", ")} cut off by ShareGuard` : "";
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title + cutNote, anchor: "start", fontSize: 13 },
    width: WIDTH,
    height: 40 * lanes.length,
    layer: cuts.length > 0 ? [bars, shade] : [bars],
  } as TopLevelSpec;
}

/** Figures 4 and 5: Domain-0's CPU for the Send and Receive benchmarks against packet size and rate. */
function calibrationFigures(doc: ResultDoc): Figure[] {
  const plan = doc.plan as { sizes: number[]; rates: number[]; fixedRate: number; fixedSize: number } | undefined;
  if (!plan) return [];
  const chart = (title: string, table: Table | undefined, xs: number[], xTitle: string): TopLevelSpec | null => {
    if (!table) return null;
    const values = table.columns.flatMap((dir) =>
      table.rows.flatMap((r, i) => {
        const cell = r.values[dir];
        return cell && xs[i] !== undefined ? [{ x: xs[i], direction: dir, cpu: cell.mean, lo: cell.mean - cell.sd, hi: cell.mean + cell.sd }] : [];
      }),
    );
    if (values.length === 0) return null;
    const x = { field: "x", type: "quantitative", title: xTitle };
    const color = { field: "direction", type: "nominal", title: "Benchmark" };
    return {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: title, anchor: "start", fontSize: 13 },
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      layer: [
        { mark: { type: "errorbar", ticks: true }, encoding: { x, y: { field: "lo", type: "quantitative", title: "Domain-0 CPU (%)" }, y2: { field: "hi" }, color } },
        { mark: { type: "line", point: true }, encoding: { x, y: { field: "cpu", type: "quantitative", scale: { zero: true } }, color } },
      ],
    } as TopLevelSpec;
  };
  const out: Figure[] = [];
  const fig4 = chart(`Figure 4 (${doc.profile}): Domain-0 CPU at ${plan.fixedRate} pkt/s by packet size`, doc.tables.find((t) => t.id === "fig4"), plan.sizes, "Packet size (bytes)");
  if (fig4) out.push({ file: `fig4-${doc.profile}.svg`, caption: `Figure 4 (${doc.profile}): Domain-0's CPU for ${plan.fixedRate} pkt/s, by packet size (mean ± sd over runs)`, spec: fig4 });
  const fig5 = chart(`Figure 5 (${doc.profile}): Domain-0 CPU for ${plan.fixedSize}-byte packets by rate`, doc.tables.find((t) => t.id === "fig5"), plan.rates, "Packets per second");
  if (fig5) out.push({ file: `fig5-${doc.profile}.svg`, caption: `Figure 5 (${doc.profile}): Domain-0's CPU for ${plan.fixedSize}-byte packets, by rate (mean ± sd over runs)`, spec: fig5 });
  return out;
}

/**
 * Panels drawn against a swept quantity: one line per row of the result's report table,
 * one point per column of the panel, mean ± sd. For Figure 6 (CPU against offered load)
 * the paper's panels, in the first row's unit; for a `--sweep` (`sweep.of`), one panel
 * per column of the file the sweep changes and per unit of the rows.
 */
function sweepFigures(doc: ResultDoc, sweep: NonNullable<FigureData["sweep"]>): Figure[] {
  const table = doc.tables[0];
  if (table.id === "xenmon") return [];
  const panels = [...new Set(sweep.points.map((p) => p.figure))];
  const units = sweep.of === undefined ? [table.rows[0].unit] : [...new Set(table.rows.map((r) => r.unit))];
  return panels.flatMap((panel) =>
    units.flatMap((unit) => {
      const points = sweep.points.filter((p) => p.figure === panel);
      // One y axis: the rows in one unit (Figure 6: the CPU shares).
      const rows = table.rows.filter((r) => r.unit === unit);
      const values = rows.flatMap((row) =>
        points.flatMap((p) => {
          const cell = row.values[p.column];
          return cell ? [{ x: p.x, metric: row.label, mean: cell.mean, lo: cell.mean - cell.sd, hi: cell.mean + cell.sd }] : [];
        }),
      );
      if (values.length === 0) return [];
      // A --sweep's column names have commas of their own ("With ShareGuard, Domain-3=5%"): quote them.
      const columns = points.map((p) => (sweep.of === undefined ? p.column : `"${p.column}"`)).join(", ");
      const labels = rows.map((r) => r.label).join(", ");
      const x = { field: "x", type: "quantitative", title: sweep.axis };
      const yTitle = unit === "%" ? "CPU (% of a CPU)" : unit;
      const color = { field: "metric", type: "nominal", title: "Metric" };
      // "SEDF 200", "SEDF 400", … → "SEDF": what the panel's columns have in common.
      const group = sweep.of === undefined ? [...new Set(points.map((p) => p.column.replace(/\s*[\d.]+$/, "")))].join(", ") : panel;
      const name = sweep.of === undefined ? `Figure ${panel} (${group})` : `${sweep.of}${panel === DEFAULT_COLUMN ? "" : ` (${panel})`}`;
      const file = sweep.of === undefined ? `fig${panel}.svg` : `${slug(sweep.of)}-sweep-${panel === DEFAULT_COLUMN ? "" : `${slug(panel)}-`}${unit === "%" ? "percent" : slug(unit) || "value"}.svg`;
      const spec = {
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        title: { text: `${name}: ${labels}`, anchor: "start", fontSize: 13 },
        width: WIDTH,
        height: HEIGHT,
        data: { values },
        layer: [
          { mark: { type: "errorbar", ticks: true }, encoding: { x, y: { field: "lo", type: "quantitative", title: yTitle }, y2: { field: "hi" }, color } },
          { mark: { type: "line", point: true }, encoding: { x, y: { field: "mean", type: "quantitative", scale: { zero: true } }, color } },
        ],
      } as TopLevelSpec;
      return [{ file, caption: `${name}: ${labels} against ${sweep.axis}; columns ${columns}; mean ± sd over runs`, spec }];
    }),
  );
}

/** Every figure a result can draw: time series for scenario runs, Figures 4–5 for calibration. */
export function figuresOf(doc: ResultDoc): Figure[] {
  if (doc.command === "calibrate") return calibrationFigures(doc);
  const data = doc.figures as FigureData | undefined;
  if (!data) return [];
  const name = doc.scenario?.name ?? "run";
  // A column that is a point of a paper figure's sweep is drawn there, not as time series
  // of its own; a --sweep's columns keep theirs.
  const swept = new Set(data.sweep?.of === undefined ? data.sweep?.points.map((p) => p.column) : []);
  const series = data.columns.filter((col) => !swept.has(col.column)).flatMap((col) => columnFigures(name, col));
  return [...(data.sweep ? sweepFigures(doc, data.sweep) : []), ...series];
}

/** Renders a Vega-Lite spec to SVG in Node, without a browser or canvas. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
