import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/** Runs bin/xeniso as a user would (built by `npm test`'s pretest step). */
function xeniso(args: string[], env: Record<string, string> = {}) {
  // The test runner sets FORCE_COLOR for itself; a user's piped shell would not.
  const { FORCE_COLOR: _f, NO_COLOR: _n, ...base } = process.env;
  const r = spawnSync(process.execPath, ["bin/xeniso", ...args], {
    encoding: "utf8",
    env: { ...base, CI: "true", ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), "xeniso-e2e-"));

/**
 * An 8 KB file system to fill: a tmpfs needs root and mount rights, so where they are
 * missing the disk-full test is skipped (it runs in CI, which runs as root).
 */
const tinyFs: string | null = (() => {
  const dir = join(tmp, "tiny");
  mkdirSync(dir);
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=8k", "tmpfs", dir]);
  if (r.status === 0) return dir;
  console.warn("cli.e2e.test.ts: cannot mount a tmpfs here, skipping the disk-full test");
  return null;
})();
afterAll(() => {
  if (tinyFs) spawnSync("umount", [tinyFs]);
});

describe("xeniso CLI", () => {
  it("runs a scenario and prints the XenMon table with no escape codes when piped", () => {
    const r = xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "2"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Domain-0 for Domain-1 (XenMon)");
    expect(r.stdout).toContain("seed 1, 2 runs");
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect(r.stderr).toBe("");
    expect(xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1"], { FORCE_COLOR: "1" }).stdout).toMatch(/\u001b\[/);
    expect(xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "--no-color"], { FORCE_COLOR: "1" }).stdout).not.toMatch(/\u001b\[/);
  });

  it("gives byte-identical JSON for the same seed, different samples for another", () => {
    const a = xeniso(["run", "scenarios/udp-send.yaml", "--runs", "2", "--format", "json"]);
    const b = xeniso(["run", "scenarios/udp-send.yaml", "--runs", "2", "--format", "json"]);
    const c = xeniso(["run", "scenarios/udp-send.yaml", "--runs", "2", "--format", "json", "--seed", "99"]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(c.stdout).not.toBe(a.stdout);
    const doc = JSON.parse(a.stdout);
    expect(doc).toMatchObject({ schemaVersion: 1, command: "run", seed: 1, runs: 2, scenario: { path: "scenarios/udp-send.yaml" } });
    expect(doc.scenario.sha256).toMatch(/^[0-9a-f]{64}$/);
    const row = doc.tables[0].rows.find((r: { label: string }) => r.label === "Domain-1 packets sent");
    expect(row.values.result.mean).toBeCloseTo(10_000, -1);
  });

  it("gives byte-identical results and series whatever the number of worker threads", () => {
    const out = (jobs: string) => {
      const series = join(tmp, `series-${jobs}.csv`);
      const r = xeniso(["run", "scenarios/udp-send.yaml", "--runs", "3", "--format", "json", "--jobs", jobs, "--series", series]);
      expect(r.code).toBe(0);
      return r.stdout + readFileSync(series, "utf8");
    };
    expect(out("2")).toBe(out("1"));
  });

  it("runs several scenarios in one invocation with the results of running each alone", () => {
    const files = ["scenarios/udp-recv.yaml", "scenarios/udp-send.yaml"];
    const alone = files.map((f) => JSON.parse(xeniso(["run", f, "--runs", "2", "-f", "json"]).stdout));
    const together = xeniso(["run", ...files, "--runs", "2", "-f", "json", "--jobs", "2"]);
    expect(together.code).toBe(0);
    expect(JSON.parse(together.stdout)).toEqual(alone);
    // One CSV with the scenario's name first; the tables one after another.
    const csv = xeniso(["run", ...files, "--runs", "1", "-f", "csv"]).stdout.trim().split("\n");
    expect(csv[0]).toBe("scenario,table,metric,unit,column,mean,sd,n,paper");
    expect(new Set(csv.slice(1).map((l) => l.split(",")[0]))).toEqual(new Set(["udp-recv", "udp-send"]));
    const table = xeniso(["run", ...files, "--runs", "1"]).stdout;
    expect(table).toContain("XenMon view: udp-recv");
    expect(table).toContain("XenMon view: udp-send");
    // Every bad file is reported before anything runs; --series takes one scenario.
    const bad = xeniso(["run", "scenarios/udp-recv.yaml", join(tmp, "missing-a.yaml"), join(tmp, "missing-b.yaml")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("missing-a.yaml");
    expect(bad.stderr).toContain("missing-b.yaml");
    expect(bad.stdout).toBe("");
    const series = xeniso(["run", ...files, "--series", join(tmp, "two.csv")]);
    expect(series.code).toBe(2);
    expect(series.stderr).toMatch(/--series: takes one scenario/);
  });

  it("gives a run the same samples whether it runs alone or in a larger batch", () => {
    // Run k's random streams depend on (seed, k) only: runs 0–1 of a 2-run batch are
    // runs 0–1 of a 4-run batch, column by column.
    const series = (runs: string) => {
      const file = join(tmp, `batch-${runs}.csv`);
      expect(xeniso(["run", "scenarios/sedf-dc.yaml", "--runs", runs, "--series", file, "-f", "json"]).code).toBe(0);
      return readFileSync(file, "utf8")
        .trim()
        .split("\n")
        .filter((l) => /^[^,]+,[01],/.test(l));
    };
    const alone = series("2");
    expect(alone.length).toBeGreaterThan(100);
    expect(series("4")).toEqual(alone);
  });

  it("runs only the columns named with --column, with the results they have among the others", () => {
    const all = JSON.parse(xeniso(["run", "scenarios/sedf-dc.yaml", "--runs", "1", "-f", "json"]).stdout);
    const r = xeniso(["run", "scenarios/sedf-dc.yaml", "--runs", "1", "-f", "json", "--column", "SEDF-DC"]);
    expect(r.code).toBe(0);
    const one = JSON.parse(r.stdout);
    expect(one.tables.map((t: { columns: string[] }) => t.columns)).toEqual(all.tables.map(() => ["SEDF-DC"]));
    for (const t of one.tables) {
      const whole = all.tables.find((x: { id: string }) => x.id === t.id);
      for (const row of t.rows) expect(row.values["SEDF-DC"]).toEqual(whole.rows.find((x: { label: string }) => x.label === row.label).values["SEDF-DC"]);
    }
    const bad = xeniso(["run", "scenarios/sedf-dc.yaml", "--column", "SEDF", "--column", "SEDF-CD"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: scenarios/sedf-dc.yaml: --column: no column "SEDF-CD": the columns are "SEDF", "SEDF-DC"\n');
  });

  it("writes -o files atomically and refuses an unwritable path with exit 2", () => {
    const out = join(tmp, "r.csv");
    const ok = xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "-f", "csv", "-o", out]);
    expect(ok.code).toBe(0);
    expect(readFileSync(out, "utf8").split("\n")[0]).toBe("table,metric,unit,column,mean,sd,n,paper");
    const bad = xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "-o", join(tmp, "missing-dir", "r.json")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot write output: its directory does not exist/);
    // A directory as the output file: refused before the run, not found out after it.
    const dir = xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "-o", tmp]);
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain(`${tmp}: cannot write output: it is a directory; give a file name`);
    expect(readdirSync(tmp).filter((f) => f.includes("xeniso-tmp"))).toEqual([]);
  });

  it("takes the format from -o's extension unless --format says otherwise", () => {
    const json = join(tmp, "ext.json");
    expect(xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "-q", "-o", json]).code).toBe(0);
    expect(JSON.parse(readFileSync(json, "utf8")).command).toBe("run");
    const md = join(tmp, "ext.md");
    expect(xeniso(["calibrate", "--runs", "1", "--duration", "1s", "-q", "-o", md]).code).toBe(0);
    expect(readFileSync(md, "utf8")).toMatch(/^### Figure 4/);
    const txt = join(tmp, "ext.txt");
    expect(xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "-q", "-o", txt]).code).toBe(0);
    expect(readFileSync(txt, "utf8")).toMatch(/^XenMon view: udp-recv/);
    const asked = join(tmp, "asked.json");
    expect(xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "-q", "-f", "csv", "-o", asked]).code).toBe(0);
    expect(readFileSync(asked, "utf8")).toMatch(/^table,metric,unit,column/);
  });

  it("writes one CSV row per run with --per-run, from a run or from its saved JSON with show", () => {
    const json = join(tmp, "per-run.json");
    const args = ["run", "scenarios/udp-recv.yaml", "--runs", "3", "--set", "duration=1s", "-q"];
    expect(xeniso([...args, "-o", json]).code).toBe(0);
    const runs = xeniso([...args, "-f", "csv", "--per-run"]);
    expect(runs.code, runs.stderr).toBe(0);
    const lines = runs.stdout.trim().split("\n");
    expect(lines[0]).toBe("table,metric,unit,column,run,value,paper");
    const doc = JSON.parse(readFileSync(json, "utf8"));
    const cell = doc.tables[0].rows.find((r: { label: string }) => r.label === "Domain-0 for Domain-1 (XenMon)").values.result;
    const rows = lines.filter((l) => l.startsWith("xenmon,Domain-0 for Domain-1 (XenMon),%,result,"));
    expect(rows.map((l) => Number(l.split(",")[5]))).toEqual(cell.perRun);
    expect(rows.map((l) => l.split(",")[4])).toEqual(["0", "1", "2"]);
    // The saved result prints again without running: the same per-run CSV, the same Markdown.
    expect(xeniso(["show", json, "-f", "csv", "--per-run"]).stdout).toBe(runs.stdout);
    expect(xeniso(["show", json, "-f", "md"]).stdout).toBe(xeniso([...args, "-f", "md"]).stdout);
    const csv = join(tmp, "shown.csv");
    const two = xeniso(["show", json, "results/calibrate-system-1.json", "--per-run", "-o", csv]);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stderr).toBe(`wrote ${csv}\n`);
    expect(new Set(readFileSync(csv, "utf8").trim().split("\n").slice(1).map((l) => l.split(",")[0]))).toEqual(new Set(["udp-recv", "calibrate system-1"]));
    // Refused before anything runs or is written: per-run rows need CSV; an old result has none.
    const notCsv = join(tmp, "per-run-refused.json");
    for (const bad of [[...args, "--per-run", "-o", notCsv], ["show", json, "--per-run"], ["calibrate", "--per-run", "-f", "md"]]) {
      const r = xeniso(bad);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`error: --per-run: writes CSV; add -f csv or -o FILE.csv (a JSON result keeps each run's value in its cells' "perRun")\n`);
    }
    expect(existsSync(notCsv)).toBe(false);
    const old = join(tmp, "old.json");
    writeFileSync(old, JSON.stringify({ ...doc, tables: doc.tables.map((t: { rows: Array<{ values: Record<string, object> }> }) => ({ ...t, rows: t.rows.map((r) => ({ ...r, values: { result: { ...r.values.result, perRun: undefined } } })) })) }));
    const noRuns = xeniso(["show", old, "nofile.json", "-f", "csv", "--per-run"]);
    expect(noRuns.code).toBe(2);
    expect(noRuns.stderr).toBe(`error: ${old}: --per-run: this result keeps no run's value (saved before results kept "perRun"); run it again\nerror: nofile.json: no such file\n`);
    expect(noRuns.stdout).toBe("");
  });

  it("prints only the tables named with --table, and refuses an unknown one before running", () => {
    const one = xeniso(["show", "results/shareguard.json", "-t", "table2", "-f", "md"]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout.match(/^### .*/gm)).toEqual(["### Table 2. ShareGuard at work: metric values are averaged over the middle 40 second segment of the runs"]);
    // Over several results a table need be in one of them; a result with none is left out.
    const two = JSON.parse(xeniso(["show", "results/sedf-dc.json", "results/shareguard.json", "results/udp-recv.json", "-t", "table1", "-t", "table2", "-f", "json"]).stdout);
    expect(two.map((d: { scenario: { name: string }; tables: Array<{ id: string }> }) => [d.scenario.name, d.tables.map((t) => t.id)])).toEqual([
      ["sedf-dc", ["table1"]],
      ["shareguard", ["table2"]],
    ]);
    const run = xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "--set", "duration=1s", "-t", "xenmon", "-f", "csv"]);
    expect(run.code, run.stderr).toBe(0);
    expect(new Set(run.stdout.trim().split("\n").slice(1).map((l) => l.split(",")[0]))).toEqual(new Set(["xenmon"]));
    const out = join(tmp, "no-such-table.json");
    const bad = xeniso(["run", "scenarios/shareguard.yaml", "-t", "tabel2", "-o", out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`error: --table: no table "tabel2" (did you mean "table2"?); the tables are "table2", "table2-rhythm", "xenmon"\n`);
    expect(existsSync(out)).toBe(false);
  });

  it("gives each mean's confidence interval with --ci, in table, Markdown, CSV and the HTML report", () => {
    // results/sedf-dc.json: 10 runs, so t(0.975, 9) = 2.262157 (SciPy) times sd / √10.
    const doc = JSON.parse(readFileSync("results/sedf-dc.json", "utf8"));
    const cell = doc.tables.find((t: { id: string }) => t.id === "table1").rows[0].values.SEDF;
    const half = (2.262157 * cell.sd) / Math.sqrt(cell.n);
    const md = xeniso(["show", "results/sedf-dc.json", "-t", "table1", "--ci", "95%", "-f", "md"]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain(`| ${cell.mean.toFixed(1)} ± ${half.toFixed(2)} |`);
    expect(md.stdout).toContain("± is the 95 % confidence interval of the mean over the runs (Student's t)");
    const csv = xeniso(["show", "results/sedf-dc.json", "-t", "table1", "--ci", "0.95", "-f", "csv"]).stdout.trim().split("\n");
    expect(csv[0]).toBe("table,metric,unit,column,mean,sd,n,paper,ci_low,ci_high");
    const [low, high] = csv[1].split(",").slice(8).map(Number);
    expect(low).toBeCloseTo(cell.mean - half, 4);
    expect(high).toBeCloseTo(cell.mean + half, 4);
    const table = xeniso(["show", "results/sedf-dc.json", "-t", "table1", "--ci", "95%"]).stdout;
    expect(table).toContain(`│ ${cell.mean.toFixed(1)} ± ${half.toFixed(2)} `);
    expect(table).toContain("; ± is the 95 % confidence interval of the mean over the runs (Student's t)\n");
    // Without --ci the table keeps the runs' sd.
    expect(xeniso(["show", "results/sedf-dc.json", "-t", "table1", "-f", "md"]).stdout).toContain(`| ${cell.mean.toFixed(1)} ± ${cell.sd.toFixed(2)} |`);
    // A run takes it too, and its interval is wider at 99 % than at 90 %.
    const run = (level: string) => xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "3", "--set", "duration=1s", "-q", "--ci", level, "-f", "csv"]).stdout.trim().split("\n")[1].split(",").slice(8).map(Number);
    const [l90, h90] = run("90%");
    const [l99, h99] = run("99%");
    expect(h99 - l99).toBeGreaterThan(h90 - l90);
    // The HTML report: only the named table's results, with the interval's legend.
    const html = join(tmp, "ci-report.html");
    const rep = xeniso(["report", "results/sedf-dc.json", "results/shareguard.json", "-t", "table2", "--ci", "95%", "-o", html]);
    expect(rep.code, rep.stderr).toBe(0);
    const page = readFileSync(html, "utf8");
    expect(page.match(/data-table="[^"]*"/g)).toEqual(['data-table="table2"']);
    expect(page).toContain("its 95 % confidence interval (Student's t)");
    // Refused before anything runs or is written.
    const out = join(tmp, "ci-refused.json");
    for (const [args, message] of [
      [["run", "scenarios/udp-recv.yaml", "--ci", "95%", "-o", out], "--ci: for table, md and csv output; a JSON result keeps each cell's sd, n and runs, from which any interval follows"],
      [["show", "results/sedf-dc.json", "--ci", "95%", "--per-run", "-f", "csv"], "--ci: --per-run gives each run's value, with no interval to add; leave one of them out"],
      [["show", "results/sedf-dc.json", "--ci", "100%"], `option '--ci <level>' argument '100%' is invalid. --ci must be a confidence level from 50% up to (not including) 100%, such as 95% or 0.95; got "100%"\n(run with --help for usage)`],
      [["report", "results/sedf-dc.json", "-t", "tabel1", "-o", out], `--table: no table "tabel1" (did you mean "table1"?); the tables are "table1", "table1-split", "xenmon"`],
    ] as Array<[string[], string]>) {
      const r = xeniso(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toBe(`error: ${message}\n`);
    }
    expect(existsSync(out)).toBe(false);
  });

  it("adds runs until --precision is met, with the result --runs N gives, and refuses flags that do not go with it", () => {
    const args = ["run", "scenarios/udp-recv.yaml", "--set", "duration=1s", "--runs", "2"];
    const json = join(tmp, "precision.json");
    const seq = xeniso([...args, "--precision", "3%", "--max-runs", "40", "-o", json]);
    expect(seq.code, seq.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.precision).toEqual({ relative: 0.03, level: 0.95, maxRuns: 40, short: [] });
    expect(doc.runs).toBeGreaterThan(2);
    expect(seq.stderr).toBe(`udp-recv: ${doc.runs} runs, until ±3 % at 95 % confidence\nwrote ${json}\n`);
    // The same runs as asking for that many, and it says under the table how it got there.
    const fixedJson = join(tmp, "precision-fixed.json");
    expect(xeniso(["run", "scenarios/udp-recv.yaml", "--set", "duration=1s", "--runs", String(doc.runs), "-q", "-o", fixedJson]).code).toBe(0);
    const fixed = JSON.parse(readFileSync(fixedJson, "utf8"));
    delete doc.precision;
    expect(doc).toEqual(fixed);
    // compare: no cell moved, and the one difference in how they were made is the goal.
    const cmp = xeniso(["compare", fixedJson, json]);
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stdout).toContain("made differently: --precision: none → until ±3 % at 95 % confidence\n");
    expect(xeniso(["show", json, "-f", "md"]).stdout).toContain(`_seed 1, ${doc.runs} runs (until ±3 % at 95 % confidence), profile system-1`);
    // --ci sets the confidence (and goes with JSON here): at 99 % the intervals are wider, so it takes more runs.
    const at99 = JSON.parse(xeniso([...args, "--precision", "3%", "--ci", "99%", "-f", "json", "-q"]).stdout);
    expect(at99.precision).toEqual({ relative: 0.03, level: 0.99, maxRuns: 100, short: [] });
    expect(at99.runs).toBeGreaterThan(doc.runs);
    // Stopped by --max-runs, it says which cells fell short.
    const capped = xeniso([...args, "--precision", "0.1%", "--max-runs", "4", "-f", "csv"]);
    expect(capped.code, capped.stderr).toBe(0);
    expect(capped.stderr).toMatch(/^udp-recv: 4 runs, stopped at --max-runs 4, \d+ cells short of ±0\.1 % at 95 % confidence: xenmon: Domain-0 CPU; /);
    for (const [bad, message] of [
      [[...args, "--max-runs", "5"], "--max-runs: goes with --precision (the most runs it may add up to); for a fixed number of runs use --runs"],
      [["run", "scenarios/udp-recv.yaml", "--runs", "50", "--precision", "2%", "--max-runs", "20"], "--runs 50: more than --max-runs 20, where --precision would stop"],
      [[...args, "--precision", "0%"], `option '--precision <percent>' argument '0%' is invalid. --precision must be a percentage above 0% and under 100%, such as 2%; got "0%"\n(run with --help for usage)`],
    ] as Array<[string[], string]>) {
      const r = xeniso(bad);
      expect(r.code, bad.join(" ")).toBe(2);
      expect(r.stderr).toBe(`error: ${message}\n`);
    }
  });

  it("changes a scenario with --set, says so under the table and records it in the JSON", () => {
    const args = ["run", "scenarios/udp-recv.yaml", "--set", "duration=1s", "--set", "domains.Domain-1.workload.rate=2k/s"];
    const table = xeniso([...args, "--runs", "1"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain("--set duration=1s, --set domains.Domain-1.workload.rate=2k/s");
    const doc = JSON.parse(xeniso([...args, "--runs", "1", "-f", "json"]).stdout);
    expect(doc.scenario.set).toEqual(["duration=1s", "domains.Domain-1.workload.rate=2k/s"]);
    const pkts = doc.tables[0].rows.find((r: { label: string }) => r.label === "Domain-1 packets received").values.result.mean;
    expect(pkts).toBeCloseTo(2000, -1);
    // A XenMon interval that does not divide the default series bin (1 s) runs, as long as no --series is asked for.
    const odd = xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "--set", "duration=1.2s", "--set", "xenmon.interval=300ms", "--set", "scheduler.feedbackInterval=600ms"]);
    expect(odd.code, odd.stderr).toBe(0);
    expect(odd.stdout).toContain("Domain-1 combined, sd over 0.9 s bins");
    // The credit scheduler, with a domain's weight, as a user would switch to it.
    const credit = xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "--set", "duration=1s", "--set", "scheduler.type=credit", "--set", "domains.Domain-1.weight=512", "-f", "json"]);
    expect(credit.code, credit.stderr).toBe(0);
    expect(JSON.parse(credit.stdout).scenario.set).toEqual(["duration=1s", "scheduler.type=credit", "domains.Domain-1.weight=512"]);
    const shadowed = xeniso(["validate", "scenarios/sedf-dc.yaml", "--set", "scheduler.type=credit"]);
    expect(shadowed.code).toBe(2);
    expect(shadowed.stderr).toContain("--set scheduler.type=credit: changes no column");
    const bad = xeniso(["run", "scenarios/udp-recv.yaml", "--set", "domains.Domain-1.workload.size=1"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^error: scenarios\/udp-recv\.yaml: --set domains\.Domain-1\.workload\.size=1: domains\[1\]\.workload\.size: /m);
  });

  it("sweeps a key with --sweep: one column per value, in one table, JSON and series", () => {
    const series = join(tmp, "sweep.csv");
    const args = ["run", "scenarios/udp-recv.yaml", "--runs", "1", "--set", "duration=1s", "--sweep", "domains.Domain-1.workload.rate=2k/s,4k/s"];
    const doc = JSON.parse(xeniso([...args, "-f", "json", "--series", series]).stdout);
    expect(doc.tables[0].columns).toEqual(["Domain-1 rate=2k/s", "Domain-1 rate=4k/s"]);
    const pkts = doc.tables[0].rows.find((r: { label: string }) => r.label === "Domain-1 packets received").values;
    expect(pkts["Domain-1 rate=2k/s"].mean).toBeCloseTo(2000, -1);
    expect(pkts["Domain-1 rate=4k/s"].mean).toBeCloseTo(4000, -1);
    expect(doc.scenario.sweep).toEqual(["domains.Domain-1.workload.rate=2k/s,4k/s"]);
    expect(new Set(readFileSync(series, "utf8").trim().split("\n").slice(1).map((l) => l.split(",")[0]))).toEqual(new Set(["Domain-1 rate=2k/s", "Domain-1 rate=4k/s"]));
    expect(xeniso(args).stdout).toContain("--set duration=1s, --sweep domains.Domain-1.workload.rate=2k/s,4k/s");
    expect(xeniso(["validate", "scenarios/udp-recv.yaml", "--sweep", "domains.Domain-1.workload.rate=2k/s,4k/s"]).stdout).toContain(": ok (udp-recv: 2 domains, 2 columns × 10 runs");
    const bad = xeniso(["run", "scenarios/udp-recv.yaml", "--sweep", "domains.Domain-1.workload.size=256B,1"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^error: scenarios\/udp-recv\.yaml: --sweep domains\.Domain-1\.workload\.size=1: domains\[1\]\.workload\.size: /m);
    expect(xeniso(["run", "scenarios/udp-recv.yaml", "--sweep", "runs=1,2"]).code).toBe(2);
    // A sweep of one column's key: the columns it leaves alone run once.
    const one = xeniso(["validate", "scenarios/sedf-dc.yaml", "--sweep", "variants[SEDF-DC].scheduler.feedbackInterval=200ms,1s"]).stdout;
    expect(one).toContain(": ok (sedf-dc: 4 domains, 3 columns × 10 runs");
    expect(xeniso(["validate", "scenarios/sedf-dc.yaml", "--column", "SEDF"]).stdout).toContain('1 column × 10 runs of 60s, estimated');
  });

  it("shows a profile's parameters with their sources, and what a scenario's columns change in them", () => {
    const one = JSON.parse(xeniso(["profile", "p4-2.8", "-f", "json"]).stdout);
    expect(one).toHaveLength(1);
    const rx = one[0].rows.find((r: { key: string }) => r.key === "host.iddRx");
    expect(rx.value).toBe("10.57us");
    expect(rx.source).toMatch(/^Table 1 SEDF column/);
    expect(xeniso(["profile"]).stdout.match(/^\S+: /gm)).toEqual(["p4-2.8: ", "system-1: ", "system-2: "]);
    const study = xeniso(["profile", "scenarios/studies/table1-host.yaml"]).stdout;
    expect(study).toContain('  "NIC ring 64": host.nicRxRing = 64\n');
    expect(study).toContain('  "xen3": netbackOrder = xen3\n');
    const set = JSON.parse(xeniso(["profile", "scenarios/udp-recv.yaml", "--set", "host.iddRx=9us", "-f", "json"]).stdout);
    expect(set[0].rows.find((r: { key: string }) => r.key === "host.iddRx")).toEqual({ key: "host.iddRx", value: "9us", source: "scenario override (host:)" });
    const bad = xeniso(["profile", "system-9"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("error: system-9: no such profile or scenario file: the profiles are p4-2.8, system-1, system-2; a scenario file ends in .yaml\n");
  });

  it("refuses to write an output over an input file or over the other output", () => {
    const scenario = join(tmp, "mine.yaml");
    writeFileSync(scenario, readFileSync("scenarios/udp-recv.yaml", "utf8"));
    const over = xeniso(["run", scenario, "--runs", "1", "-o", scenario]);
    expect(over.code).toBe(2);
    expect(over.stderr).toContain(`-o ${scenario}: is one of this command's input files; writing there would overwrite it`);
    expect(readFileSync(scenario, "utf8")).toBe(readFileSync("scenarios/udp-recv.yaml", "utf8"));
    const both = join(tmp, "both.csv");
    const twice = xeniso(["run", scenario, "--runs", "1", "-o", both, "--series", both]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain(`--series ${both}: -o writes there too; give each its own file`);
    const result = join(tmp, "result.json");
    writeFileSync(result, readFileSync("results/udp-recv.json", "utf8"));
    expect(xeniso(["report", result, "-o", result]).code).toBe(2);
    expect(JSON.parse(readFileSync(result, "utf8")).schemaVersion).toBe(1);
  });

  it("rejects an invalid scenario with file:line:col messages, exit 2 and no stack trace", () => {
    const file = join(tmp, "broken.yaml");
    writeFileSync(file, "name: x\nprofile: system-9\nduration: 5\ndomains: []\nsurprise: 1\n");
    const r = xeniso(["run", file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${file}:2:10 profile:`);
    expect(r.stderr).toContain(`${file}:3:11 duration: a duration needs a unit`);
    expect(r.stderr).toContain(`${file}:5:1 surprise: unknown key "surprise"`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("runs a ShareGuard policy module on worker threads, records it with its sha256, and refuses a failing one with exit 2 and nothing written", () => {
    const short = ["--column", "With ShareGuard", "--runs", "2", "--jobs", "2", "--set", "duration=42s", "--set", "window={ from: 40s, to: 42s }"];
    const policy = (module: string) => ["--set", `variants[With ShareGuard].shareguard.policy=${module}`];
    const out = join(tmp, "policy.json");
    const ok = xeniso(["run", "scenarios/shareguard.yaml", ...short, ...policy("policies/shareguard.mjs"), "-o", out]);
    expect(ok.code, ok.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(doc.scenario.policies).toEqual([{ path: "scenarios/policies/shareguard.mjs", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(doc.tables[0].rows[0].values["With ShareGuard"].n).toBe(2);
    const builtIn = join(tmp, "built-in.json");
    writeFileSync(builtIn, JSON.stringify({ ...doc, scenario: { ...doc.scenario, policies: undefined } }));
    expect(xeniso(["compare", builtIn, out]).stdout).toMatch(/made differently: policy modules: none → scenarios\/policies\/shareguard\.mjs \([0-9a-f]{12}…\)\n/);

    const failed = join(tmp, "failed.json");
    const thrown = xeniso(["run", "scenarios/shareguard.yaml", ...short, ...policy("../test/policies/throws.mjs"), "-o", failed]);
    expect(thrown.code).toBe(2);
    expect(thrown.stderr).toMatch(/^error: shareguard\.policy: \S*test\/policies\/throws\.mjs: evaluate at 1\.5 s threw: RangeError: no more\n$/);
    expect(existsSync(failed)).toBe(false);

    const refused = xeniso(["run", "scenarios/shareguard.yaml", ...short, ...policy("../test/policies/not-a-function.mjs")]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: scenarios\/shareguard\.yaml: shareguard\.policy: \S*not-a-function\.mjs: its default export must be a function/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const validated = xeniso(["validate", "scenarios/shareguard.yaml", ...policy("../test/policies/not-a-function.mjs")]);
    expect(validated.code).toBe(2);
    expect(validated.stderr).toContain("its default export must be a function");
  });

  it("rejects bad flags with exit 2", () => {
    for (const args of [
      ["run", "scenarios/udp-recv.yaml", "--runs", "0"],
      ["run", "scenarios/udp-recv.yaml", "--seed", "abc"],
      ["run", "scenarios/udp-recv.yaml", "--format", "xml"],
      ["calibrate", "--profile", "system-9"],
      ["calibrate", "--duration", "fast"],
      ["frobnicate"],
      ["run", "no/such/file.yaml"],
      ["run", "scenarios/udp-recv.yaml", "--set", "runs"],
      ["run", "scenarios/udp-recv.yaml", "--set", "domains.Domain-7.share=10%"],
      ["validate", "scenarios/udp-recv.yaml", "--set", "duration=soon"],
    ]) {
      const r = xeniso(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(/error/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("validates files, prints the schema, and shows help", () => {
    const studies = readdirSync("scenarios/studies").map((f) => `scenarios/studies/${f}`);
    const validated = xeniso(["validate", "scenarios/udp-recv.yaml", "scenarios/udp-send.yaml", ...studies]);
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout.match(/: ok /g)).toHaveLength(2 + studies.length);
    const schema = JSON.parse(xeniso(["schema"]).stdout);
    expect(schema.properties.domains.type).toBe("array");
    expect(readFileSync("scenarios/scenario.schema.json", "utf8")).toBe(JSON.stringify(schema, null, 2) + "\n");
    const help = xeniso(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("calibrate");
    // A report row naming a metric no column reports is refused before anything runs.
    const typo = join(tmp, "typo.yaml");
    writeFileSync(typo, readFileSync("scenarios/sedf-dc.yaml", "utf8").replace("metric: Domain-1.replyRate", "metric: Domain-1.replyrate"));
    for (const cmd of ["validate", "run"]) {
      const r = xeniso([cmd, typo]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/typo\.yaml:\d+:\d+ report\.rows\[0\]\.metric: no metric "Domain-1\.replyrate" in the columns this table shows \(did you mean "Domain-1\.replyRate"\?\)/);
    }
  });

  it("calibrates through the simulation and reports the weight", () => {
    const r = xeniso(["calibrate", "--profile", "system-1", "--runs", "2", "--duration", "1s", "--format", "json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.command).toBe("calibrate");
    expect(doc.weight.mean).toBeGreaterThan(0.95);
    expect(doc.weight.mean).toBeLessThan(1.25);
    expect(doc.tables.map((t: { id: string }) => t.id)).toEqual(["fig4", "fig5", "weight"]);
  });

  it("with --block, also runs the disk benchmark and prints the block weight by request size", () => {
    const r = xeniso(["calibrate", "--profile", "p4-2.8", "--block", "--runs", "1", "--duration", "1s", "--format", "json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.tables.map((t: { id: string }) => t.id)).toEqual(["fig4", "fig5", "weight", "block", "block-weight"]);
    const weights = doc.tables[4].rows.map((row: { label: string }) => row.label);
    expect(weights).toEqual(["4 KB", "8 KB", "16 KB", "32 KB", "44 KB"]);
  });

  it("writes the time series from the same runs as the table", () => {
    const csv = join(tmp, "series.csv");
    const r = xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "2", "--series", csv, "--series-bin", "500ms", "-f", "json"]);
    expect(r.code).toBe(0);
    const lines = readFileSync(csv, "utf8").trim().split("\n");
    expect(lines[0]).toBe("column,run,t,domain,cpu,idd,iddTrue,combined,replyRate,connTime,blocks,diskMBps,cut,share,sentMbps,vifRate");
    // 2 runs × 40 bins of 500 ms × 2 domains
    expect(lines.length - 1).toBe(2 * 40 * 2);
    const doc = JSON.parse(r.stdout);
    const cpu = doc.tables[0].rows.find((x: { label: string }) => x.label === "Domain-0 CPU").values.result.mean;
    const perRun = [0, 1].map((run) => {
      const rows = lines.slice(1).map((l) => l.split(",")).filter((f) => f[1] === String(run) && f[3] === "Domain-0");
      return rows.reduce((a, f) => a + Number(f[4]), 0) / rows.length;
    });
    expect((perRun[0] + perRun[1]) / 2).toBeCloseTo(cpu, 2);
    expect(xeniso(["run", "scenarios/udp-recv.yaml", "--series", csv, "--series-bin", "150ms"]).code).toBe(2);
    // Given without --series, the bin is the JSON figures' (checked the same way).
    const figures = JSON.parse(xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "--series-bin", "500ms", "-f", "json"]).stdout).figures;
    expect([figures.bin, figures.columns[0].points.length]).toEqual([0.5, 2 * 40]);
    const zero = xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "--series-bin", "0s"]);
    expect([zero.code, zero.stderr.trim()]).toEqual([2, "error: --series-bin: must be a whole number of XenMon intervals (100ms), at least one; got 0s"]);
  });

  it("traces one run of a column as CSV, and refuses an ambiguous or unknown column and a bad window with exit 2", () => {
    const out = join(tmp, "trace.csv");
    const r = xeniso(["trace", "scenarios/sedf-dc.yaml", "--column", "SEDF-DC", "--from", "0.5s", "--to", "1s", "-o", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const lines = readFileSync(out, "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("time_ms,cpu,event,domain,prev,ran_us,detail");
    expect(lines.some((l) => /^\d+(\.\d+)?,0,switch,Domain-1,/.test(l))).toBe(true);
    // SEDF-DC's feedback at 500 ms is inside the window, the one at 1 s outside it.
    expect(lines.filter((l) => l.includes(",debt,")).map((l) => l.split(",")[0])).toEqual(["500", "500"]);
    expect(lines.slice(1).every((l) => Number(l.split(",")[0]) >= 500 && Number(l.split(",")[0]) < 1000)).toBe(true);
    const both = xeniso(["trace", "scenarios/sedf-dc.yaml"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('error: scenarios/sedf-dc.yaml: has 2 columns ("SEDF", "SEDF-DC"): pick one with --column\n');
    expect(xeniso(["trace", "scenarios/sedf-dc.yaml", "-c", "Nope"]).stderr).toBe('error: --column Nope: scenarios/sedf-dc.yaml has no such column; its columns are "SEDF", "SEDF-DC"\n');
    expect(xeniso(["trace", "scenarios/udp-recv.yaml", "--from", "2s", "--to", "1s"]).stderr).toBe("error: --from 2s: must come before --to 1s\n");
    expect(xeniso(["trace", "scenarios/udp-recv.yaml", "--to", "99s"]).stderr).toMatch(/^error: --to 99s: after the end of the run \(\d+s\)\n$/);
    expect(xeniso(["trace", "scenarios/udp-recv.yaml", "--from", "soon"]).code).toBe(2);
    // --plot draws the window: who ran when on each CPU.
    const svg = join(tmp, "trace.svg");
    expect(xeniso(["trace", "scenarios/udp-recv.yaml", "--to", "50ms", "-o", join(tmp, "t.csv"), "--plot", svg]).code).toBe(0);
    expect(readFileSync(svg, "utf8")).toMatch(/^<svg[^]*CPU 0/);
    expect(xeniso(["trace", "scenarios/udp-recv.yaml", "--plot", svg]).stderr).toMatch(/^error: --plot: draws at most 2 s of a trace, and this window is \d+ s: narrow it with --from and --to\n$/);
  });

  it("traces as Trace Event JSON for Perfetto, for an -o FILE.json or --format chrome", () => {
    const out = join(tmp, "trace.json");
    expect(xeniso(["trace", "scenarios/shareguard.yaml", "-c", "With ShareGuard", "--from", "40s", "--to", "41s", "-o", out]).code).toBe(0);
    const events: Array<{ ph: string; pid: number; name: string; ts: number; dur: number }> = JSON.parse(readFileSync(out, "utf8")).traceEvents;
    // Both CPUs run, and ShareGuard's first cut of Domain-3 starts at 40.5 s on a track of its own.
    expect(new Set(events.filter((e) => e.ph === "X" && e.pid === 0).map((e) => e.name))).toEqual(new Set(["Domain-0", "Domain-1", "Domain-2", "Domain-3"]));
    expect(events.filter((e) => e.pid === 1 && e.ph === "X").map((e) => [e.name, e.ts])).toEqual([["Domain-3 cut", 40.5e6]]);
    // To a pipe it streams, and parses whole.
    const piped = xeniso(["trace", "scenarios/udp-recv.yaml", "--to", "20ms", "--format", "chrome"]);
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout).traceEvents.length).toBeGreaterThan(100);
    const bad = xeniso(["trace", "scenarios/udp-recv.yaml", "--format", "xml"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: option '-f, --format <format>' argument 'xml' is invalid\. Allowed choices are csv, chrome\.\n\(run with --help for usage\)\n$/);
  });

  it("searches for the value of a setting where a goal stops holding, and refuses a setting that changes nothing", () => {
    const args = ["search", "scenarios/udp-recv.yaml", "--vary", "domains.Domain-1.workload.rate=1000..20000", "--goal", "Domain-0.cpu<=10", "--runs", "1", "--set", "duration=1s", "--steps", "3"];
    const r = xeniso([...args, "-f", "json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.probes.map((p: { value: string }) => p.value)).toEqual(["1000", "20000", "10500", "5750", "8125"]);
    // Domain-0's CPU grows with the rate: about 1.14 % per 1,000 packets/s here.
    expect(doc.boundary).toEqual({ met: "8125", unmet: "10500" });
    const table = xeniso(args);
    expect(table.stdout).toContain("The goal holds at 8125 and not at 10500: the boundary lies between them.");
    const idle = xeniso(["search", "scenarios/shareguard.yaml", "-c", "With ShareGuard", "--vary", "shareguard.limits.Domain-3=1%..20%", "--goal", "Domain-2.replyRate>=225"]);
    expect(idle.code).toBe(2);
    expect(idle.stderr).toBe('error: --vary shareguard.limits.Domain-3: changes nothing in column "With ShareGuard" (does each variant set this key itself? then vary it under variants[...])\n');
    expect(xeniso([...args.slice(0, 4), "--goal", "Domain-0.cpux<=10"]).stderr).toContain('reports no metric "Domain-0.cpux" (did you mean "Domain-0.cpu"?)');
    expect(xeniso([...args.slice(0, 2), "--vary", "domains.Domain-1.workload.rate=9..1", "--goal", "Domain-0.cpu<=10"]).stderr).toBe("error: --vary domains.Domain-1.workload.rate=9..1: the low end must come first\n");
    // Several goals must all hold: Domain-0 under 10 % and the guest's own CPU under 0.5 % (0.2 % per 1,000 packets/s).
    const both = JSON.parse(xeniso([...args, "--goal", "Domain-1.cpu<=0.5", "-f", "json"]).stdout);
    expect(both.goals).toEqual(["Domain-0.cpu<=10", "Domain-1.cpu<=0.5"]);
    expect(both.probes[0].readings.map((x: { goal: string; met: boolean }) => [x.goal, x.met])).toEqual([["Domain-0.cpu<=10", true], ["Domain-1.cpu<=0.5", true]]);
    expect(Number(both.boundary.met)).toBeLessThan(8125);
    const unknown = xeniso([...args, "--goal", "Domain-1.cpux<=1", "--goal", "Nobody.cpu<=1"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split("\n").filter((l: string) => l.startsWith("error:"))).toHaveLength(2);
    // With a confidence, the goal holds only where 3 runs show it: a bracket no further out.
    const sureArgs = [...args.slice(0, 6), "--runs", "3", "--set", "duration=1s", "--steps", "3", "--confidence", "95%"];
    const sure = JSON.parse(xeniso([...sureArgs, "-f", "json"]).stdout);
    expect(sure.confidence).toBe(0.95);
    expect(sure.probes.every((p: { readings: Array<{ p: number; met: boolean }> }) => p.readings.every((x) => x.met === x.p < 0.05))).toBe(true);
    expect(Number(sure.boundary.met)).toBeLessThanOrEqual(8125);
    expect(xeniso(sureArgs).stdout).toMatch(/<= 10 \(95 % sure\)[^]*The goal holds \(95 % sure\) at \d+ and not at \d+/);
    const lone = xeniso([...args, "--confidence", "100%"]);
    expect(lone.code).toBe(2);
    expect(lone.stderr).toBe("error: --confidence 100%: expected a confidence from 50% up to (not including) 100%\nerror: --confidence needs 2 runs per probe or more (--runs), to see how the runs vary; got 1\n");
  });

  it("draws a run's figures with --plot, from the same run as its JSON", () => {
    const dir = join(tmp, "figures", "nested");
    const r = xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "--plot", dir, "-f", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`to ${dir}`);
    expect(readdirSync(dir).sort()).toEqual(["udp-recv-result-b-cpu.svg", "udp-recv-result-c-idd-split.svg", "udp-recv-result-d-combined.svg"]);
    const doc = JSON.parse(r.stdout);
    // The figure series come from run 0: their mean over the run is the table's CPU.
    const pts = doc.figures.columns[0].points.filter((p: { domain: string }) => p.domain === "Domain-0");
    const cpu = doc.tables[0].rows.find((x: { label: string }) => x.label === "Domain-0 CPU").values.result.mean;
    expect(pts.reduce((a: number, p: { cpu: number }) => a + p.cpu, 0) / pts.length).toBeCloseTo(cpu, 2);
    expect(xeniso(["run", "scenarios/udp-recv.yaml", "--plot", "package.json/x"]).code).toBe(2);
  });

  it("compares results: exit 0 when equal, 3 on a change beyond tolerance or a lost metric, 2 on a bad file", () => {
    const base = "results/udp-recv.json";
    expect(xeniso(["compare", base, base]).code).toBe(0);
    const doc = JSON.parse(readFileSync(base, "utf8"));
    doc.tables[0].rows[0].values.result.mean *= 1.05;
    const changed = join(tmp, "changed.json");
    writeFileSync(changed, JSON.stringify(doc));
    const r = xeniso(["compare", base, changed]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(doc.tables[0].rows[0].label);
    expect(r.stdout).toContain("+5.00%");
    expect(r.stdout).not.toContain("made differently");
    const rerun = join(tmp, "rerun.json");
    expect(xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "--set", "duration=1s", "-o", rerun, "-f", "json"]).code).toBe(0);
    const made = xeniso(["compare", base, rerun]).stdout;
    expect(made).toContain("made differently: --set: none → duration=1s\n");
    expect(made).toContain("made differently: runs: 10 → 1\n");
    expect(xeniso(["compare", base, changed, "--tolerance", "10%"]).code).toBe(0);
    // --table: only that table's cells; one named by neither result is refused.
    const sg = JSON.parse(readFileSync("results/shareguard.json", "utf8"));
    sg.tables.find((t: { id: string }) => t.id === "xenmon").rows[0].values.Baseline.mean *= 2;
    const sgChanged = join(tmp, "sg-changed.json");
    writeFileSync(sgChanged, JSON.stringify(sg));
    expect(xeniso(["compare", "results/shareguard.json", sgChanged]).code).toBe(3);
    const only = xeniso(["compare", "results/shareguard.json", sgChanged, "--table", "table2", "--all"]);
    expect(only.code, only.stderr).toBe(0);
    expect(only.stdout).toMatch(/^15 cells compared, 0 changed/m);
    const typo = xeniso(["compare", base, changed, "--table", "tabel2"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('error: --table: no table "tabel2"; the tables are "xenmon"\n');
    doc.tables[0].rows.pop();
    writeFileSync(changed, JSON.stringify(doc));
    const lost = xeniso(["compare", base, changed, "--tolerance", "10%"]);
    expect(lost.code).toBe(3);
    // A cell in one result only is counted apart from those compared.
    const cells = doc.tables[0].rows.length;
    expect(lost.stdout).toMatch(new RegExp(`\n${cells} cells compared, 1 changed, 0 beyond ±10%, 1 disappeared; `));
    expect(xeniso(["compare", base, "results/sedf-dc.json"]).stdout).toMatch(/\n0 cells compared, 0 changed, 0 beyond ±1%, \d+ disappeared, \d+ new; no cell is in both results\n$/);
    expect(xeniso(["compare", base, "package.json"]).code).toBe(2);
    // A file that is not JSON: one line, where JSON.parse says where.
    expect(xeniso(["show", "README.md"])).toMatchObject({ code: 2, stderr: "error: README.md: not a JSON result: Unexpected token '#'; make one with --format json\n" });
    const broken = join(tmp, "broken.json");
    writeFileSync(broken, '{"schemaVersion": 1,\n  }');
    expect(xeniso(["show", broken])).toMatchObject({ code: 2, stderr: `error: ${broken}:2:3: not a JSON result: Expected double-quoted property name\n` });
    expect(xeniso(["show", tmp]).stderr).toBe(`error: ${tmp}: is a directory, not a JSON result\n`);
    expect(xeniso(["compare", base, base, "--tolerance", "lots"]).code).toBe(2);
  });

  it("tests each change against the runs' spread (paired over equal seeds, else Welch), and compares two columns of one result", () => {
    const base = "results/udp-recv.json";
    // A result without each run's value (as results from before they were kept), so the test is Welch's.
    const load = () => {
      const d = JSON.parse(readFileSync(base, "utf8"));
      for (const t of d.tables) for (const r of t.rows) for (const c of Object.values(r.values) as Array<{ perRun?: number[] }>) delete c.perRun;
      return d;
    };
    const [before, doc] = [load(), load()];
    // Two rows moved by 5 %: one with a spread far wider than that, one with none.
    const [noisy, exact] = doc.tables[0].rows;
    noisy.values.result.mean *= 1.05;
    noisy.values.result.sd = Math.abs(noisy.values.result.mean);
    exact.values.result.mean *= 1.05;
    exact.values.result.sd = 0;
    before.tables[0].rows[1].values.result.sd = 0;
    const [a, b] = [join(tmp, "welch-a.json"), join(tmp, "welch-b.json")];
    writeFileSync(a, JSON.stringify(before));
    writeFileSync(b, JSON.stringify(doc));
    const all = xeniso(["compare", a, b, "--no-color"]);
    expect(all.code).toBe(3);
    expect(all.stdout).toContain(noisy.label);
    expect(all.stdout).toMatch(/2 changed, 2 beyond ±1%; 1 of \d+ tested stand out from the runs' spread \(Welch's t-test; p < 0\.05\)\n$/);
    const significant = xeniso(["compare", a, b, "--significant", "--no-color"]).stdout;
    expect(significant).toContain(exact.label);
    expect(significant).not.toContain(noisy.label);

    // With each run's value on both sides and one seed, runs pair up: every run 2 % higher
    // stands out although the runs' spread (sd 3.2 on a mean of 12) is wider than the change.
    const runs = [8, 10, 12, 14, 16];
    const cell = (xs: number[]) => {
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      return { mean, sd: Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1)), n: xs.length, perRun: xs };
    };
    const pairedDoc = (xs: number[], seed: number) => ({ ...load(), seed, runs: xs.length, tables: [{ id: "t", title: "t", columns: ["c"], rows: [{ label: "load", unit: "%", values: { c: cell(xs) } }] }] });
    const [p1, p2, p3] = [join(tmp, "paired-a.json"), join(tmp, "paired-b.json"), join(tmp, "paired-c.json")];
    writeFileSync(p1, JSON.stringify(pairedDoc(runs, 1)));
    writeFileSync(p2, JSON.stringify(pairedDoc(runs.map((x) => x * 1.02), 1)));
    writeFileSync(p3, JSON.stringify(pairedDoc(runs.map((x) => x * 1.02), 2)));
    expect(xeniso(["compare", p1, p2, "--no-color"]).stdout).toMatch(/│ load +│ c +│ % +│ 12\.00 +│ 12\.24 +│ \+2\.00% +│ 0\.001 +│[^]*1 cell compared, 1 changed, 1 beyond ±1%; 1 of 1 tested stand out from the runs' spread \(paired t-test over runs of the same seed; p < 0\.05\)\n$/);
    // A run keeps each run's value in every cell, run 0 first; the cell's mean is theirs.
    const kept = join(tmp, "kept.json");
    expect(xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "3", "--set", "duration=1s", "-o", kept]).code).toBe(0);
    for (const t of JSON.parse(readFileSync(kept, "utf8")).tables)
      for (const r of t.rows)
        for (const c of Object.values(r.values) as Array<{ mean: number; n: number; perRun: number[] }>) {
          expect(c.perRun).toHaveLength(c.n);
          // Kept to 10 significant digits.
          expect(Math.abs(c.perRun.reduce((x, y) => x + y, 0) / c.n - c.mean)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(c.mean)));
        }
    // For a script, JSON; for a pull request, Markdown: the same changes and summary.
    const json = xeniso(["compare", p1, p2, "--format", "json"]);
    expect(json.code).toBe(3);
    const out = JSON.parse(json.stdout);
    expect(out.summary).toMatch(/^1 cell compared, 1 changed, 1 beyond ±1%; 1 of 1 tested/);
    expect(out.changes).toEqual([
      { table: "t", metric: "load", column: "c", unit: "%", status: "changed", baseline: 12, new: 12.24, relative: expect.closeTo(0.02, 12), beyondTolerance: true, p: expect.closeTo(0.001, 3), test: "paired", significant: true },
    ]);
    const md = xeniso(["compare", p1, p2, "--format", "md"]).stdout;
    expect(md).toMatch(/^\| Table \| Metric \| Column \| Unit \| Baseline \| New \| Change \| p \|\n[^]*\| t \| load \| c \| % \| 12\.00 \| 12\.24 \| \*\*\+2\.00%\*\* \| \*\*0\.001\*\* \|\n\n1 cell compared/);
    expect(xeniso(["compare", p1, p2, "--format", "html"]).code).toBe(2);
    // Another seed: no pairing, and Welch's test sees only noise.
    expect(xeniso(["compare", p1, p3, "--no-color"]).stdout).toMatch(/│ \+2\.00% +│ 0\.9\d\d +│[^]*0 of 1 tested stand out from the runs' spread \(Welch's t-test; p < 0\.05\)\n$/);

    const columns = xeniso(["compare", "results/sedf-dc.json", "--baseline-column", "SEDF", "--column", "SEDF-DC", "--no-color"]);
    expect(columns.code).toBe(3);
    // SEDF-DC takes Domain-1's throughput from 341.7 to 263.4 req/s over 10 runs each: far beyond the noise.
    expect(columns.stdout).toMatch(/Dom-1 web-server Throughput +│ SEDF → SEDF-DC │ req\/s │ 341\.7 +│ 263\.4 +│ -22\.92% +│ <0\.001/);
    expect(columns.stdout).not.toContain("made differently");
    const one = xeniso(["compare", "results/sedf-dc.json"]);
    expect([one.code, one.stderr]).toEqual([2, "error: compare: one result given; to compare two of its columns, name them with --baseline-column and --column\n"]);
    const missing = xeniso(["compare", "results/sedf-dc.json", base, "--column", "SEDF"]);
    expect([missing.code, missing.stderr]).toEqual([2, `error: ${base}: --column: no column "SEDF" (it has "result")\n`]);
    expect(xeniso(["compare", base, base, "--alpha", "1.5"]).stderr).toContain('--alpha: expected a probability between 0 and 1 (exclusive), got "1.5"');
  });

  it("refuses a run that would take days, before starting, with exit 5", () => {
    const long = join(tmp, "days.yaml");
    writeFileSync(long, readFileSync("scenarios/shareguard.yaml", "utf8").replace("duration: 120s", "duration: 3600s"));
    const out = join(tmp, "days.json");
    const r = xeniso(["run", long, "--runs", "1000", "-o", out]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/would take about [\d.]+ days .* more than --max-hours 12/);
    expect(existsSync(out)).toBe(false);
    expect(xeniso(["calibrate", "--runs", "1000", "--duration", "1h"]).code).toBe(5);
    expect(xeniso(["run", "scenarios/udp-recv.yaml", "--max-hours", "soon"]).code).toBe(2);
  });

  it.skipIf(!tinyFs)("on a full disk says so, exits 4 and leaves no partial file", () => {
    const out = join(tinyFs!, "r.json");
    const r = xeniso(["run", "scenarios/udp-recv.yaml", "--runs", "1", "-f", "json", "-o", out]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`${out}: cannot write output: no space left on the device; nothing was written`);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(readdirSync(tinyFs!)).toEqual([]);
  });

  it("on Ctrl-C (SIGINT) stops between runs, exits 130 and leaves no output file", async () => {
    const out = join(tmp, "interrupted.json");
    const child = spawn(process.execPath, ["bin/xeniso", "run", "scenarios/sedf-dc.yaml", "-q", "-o", out], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    setTimeout(() => child.kill("SIGINT"), 1500);
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stderr).toContain("interrupted");
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.includes("xeniso-tmp"))).toEqual([]);
  });

  it("stops quietly when its reader closes the pipe early (| head)", async () => {
    const files = readdirSync("scenarios/studies").map((f) => `scenarios/studies/${f}`);
    // Run from a shell, as a user would: `head -1` closes the pipe after the first line.
    const child = spawn("sh", ["-c", `"${process.execPath}" bin/xeniso validate ${files.join(" ")} ${files.join(" ")} | head -1 >/dev/null; exit 0`], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    await new Promise((resolve) => child.on("exit", resolve));
    expect(stderr).toBe("");
  });

  it("leaves nothing behind", () => {
    expect(existsSync(join(tmp, "missing-dir"))).toBe(false);
  });
});
