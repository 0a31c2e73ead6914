import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderHtml } from "../src/report/html.js";
import type { Cell, ResultDoc } from "../src/report/result.js";

const cell = (perRun: number[]): Cell => {
  const mean = perRun.reduce((a, b) => a + b, 0) / perRun.length;
  const sd = Math.sqrt(perRun.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, perRun.length - 1));
  return { mean, sd, n: perRun.length, perRun };
};

const doc = (values: Record<string, Cell>): ResultDoc => ({
  schemaVersion: 1,
  xeniso: "0",
  command: "run",
  scenario: { path: "s.yaml", name: "s", sha256: "0".repeat(64) },
  profile: "p",
  seed: 1,
  runs: 4,
  tables: [{ id: "t", title: "T", columns: Object.keys(values), rows: [{ label: "Throughput", unit: "req/s", values }] }],
});

/** The marks in the page's one table, per column, in order ("" for an unmarked cell). */
function marks(html: string): string[] {
  const row = html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>"));
  return [...row.matchAll(/<td>([^<]*)(?:<span class="sig" title="([^"]*)">(.)<\/span>)?<\/td>/g)].map((m) => (m[3] ? `${m[3]} ${m[2]}` : "")).slice(1); // the metric's own cell first
}

describe("HTML report", () => {
  it("marks a cell that differs from its table's first column beyond the runs' spread, paired run by run", () => {
    // B is A plus 1 in every run but for a little noise: the pairs show it although
    // either column's own spread (about ±13) hides it. C differs from A by noise alone.
    const a = [100, 120, 90, 110];
    const values = {
      A: cell(a),
      B: cell(a.map((v, i) => v + 1 + [0.1, -0.1, 0.05, -0.05][i])),
      C: cell(a.map((v, i) => v + [1, -1, 0.5, -0.6][i])),
      D: cell(a.map((v) => v - 0.5)),
    };
    const m = marks(renderHtml([{ doc: doc(values), figures: [] }]));
    expect(m[0]).toBe("");
    expect(m[1]).toBe("▲ differs from A: p &lt;0.001, paired t-test");
    expect(m[2]).toBe("");
    // Every run 0.5 lower: no noise at all, so p is 0.
    expect(m[3]).toBe("▼ differs from A: p &lt;0.001, paired t-test");
  });

  it("marks nothing where there is no spread to test against (one run), and tests by Welch without each run", () => {
    const one = marks(renderHtml([{ doc: doc({ A: cell([1]), B: cell([5]) }), figures: [] }]));
    expect(one).toEqual(["", ""]);
    const { perRun: _a, ...a } = cell([100, 101, 99, 100]);
    const { perRun: _b, ...b } = cell([110, 111, 109, 110]);
    expect(marks(renderHtml([{ doc: doc({ A: a, B: b }), figures: [] }]))[1]).toMatch(/^▲ differs from A: p .*, Welch t-test$/);
  });

  it("on Table 2: marks Domain-0's work for Domain-3 in both transfer columns, not Domain-2's throughput (p 0.13)", () => {
    const saved: ResultDoc = JSON.parse(readFileSync("results/shareguard.json", "utf8"));
    const html = renderHtml([{ doc: { ...saved, tables: saved.tables.filter((t) => t.id === "table2") }, figures: [] }]);
    const rowOf = (label: string) => html.slice(html.indexOf(`<td>${label}</td>`)).split("</tr>")[0];
    expect(rowOf("Dom-0 for Dom-3").match(/class="sig"[^>]*>▲/g)?.length).toBe(2);
    expect(rowOf("Dom-2 Web server")).not.toContain('class="sig"');
  });
});
