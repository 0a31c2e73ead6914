import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Simulation } from "../src/model/simulation.js";
import { parseScenario } from "../src/scenario/load.js";

/** A random valid scenario: an IDD and up to three guests with UDP, web or CPU loads. */
const scenarioText = fc
  .record({
    cpus: fc.integer({ min: 1, max: 2 }),
    iddShare: fc.integer({ min: 10, max: 60 }),
    iddExtra: fc.boolean(),
    scheduler: fc.constantFrom("sedf", "sedf-dc"),
    guests: fc.array(
      fc.record({
        share: fc.integer({ min: 0, max: 13 }),
        extra: fc.boolean(),
        load: fc.oneof(
          fc.record({ type: fc.constant("udp"), direction: fc.constantFrom("send", "recv"), rate: fc.integer({ min: 100, max: 30_000 }) }),
          fc.record({ type: fc.constant("web"), rate: fc.integer({ min: 1, max: 300 }), kb: fc.constantFrom(1, 10, 100) }),
          fc.record({ type: fc.constant("cpu") }),
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map((s) => {
    const lines = [`name: random`, `profile: system-2`, `cpus: ${s.cpus}`, `duration: 1s`, `scheduler: { type: ${s.scheduler} }`, `domains:`];
    lines.push(`  - { name: Domain-0, idd: true, cpu: 0, share: ${s.iddShare}%, extratime: ${s.iddExtra} }`);
    s.guests.forEach((g, i) => {
      const l = g.load;
      const w = l.type === "udp" ? `{ type: udp, direction: ${l.direction}, rate: ${l.rate}, size: 256B }` : l.type === "web" ? `{ type: web, rate: ${l.rate}, fileSize: ${l.kb}KB }` : `{ type: cpu }`;
      lines.push(`  - { name: Guest-${i}, cpu: ${(i + 1) % s.cpus}, share: ${g.share}%, extratime: ${g.extra}, workload: ${w} }`);
    });
    return lines.join("\n") + "\n";
  });

describe("invariants over random valid scenarios", () => {
  it("every CPU's busy plus idle time is the elapsed time, and XenMon charges out exactly the IDD's CPU", () => {
    fc.assert(
      fc.property(scenarioText, fc.integer({ min: 0, max: 5 }), (text, run) => {
        const sim = new Simulation(parseScenario(text), run, 1);
        const { samples } = sim.execute();
        const now = sim.engine.now;
        for (const cpu of sim.cpus) {
          const busy = sim.domains.filter((d) => d.cpu === cpu.index).reduce((a, d) => a + d.timeInAt("running", now), 0);
          expect(busy + cpu.idleTimeAt(now)).toBe(now);
        }
        const idd = sim.domains.findIndex((d) => d === sim.net!.idd);
        for (const s of samples) {
          const charged = s.domains.reduce((a, d) => a + d.iddEstimate, 0);
          const counted = s.domains.reduce((a, d) => a + d.sent + d.recv, 0);
          // With packets counted in the interval, XenMon hands out all of the IDD's CPU.
          if (counted > 0) expect(charged).toBeCloseTo(s.domains[idd].gotten, 3);
          else expect(charged).toBe(0);
          // The ground truth never exceeds what the IDD ran.
          const truth = s.domains.reduce((a, d) => a + d.iddTruth, 0);
          expect(truth).toBeLessThanOrEqual(s.domains[idd].gotten + 1e-6);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("loses no UDP packet without counting it as dropped", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 200_000 }), fc.integer({ min: 5, max: 60 }), (rate, iddShare) => {
        const text = `name: c\nprofile: system-1\nduration: 1s\ndomains:\n  - { name: Domain-0, idd: true, share: ${iddShare}% }\n  - { name: G, share: 30%, workload: { type: udp, direction: recv, rate: ${rate}, size: 64B } }\n`;
        const sim = new Simulation(parseScenario(text), 0, 1);
        const m = new Map(sim.execute().metrics.map((x) => [x.key, x.value]));
        const port = sim.net!.port(1);
        const offered = Math.round(rate * 1);
        const accounted = (m.get("G.udpDelivered") ?? 0) + sim.net!.droppedNicRing + port.droppedNetback + port.droppedByFilterRx;
        // What is neither delivered nor dropped is still in flight: at most the rings' worth.
        expect(offered - accounted).toBeGreaterThanOrEqual(-1);
        expect(offered - accounted).toBeLessThanOrEqual(256 + 2 * 256 + 2);
      }),
      { numRuns: 25 },
    );
  });
});
