import { describe, expect, it } from "vitest";
import { SeriesBinner, WindowTotals } from "../src/model/sample-stats.js";
import { Simulation } from "../src/model/simulation.js";
import { parseScenario } from "../src/scenario/load.js";
import type { Sample } from "../src/xenmon/xenmon.js";

/** A 100 ms sample in which domain 0 ran `gotten` ns and Domain-0 spent `idd` ns for it. */
function sample(k: number, gotten: number, idd = 0): Sample {
  const d = { gotten, blocked: 0, waited: 0, execCount: 1, sent: 2, recv: 3, iddEstimate: idd, iddTruth: idd };
  return { start: k * 1e8, end: (k + 1) * 1e8, domains: [d], cpuIdle: [0] };
}

describe("streaming statistics (what a run keeps instead of XenMon's samples)", () => {
  it("WindowTotals counts only samples wholly inside the window, and replies per 5 s httperf sample", () => {
    const w = new WindowTotals(1, 1, 1e9, 11e9); // two httperf samples: [1 s, 6 s) and [6 s, 11 s)
    for (let k = 0; k < 120; k++) w.add(sample(k, 10), [k]);
    expect(w.span).toBe(10e9);
    expect(w.domains[0].gotten).toBe(100 * 10);
    expect(w.domains[0].sent).toBe(200);
    // Samples 10..59 end in the first httperf sample, 60..109 in the second.
    const sum = (a: number, b: number) => ((a + b) * (b - a + 1)) / 2;
    expect(w.replies[0].perHttperfSample).toEqual([sum(10, 59), sum(60, 109)]);
    expect(w.replies[0].inWindow).toBe(sum(10, 109));
    expect(w.replies[0].rates()).toEqual([sum(10, 59) / 5, sum(60, 109) / 5]);
  });

  it("takes an httperf sample's rate over the time its XenMon samples cover, and has none in a window under 5 s", () => {
    // 300 ms samples from 0.9 s: the window [1 s, 11 s) counts those from 1.2 s on, and the
    // first httperf sample gets the 16 ending by 6.0 s (1.2–6.0 s), the second the 16 ending
    // by 10.8 s: 4.8 s each, one reply per sample.
    const w = new WindowTotals(1, 1, 1e9, 11e9);
    for (let k = 0; k < 40; k++) w.add({ ...sample(0, 0), start: 0.9e9 + k * 3e8, end: 0.9e9 + (k + 1) * 3e8 }, [1]);
    expect(w.replies[0].perHttperfSample).toEqual([16, 16]);
    expect(w.replies[0].rates()).toEqual([16 / 4.8, 16 / 4.8]);
    const short = new WindowTotals(1, 1, 0, 3e9);
    for (let k = 0; k < 30; k++) short.add(sample(k, 0), [20]);
    expect(short.replies[0].rates()).toEqual([]);
    expect(short.replies[0].inWindow).toBe(600);
  });

  it("follows each domain's combined use over whole 1 s bins: sd and highest bin, a partial bin dropped", () => {
    const w = new WindowTotals(1, 0, 1e9, 4.5e9, 10); // bins [1, 2), [2, 3), [3, 4) s, and half of [4, 5)
    // Combined use per 100 ms sample: 20 % in the first second, 30 % in the second, 10 % in
    // the third (own CPU and Domain-0's part split 3:1), and 90 % in the half bin.
    const pcts = [20, 30, 10, 90];
    for (let k = 10; k < 45; k++) {
      const combined = pcts[Math.floor(k / 10) - 1] * 1e6; // ns in a 100 ms sample
      w.add(sample(k, 0.75 * combined, 0.25 * combined), []);
    }
    const swing = w.swings[0];
    expect(swing.bins).toBe(3);
    expect(swing.max).toBeCloseTo(30, 9);
    expect(swing.sd).toBeCloseTo(10, 9); // the sample sd of 20, 30 and 10
  });

  it("SeriesBinner groups consecutive samples and drops a trailing partial group", () => {
    const b = new SeriesBinner(10, 1, 1);
    for (let k = 0; k < 25; k++) b.add(sample(k, k, 2 * k), [1], [1e6 * k]);
    expect(b.bins.map((x) => [x.from, x.to])).toEqual([
      [0, 1e9],
      [1e9, 2e9],
    ]);
    expect(b.bins[1].gotten[0]).toBe(10 + 11 + 12 + 13 + 14 + 15 + 16 + 17 + 18 + 19);
    expect(b.bins[1].iddEstimate[0]).toBe(2 * 145);
    expect(b.bins[0].replies[0]).toBe(10);
    expect(b.bins[1].connectionTime[0]).toBe(1e6 * 145);
  });

  it("a run keeps no samples unless asked, and says so rather than returning none", () => {
    const text = ["name: s", "profile: system-1", "duration: 3s", "domains:", "  - { name: Domain-0, cpu: 0, idd: true, share: 50% }", "  - { name: Domain-1, cpu: 0, share: 30%, workload: { type: web, rate: 50, fileSize: 10KB } }"].join("\n") + "\n";
    const lean = new Simulation(parseScenario(text), 0, 1);
    const r = lean.execute();
    expect(lean.xenmon.samples).toHaveLength(0);
    expect(() => r.samples).toThrow(/keepSamples/);
    expect(() => lean.series()).toThrow(/seriesBin/);
    const kept = new Simulation(parseScenario(text), 0, 1, undefined, { keepSamples: true, seriesBin: 1e9 });
    const k = kept.execute();
    expect(k.samples).toHaveLength(30);
    expect(k.metrics).toEqual(r.metrics);
    expect(kept.series().filter((p) => p.domain === "Domain-1")).toHaveLength(3);
  });
});
