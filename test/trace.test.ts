import { describe, expect, it } from "vitest";
import { Simulation } from "../src/model/simulation.js";
import { Trace, TRACE_FIELDS } from "../src/model/trace.js";
import { renderSvg, traceFigure } from "../src/report/figures.js";
import { parseScenario } from "../src/scenario/load.js";

/** One CPU under SEDF-DC: the IDD, a web server and a CPU-bound domain taking the slack. */
const SEDF_DC = `name: traced
profile: p4-2.8
duration: 3s
scheduler: { type: sedf-dc }
domains:
  - { name: Domain-0, idd: true, share: 30% }
  - { name: Domain-1, share: 25%, workload: { type: web, rate: 400, fileSize: 10KB } }
  - { name: Domain-2, share: 10%, extratime: true, workload: { type: cpu } }
`;

/** Two CPUs: a bulk upload that ShareGuard keeps cutting to hold it to 2 % of the IDD. */
const CUT = `name: cut
profile: system-2
duration: 4s
domains:
  - { name: Domain-0, idd: true, cpu: 0, share: 60% }
  - { name: Domain-1, cpu: 1, share: 33%, workload: { type: bulk } }
shareguard: { limits: { Domain-1: 2% } }
`;

/** The credit scheduler parking a capped CPU-bound domain at every accounting it ends in debt. */
const PARK = `name: park
profile: system-1
duration: 1s
scheduler: { type: credit }
domains:
  - { name: Domain-0, idd: true, share: 20% }
  - { name: Domain-1, cap: 25%, workload: { type: cpu } }
`;

/** Two guests on one disk under CFQ: a random reader one request at a time, and a streamer. */
const DISK = `name: disk
profile: p4-2.8
duration: 1s
host: { disk: { elevator: cfq } }
domains:
  - { name: Domain-0, idd: true, share: 40% }
  - { name: Domain-1, share: 20%, workload: { type: disk, size: 4KB, access: random, depth: 1 } }
  - { name: Domain-2, share: 20%, workload: { type: disk, size: 44KB, access: sequential, depth: 8 } }
`;

interface Row {
  time: number;
  cpu: string;
  event: string;
  domain: string;
  prev: string;
  ran: number;
  detail: string;
}

function traced(scenarioText: string, from?: number, to?: number) {
  let csv = "";
  const trace = new Trace((t) => (csv += t), from, to);
  const sim = new Simulation(parseScenario(scenarioText), 0, 1, undefined, { trace });
  const result = sim.execute();
  trace.flush();
  const [header, ...lines] = csv.trimEnd().split("\n");
  expect(header).toBe(TRACE_FIELDS.join(","));
  // No field of these scenarios needs quoting, so a plain split reads them.
  const rows: Row[] = lines.map((l) => {
    const [time, cpu, event, domain, prev, ran, detail] = l.split(",");
    return { time: Number(time), cpu, event, domain, prev, ran: Number(ran), detail };
  });
  return { sim, result, rows };
}

