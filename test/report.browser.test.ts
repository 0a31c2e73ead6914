import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";

/**
 * The figures and the HTML report as a user makes them from the committed results, and
 * the page as Debian's Chromium renders it. `.ci/run` installs Chromium and sets
 * XENISO_REQUIRE_BROWSER, so in CI a missing browser fails the test instead of skipping it.
 */
const CHROMIUM = process.env.XENISO_CHROMIUM ?? "/usr/bin/chromium";
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.XENISO_REQUIRE_BROWSER) throw new Error(`${CHROMIUM} not found, and XENISO_REQUIRE_BROWSER is set`);
if (!haveBrowser) console.warn(`report.browser.test.ts: ${CHROMIUM} not found, skipping the browser check (apt-get install chromium)`);

const RESULTS = ["results/sedf-dc.json", "results/shareguard.json", "results/simple-sedf.json", "results/calibrate-system-1.json"];

function xeniso(args: string[]) {
  const r = spawnSync(process.execPath, ["bin/xeniso", ...args], { encoding: "utf8", env: { ...process.env, CI: "true" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), "xeniso-report-"));

describe("figures", () => {
  it("draws Figures 4, 5 and 7–10 from saved results, labelled, and byte-identical when drawn again", () => {
    const a = xeniso(["plot", ...RESULTS, "-o", join(tmp, "a")]);
    expect(a.code, a.stderr).toBe(0);
    const files = readdirSync(join(tmp, "a")).sort();
    for (const f of ["fig4-system-1.svg", "fig5-system-1.svg", "fig7a-throughput.svg", "fig7c-idd-split.svg", "fig8d-combined.svg", "fig9a-throughput.svg", "fig10c-idd-split.svg", "fig6a.svg", "fig6b.svg"]) {
      expect(files).toContain(f);
    }
    const fig7a = readFileSync(join(tmp, "a", "fig7a-throughput.svg"), "utf8");
    expect(fig7a.startsWith("<svg")).toBe(true);
    for (const text of ["Time (s)", "Throughput (req/s)", "Domain-1", "Domain-2", "Figure 7a (SEDF)"]) expect(fig7a).toContain(text);
    expect(readFileSync(join(tmp, "a", "fig4-system-1.svg"), "utf8")).toContain("Packet size (bytes)");
    // Figure 6 is drawn against the swept load, one line per CPU row of its table.
    const fig6b = readFileSync(join(tmp, "a", "fig6b.svg"), "utf8");
    for (const text of ["Offered load on Domain-1 (req/s)", "Dom-1 Combined", "Figure 6b (SEDF-DC)"]) expect(fig6b).toContain(text);
    expect(files.filter((f) => f.startsWith("simple-sedf"))).toEqual([]); // sweep columns get no time-series panels
    // ShareGuard's cuts are drawn as shaded bands in Figure 10c only.
    expect(readFileSync(join(tmp, "a", "fig10c-idd-split.svg"), "utf8")).toContain("#bbbbbb");
    expect(readFileSync(join(tmp, "a", "fig9c-idd-split.svg"), "utf8")).not.toContain("#bbbbbb");

    expect(xeniso(["plot", ...RESULTS, "-o", join(tmp, "b"), "--quiet"]).code).toBe(0);
    for (const f of files) expect(readFileSync(join(tmp, "b", f), "utf8")).toBe(readFileSync(join(tmp, "a", f), "utf8"));
  });

  it("refuses a file that is not a result, with exit 2", () => {
    const r = xeniso(["plot", "package.json", "-o", join(tmp, "c")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("package.json: not an xeniso result");
  });
});

describe.skipIf(!haveBrowser)("HTML report in headless Chromium", () => {
  it("renders every table and figure with no console errors", async () => {
    const out = join(tmp, "report.html");
    const r = xeniso(["report", ...RESULTS, "-o", out]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html).not.toMatch(/<script|<link|src="http/); // self-contained

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`file://${out}`);
      const view = await page.evaluate(() => ({
        tables: [...document.querySelectorAll("table[data-table]")].map((t) => t.getAttribute("data-table")),
        table1: document.querySelector('table[data-table="table1"]')?.textContent ?? "",
        graded: document.querySelectorAll("td.aim, td.bound, td.miss").length,
        marked: [...document.querySelectorAll('table[data-table="table2"] span.sig[title]')].map((m) => m.getAttribute("title")),
        figures: [...document.querySelectorAll("figure svg")].map((s) => {
          const box = s.getBoundingClientRect();
          return { w: box.width, h: box.height, paths: s.querySelectorAll("path").length };
        }),
      }));
      expect(errors).toEqual([]);
      expect(view.tables).toEqual(expect.arrayContaining(["table1", "table2", "fig6", "fig4", "fig5", "weight", "xenmon"]));
      expect(view.table1).toContain("Dom-1 web-server Throughput");
      // Table 1 has 16 paper cells and Table 2 13; each one's deviation is graded.
      expect(view.graded).toBeGreaterThanOrEqual(29);
      // Against Table 2's Baseline, Domain-3's use of Domain-0 stands out in both other columns.
      expect(view.marked).toEqual(expect.arrayContaining(["differs from Baseline: p <0.001, paired t-test"]));
      // 2 calibration figures, 5 panels (the paper's 4 and connection time) for each of
      // the 2 + 3 scenario columns, Figure 6a and 6b.
      expect(view.figures.length).toBe(2 + 5 * 5 + 2);
      for (const f of view.figures) {
        expect(f.w).toBeGreaterThan(300);
        expect(f.h).toBeGreaterThan(150);
        expect(f.paths).toBeGreaterThan(3);
      }
    } finally {
      await browser.close();
    }
  });
});
