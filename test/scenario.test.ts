import { describe, expect, it, vi } from "vitest";
import { loadScenarioFile, parseScenario } from "../src/scenario/load.js";
import { parseDuration, parsePercent, parseRate, parseSize } from "../src/scenario/units.js";
import { hostProfile } from "../src/model/host-profile.js";
import { columnsOf, onlyColumns } from "../src/model/runner.js";
import { netCostsForRun, Simulation } from "../src/model/simulation.js";
import { PROFILES } from "../src/profiles/profiles.js";
import { problems, UDP_SCENARIO } from "./helpers/scenario.js";

const GOOD = UDP_SCENARIO;

describe("units", () => {
  it("parses what people write", () => {
    expect(parseDuration("10ms")).toEqual({ ok: true, value: 10_000_000 });
    expect(parseDuration("2.5s")).toEqual({ ok: true, value: 2_500_000_000 });
    expect(parseDuration("500us")).toEqual({ ok: true, value: 500_000 });
    expect(parseSize("10KB")).toEqual({ ok: true, value: 10_240 });
    expect(parseSize(256)).toEqual({ ok: true, value: 256 });
    expect(parsePercent("22%")).toEqual({ ok: true, value: 0.22 });
    expect(parseRate("10k/s")).toEqual({ ok: true, value: 10_000 });
  });

  it("says what it expected", () => {
    expect(parseDuration(10)).toMatchObject({ ok: false, message: expect.stringContaining("needs a unit") });
    expect(parseDuration("10 parsecs")).toMatchObject({ ok: false });
    expect(parsePercent(0.22)).toMatchObject({ ok: false, message: expect.stringContaining('"22%"') });
  });
});

