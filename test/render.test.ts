import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { emit } from "../src/cli/emit.js";
import { progressReporter, type CliIo } from "../src/cli/io.js";
import { FIT_LINE_MISSES, fitLine, fitOf, hasPerRun, meanSd, renderCsv, renderJson, renderMany, renderRunsCsv, renderTable } from "../src/report/render.js";
import type { ResultDoc } from "../src/report/result.js";

const load = (name: string): ResultDoc => JSON.parse(readFileSync(`results/${name}.json`, "utf8"));

/** The header cells of every box the table output draws, box by box (a wrapped header's lines joined). */
function headers(text: string): string[][] {
  const lines = text.split("\n");
  return lines.flatMap((line, i) => {
    if (!lines[i - 1]?.startsWith("┌")) return [];
    const rows: string[][] = [];
    for (let k = i; !lines[k].startsWith("├"); k++) rows.push(lines[k].split("│").slice(1, -1).map((c) => c.trim()));
    return [rows[0].map((_, c) => rows.map((r) => r[c]).filter((x) => x !== "").join(" "))];
  });
}

describe("terminal tables", () => {
  it("cut a wide table to the terminal's width, each part with the metric and unit, every column once", () => {
    const full = load("simple-sedf");
    const doc = { ...full, tables: [full.tables[0]] };
    const columns = doc.tables[0].columns;
    expect(columns.length).toBe(14);
    const text = renderTable(doc, { width: 100 });
    // Every box fits (titles are text, and wrap as text does).
    for (const line of text.split("\n").filter((l) => /^[┌│├└]/.test(l))) expect(line.length).toBeLessThanOrEqual(100);
    const parts = headers(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const h of parts) expect(h.slice(0, 2)).toEqual(["Metric", "Unit"]);
    expect(parts.flatMap((h) => h.slice(2))).toEqual(columns);
  });

  it("keep a column's paper, ours and deviation together, and print whole tables without a width", () => {
    const full = load("sedf-dc");
    const doc = { ...full, tables: [full.tables[0]] };
    const cut = headers(renderTable(doc, { width: 60 })).filter((h) => h.includes("SEDF paper") || h.includes("SEDF-DC paper"));
    expect(cut).toEqual([
      ["Metric", "Unit", "SEDF paper", "SEDF ours", "SEDF dev"],
      ["Metric", "Unit", "SEDF-DC paper", "SEDF-DC ours", "SEDF-DC dev"],
    ]);
    const whole = headers(renderTable(doc)).filter((h) => h.includes("SEDF paper"));
    expect(whole).toEqual([["Metric", "Unit", "SEDF paper", "SEDF ours", "SEDF dev", "SEDF-DC paper", "SEDF-DC ours", "SEDF-DC dev"]]);
  });
});

describe("a column the paper has no value for", () => {
  it("takes ours alone, beside the others' paper, ours and dev, whole or cut to a width", () => {
    const full = load("shareguard");
    const table2 = full.tables[0];
    // As a sweep's other points or a study's other settings come: no paper value in the column.
    const rows = table2.rows.map((r) => ({ ...r, values: { ...r.values, Baseline: { ...r.values.Baseline, paper: undefined } } }));
    const doc = { ...full, tables: [{ ...table2, rows }] };
    const whole = headers(renderTable(doc));
    expect(whole[0].slice(0, 3)).toEqual(["Metric", "Unit", "Baseline ours"]);
    expect(whole[0].slice(3, 6)).toEqual(["Without ShareGuard paper", "Without ShareGuard ours", "Without ShareGuard dev"]);
    const cut = headers(renderTable(doc, { width: 90 })).flatMap((h) => h.slice(2));
    expect(cut).toEqual(whole[0].slice(2));
    expect(renderMany([doc], "md").split("\n")[2]).toMatch(/^\| Metric \| Unit \| Baseline ours \| Without ShareGuard paper \|/);
  });
});

describe("JSON output", () => {
  it("is JSON.stringify's indented text, but for a list of numbers, which stays on one line", () => {
    const doc = load("shareguard");
    // Without its lists of numbers, a result is written as JSON.stringify writes it.
    for (const t of doc.tables) for (const r of t.rows) for (const c of Object.values(r.values)) delete c.perRun;
    expect(renderJson(doc)).toBe(JSON.stringify(doc, null, 2) + "\n");
    const full = load("shareguard");
    expect(renderJson(full)).toMatch(/"perRun": \[329\.825, 329\.85, [^\n]*\]/);
    expect(JSON.parse(renderJson(full))).toEqual(full);
    const kept = { ...doc, tables: [{ id: "t", title: "a [1,2] title", columns: ["c"], rows: [{ label: "x", unit: "%", values: { c: { mean: 2, sd: 1, n: 3, perRun: [1, 2, 3.5e-7] } } }] }] };
    const text = renderJson(kept);
    expect(text).toContain('"perRun": [1, 2, 3.5e-7]\n');
    expect(text).toContain('"title": "a [1,2] title"');
    expect(JSON.parse(text)).toEqual(kept);
  });
});

