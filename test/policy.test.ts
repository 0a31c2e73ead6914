import { describe, expect, it } from "vitest";
import { columnsOf } from "../src/model/runner.js";
import { loadPoliciesOf, runJob, type JobResult } from "../src/model/replication.js";
import { Simulation } from "../src/model/simulation.js";
import { Trace } from "../src/model/trace.js";
import { loadScenarioFile, UsageError } from "../src/scenario/load.js";
import { parseOverride } from "../src/scenario/overrides.js";
import { PolicyError } from "../src/model/policy-module.js";
import { figuresOf } from "../src/report/figures.js";
import type { ResultDoc } from "../src/report/result.js";

// Table 2's "With ShareGuard" column, cut to the first 10 s of Domain-3's transfer.
const SHORT = ["duration=50s", "window={ from: 40s, to: 50s }"];
const WITH = "variants[With ShareGuard].shareguard";

function column(sets: string[], name = "With ShareGuard") {
  const loaded = loadScenarioFile("scenarios/shareguard.yaml", [...SHORT, ...sets].map((t) => ({ ...parseOverride(t), flag: "--set" as const })));
  return columnsOf(loaded.scenario).find((c) => c.name === name)!.scenario;
}

async function run(sets: string[], seriesBin?: number): Promise<JobResult> {
  const scenario = column(sets);
  await loadPoliciesOf(scenario);
  return runJob({ scenario, run: 0, seed: 1, seriesBin });
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => "no error",
    (e: Error) => `${e.constructor.name}: ${e.message}`,
  );