describe("scenario validation", () => {
  it("accepts a good file and fills defaults", () => {
    const sc = parseScenario(GOOD, "s.yaml");
    expect(sc.runs).toBe(10);
    expect(sc.xenmon.interval).toBe(100_000_000);
    expect(sc.scheduler).toEqual({ type: "sedf", feedbackInterval: 500_000_000, spreadDebt: true, migrationDelay: 0, creditVersion: "later", unblock: "paper" });
  });

  it("reports a YAML syntax error with its position", () => {
    expect(problems("name: [unclosed\nprofile: system-1\n")[0]).toMatch(/^s\.yaml:\d+:\d+: /);
  });

  it("reports an unknown key at the key, with a suggestion", () => {
    const p = problems(GOOD.replace("duration: 2s", "duraton: 2s"));
    expect(p).toContain('s.yaml:3:1 duraton: unknown key "duraton" (did you mean "duration"?)');
    expect(p).toContain("s.yaml:1:1 duration: required key is missing");
    // A missing key of a few allowed values names them.
    expect(problems(GOOD.replace(/^profile: .*\n/m, ""))).toEqual(['s.yaml:1:1 profile: required key is missing; expected one of "p4-2.8"|"system-1"|"system-2"']);
    // No guess for a key the schema knows elsewhere (sweep's `x`), nor for a one-letter key.
    expect(problems(GOOD + "x: 1\na: 2\n")).toEqual(['s.yaml:11:1 x: unknown key "x"', 's.yaml:12:1 a: unknown key "a"']);
  });

  it("reports a wrong unit at the value", () => {
    expect(problems(GOOD.replace("duration: 2s", "duration: 2 parsecs"))).toEqual([
      's.yaml:3:11 duration: expected a duration such as "10ms", "2.5s" or "500us", got "2 parsecs"',
    ]);
  });

  it("rejects a negative rate", () => {
    expect(problems(GOOD.replace("rate: 1000", "rate: -5"))[0]).toBe("s.yaml:10:51 domains[1].workload.rate: must be more than 0/s and at most 2000000/s");
  });

  it("words zod's type and range problems plainly, in file order", () => {
    const text = GOOD.replace("duration: 2s", "duration: 2s\nruns: 0\nseed: 1.5") + "host: { nicRxRing: 0, linkRate: fast }\n";
    expect(problems(text)).toEqual([
      "s.yaml:4:7 runs: must be at least 1",
      "s.yaml:5:7 seed: expected a whole number",
      "s.yaml:13:20 host.nicRxRing: must be at least 1",
      "s.yaml:13:33 host.linkRate: expected a number, got a string",
    ]);
  });

  it("names a mapping and a list as YAML does", () => {
    expect(problems(GOOD.replace("duration: 2s", "duration: 2s\nwindow: soon"))).toEqual(["s.yaml:4:9 window: expected a mapping (key: value), got a string"]);
  });

  it("says an empty name or list is empty, in words", () => {
    expect(problems(GOOD.replace("name: t", 'name: ""') + "variants: []\n")).toEqual(["s.yaml:1:7 name: must not be empty", "s.yaml:11:11 variants: must not be empty"]);
  });

  it("names the SEDF unblock rules it knows", () => {
    expect(problems(GOOD + "scheduler: { type: sedf, unblock: xen3 }\n")).toEqual(['s.yaml:11:35 scheduler.unblock: expected one of "paper"|"xen-3.0"']);
  });

  it("takes a credit version only for the credit scheduler", () => {
    expect(problems(GOOD + "scheduler: { creditVersion: xen-3.0 }\n")).toEqual(["s.yaml:11:29 scheduler.creditVersion: a credit scheduler setting, and this scheduler is sedf"]);
    expect(problems(GOOD + "variants:\n  - { name: A, scheduler: { type: sedf-dc, creditVersion: xen-3.0 } }\n")[0]).toMatch(/^s\.yaml:12:\d+ variants\[0\]\.scheduler\.creditVersion: a credit scheduler setting, and this scheduler is sedf-dc$/);
    expect(parseScenario(GOOD + "scheduler: { type: credit, creditVersion: xen-3.0 }\n", "s.yaml").scheduler.creditVersion).toBe("xen-3.0");
  });

  it("takes weight and cap only where a column runs the credit scheduler, and caps in whole percent", () => {
    const credit = GOOD.replace("    share: 50%", "    share: 50%\n    weight: 512\n    cap: 30%");
    expect(problems(credit)).toEqual([
      's.yaml:10:13 domains[1].weight: weight is a credit scheduler setting, and no column runs it (scheduler: { type: credit })',
      's.yaml:11:10 domains[1].cap: cap is a credit scheduler setting, and no column runs it (scheduler: { type: credit })',
    ]);
    expect(parseScenario(credit + "scheduler: { type: credit }\n", "s.yaml").domains[1]).toMatchObject({ weight: 512, cap: 0.3 });
    expect(parseScenario(credit + "variants:\n  - { name: SEDF }\n  - { name: Credit, scheduler: { type: credit-dc } }\n", "s.yaml").domains[1].cap).toBe(0.3);
    expect(problems(credit.replace("cap: 30%", "cap: 22.5%") + "scheduler: { type: credit }\n")).toEqual([
      "s.yaml:11:10 domains[1].cap: must be a whole percentage: Xen's cap is an integer number of percent",
    ]);
    expect(problems(credit.replace("weight: 512", "weight: 0") + "scheduler: { type: credit }\n")).toEqual([
      "s.yaml:10:13 domains[1].weight: must be at least 1",
    ]);
  });

  it("takes an unpinned domain (cpu: any) only where every column runs the credit scheduler", () => {
    const unpinned = GOOD.replace("    share: 50%", "    share: 50%\n    cpu: any");
    expect(problems(unpinned)).toEqual([
      "s.yaml:10:10 domains[1].cpu: an unpinned domain needs the credit scheduler on every CPU in every column, and a column runs sedf, which schedules each CPU on its own: pin it (cpu: 0)",
    ]);
    expect(parseScenario(unpinned + "scheduler: { type: credit }\n", "s.yaml").domains[1].cpu).toBe("any");
    expect(problems(unpinned + "scheduler: { type: credit }\nvariants:\n  - { name: A }\n  - { name: B, scheduler: { type: sedf-dc } }\n")[0]).toContain("a column runs sedf-dc");
  });

  it("rejects a CPU that does not exist", () => {
    expect(problems(GOOD.replace("    share: 50%", "    share: 50%\n    cpu: 3"))).toEqual([
      "s.yaml:10:10 domains[1].cpu: CPU 3 does not exist: the host has 1 CPU (0..0)",
    ]);
  });

  it("rejects slice > period", () => {
    const p = problems(GOOD.replace("    share: 50%", "    slice: 20ms\n    period: 10ms"));
    expect(p).toEqual(["s.yaml:9:12 domains[1].slice: slice 20ms is longer than the period 10ms"]);
  });

  it("rejects reservations over 100% of a CPU", () => {
    expect(problems(GOOD.replace("share: 50%", "share: 70%"))).toEqual([
      "s.yaml:5:5 domains[0].cpu: reservations on CPU 0 add up to 110%: more than the CPU has (100%)",
    ]);
  });

  it("checks a variant's rate changes and sweep points", () => {
    const v = (variant: string, extra = "") => GOOD + extra + `variants:\n  - ${variant}\n`;
    expect(problems(v("{ name: A, rates: { Domain-0: 100 } }"))).toEqual(["s.yaml:12:35 variants[0].rates.Domain-0: Domain-0 has no web, UDP or disk workload whose rate could change"]);
    expect(problems(v("{ name: A, rates: { Nobody: 100 } }"))).toEqual(['s.yaml:12:33 variants[0].rates.Nobody: no domain is named "Nobody"']);
    expect(problems(v("{ name: A, rates: { Domain-1: fast } }"))[0]).toMatch(/variants\[0\]\.rates\.Domain-1: expected a rate per second/);
    expect(problems(v('{ name: A, sweep: { figure: "6a", x: 1 } }'))).toEqual(["s.yaml:12:23 variants[0].sweep: a sweep figure draws the report's rows: add a report"]);
    expect(problems(v('{ name: A, sweep: { figure: "six", x: 1 } }'))).toContainEqual(expect.stringMatching(/variants\[0\]\.sweep\.figure: a figure panel of the paper/));
    expect(problems(v("{ name: A, periods: { Nobody: 20ms } }"))).toEqual(['s.yaml:12:35 variants[0].periods.Nobody: no domain is named "Nobody"']);
    expect(problems(v("{ name: A, periods: { Domain-0: 20 } }"))[0]).toMatch(/variants\[0\]\.periods\.Domain-0: a duration needs a unit/);
    expect(problems(v("{ name: A, fileSizes: { Domain-1: 20KB } }"))).toEqual(["s.yaml:12:39 variants[0].fileSizes.Domain-1: Domain-1 has no web workload whose file size could change"]);
    expect(problems(v("{ name: A, fileSizes: { Nobody: 20KB } }"))).toEqual(['s.yaml:12:37 variants[0].fileSizes.Nobody: no domain is named "Nobody"']);
    const sc = parseScenario(v("{ name: A, rates: { Domain-1: 2k/s } }"), "s.yaml");
    expect(sc.variants?.[0].rates).toEqual({ "Domain-1": 2000 });
    // A column's XenMon settings replace the base's, and its feedback interval must still fit them.
    expect(problems(v("{ name: A, xenmon: { interval: 300ms } }"))).toEqual(["s.yaml:12:36 variants[0].xenmon.interval: the feedback interval must be a whole number of XenMon intervals (300ms)"]);
    // So must ShareGuard's interval, which sums whole samples as the feedback does.
    const sg = "shareguard: { interval: 300ms, limits: { Domain-1: 5% } }\n";
    expect(problems(v("{ name: A, xenmon: { interval: 250ms } }", sg))).toEqual(["s.yaml:13:36 variants[0].xenmon.interval: ShareGuard's interval must be a whole number of XenMon intervals (250ms)"]);
    expect(problems(v("{ name: A, shareguard: { interval: 250ms, limits: { Domain-1: 5% } } }"))).toEqual(["s.yaml:12:40 variants[0].shareguard.interval: ShareGuard's interval must be a whole number of XenMon intervals (100ms)"]);
    expect(parseScenario(v("{ name: A, shareguard: { enabled: false, interval: 250ms, limits: {} } }"), "s.yaml").variants).toHaveLength(1);
    expect(problems(GOOD + "shareguard: { interval: 250ms, limits: { Domain-1: 5% } }\n")).toEqual(["s.yaml:11:25 shareguard.interval: must be a whole number of XenMon intervals (100ms)"]);
    const [weighted] = columnsOf(parseScenario(v("{ name: A, xenmon: { weight: 2 } }"), "s.yaml"));
    expect(weighted.scenario.xenmon).toEqual({ interval: 100e6, weight: 2 });
  });

  it("refuses a window, or a run, that holds no whole XenMon sample", () => {
    expect(problems(GOOD + "window: { from: 1.05s, to: 1.1s }\n")).toEqual(["s.yaml:11:9 window: the window (1.05s–1.1s) holds no whole XenMon sample of 100ms: nothing would be measured"]);
    expect(parseScenario(GOOD + "window: { from: 1.05s, to: 1.2s }\n", "s.yaml").window).toEqual({ from: 1.05e9, to: 1.2e9 });
    expect(problems(GOOD.replace("duration: 2s", "duration: 50ms"))).toEqual(["s.yaml:3:11 duration: the run (0.05s) holds no whole XenMon sample of 100ms: nothing would be measured"]);
    expect(problems(GOOD + "variants:\n  - { name: A, xenmon: { interval: 5s }, scheduler: { feedbackInterval: 5s } }\n")).toEqual([
      "s.yaml:12:36 variants[0].xenmon.interval: the run (2s) holds no whole XenMon sample of 5000ms: nothing would be measured",
    ]);
  });

  it("refuses a web or bulk workload that would start only once the run is over", () => {
    const late = GOOD.replace("{ type: udp, direction: recv, rate: 1000, size: 256B }", "{ type: bulk, start: 2s }");
    expect(problems(late)).toEqual(["s.yaml:10:36 domains[1].workload.start: starts at 2s, when the run (2s) is over: it would never run"]);
    expect(parseScenario(late.replace("start: 2s", "start: 1.9s"), "s.yaml").domains[1].workload).toMatchObject({ type: "bulk", start: 1.9e9 });
    expect(problems(GOOD + "variants:\n  - { name: A, workloads: { Domain-1: { type: web, rate: 10, fileSize: 1KB, start: 5s } } }\n")).toEqual([
      "s.yaml:12:84 variants[0].workloads.Domain-1.start: starts at 5s, when the run (2s) is over: it would never run",
    ]);
  });

  it("takes a web client's rate (open loop) or clients (closed loop), each with its own settings", () => {
    const web = (w: string) => GOOD.replace("{ type: udp, direction: recv, rate: 1000, size: 256B }", `{ type: web, fileSize: 10KB${w} }`);
    expect(parseScenario(web(", clients: 20, thinkTime: 1s"), "s.yaml").domains[1].workload).toMatchObject({ clients: 20, thinkTime: 1e9 });
    expect(problems(web(""))).toEqual(["s.yaml:10:15 domains[1].workload: a web workload needs rate (open loop: connections per second, as httperf --rate) or clients (closed loop)"]);
    expect(problems(web(", rate: 10, clients: 5"))).toEqual(["s.yaml:10:63 domains[1].workload.clients: give either rate (open loop) or clients (closed loop), not both"]);
    expect(problems(web(", rate: 10, thinkTime: 1s"))).toEqual(["s.yaml:10:65 domains[1].workload.thinkTime: a think time is for closed-loop clients: give clients, or leave thinkTime out"]);
    expect(problems(web(", clients: 5, maxOpen: 10"))).toEqual([
      "s.yaml:10:65 domains[1].workload.maxOpen: closed-loop clients hold one connection each, so no descriptor limit applies: leave maxOpen out",
    ]);
    expect(problems(web(", clients: 0"))[0]).toMatch(/^s\.yaml:10:53 domains\[1\]\.workload\.clients: /);
    expect(problems(web(", clients: 5") + "variants:\n  - { name: A, rates: { Domain-1: 10 } }\n")).toEqual([
      "s.yaml:12:35 variants[0].rates.Domain-1: Domain-1's web clients are closed loop, with no rate to change: set their clients or thinkTime instead",
    ]);
    expect(problems(GOOD + "variants:\n  - { name: A, workloads: { Domain-1: { type: web, fileSize: 1KB } } }\n")).toEqual([
      "s.yaml:12:39 variants[0].workloads.Domain-1: a web workload needs rate (open loop: connections per second, as httperf --rate) or clients (closed loop)",
    ]);
  });

  it("checks further tables: their ids, columns and paper values", () => {
    const base = GOOD + "variants:\n  - { name: A }\n  - { name: B }\nreport: { id: t1, title: T, rows: [{ label: L, metric: Domain-1.cpu }] }\n";
    const more = (table: string) => base + `reports:\n  - ${table}\n`;
    expect(problems(more("{ id: t1, title: U, rows: [{ label: L, metric: Domain-1.cpu }] }"))).toEqual(['s.yaml:16:11 reports[0].id: table id "t1" is already used by report']);
    expect(problems(more("{ id: xenmon, title: U, rows: [{ label: L, metric: Domain-1.cpu }] }"))).toEqual(['s.yaml:16:11 reports[0].id: table id "xenmon" is already used by the XenMon view']);
    expect(problems(more("{ id: t2, title: U, columns: [A, C], rows: [{ label: L, metric: Domain-1.cpu }] }"))).toEqual(['s.yaml:16:38 reports[0].columns[1]: no column "C": the columns are "A", "B"']);
    expect(problems(more("{ id: t2, title: U, columns: [A], rows: [{ label: L, metric: Domain-1.cpu, paper: { B: 1 } }] }"))).toEqual([
      's.yaml:16:92 reports[0].rows[0].paper.B: column "B" is not among this table\'s columns',
    ]);
    const sc = parseScenario(more("{ id: t2, title: U, columns: [B], rows: [{ label: L, metric: Domain-1.cpu, paper: { B: 1 } }] }"), "s.yaml");
    expect(sc.reports?.[0].columns).toEqual(["B"]);
  });

  it("keeps only the columns asked for, in every table, dropping a table left with none", () => {
    const sc = loadScenarioFile("scenarios/shareguard.yaml").scenario;
    const only = onlyColumns(sc, ["Baseline"]);
    expect(columnsOf(only).map((c) => c.name)).toEqual(["Baseline"]);
    expect(only.report?.rows[0].paper).toEqual({ Baseline: 329.85 });
    expect(only.reports).toBeUndefined(); // the rhythm table shows "With ShareGuard" only
    expect(onlyColumns(sc, ["With ShareGuard"]).reports?.[0].columns).toEqual(["With ShareGuard"]);
    expect(() => onlyColumns(sc, ["Without"])).toThrow('no column "Without": the columns are "Baseline", "Without ShareGuard", "With ShareGuard"');
  });

  it("lets a variant change a web workload's file size and rate", () => {
    const web = GOOD.replace("{ type: udp, direction: recv, rate: 1000, size: 256B }", "{ type: web, rate: 100, fileSize: 10KB }");
    const [a, b] = columnsOf(parseScenario(web + "variants:\n  - { name: A }\n  - { name: B, fileSizes: { Domain-1: 20KB }, rates: { Domain-1: 50 } }\n", "s.yaml"));
    expect(a.scenario.domains[1].workload).toMatchObject({ rate: 100, fileSize: 10_240 });
    expect(b.scenario.domains[1].workload).toMatchObject({ rate: 50, fileSize: 20_480 });
  });

  it("lets a variant replace a domain's workload, and checks the replacement", () => {
    const v = (variant: string) => GOOD + `variants:\n  - { name: A }\n  - ${variant}\n`;
    const bulk = "{ type: bulk, direction: recv, window: 1MB }";
    const [a, b] = columnsOf(parseScenario(v(`{ name: B, workloads: { Domain-1: ${bulk} } }`), "s.yaml"));
    expect(a.scenario.domains[1].workload).toMatchObject({ type: "udp", rate: 1000 });
    // A whole workload: what it leaves unset takes the defaults, not the base's settings.
    expect(b.scenario.domains[1].workload).toEqual({ type: "bulk", direction: "recv", window: 1_048_576, start: 0, cpuPerSegment: 0 });
    // A rate change applies to the column's own workload, so it can follow a replacement.
    const web = "{ type: web, rate: 100, fileSize: 10KB }";
    const [, c] = columnsOf(parseScenario(v(`{ name: B, workloads: { Domain-1: ${web} }, rates: { Domain-1: 50 }, fileSizes: { Domain-1: 20KB } }`), "s.yaml"));
    expect(c.scenario.domains[1].workload).toMatchObject({ type: "web", rate: 50, fileSize: 20_480 });

    expect(problems(v(`{ name: B, workloads: { Nobody: ${bulk} } }`))).toEqual(['s.yaml:13:37 variants[1].workloads.Nobody: no domain is named "Nobody"']);
    expect(problems(v(`{ name: B, workloads: { Domain-0: ${bulk} } }`))).toEqual(["s.yaml:13:39 variants[1].workloads.Domain-0: the IDD runs no workload of its own: put workloads in guests"]);
    expect(problems(v(`{ name: B, withoutWorkload: [Domain-1], workloads: { Domain-1: ${bulk} } }`))).toEqual([
      "s.yaml:13:68 variants[1].workloads.Domain-1: Domain-1 is also in withoutWorkload: a column either switches a workload off or replaces it",
    ]);
    expect(problems(v(`{ name: B, workloads: { Domain-1: ${bulk} }, fileSizes: { Domain-1: 20KB } }`))).toEqual([
      "s.yaml:13:110 variants[1].fileSizes.Domain-1: Domain-1 has no web workload whose file size could change",
    ]);
    expect(problems(v("{ name: B, workloads: { Domain-1: { type: bulk, window: 1 } } }"))[0]).toMatch(/^s\.yaml:13:61 variants\[1\]\.workloads\.Domain-1\.window: must be at least 1500B/);
    const noIdd = GOOD.replace("    idd: true\n", "").replace("    workload: { type: udp, direction: recv, rate: 1000, size: 256B }\n", "");
    expect(problems(noIdd + `variants:\n  - { name: B, workloads: { Domain-1: ${bulk} } }\n`)).toEqual([
      "s.yaml:10:39 variants[0].workloads.Domain-1: a network workload needs a net-IDD: mark one domain idd: true",
    ]);
  });

  it("lets a variant change a domain's SEDF period and keep its share", () => {
    const text = GOOD.replace("    share: 40%", "    slice: 4ms") + "variants:\n  - { name: A, periods: { Domain-0: 100ms, Domain-1: 20ms } }\n";
    const [column] = columnsOf(parseScenario(text, "s.yaml"));
    const domains = new Simulation(column.scenario, 0, 1).domains.map((d) => d.sched);
    expect(domains).toEqual([
      { slice: 40_000_000, period: 100_000_000, extratime: false },
      { slice: 10_000_000, period: 20_000_000, extratime: false },
    ]);
  });

  it("reports every field problem at once; cross-field rules once the fields are valid", () => {
    const broken = GOOD.replace("name: Domain-1", "name: Domain-0");
    expect(problems(broken.replace("rate: 1000", "rate: -5").replace("duration: 2s", "duration: 2"))).toEqual([
      's.yaml:3:11 duration: a duration needs a unit, e.g. "2s" or "2ms"',
      "s.yaml:10:51 domains[1].workload.rate: must be more than 0/s and at most 2000000/s",
    ]);
    expect(problems(broken)).toEqual(['s.yaml:8:11 domains[1].name: duplicate domain name "Domain-0" (also domains[0])']);
  });

  it("rejects duplicate keys, empty files and non-mappings", () => {
    expect(problems(GOOD + "name: again\n")[0]).toBe("s.yaml:11:1: Map keys must be unique");
    expect(problems("")[0]).toMatch(/^s\.yaml:1:1: file is empty/);
    expect(problems("- a\n- b\n")[0]).toMatch(/a scenario is a mapping/);
    // Found by fuzzing: YAML would turn such a key into a string and warn on stderr.
    expect(problems(GOOD + "[1, 2]: x\n")).toEqual(["s.yaml:11:1: a key must be a single word or value, not a mapping or a list"]);
    // So would an alias of a mapping used as a key (found by fuzzing the studies).
    const warned = vi.spyOn(process, "emitWarning");
    expect(problems(GOOD.replace("share: 40%", "share: 40%\n    host: &h { a: 1 }") + "*h : x\n")).toEqual(["s.yaml:12:1: a key must be a single word or value, not a mapping or a list"]);
    expect(warned).not.toHaveBeenCalled();
    warned.mockRestore();
  });

  it("stops alias bombs", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]", "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]", "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]", "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]"].join("\n");
    expect(problems(bomb)[0]).toMatch(/cannot expand the document/);
  });
});