describe("Markdown output", () => {
  it("escapes a pipe in a column's name, in the header as in the cells", () => {
    const full = load("shareguard");
    const rename = <T>(values: Record<string, T>) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k === "Baseline" ? "Base|line" : k, v]));
    const tables = full.tables.map((t) => ({ ...t, columns: t.columns.map((c) => (c === "Baseline" ? "Base|line" : c)), rows: t.rows.map((r) => ({ ...r, values: rename(r.values) })) }));
    const header = renderMany([{ ...full, tables }], "md").split("\n")[2];
    expect(header).toMatch(/^\| Metric \| Unit \| Base\\\|line paper \| Base\\\|line ours \|/);
    // Every row then has as many cells as the header.
    const cells = (line: string) => line.split(/(?<!\\)\|/).length;
    const lines = renderMany([{ ...full, tables }], "md").split("\n");
    const table = lines.slice(2, lines.indexOf("", 2));
    expect(table).toHaveLength(7);
    expect(new Set(table.map(cells)).size).toBe(1);
  });
});

describe("the progress line", () => {
  it("shows runs done, time taken and the time left by the share of work done, on a terminal only", () => {
    let err = "";
    const io: CliIo = { stdout: () => {}, stderr: (t) => (err += t), stdoutIsTTY: false, stderrIsTTY: true, stdoutColumns: undefined, env: {} };
    const report = progressReporter(io, false, "t")!;
    report(1, 4, 0.5);
    expect(err).toMatch(/^\rt \[#{8}-{22}\] 1\/4, 0:00, about 0:00 left\x1b\[K$/);
    err = "";
    report(4, 4, 1);
    expect(err).toMatch(/^\rt \[#{30}\] 4\/4, 0:00\x1b\[K\n$/);
    // A long label shortens the bar, so the line stays within 80 columns.
    err = "";
    const label = "sedf-dc runs 12–13 (2 cells short)";
    progressReporter(io, false, label)!(40, 400, 0.1);
    expect(err).toMatch(/^\r.*\[#-{9}\] 40\/400, 0:00, about 0:00 left\x1b\[K$/);
    expect(err.length - "\r\x1b[K".length).toBeLessThanOrEqual(80);
    expect(progressReporter({ ...io, env: { CI: "true" } }, false, "t")).toBeUndefined();
    expect(progressReporter({ ...io, stderrIsTTY: false }, false, "t")).toBeUndefined();
    expect(progressReporter(io, true, "t")).toBeUndefined();
  });
});

describe("what the CLI prints", () => {
  const printed = (stdoutIsTTY: boolean) => {
    let out = "";
    const io: CliIo = { stdout: (t) => (out += t), stderr: () => {}, stdoutIsTTY, stderrIsTTY: false, stdoutColumns: stdoutIsTTY ? 80 : undefined, env: {} };
    emit(load("simple-sedf"), { format: "table", color: false }, io);
    return out.split("\n").filter((l) => /^[┌│├└]/.test(l));
  };

  it("fits a terminal's width, and gives a pipe whole tables", () => {
    expect(Math.max(...printed(true).map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(Math.max(...printed(false).map((l) => l.length))).toBeGreaterThan(200);
  });
});

describe("mean ± sd", () => {
  it("shows floating-point residue of identical runs as 0, and a real spread as it is", () => {
    expect(meanSd({ mean: 56.24, sd: 7.94e-15, n: 5 })).toBe("56.24 ± 0");
    expect(meanSd({ mean: 0.001, sd: 1e-5, n: 5 })).toBe("0.00100 ± 0.0000100");
    expect(meanSd({ mean: 22, sd: 0.5, n: 1 })).toBe("22.00");
  });
});

describe("how a paper table fares", () => {
  const table = {
    id: "t",
    title: "T",
    columns: ["A", "B"],
    rows: [
      { label: "Throughput", unit: "req/s", values: { A: { mean: 104, sd: 1, n: 3, paper: 100 }, B: { mean: 89, sd: 1, n: 3, paper: 100 } } },
      { label: "CPU", unit: "%", values: { A: { mean: 21.5, sd: 0, n: 3, paper: 20 }, B: { mean: 30, sd: 0, n: 3 } } },
    ],
  };

  it("grades every cell with a paper value and names the misses", () => {
    // +4 % (aim), −11 % (miss), +1.5 pp (bound); B's CPU has no paper value.
    expect(fitOf(table)).toEqual({ cells: 3, aim: 1, bound: 1, misses: [{ column: "B", label: "Throughput", dev: "-11.0%" }] });
    expect(fitLine(table)).toBe("2 of 3 cells within bounds (±10 % / ±2 pp; 1 within ±5 % / ±1 pp); misses: B Throughput -11.0%");
  });

  it("names at most a few misses and counts the rest", () => {
    const miss = { mean: 50, sd: 0, n: 1, paper: 100 };
    const many = { ...table, columns: ["A"], rows: Array.from({ length: FIT_LINE_MISSES + 3 }, (_, i) => ({ label: `R${i}`, unit: "req/s", values: { A: miss } })) };
    const line = fitLine(many);
    expect(line).toContain(`misses: R0 -50.0%, R1 -50.0%`);
    expect(line).toContain(`R${FIT_LINE_MISSES - 1} -50.0%, and 3 more`);
    expect(line).not.toContain(`R${FIT_LINE_MISSES} `);
  });

  it("sums up the fit of every paper table after several results, and not after one", () => {
    const docs = [load("sedf-dc"), load("shareguard")];
    const text = renderMany(docs, "table");
    expect(text.slice(text.lastIndexOf("Fit to the paper"))).toMatch(/sedf-dc table1 +15 of 16 +\(13\)\n.*table1-split +4 of 4 +\(4\)\n.*shareguard table2 +8 of 14 +\(4\)\n.*table2-rhythm +0 of 3 +\(0\)\n$/);
    expect(renderMany(docs, "md")).toContain("| shareguard table2 | 8 of 14 | 4 |");
    expect(renderMany([load("sedf-dc")], "table")).not.toContain("Fit to the paper");
    expect(renderMany(docs, "csv")).not.toContain("Fit to the paper");
  });

  it("prints the line under each paper table, not under the XenMon view", () => {
    const doc = load("sedf-dc");
    const text = renderTable(doc);
    expect(text).toContain("15 of 16 cells within bounds (±10 % / ±2 pp; 13 within ±5 % / ±1 pp); misses: SEDF-DC Dom-1 web-server Throughput +16.9%");
    // Table 1 and the text's split have paper values; the XenMon view, the last, has none.
    expect(text.match(/cells? within bounds/g)).toHaveLength(2);
    expect(text.slice(text.indexOf("XenMon view"))).not.toMatch(/within bounds/);
  });
});

describe("CSV", () => {
  const doc = (cells: Record<string, ResultDoc["tables"][number]["rows"][number]["values"][string]>): ResultDoc => ({
    schemaVersion: 1,
    xeniso: "0",
    command: "calibrate",
    scenario: null,
    profile: "system-2",
    seed: 1,
    runs: 3,
    tables: [{ id: "t", title: "T", columns: Object.keys(cells), rows: [{ label: "CPU, a \"share\"", unit: "%", values: cells }] }],
  });

  it("per run: one row per run of each cell, run 0 first, the paper's value on each", () => {
    const text = renderRunsCsv(doc({ A: { mean: 2, sd: 1, n: 3, perRun: [1, 2, 3], paper: 2.5 }, B: { mean: 5, sd: 0, n: 3, perRun: [5, 5, 5] } }));
    expect(text).toBe(
      [
        "table,metric,unit,column,run,value,paper",
        't,"CPU, a ""share""",%,A,0,1,2.5',
        't,"CPU, a ""share""",%,A,1,2,2.5',
        't,"CPU, a ""share""",%,A,2,3,2.5',
        't,"CPU, a ""share""",%,B,0,5,',
        't,"CPU, a ""share""",%,B,1,5,',
        't,"CPU, a ""share""",%,B,2,5,',
        "",
      ].join("\n"),
    );
  });

  it("per run: leaves out a cell without its runs' values and empties a value that is not a number", () => {
    // A saved JSON writes NaN as null.
    const text = renderRunsCsv(doc({ A: { mean: 2, sd: 1, n: 3 }, B: { mean: 5, sd: 0, n: 2, perRun: [5, null as unknown as number] } }));
    expect(text.split("\n").slice(1, -1)).toEqual(['t,"CPU, a ""share""",%,B,0,5,', 't,"CPU, a ""share""",%,B,1,,']);
    expect(hasPerRun([doc({ A: { mean: 2, sd: 1, n: 3 } })])).toBe(false);
    expect(hasPerRun([load("sedf-dc")])).toBe(true);
  });

  it("per run: the same cells as the summary CSV, whose mean each cell's runs give", () => {
    const saved = load("shareguard");
    // The last fields are numbers (no comma in them); what comes before names the cell.
    const cut = (line: string, numbers: number) => {
      const f = line.split(",");
      return { key: f.slice(0, -numbers).join(","), numbers: f.slice(-numbers).map(Number) };
    };
    const means = new Map<string, number>();
    for (const line of renderCsv(saved).trim().split("\n").slice(1)) {
      const { key, numbers } = cut(line, 4); // mean, sd, n, paper
      means.set(key, numbers[0]);
    }
    const runs = new Map<string, number[]>();
    for (const line of renderRunsCsv(saved).trim().split("\n").slice(1)) {
      const { key, numbers } = cut(line, 3); // run, value, paper
      runs.set(key, [...(runs.get(key) ?? []), numbers[1]]);
    }
    expect(runs.size).toBeGreaterThan(100);
    for (const [key, values] of runs) {
      expect(values.length).toBe(saved.runs);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      expect(mean).toBeCloseTo(means.get(key)!, 6);
    }
  });

  it("several results: a calibration is named by its profile", () => {
    const two = renderMany([doc({ A: { mean: 1, sd: 0, n: 1 } }), { ...doc({ A: { mean: 1, sd: 0, n: 1 } }), profile: "system-1" }], "csv");
    expect(two.split("\n").slice(1, 3).map((l) => l.split(",")[0])).toEqual(["calibrate system-2", "calibrate system-1"]);
  });
});