describe("a scheduling trace (xeniso trace)", () => {
  it("records every switch: each CPU's switches chain, their times add up to each domain's CPU time, and they number its executions", () => {
    const { sim, rows } = traced(SEDF_DC);
    expect(rows.map((r) => r.time)).toEqual([...rows.map((r) => r.time)].sort((a, b) => a - b));
    const switches = rows.filter((r) => r.event === "switch");
    let running = "idle";
    let since = 0;
    const ran = new Map<string, number>();
    for (const s of switches) {
      expect(s.prev).toBe(running);
      expect(s.domain).not.toBe(s.prev);
      expect(s.ran).toBeCloseTo(1000 * (s.time - since), 3);
      ran.set(s.prev, (ran.get(s.prev) ?? 0) + s.ran);
      running = s.domain;
      since = s.time;
    }
    ran.set(running, (ran.get(running) ?? 0) + 1000 * (3000 - since));
    // Why each left: a CPU-bound domain never blocks; an idle CPU gives no reason.
    for (const s of switches.filter((x) => x.prev === "idle")) expect(s.detail).toBe("");
    expect(new Set(switches.filter((s) => s.prev !== "idle").map((s) => s.detail))).toEqual(new Set(["blocked", "slice over", "preempted"]));
    expect(switches.some((s) => s.prev === "Domain-2" && s.detail === "blocked")).toBe(false);
    for (const d of sim.domains) {
      expect(ran.get(d.name)! * 1e3).toBeCloseTo(d.timeInAt("running", sim.engine.now), -1);
      expect(switches.filter((s) => s.domain === d.name)).toHaveLength(d.execCount);
    }
    // The web server blocks and wakes; SEDF-DC's feedback charges it debt every 500 ms.
    expect(rows.filter((r) => r.event === "wake" && r.domain === "Domain-1").length).toBeGreaterThan(100);
    const debts = rows.filter((r) => r.event === "debt");
    expect(new Set(debts.map((r) => r.time))).toEqual(new Set([500, 1000, 1500, 2000, 2500, 3000]));
    expect(debts.every((r) => r.domain === "Domain-1" && /^added \d+(\.\d+)? us$/.test(r.detail))).toBe(true);
  });

  it("changes nothing in the run, and keeps only the events of its window", () => {
    const plain = new Simulation(parseScenario(SEDF_DC), 0, 1).execute();
    const { result, rows } = traced(SEDF_DC, 1e9, 1.5e9);
    expect(result.metrics).toEqual(plain.metrics);
    expect(result.events).toBe(plain.events);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.time >= 1000 && r.time < 1500)).toBe(true);
  });

  it("gives the same run when it runs a second at a time, as a trace to a pipe does", async () => {
    for (const text of [SEDF_DC, SEDF_DC.replace("type: sedf-dc", "type: credit-dc")]) {
      const whole = new Simulation(parseScenario(text), 0, 1).execute();
      let pauses = 0;
      const stepped = await new Simulation(parseScenario(text), 0, 1).executeInSteps(0.25e9, async () => void pauses++);
      expect(pauses).toBe(11);
      expect(stepped.metrics).toEqual(whole.metrics);
      expect(stepped.events).toBe(whole.events);
    }
  });

  it("keeps, for a chart, who ran when on each CPU within its window, adding up to each domain's CPU time there", async () => {
    const trace = new Trace(() => {}, 1e9, 1.2e9, true);
    const sim = new Simulation(parseScenario(SEDF_DC), 0, 1, undefined, { trace });
    // Each domain's CPU time in the window, from its own account.
    const inWindow = new Map<string, number>();
    sim.engine.at(1e9, () => sim.domains.forEach((d) => inWindow.set(d.name, -d.timeInAt("running", 1e9))));
    sim.engine.at(1.2e9, () => sim.domains.forEach((d) => inWindow.set(d.name, inWindow.get(d.name)! + d.timeInAt("running", 1.2e9))));
    sim.execute();
    trace.finish(sim.scenario.duration);
    const spans = trace.spans!;
    for (const d of sim.domains) {
      const ran = spans.filter((x) => x.domain === d.name).reduce((a, x) => a + (x.to - x.from), 0);
      expect(ran * 1e6).toBeCloseTo(inWindow.get(d.name)!, -1);
    }
    expect(spans.every((x) => x.cpu === 0 && x.from >= 1000 && x.to <= 1200 && x.to > x.from)).toBe(true);
    // One CPU runs one domain at a time: the spans follow one another.
    for (let i = 1; i < spans.length; i++) expect(spans[i].from).toBeGreaterThanOrEqual(spans[i - 1].to - 1e-9);
    const svg = await renderSvg(traceFigure("t", spans, [], sim.domains.map((d) => d.name), 1));
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain("CPU 0");
  });

  it("records ShareGuard's cuts as it decides them, with how long", () => {
    const { sim, rows } = traced(CUT);
    const cuts = rows.filter((r) => r.event === "cut");
    const decisions = sim.shareguard!.decisions;
    expect(decisions.length).toBeGreaterThan(0);
    expect(cuts.map((r) => r.time)).toEqual(decisions.map((d) => d.time / 1e6));
    expect(cuts[0].detail).toBe(`used ${+(100 * decisions[0].used).toFixed(2)}% of the IDD > limit 2%: off ${decisions[0].cutFor / 1e6} ms`);
  });

  it("records the credit scheduler parking and unparking a capped domain", () => {
    const { rows } = traced(PARK);
    const parking = rows.filter((r) => r.event === "park" || r.event === "unpark");
    expect(parking.length).toBeGreaterThan(4);
    expect(parking.every((r) => r.domain === "Domain-1")).toBe(true);
    // They alternate, starting with a park.
    parking.forEach((r, i) => expect(r.event).toBe(i % 2 === 0 ? "park" : "unpark"));
  });

  it("writes the same run as Trace Event JSON: each CPU's slices follow one another and add up to each domain's CPU time", () => {
    let json = "";
    let csv = "";
    const chrome = new Trace((t) => (json += t), 1e9, 2.5e9, false, "chrome");
    const plain = new Trace((t) => (csv += t), 1e9, 2.5e9);
    // Both formats of one run: a tee of the CPU's observer.
    const sim = new Simulation(parseScenario(SEDF_DC), 0, 1, undefined, { trace: chrome });
    const inWindow = new Map<string, number>();
    sim.engine.at(1e9, () => sim.domains.forEach((d) => inWindow.set(d.name, -d.timeInAt("running", 1e9))));
    sim.engine.at(2.5e9, () => sim.domains.forEach((d) => inWindow.set(d.name, inWindow.get(d.name)! + d.timeInAt("running", 2.5e9))));
    const tee = { switched: plain.switched.bind(plain), woke: plain.woke.bind(plain) };
    const cpu = sim.cpus[0];
    const original = cpu.observer!;
    cpu.observer = {
      switched: (...a) => (original.switched(...a), tee.switched(...a)),
      woke: (...a) => (original.woke(...a), tee.woke(...a)),
    };
    sim.execute();
    chrome.finish(sim.scenario.duration);
    plain.finish(sim.scenario.duration);

    interface Ev { name: string; ph: string; ts: number; dur?: number; pid: number; tid?: number; args?: Record<string, unknown> }
    const events: Ev[] = JSON.parse(json).traceEvents;
    const slices = events.filter((e) => e.ph === "X" && e.pid === 0).sort((a, b) => a.ts - b.ts);
    for (const d of sim.domains) {
      const ran = slices.filter((e) => e.name === d.name).reduce((a, e) => a + e.dur!, 0);
      expect(ran * 1e3).toBeCloseTo(inWindow.get(d.name)!, -1);
    }
    expect(slices.every((e) => e.tid === 0 && e.ts >= 1e6 && e.ts + e.dur! <= 2.5e6 + 1e-6 && e.dur! > 0)).toBe(true);
    for (let i = 1; i < slices.length; i++) expect(slices[i].ts).toBeGreaterThanOrEqual(slices[i - 1].ts + slices[i - 1].dur! - 1e-6);
    // A slice says why the domain left, as the CSV's switch row does (away from the
    // window's edges, where a switch and the slice it ends may fall on either side).
    const rows = csv.trimEnd().split("\n").slice(1).map((l) => l.split(","));
    const inside = (ms: number) => ms > 1000 && ms < 2500;
    const leftCsv = rows.filter((r) => r[2] === "switch" && r[4] !== "idle" && inside(Number(r[0]))).map((r) => r[6]);
    const leftJson = slices.filter((e) => inside((e.ts + e.dur!) / 1e3)).map((e) => e.args!.left);
    expect(leftJson).toEqual(leftCsv);
    expect(leftJson.length).toBeGreaterThan(1000);
    // Every wake-up is an instant, and SEDF-DC's debt a counter at each feedback in the window.
    expect(events.filter((e) => e.ph === "i").map((e) => `${e.ts} ${e.name}`)).toEqual(
      rows.filter((r) => r[2] === "wake").map((r) => `${+(Number(r[0]) * 1e3).toFixed(3)} wake ${r[3]}`),
    );
    expect(events.filter((e) => e.ph === "C" && e.name.endsWith("debt added (us)")).map((e) => e.ts)).toEqual([1e6, 1.5e6, 2e6]);
    // Each track is named once.
    const names = events.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => `${e.pid}:${e.tid}`);
    expect(names).toEqual(["0:0"]);
    // The IDD's queued work at each of its switches: none when it left because it blocked, some when it was picked.
    const queued = new Map(events.filter((e) => e.name === "Domain-0 queued tasks").map((e) => [e.ts, e.args!["Domain-0"] as number]));
    const at = (r: string[]) => queued.get(+(Number(r[0]) * 1e3).toFixed(3));
    const switches = rows.filter((r) => r[2] === "switch");
    const left = switches.filter((r) => r[4] === "Domain-0");
    expect(left.length).toBeGreaterThan(10);
    for (const r of left.filter((x) => x[6] === "blocked")) expect(at(r)).toBe(0);
    for (const r of switches.filter((x) => x[3] === "Domain-0")) expect(at(r)).toBeGreaterThan(0);
    expect(queued.size).toBe(switches.filter((r) => r[3] === "Domain-0" || r[4] === "Domain-0").length);
  });

  it("records each request the disk serves, one at a time, and CFQ's turns in them", () => {
    const { result, rows } = traced(DISK);
    expect(result.metrics).toEqual(new Simulation(parseScenario(DISK), 0, 1).execute().metrics);
    const disk = rows.filter((r) => r.event === "disk");
    // Back to back and never overlapping: each starts (its end less its time) no earlier than the last ended.
    for (let k = 1; k < disk.length; k++) expect(disk[k].time - disk[k].ran / 1e3).toBeGreaterThanOrEqual(disk[k - 1].time - 1e-6);
    // The reader's requests all position; the streamer's only the first of each turn.
    expect(disk.filter((r) => r.domain === "Domain-1").every((r) => r.detail === "Domain-0's disk: positioned")).toBe(true);
    const turns: Array<{ domain: string; rows: Row[] }> = [];
    for (const r of disk) {
      if (turns.length === 0 || turns[turns.length - 1].domain !== r.domain) turns.push({ domain: r.domain, rows: [] });
      turns[turns.length - 1].rows.push(r);
    }
    for (const t of turns.filter((x) => x.domain === "Domain-2")) {
      expect(t.rows.map((r) => r.detail.endsWith(": positioned"))).toEqual(t.rows.map((_, i) => i === 0));
    }
    // Each whole turn holds the disk for its 100 ms slice, give or take a request.
    for (const t of turns.slice(1, -1)) {
      const span = t.rows[t.rows.length - 1].time - (t.rows[0].time - t.rows[0].ran / 1e3);
      expect(span).toBeGreaterThan(99);
      expect(span).toBeLessThan(114);
    }
    // The disk's time in the records is each guest's share of it (the window is the whole second).
    for (const d of ["Domain-1", "Domain-2"]) {
      const busy = disk.filter((r) => r.domain === d).reduce((a, r) => a + r.ran, 0);
      expect(busy / 1e4).toBeCloseTo(result.metrics.find((m) => m.key === `${d}.diskBusy`)!.value, 3);
    }
    // As Trace Event JSON: the same requests as slices on the disks' track, one thread per driver domain.
    let json = "";
    const chrome = new Trace((t) => (json += t), 0, Infinity, false, "chrome");
    const sim = new Simulation(parseScenario(DISK), 0, 1, undefined, { trace: chrome });
    sim.execute();
    chrome.finish(sim.scenario.duration);
    const spans = (JSON.parse(json).traceEvents as Array<{ name: string; ph: string; dur: number; pid: number; tid: number }>).filter((e) => e.pid === 3 && e.ph === "X");
    expect(spans.map((e) => [e.name, e.dur, e.tid])).toEqual(disk.map((r) => [r.domain, r.ran, 0]));
  });

  it("keeps, for a chart, whose request each disk served when, and draws the disk as a lane of its own", async () => {
    const trace = new Trace(() => {}, 0.1e9, 0.4e9, true);
    const sim = new Simulation(parseScenario(DISK), 0, 1, undefined, { trace });
    sim.execute();
    trace.finish(sim.scenario.duration);
    const disk = trace.diskSpans!;
    expect(new Set(disk.map((x) => x.domain))).toEqual(new Set(["Domain-1", "Domain-2"]));
    expect(disk.every((x) => x.disk === "Domain-0's disk" && x.from >= 100 && x.to <= 400 && x.to > x.from)).toBe(true);
    for (let i = 1; i < disk.length; i++) expect(disk[i].from).toBeGreaterThanOrEqual(disk[i - 1].to - 1e-9);
    // The CPU's spans are apart from the disk's: their sums stay each domain's CPU time.
    expect(trace.spans!.every((x) => x.disk === undefined)).toBe(true);
    const svg = await renderSvg(traceFigure("t", trace.spans!, [], sim.domains.map((d) => d.name), 1, disk));
    expect(svg).toContain("CPU 0");
    expect(svg).toContain("Domain-0's disk");
  });

  it("draws ShareGuard's cuts and credit parking as slices on tracks of their own in Trace Event JSON", () => {
    const run = (text: string) => {
      let json = "";
      const trace = new Trace((t) => (json += t), 0, Infinity, false, "chrome");
      const sim = new Simulation(parseScenario(text), 0, 1, undefined, { trace });
      sim.execute();
      trace.finish(sim.scenario.duration);
      return { sim, events: JSON.parse(json).traceEvents as Array<{ name: string; ph: string; ts: number; dur: number; pid: number; tid: number; args: Record<string, string> }> };
    };
    const cut = run(CUT);
    const cuts = cut.events.filter((e) => e.pid === 1 && e.ph === "X");
    const decisions = cut.sim.shareguard!.decisions;
    expect(cuts.map((e) => [e.ts, e.dur, e.tid])).toEqual(decisions.map((d) => [d.time / 1e3, d.cutFor / 1e3, 1]));
    expect(cuts[0].args).toEqual({ used: `${+(100 * decisions[0].used).toFixed(2)}%`, limit: "2%" });
    const park = run(PARK);
    const parked = park.events.filter((e) => e.pid === 2 && e.ph === "X");
    expect(parked.length).toBeGreaterThan(2);
    expect(parked.every((e) => e.name === "Domain-1 parked" && e.tid === 1 && e.dur > 0)).toBe(true);
    // A parked domain does not run: no CPU slice of Domain-1 overlaps a parked one.
    const ran = park.events.filter((e) => e.pid === 0 && e.ph === "X" && e.name === "Domain-1");
    for (const p of parked) for (const r of ran) expect(r.ts + r.dur <= p.ts + 1e-6 || r.ts >= p.ts + p.dur - 1e-6).toBe(true);
  });
});