describe("host overrides", () => {
  const withHost = (base: string, variants: string[]) => GOOD + `host: ${base}\nvariants:\n` + variants.map((v) => `  - ${v}\n`).join("");

  it("replace the profile's parameters, the variant's over the base's, key by key", () => {
    const sc = parseScenario(
      withHost("{ iddRx: 12us, guestTx: 3us, web: { maxClients: 50, listenBacklog: 64 } }", [
        "{ name: Base }",
        "{ name: Column, host: { iddRx: 9.5us, nicRxRing: 64, web: { maxClients: 75 } } }",
      ]),
      "s.yaml",
    );
    const [base, column] = columnsOf(sc).map((c) => hostProfile(c.scenario));
    const profile = PROFILES["system-1"];
    expect(base.iddRx.value).toBe(12_000);
    expect(base.iddRx.source).toMatch(/override/);
    expect(base.guestTx.value).toBe(3_000);
    expect(base.web.maxClients.value).toBe(50);
    expect(base.web.listenBacklog.value).toBe(64);
    expect(base.iddTx).toEqual(profile.iddTx);
    expect(base.web.requestBase).toEqual(profile.web.requestBase);
    expect(column.iddRx.value).toBe(9_500);
    expect(column.guestTx.value).toBe(3_000);
    expect(column.nicRxRing.value).toBe(64);
    expect(column.web.maxClients.value).toBe(75);
    expect(column.web.listenBacklog.value).toBe(64);
  });

  it("reach the simulated host", () => {
    const sc = parseScenario(GOOD + "host: { iddRx: 20us, iddRxDriverShare: 25%, runVariation: 0%, netfrontRing: 32 }\n", "s.yaml");
    expect(new Simulation(sc, 0, 1).profile.netfrontRing.value).toBe(32);
    const costs = netCostsForRun(hostProfile(sc), 1, 0);
    expect(costs.iddRx).toBe(20_000);
    expect(costs.iddRxDriver).toBe(5_000);
    expect(costs.netfrontRing).toBe(32);
    expect(hostProfile(parseScenario(GOOD, "s.yaml"))).toBe(PROFILES["system-1"]);
  });

  it("are checked like every other field", () => {
    expect(problems(GOOD + "host: { iddRx: 12, web: { maxClient: 5 } }\n")).toEqual([
      's.yaml:11:16 host.iddRx: a duration needs a unit, e.g. "12s" or "12ms"',
      's.yaml:11:27 host.web.maxClient: unknown key "maxClient" (did you mean "maxClients"?)',
    ]);
    expect(problems(GOOD + "host: { iddTx: 0us }\n")).toEqual(["s.yaml:11:16 host.iddTx: must be more than 0ms and at most 1s"]);
    expect(problems(withHost("{}", ["{ name: A, host: { runVariation: 150% } }"]))).toEqual([
      "s.yaml:13:38 variants[0].host.runVariation: must be at least 0% and at most 100%",
    ]);
  });
});