describe("a ShareGuard policy module", () => {
  it("the paper's rule as a module gives the built-in ShareGuard's run to the bit: metrics, decisions and series", async () => {
    const builtIn = await run([], 1e9);
    const module = await run([`${WITH}.policy=policies/shareguard.mjs`], 1e9);
    expect(builtIn.decisions.length).toBeGreaterThan(3);
    expect(module.metrics).toEqual(builtIn.metrics);
    expect(module.decisions).toEqual(builtIn.decisions);
    // A module may set a vif rate, so its series also carry what Domain-3's vif sent; the
    // built-in rule cannot, so its series leave that out. Everything else is the same.
    const vifFields = (r: JobResult) => r.series.filter((p) => p.sentMbps !== undefined).map((p) => p.domain);
    expect(new Set(vifFields(module))).toEqual(new Set(["Domain-3"]));
    expect(vifFields(builtIn)).toEqual([]);
    const withoutVif = (r: JobResult) => r.series.map(({ sentMbps: _s, vifRate: _v, ...rest }) => rest);
    expect(withoutVif(module)).toEqual(withoutVif(builtIn));
  });

  it("the throttle as a module gives the built-in throttle's run to the bit", async () => {
    const builtIn = await run([`${WITH}.action=throttle`]);
    const module = await run([`${WITH}.policy=policies/throttle.mjs`]);
    const drops = builtIn.metrics.find((m) => m.key === "Domain-3.shareguardDrops")!.value;
    expect(drops).toBeGreaterThan(0);
    expect(module.metrics).toEqual(builtIn.metrics);
  });

  it("work-conserving: the paper's rule while the IDD is busy, nothing while it has CPU to spare", async () => {
    const always = await run([`${WITH}.policy=policies/work-conserving.mjs`, `${WITH}.options={ busy: 0.01 }`], 1e9);
    const builtIn = await run([], 1e9);
    expect(always.decisions).toEqual(builtIn.decisions);
    const never = await run([`${WITH}.policy=policies/work-conserving.mjs`, `${WITH}.options={ busy: 1 }`], 1e9);
    expect(never.decisions).toEqual([]);
    // Uncut, Domain-3 takes what the "Without" column gives it.
    const without = runJob({ scenario: column([], "Without ShareGuard"), run: 0, seed: 1 });
    const d3 = (r: JobResult) => r.metrics.find((m) => m.key === "Domain-3.idd")!.value;
    expect(d3(never)).toBe(d3(without));
  });

  it("slack throttle: the limit, or what the unlimited guests leave of busy, split among the limited ones", async () => {
    const { default: slackThrottle } = await import("../scenarios/policies/slack-throttle.mjs");
    const reading = (idds: Record<string, number>, iddOf: Record<string, string> = {}) => ({
      time: 1,
      guests: Object.fromEntries(Object.entries(idds).map(([name, idd]) => [name, { idd, iddName: iddOf[name] ?? "Domain-0", cpu: 0, sent: 0, received: 0, cut: false }])),
    });
    const one = slackThrottle({ interval: 0.5, limits: { C: 0.05 }, options: { busy: 0.55 } });
    const [slack] = one.evaluate(reading({ A: 0.1, B: 0.2, C: 0.3 }));
    expect(slack.guest).toBe("C");
    expect(slack.throttle).toBeCloseTo(0.25, 12);
    expect(one.evaluate(reading({ A: 0.3, B: 0.24, C: 0 }))).toEqual([{ guest: "C", throttle: 0.05 }]);
    const two = slackThrottle({ interval: 0.5, limits: { B: 0.05, C: 0.02 }, options: { busy: 0.5 } });
    const split = two.evaluate(reading({ A: 0.3, B: 0.2, C: 0.3 }));
    expect(split.map((a: { guest: string }) => a.guest)).toEqual(["B", "C"]);
    for (const a of split) expect(a.throttle).toBeCloseTo(0.1, 12);
    expect(() => slackThrottle({ interval: 0.5, limits: {}, options: {} })).toThrow(/options\.busy/);
    // With two IDDs each limited guest shares the slack of its own IDD only.
    const iddOf = { A: "IDD-1", B: "IDD-2", C: "IDD-2" };
    const own = slackThrottle({ interval: 0.5, limits: { A: 0.05, C: 0.05 }, options: { busy: 0.5 } }).evaluate(reading({ A: 0.3, B: 0.1, C: 0.3 }, iddOf));
    expect(own.map((a: { guest: string }) => a.guest)).toEqual(["A", "C"]);
    expect(own[0].throttle).toBeCloseTo(0.5, 12);
    expect(own[1].throttle).toBeCloseTo(0.4, 12);
  });

  it("work-conserving judges each IDD on its own guests' use of it", async () => {
    const { default: workConserving } = await import("../scenarios/policies/work-conserving.mjs");
    const policy = workConserving({ interval: 0.5, limits: { A: 0.05, C: 0.05 }, options: { busy: 0.5 } });
    const guest = (idd: number, iddName: string) => ({ idd, iddName, cpu: 0, sent: 0, received: 0, cut: false });
    // IDD-1 is busy (0.6), IDD-2 is not (0.1 + 0.3): only A is cut, for t · ⌈0.2 / 0.05 − 1⌉ = 1.5 s.
    const actions = policy.evaluate({ time: 1, guests: { A: guest(0.2, "IDD-1"), X: guest(0.4, "IDD-1"), B: guest(0.1, "IDD-2"), C: guest(0.3, "IDD-2") }, idds: {} });
    expect(actions).toEqual([{ guest: "A", cut: 1.5 }]);
  });

  it("vif rate: the rate that would have cost the limit over the last interval; none while an unlimited guest keeps within it", async () => {
    const { default: vifRate } = await import("../scenarios/policies/vif-rate.mjs");
    const policy = vifRate({ interval: 0.5, limits: { C: 0.05 }, options: {} });
    const reading = (idd: number, sentBytes: number, rate: number | null) => ({
      time: 1,
      guests: { C: { idd, iddName: "Domain-0", cpu: 0, sent: 0, received: 0, sentBytes, vifRate: rate, blocks: 0, cut: false } },
      idds: {},
    });
    // 2 MB in 0.5 s at 20 % of a CPU: a quarter of 4 MB/s.
    expect(policy.evaluate(reading(0.2, 2e6, null))).toEqual([{ guest: "C", vifRate: 1e6 }]);
    expect(policy.evaluate(reading(0.04, 2e6, null))).toEqual([]);
    // Once limited, the rate follows the price either way; a quiet guest keeps its rate; never under the floor.
    expect(policy.evaluate(reading(0.025, 1e5, 4e5))).toEqual([{ guest: "C", vifRate: 4e5 }]);
    expect(policy.evaluate(reading(0, 0, 4e5))).toEqual([]);
    expect(policy.evaluate(reading(0.5, 1e3, 4e5))).toEqual([{ guest: "C", vifRate: 10_000 }]);
    expect(() => vifRate({ interval: 0.5, limits: {}, options: { floor: 10 } })).toThrow(/at least 20/);
  });

  it("vif rate: holds Domain-3 at its limit by a vif rate set from XenMon's estimate, dropping nothing, as a sender or a receiver", async () => {
    for (const direction of ["send", "recv"]) {
      const r = await run([`${WITH}.policy=policies/vif-rate.mjs`, `domains.Domain-3.workload.direction=${direction}`]);
      const m = (key: string) => r.metrics.find((x) => x.key === `Domain-3.${key}`)!.value;
      // Over the first 10 s of the transfer, the first 0.5 s (before the first evaluation) unheld.
      expect(m("idd"), direction).toBeGreaterThan(4.5);
      expect(m("idd"), direction).toBeLessThan(6);
      expect([m("shareguardCuts"), m("shareguardDrops")]).toEqual([0, 0]);
      expect(m("vifWaits")).toBeGreaterThan(0);
    }
    // Unheld over the same 10 s, the transfer takes well over its limit (6.5 % with this seed).
    const without = runJob({ scenario: column([], "Without ShareGuard"), run: 0, seed: 1 });
    expect(without.metrics.find((x) => x.key === "Domain-3.idd")!.value).toBeGreaterThan(6);
  });

  it("vif rate with fallback cut: a UDP receiver, which no rate can hold, gets the paper's cut, to the bit", async () => {
    const udpRecv = "domains.Domain-3.workload={ type: udp, direction: recv, rate: 14000, size: 256B }";
    const builtIn = await run([udpRecv], 1e9);
    const module = await run([udpRecv, `${WITH}.policy=policies/vif-rate.mjs`, `${WITH}.options={ fallback: cut }`], 1e9);
    expect(builtIn.decisions.length).toBeGreaterThan(3);
    expect(module.metrics).toEqual(builtIn.metrics);
    expect(module.decisions).toEqual(builtIn.decisions);
    // Without the fallback the rate has nothing to go by: no cut, and Domain-3 takes well over its 5 %.
    const plain = await run([udpRecv, `${WITH}.policy=policies/vif-rate.mjs`]);
    const m = (r: JobResult, key: string) => r.metrics.find((x) => x.key === `Domain-3.${key}`)!.value;
    expect(m(plain, "shareguardCuts")).toBe(0);
    expect(m(plain, "idd")).toBeGreaterThan(10);
    const { default: vifRate } = await import("../scenarios/policies/vif-rate.mjs");
    expect(() => vifRate({ interval: 0.5, limits: {}, options: { fallback: "throttle" } })).toThrow('options.fallback must be cut or none, not "throttle"');
    // The rule on its own: a guest that sent nothing, or is at the floor, is cut for t · ⌈idd / limit − 1⌉.
    const policy = vifRate({ interval: 0.5, limits: { C: 0.05 }, options: { fallback: "cut" } });
    const reading = (idd: number, sentBytes: number, rate: number | null) => ({
      time: 1,
      guests: { C: { idd, iddName: "Domain-0", cpu: 0, sent: 0, received: 0, sentBytes, vifRate: rate, blocks: 0, cut: false } },
      idds: {},
    });
    expect(policy.evaluate(reading(0.2, 0, null))).toEqual([{ guest: "C", cut: 1.5 }]);
    expect(policy.evaluate(reading(0.5, 1e3, 10_000))).toEqual([{ guest: "C", cut: 4.5 }]);
    expect(policy.evaluate(reading(0.2, 2e6, 4e5))).toEqual([{ guest: "C", vifRate: 1e6 }]);
    expect(policy.evaluate(reading(0.04, 0, null))).toEqual([]);
  });

  it("vif rate with repay: what a guest took over its limit is made up at the floor, then the rate comes back, time under the limit not banked", async () => {
    const { default: vifRate } = await import("../scenarios/policies/vif-rate.mjs");
    expect(() => vifRate({ interval: 0.5, limits: {}, options: { repay: "yes" } })).toThrow('options.repay must be true or false, not "yes"');
    const reading = (idd: number, sentBytes: number, rate: number | null) => ({
      time: 1,
      guests: { C: { idd, iddName: "Domain-0", cpu: 0, sent: 0, received: 0, sentBytes, vifRate: rate, blocks: 0, cut: false } },
      idds: {},
    });
    const rateOf = (actions: Array<{ guest: string; vifRate?: number }>) => {
      expect(actions.map((a) => a.guest)).toEqual(["C"]);
      return actions[0].vifRate!;
    };
    // Without repay, a first reading at 30 % sets the rate that would have cost 5 %: 4 MB/s · 5/30.
    expect(rateOf(vifRate({ interval: 0.5, limits: { C: 0.05 }, options: {} }).evaluate(reading(0.3, 2e6, null)))).toBeCloseTo(666_666.67, 1);
    const policy = vifRate({ interval: 0.5, limits: { C: 0.05 }, options: { repay: true } });
    // 25 points over: owed 0.25, so the next interval's target is 5 − 25 < 0 and the rate goes to the floor.
    expect(rateOf(policy.evaluate(reading(0.3, 2e6, null)))).toBe(10_000);
    // At the floor the guest takes 1 % an interval and so pays back 4: owed 0.21, 0.17, 0.13, 0.09, 0.05, at the floor throughout.
    for (let k = 0; k < 5; k++) expect(rateOf(policy.evaluate(reading(0.01, 5e3, 10_000)))).toBe(10_000);
    // Owed 0.01: a target of 4 %, priced at 10 KB/s for 1 %.
    expect(rateOf(policy.evaluate(reading(0.01, 5e3, 10_000)))).toBeCloseTo(40_000, 6);
    // It took 5 % against that 4 %: still owed 0.01, so 4 % again, at 400 KB/s for 5 %.
    expect(rateOf(policy.evaluate(reading(0.05, 2e5, 40_000)))).toBeCloseTo(320_000, 6);
    // 3 % clears the debt, and 2 points under it are not banked: the full 5 %, at 200 KB/s for 3 %.
    expect(rateOf(policy.evaluate(reading(0.03, 1e5, 320_000)))).toBeCloseTo(333_333.33, 1);
    expect(rateOf(policy.evaluate(reading(0.03, 1e5, 333_333)))).toBeCloseTo(333_333.33, 1);
    // With the fallback too, an interval that draws a cut is made up by the cut, not owed besides.
    const both = vifRate({ interval: 0.5, limits: { C: 0.05 }, options: { repay: true, fallback: "cut" } });
    expect(rateOf(both.evaluate(reading(0.04, 5e3, 10_000)))).toBeCloseTo(12_500, 6);
    expect(both.evaluate(reading(0.2, 5e3, 10_000))).toEqual([{ guest: "C", cut: 1.5 }]);
    expect(rateOf(both.evaluate(reading(0.04, 2e5, 12_500)))).toBeCloseTo(500_000, 6);
  });

  it("vif rate: the series has what netback sent for Domain-3 and the rate in force in each bin; the figures draw them", async () => {
    const scenario = column([`${WITH}.policy=policies/vif-rate.mjs`]);
    await loadPoliciesOf(scenario);
    const sim = new Simulation(scenario, 0, 1, undefined, { seriesBin: 1e9 });
    sim.execute();
    const series = sim.series();
    const changes = sim.shareguard!.vifRateChanges;
    expect(series.filter((p) => p.domain !== "Domain-3").every((p) => p.sentMbps === undefined && p.vifRate === undefined)).toBe(true);
    const d3 = series.filter((p) => p.domain === "Domain-3");
    // Before the transfer: nothing sent, no limit. The first rate is set 0.5 s into it.
    expect(d3.filter((p) => p.t <= 40).map((p) => [p.sentMbps, p.vifRate])).toEqual(d3.filter((p) => p.t <= 40).map(() => [0, undefined]));
    expect(changes[0].time).toBe(40.5e9);
    for (const p of d3.filter((q) => q.t > 40)) {
      // The rate in force at the end of the bin is the last one set before it ended.
      const last = changes.filter((c) => c.time < p.t * 1e9).at(-1)!;
      expect(p.vifRate).toBeCloseTo((last.rate! * 8) / 1e6, 9);
    }
    // A greedy upload held by its vif sends at the rate, within a chunk's burst and the rate's own change in the bin.
    for (const p of d3.filter((q) => q.t >= 42)) expect(Math.abs(p.sentMbps! / p.vifRate! - 1)).toBeLessThan(0.1);
    const doc = { figures: { bin: 1, columns: [{ column: "With ShareGuard", points: series, cuts: [] }] }, tables: [], scenario: { name: "t" } } as unknown as ResultDoc;
    const vif = figuresOf(doc).filter((f) => f.file.endsWith("g-vif.svg"));
    expect(vif.map((f) => f.caption)).toEqual(["With ShareGuard (g): what netback sent for each rate-limitable guest, and (dashed) its vif's rate limit (not in the paper)"]);
  });

  it("a cut it gives replaces the one in progress, and cut: 0 lifts it; the record says how long the traffic was off", async () => {
    const r = await run([`${WITH}.policy=../test/policies/cut-then-lift.mjs`], 1e9);
    expect(r.decisions).toHaveLength(1);
    const [d] = r.decisions;
    expect(d.domain).toBe("Domain-3");
    // Domain-3 starts at 40 s and is first seen sending at the evaluation at 40.5 s; lifted one interval on.
    expect(d.time).toBe(40.5e9);
    expect(d.cutFor).toBe(0.5e9);
    const off = r.metrics.find((m) => m.key === "Domain-3.shareguardOff")!.value;
    expect(off).toBeCloseTo(5, 9); // 0.5 s of the 10 s window
  });

  it("the trace draws a cut a policy ended early as long as it lasted, and does not call a cut within the limit one over it", async () => {
    const scenario = column([`${WITH}.policy=../test/policies/cut-then-lift.mjs`]);
    await loadPoliciesOf(scenario);
    const trace = (format: "csv" | "chrome") => {
      let text = "";
      const t = new Trace((x) => (text += x), 40e9, 42e9, false, format);
      new Simulation(scenario, 0, 1, undefined, { trace: t }).execute();
      t.finish(scenario.duration);
      return text;
    };
    const slices = (JSON.parse(trace("chrome")).traceEvents as Array<{ ph: string; pid: number; ts: number; dur: number }>).filter((e) => e.ph === "X" && e.pid === 1);
    expect(slices.map((e) => [e.ts, e.dur])).toEqual([[40.5e6, 0.5e6]]);
    // The record says what was decided, when it was decided.
    const row = trace("csv").split("\n").find((l) => l.includes(",cut,"))!;
    expect(row).toMatch(/^40500,,cut,Domain-3,,,used [\d.]+% of the IDD > limit 5%: off 10000 ms$/);
    // A policy may cut a guest within its limit: the record does not say it was over.
    let csv = "";
    const direct = new Trace((x) => (csv += x));
    const d3 = new Simulation(scenario, 0, 1).domains[3];
    direct.cut(d3, { time: 1e9, domain: "Domain-3", used: 0.01, limit: 0.05, cutFor: 0.5e9 });
    direct.flush();
    expect(csv.trimEnd().split("\n")[1]).toBe("1000,,cut,Domain-3,,,used 1% of the IDD ≤ limit 5%: off 500 ms");
  });

  it("is shown every guest's XenMon figures and each IDD's CPU, which its guests' shares add up to", async () => {
    await run([`${WITH}.policy=../test/policies/record.mjs`]);
    const readings = (globalThis as unknown as { policyReadings: Array<{ time: number; guests: Record<string, { idd: number; iddName: string }>; idds: Record<string, { cpu: number; queued: number }> }> }).policyReadings;
    expect(readings.map((r) => r.time).slice(0, 3)).toEqual([0.5, 1, 1.5]);
    expect(readings).toHaveLength(100); // every 0.5 s of the 50 s
    for (const r of readings) {
      expect(Object.keys(r.guests)).toEqual(["Domain-1", "Domain-2", "Domain-3"]);
      expect(Object.values(r.guests).map((g) => g.iddName)).toEqual(["Domain-0", "Domain-0", "Domain-0"]);
      const shares = Object.values(r.guests).reduce((a, g) => a + g.idd, 0);
      expect(shares).toBeCloseTo(r.idds["Domain-0"].cpu, 9);
    }
    // Domain-3's transfer shows from 40 s on.
    expect(readings.find((r) => r.guests["Domain-3"].idd > 0)!.time).toBe(40.5);
    // Domain-0's backlog is a count of tasks, and some intervals end with packets in it.
    const queued = readings.map((r) => r.idds["Domain-0"].queued);
    expect(queued.every((q) => Number.isInteger(q) && q >= 0)).toBe(true);
    expect(queued.some((q) => q > 0)).toBe(true);
  });

  it("what it returns is checked: a guest outside limits, none or two of cut, throttle and vifRate, a bad number", async () => {
    const cases: Array<[string, string]> = [
      ["[{ guest: Domain-1, cut: 1 }]", "guest must name a guest in shareguard.limits (Domain-3)"],
      ["[{ guest: Domain-3 }]", "give one of cut (seconds), throttle (a share of a CPU) or vifRate (bytes per second, or null)"],
      ["[{ guest: Domain-3, cut: 1, throttle: 0.1 }]", "give one of cut (seconds), throttle"],
      ["[{ guest: Domain-3, cut: 1, vifRate: null }]", "give one of cut (seconds), throttle"],
      ["[{ guest: Domain-3, vifRate: -5 }]", "vifRate must be a finite number of bytes per second, or null for no limit"],
      ["[{ guest: Domain-3, vifRate: 10 }]", "vifRate × the vif's interval (50 ms) is 0 bytes of credit: it must be 1 byte to 2^32 − 1"],
      ["[{ guest: Domain-3, cut: -1 }]", "cut must be a finite number ≥ 0"],
      ["[{ guest: Domain-3, throttle: 2 }]", "throttle is a share of one CPU, at most 1"],
      ["[42]", "expected an object"],
      ["{ guest: Domain-3 }", "returned object; expected an array of actions"],
    ];
    for (const [actions, message] of cases) {
      const err = await failure(run([`${WITH}.policy=../test/policies/returns.mjs`, `${WITH}.options={ actions: ${actions} }`]));
      expect(err).toMatch(/^PolicyError: .*test\/policies\/returns\.mjs: evaluate at 0\.5 s/);
      expect(err).toContain(message);
    }
  });

  it("a policy that throws stops the run with its module, the time and its error", async () => {
    const err = await failure(run([`${WITH}.policy=../test/policies/throws.mjs`]));
    expect(err).toMatch(/^PolicyError: .*test\/policies\/throws\.mjs: evaluate at 1\.5 s threw: RangeError: no more$/);
  });

  it("a module whose default export is not a function is refused when it is loaded", async () => {
    const err = await failure(loadPoliciesOf(column([`${WITH}.policy=../test/policies/not-a-function.mjs`])));
    expect(err).toMatch(/^PolicyError: .*not-a-function\.mjs: its default export must be a function .*; it is object$/);
  });

  it("a missing module, a non-JavaScript file, action: throttle and options without a policy are refused at their place", () => {
    const problems = (sets: string[]) => {
      try {
        column(sets);
        return [];
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        return e.diagnostics;
      }
    };
    expect(problems([`${WITH}.policy=nowhere.mjs`])).toEqual([
      expect.stringMatching(/^scenarios\/shareguard\.yaml: --set variants\[With ShareGuard\]\.shareguard\.policy=nowhere\.mjs: variants\[2\]\.shareguard\.policy: .*scenarios\/nowhere\.mjs: no such file \(a relative path is read from the scenario file's folder\)$/),
    ]);
    expect(problems([`${WITH}.policy=shareguard.yaml`])[0]).toMatch(/shareguard\.yaml: a policy is a JavaScript module \(\.js or \.mjs\)$/);
    expect(problems([`${WITH}.policy=policies/shareguard.mjs`, `${WITH}.action=throttle`])[0]).toMatch(/shareguard\.action: a policy decides its own actions \(cut, throttle or vif rate\): leave action out/);
    expect(problems([`${WITH}.options={ busy: 1 }`])[0]).toMatch(/shareguard\.options: options are for a policy module: give shareguard\.policy too/);
  });

  it("a run's policy gets its own copy of the options, so one run cannot change the next", async () => {
    const scenario = column([`${WITH}.policy=policies/work-conserving.mjs`, `${WITH}.options={ busy: 0.5 }`]);
    await loadPoliciesOf(scenario);
    new Simulation(scenario, 0, 1);
    expect(scenario.shareguard?.options).toEqual({ busy: 0.5 });
    const bad = column([`${WITH}.policy=policies/work-conserving.mjs`, `${WITH}.options={ busy: 2 }`]);
    await loadPoliciesOf(bad);
    expect(() => new Simulation(bad, 0, 1)).toThrow(PolicyError);
    expect(() => new Simulation(bad, 0, 1)).toThrow(/work-conserving\.mjs: its default export threw: Error: options\.busy must be a share of a CPU/);
  });
});

describe("a debt policy module (scheduler.debtPolicy)", () => {
  // Table 1's SEDF-DC column, cut to 20 s.
  const sedfDc = (sets: string[]) => {
    const loaded = loadScenarioFile("scenarios/sedf-dc.yaml", ["duration=20s", ...sets].map((t) => ({ ...parseOverride(t), flag: "--set" as const })));
    return columnsOf(loaded.scenario).find((c) => c.name === "SEDF-DC")!.scenario;
  };
  const runDebt = async (sets: string[]) => {
    const scenario = sedfDc(sets);
    await loadPoliciesOf(scenario);
    return runJob({ scenario, run: 0, seed: 1 });
  };
  const SCHED = "variants[SEDF-DC].scheduler";

  it("the paper's rule as a module gives the built-in SEDF-DC's run to the bit", async () => {
    const builtIn = await runDebt([]);
    const module = await runDebt([`${SCHED}.debtPolicy=policies/sedf-dc.mjs`]);
    expect(module.metrics).toEqual(builtIn.metrics);
  });

  it("an allowance comes on top of the guest's share: combined use is its 22 % plus what it may cause free", async () => {
    const combined = (r: JobResult) => r.metrics.find((m) => m.key === "Domain-1.combined")!.value;
    const paper = await runDebt([]);
    const free = await runDebt([`${SCHED}.debtPolicy=policies/debt-allowance.mjs`, `${SCHED}.debtOptions={ free: 0.02 }`]);
    expect(combined(paper)).toBeCloseTo(22, 0);
    expect(combined(free)).toBeGreaterThan(combined(paper) + 1.5);
    expect(combined(free)).toBeLessThan(combined(paper) + 2.5);
  });

  it("what it returns is checked, and it is refused where no scheduler collects debt", async () => {
    const bad = async (actions: string) =>
      failure(runDebt([`${SCHED}.debtPolicy=../test/policies/returns.mjs`, `${SCHED}.debtOptions={ actions: ${actions} }`]));
    expect(await bad("[{ guest: Domain-1, debt: -1 }]")).toMatch(/^PolicyError: .*returns\.mjs: evaluate at 0\.5 s: action 0 \(.*\): debt must be a finite number of seconds ≥ 0$/);
    expect(await bad("[{ guest: Domain-0, debt: 1 }]")).toMatch(/guest must name a guest in the reading \(Domain-1, Domain-2, Domain-3\)$/);
    const refused = (sets: string[]) => {
      try {
        sedfDc(sets);
        return "";
      } catch (e) {
        return (e as UsageError).diagnostics.join("\n");
      }
    };
    expect(refused(["variants[SEDF].scheduler.debtPolicy=policies/sedf-dc.mjs"])).toMatch(/variants\[0\]\.scheduler\.debtPolicy: a debt policy is for a scheduler that collects debt \(sedf-dc or credit-dc\), and this one runs sedf/);
    expect(refused([`${SCHED}.debtOptions={ free: 1 }`])).toMatch(/scheduler\.debtOptions: debtOptions are for a debt policy module: give scheduler\.debtPolicy too/);
  });
});

describe("a share policy module (scheduler.sharePolicy)", () => {
  // Table 1's SEDF column, cut to 20 s: both web servers want more than their 22 %.
  const sedf = (sets: string[], name = "SEDF") => {
    const loaded = loadScenarioFile("scenarios/sedf-dc.yaml", ["duration=20s", ...sets].map((t) => ({ ...parseOverride(t), flag: "--set" as const })));
    return columnsOf(loaded.scenario).find((c) => c.name === name)!.scenario;
  };
  const runShare = async (sets: string[], name = "SEDF", seriesBin?: number) => {
    const scenario = sedf(sets, name);
    await loadPoliciesOf(scenario);
    return runJob({ scenario, run: 0, seed: 1, seriesBin });
  };
  const SCHED = "variants[SEDF].scheduler";
  const metric = (r: JobResult, key: string) => r.metrics.find((m) => m.key === key)!.value;
  const returning = (actions: string, scheduler = SCHED) => [`${scheduler}.sharePolicy=../test/policies/returns.mjs`, `${scheduler}.shareOptions={ actions: ${actions} }`];

  it("one that sets nothing leaves the run as it was; it is shown each domain's share and XenMon's figures every interval", async () => {
    const plain = await runShare([]);
    const watched = await runShare([`${SCHED}.sharePolicy=../test/policies/record.mjs`]);
    expect(watched.metrics.filter((m) => !m.key.endsWith(".share"))).toEqual(plain.metrics);
    expect(watched.metrics.filter((m) => m.key.endsWith(".share")).map((m) => m.value)).toEqual([22, 22, 22, 0]);
    type Reading = { time: number; domains: Record<string, { share: number; extratime: boolean; cpu: number; waited: number; blocked: number; idd: number; queued: number }> };
    const readings = (globalThis as unknown as { policyReadings: Reading[] }).policyReadings;
    expect(readings.map((r) => r.time).slice(0, 3)).toEqual([0.5, 1, 1.5]);
    expect(readings).toHaveLength(40);
    for (const { domains } of readings) {
      expect(Object.keys(domains)).toEqual(["Domain-0", "Domain-1", "Domain-2", "Domain-3"]);
      expect(domains["Domain-1"].share).toBeCloseTo(0.22, 12);
      expect([domains["Domain-1"].extratime, domains["Domain-3"].extratime]).toEqual([false, true]);
      expect(domains["Domain-3"].queued).toBe(0); // CPU-bound: spinning, with no tasks
      // Each domain is running, waiting or blocked all through the interval; the CPU is never idle (Domain-3 spins).
      for (const d of Object.values(domains)) expect(d.cpu + d.waited + d.blocked).toBeCloseTo(1, 9);
      expect(Object.values(domains).reduce((a, d) => a + d.cpu, 0)).toBeCloseTo(1, 9);
      // XenMon hands all of Domain-0's CPU to the guests it served.
      expect(domains["Domain-0"].idd).toBe(0);
      expect(domains["Domain-1"].idd + domains["Domain-2"].idd).toBeCloseTo(domains["Domain-0"].cpu, 9);
    }
  });

  it("a share it sets is the domain's SEDF slice from its next period on, in the series and the window's average", async () => {
    const r = await runShare(returning("[{ domain: Domain-1, share: 0.1 }]"), "SEDF", 1e9);
    // 22 % for the first 0.5 s, 10 % for the other 19.5 s.
    const expected = (0.5 * 22 + 19.5 * 10) / 20;
    expect(metric(r, "Domain-1.share")).toBeCloseTo(expected, 9);
    expect(metric(r, "Domain-1.cpu")).toBeGreaterThan(expected - 0.3);
    expect(metric(r, "Domain-1.cpu")).toBeLessThan(expected + 0.3);
    expect(metric(r, "Domain-2.share")).toBe(22);
    const d1 = r.series.filter((p) => p.domain === "Domain-1");
    expect(d1.map((p) => p.share)).toEqual(d1.map(() => 10));
    // An overloaded server uses what it may, and no more.
    for (const p of d1.slice(1)) expect(p.cpu).toBeLessThan(10 + 1e-6);
    expect(d1.at(-1)!.cpu).toBeGreaterThan(9);
  });

  it("under credit a share is the domain's cap", async () => {
    const credit = await runShare([`${SCHED}.type=credit`, ...returning("[{ domain: Domain-1, share: 0.1 }]")]);
    const expected = (0.5 * 22 + 19.5 * 10) / 20;
    expect(metric(credit, "Domain-1.share")).toBeCloseTo(expected, 9);
    expect(Math.abs(metric(credit, "Domain-1.cpu") - expected)).toBeLessThan(1);
    expect(await failure(runShare([`${SCHED}.type=credit`, ...returning("[{ domain: Domain-1, share: 0 }]")]))).toMatch(
      /action 0 \(.*\): Domain-1 runs under the credit scheduler, where a share is a cap: at least 1 % \(Xen reads a cap of 0 as none\)$/,
    );
  });

  it("extratime: false makes an SEDF share a hard cap; credit has no such flag", async () => {
    // Domain-3 is CPU-bound on slack alone (share 0 %, extratime): it takes what the others leave.
    const free = await runShare([]);
    const capped = await runShare(returning("[{ domain: Domain-3, share: 0.05, extratime: false }]"), "SEDF", 1e9);
    expect(metric(free, "Domain-3.cpu")).toBeGreaterThan(20);
    // 0.5 s on slack, then 5 % of the CPU and no more.
    expect(metric(capped, "Domain-3.cpu")).toBeLessThan((0.5 * metric(free, "Domain-3.cpu") + 19.5 * 5) / 20 + 0.5);
    for (const p of capped.series.filter((x) => x.domain === "Domain-3").slice(1)) expect(p.cpu).toBeCloseTo(5, 6);
    expect(await failure(runShare([`${SCHED}.type=credit`, ...returning("[{ domain: Domain-3, share: 0.05, extratime: false }]")]))).toMatch(
      /Domain-3 runs under the credit scheduler, which has no extratime \(a cap alone limits it\)$/,
    );
    expect(await failure(runShare(returning("[{ domain: Domain-3, share: 0.05, extratime: 1 }]")))).toMatch(/extratime must be true or false$/);
  });

  it("source cap: a limited guest's share becomes what would cause its limit in the IDD, at the rate it last caused it", async () => {
    const { default: sourceCap } = await import("../scenarios/policies/source-cap.mjs");
    const domains = { "Domain-0": { idd: true, scheduler: "sedf" }, "Domain-3": { idd: false, iddName: "Domain-0", scheduler: "sedf" } };
    const policy = sourceCap({ interval: 0.5, domains, options: { limits: { "Domain-3": 0.05 } } });
    const reading = (cpu: number, idd: number, share: number, extratime: boolean) => ({ time: 1, domains: { "Domain-3": { share, extratime, cpu, idd, waited: 0, blocked: 0 } } });
    // Idle: it keeps what the scenario gave it.
    expect(policy.evaluate(reading(0, 0, 0.33, true))).toEqual([{ domain: "Domain-3", share: 0.33, extratime: true }]);
    // 2 % of its own CPU caused 20 % of the IDD: 0.2 % would cause 5 %.
    const [cap] = policy.evaluate(reading(0.02, 0.2, 0.33, true));
    expect(cap.share).toBeCloseTo(0.005, 12);
    expect(cap.extratime).toBe(false);
    // Once the rate allows its own share again, it has that back, extratime too.
    expect(policy.evaluate(reading(0.005, 0.0005, 0.005, false))).toEqual([{ domain: "Domain-3", share: 0.33, extratime: true }]);
    expect(() => sourceCap({ interval: 0.5, domains, options: { limits: { "Domain-0": 0.05 } } })).toThrow(/not a guest with a net-IDD/);
    expect(() => sourceCap({ interval: 0.5, domains: { ...domains, "Domain-3": { ...domains["Domain-3"], scheduler: "credit" } }, options: { limits: { "Domain-3": 0.05 } } })).toThrow(/needs SEDF's extratime/);
  });

  it("cap less IDD use holds the combined use at the cap, as SEDF-DC does", async () => {
    const caps = "{ caps: { Domain-1: 0.22, Domain-2: 0.22 } }";
    const policy = await runShare([`${SCHED}.sharePolicy=policies/combined-share.mjs`, `${SCHED}.shareOptions=${caps}`]);
    const dc = await runShare([], "SEDF-DC");
    for (const guest of ["Domain-1", "Domain-2"]) {
      expect(Math.abs(metric(policy, `${guest}.combined`) - 22)).toBeLessThan(0.5);
      expect(Math.abs(metric(policy, `${guest}.combined`) - metric(dc, `${guest}.combined`))).toBeLessThan(0.5);
      // Its own share is what the IDD work leaves of 22 %.
      expect(metric(policy, `${guest}.share`)).toBeCloseTo(22 - metric(policy, `${guest}.idd`), 0);
    }
    const { default: combinedShare } = await import("../scenarios/policies/combined-share.mjs");
    const domains = { "Domain-0": { idd: true }, "Domain-1": { idd: false } };
    expect(() => combinedShare({ interval: 0.5, domains, options: {} })).toThrow(/options\.caps must give a cap per guest/);
    expect(() => combinedShare({ interval: 0.5, domains, options: { caps: { "Domain-0": 0.2 } } })).toThrow(/Domain-0 is not a guest/);
    expect(() => combinedShare({ interval: 0.5, domains, options: { caps: { "Domain-1": 2 } } })).toThrow(/must be a share of a CPU/);
  });

  it("what it returns is checked: a domain it does not know, a share outside 0..1, a CPU over-committed", async () => {
    const bad = async (actions: string) => failure(runShare(returning(actions)));
    expect(await bad("[{ domain: Domain-9, share: 0.1 }]")).toMatch(/^PolicyError: .*returns\.mjs: evaluate at 0\.5 s: action 0 \(.*\): domain must name a domain \(Domain-0, Domain-1, Domain-2, Domain-3\)$/);
    expect(await bad("[{ domain: Domain-1, share: 1.5 }]")).toMatch(/share must be a share of one CPU, from 0 to 1$/);
    expect(await bad("[{ domain: Domain-1, share: 0.7 }]")).toMatch(/returns\.mjs: evaluate at 0\.5 s: the shares it sets on CPU 0 add up to 114\.0 %, more than the CPU has$/);
    // Moving a share from one domain to another in one evaluation is fine.
    const moved = await runShare(returning("[{ domain: Domain-1, share: 0.5 }, { domain: Domain-2, share: 0.06 }]"));
    expect(metric(moved, "Domain-1.share")).toBeCloseTo((0.5 * 22 + 19.5 * 50) / 20, 9);
    expect(metric(moved, "Domain-2.cpu")).toBeLessThan(6.5);
  });

  it("a trace records each share it sets, as a CSV row and a Perfetto counter", async () => {
    const scenario = sedf(["duration=3s", `${SCHED}.sharePolicy=policies/combined-share.mjs`, `${SCHED}.shareOptions={ caps: { Domain-1: 0.22 } }`]);
    await loadPoliciesOf(scenario);
    const traced = (format: "csv" | "chrome") => {
      let text = "";
      const trace = new Trace((x) => (text += x), 0, Infinity, false, format);
      const sim = new Simulation(scenario, 0, 1, undefined, { trace });
      sim.execute();
      trace.finish(sim.engine.now);
      return { text, changes: sim.shares!.changes };
    };
    const { text: csv, changes } = traced("csv");
    expect(changes.map((c) => c.time / 1e6)).toEqual([500, 1000, 1500, 2000, 2500, 3000]);
    const rows = csv.split("\n").filter((l) => l.includes(",share,"));
    expect(rows).toEqual(changes.map((c) => `${c.time / 1e6},0,share,Domain-1,,,set to ${+(100 * c.share).toFixed(2)}%`));
    const { text: json } = traced("chrome");
    const counters = (JSON.parse(json) as { traceEvents: Array<{ name: string; ph: string; ts: number; args: Record<string, number> }> }).traceEvents.filter((e) => e.ph === "C" && e.name === "Domain-1 share (%)");
    expect(counters.map((e) => e.ts)).toEqual(changes.map((c) => c.time / 1e3));
    expect(counters[0].args["Domain-1"]).toBeCloseTo(100 * changes[0].share, 4);
  });

  it("shareOptions without a share policy are refused at their place", () => {
    let diagnostics: string[] = [];
    try {
      sedf([`${SCHED}.shareOptions={ caps: {} }`]);
    } catch (e) {
      diagnostics = (e as UsageError).diagnostics;
    }
    expect(diagnostics.join("\n")).toMatch(/variants\[0\]\.scheduler\.shareOptions: shareOptions are for a share policy module: give scheduler\.sharePolicy too/);
  });
});
