import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Domain, Task } from "../src/host/domain.js";
import type { Scheduler } from "../src/host/scheduler.js";
import { EXTRA_QUANTUM, SedfScheduler } from "../src/host/schedulers/sedf.js";
import { SedfDcScheduler } from "../src/host/schedulers/sedf-dc.js";
import { MS, SEC } from "../src/sim/engine.js";
import { cpuShare, oneCpuHost } from "./helpers/host.js";

/** SEDF and SEDF-DC with no debt fed must behave identically: one contract for both. */
const schedulers: Array<[string, () => Scheduler]> = [
  ["SEDF", () => new SedfScheduler()],
  ["SEDF-DC (no debt)", () => new SedfDcScheduler({ spread: true, feedbackInterval: 500 * MS })],
  ["SEDF, Xen 3.0's unblock rules", () => new SedfScheduler({ unblock: "xen-3.0" })],
];

describe.each(schedulers)("scheduler contract: %s", (_name, make) => {
  it("gives CPU-bound domains exactly slice/period when the reservations are feasible", () => {
    const { engine, domains } = oneCpuHost(make(), [
      { slice: 2 * MS, period: 10 * MS, cpuBound: true },
      { slice: 5 * MS, period: 20 * MS, cpuBound: true },
      { slice: 15 * MS, period: 50 * MS, cpuBound: true },
    ]);
    engine.run(10 * SEC);
    expect(cpuShare(domains[0], engine.now)).toBeCloseTo(0.2, 3);
    expect(cpuShare(domains[1], engine.now)).toBeCloseTo(0.25, 3);
    expect(cpuShare(domains[2], engine.now)).toBeCloseTo(0.3, 3);
  });

  it("gives slack only to extratime domains", () => {
    const { engine, cpu, domains } = oneCpuHost(make(), [
      { slice: 3 * MS, period: 10 * MS, cpuBound: true },
      { slice: 2 * MS, period: 10 * MS, cpuBound: true, extratime: true },
      { slice: 1 * MS, period: 10 * MS, cpuBound: true },
    ]);
    engine.run(5 * SEC);
    expect(cpuShare(domains[0], engine.now)).toBeCloseTo(0.3, 3);
    expect(cpuShare(domains[1], engine.now)).toBeCloseTo(0.6, 3);
    expect(cpuShare(domains[2], engine.now)).toBeCloseTo(0.1, 3);
    expect(cpu.idleTimeAt(engine.now)).toBe(0);
  });

  it("leaves the CPU idle beyond the reservations when nobody has extratime", () => {
    const { engine, cpu, domains } = oneCpuHost(make(), [
      { slice: 22 * MS / 10, period: 10 * MS, cpuBound: true },
      { slice: 33 * MS / 10, period: 10 * MS, cpuBound: true },
    ]);
    engine.run(2 * SEC);
    expect(cpuShare(domains[0], engine.now)).toBeCloseTo(0.22, 3);
    expect(cpuShare(domains[1], engine.now)).toBeCloseTo(0.33, 3);
    expect(cpu.idleTimeAt(engine.now) / engine.now).toBeCloseTo(0.45, 3);
  });

  it("shares slack round-robin among extratime domains, in EXTRA_QUANTUM slices", () => {
    const { engine, cpu, domains } = oneCpuHost(make(), [
      { slice: 0, period: 10 * MS, cpuBound: true, extratime: true },
      { slice: 0, period: 10 * MS, cpuBound: true, extratime: true },
    ]);
    engine.run(1 * SEC);
    expect(cpuShare(domains[0], engine.now)).toBeCloseTo(0.5, 2);
    expect(cpuShare(domains[1], engine.now)).toBeCloseTo(0.5, 2);
    // Each dispatch in extra time lasts at most one quantum.
    expect(domains[0].execCount).toBeGreaterThanOrEqual((0.5 * SEC) / EXTRA_QUANTUM - 2);
    expect(cpu.idleTimeAt(engine.now)).toBe(0);
  });

  it("counts an execution only at a switch: a domain picked again keeps running, as in Xen", () => {
    // Alone with extra time, it is decided on every EXTRA_QUANTUM but never leaves the CPU.
    const { engine, domains } = oneCpuHost(make(), [{ slice: 1 * MS, period: 10 * MS, cpuBound: true, extratime: true }]);
    engine.run(1 * SEC);
    expect(cpuShare(domains[0], engine.now)).toBe(1);
    expect(domains[0].execCount).toBe(1);
  });

  it("honours every feasible reservation of CPU-bound domains (property)", () => {
    const periods = [5 * MS, 10 * MS, 20 * MS, 50 * MS];
    fc.assert(
      fc.property(
        fc.array(fc.record({ share: fc.integer({ min: 1, max: 40 }), p: fc.integer({ min: 0, max: 3 }), extra: fc.boolean() }), { minLength: 1, maxLength: 4 }),
        (specs) => {
          fc.pre(specs.reduce((a, s) => a + s.share, 0) <= 95);
          const { engine, cpu, domains } = oneCpuHost(
            make(),
            specs.map((s) => ({ slice: (s.share / 100) * periods[s.p], period: periods[s.p], cpuBound: true, extratime: s.extra })),
          );
          engine.run(2 * SEC);
          let busy = 0;
          specs.forEach((s, i) => {
            const share = cpuShare(domains[i], engine.now);
            busy += domains[i].timeInAt("running", engine.now);
            // At most one period's slice can be cut off by the end of the run.
            expect(share).toBeGreaterThanOrEqual(s.share / 100 - (s.share / 100) * (periods[s.p] / (2 * SEC)) - 1e-9);
            if (!s.extra) expect(share).toBeLessThanOrEqual(s.share / 100 + (s.share / 100) * (periods[s.p] / (2 * SEC)) + 1e-9);
          });
          expect(busy + cpu.idleTimeAt(engine.now)).toBe(engine.now);
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** Drives SedfScheduler directly: fake domains whose work we switch on and off. */
function direct(make: () => SedfScheduler, slice = 3 * MS, period = 10 * MS) {
  const sched = make();
  const dom = new Domain(0, "Dom1", 0, { slice, period, extratime: false }, 1);
  dom.cpuBound = true;
  sched.add(dom, 0);
  return { sched, dom, st: () => sched.state(dom) };
}

describe("SEDF step rules (paper §4.1 with zero debt)", () => {
  it("step 1–2: running time comes off r; an exhausted slice waits in Qw", () => {
    const { sched, dom, st } = direct(() => new SedfScheduler());
    expect(sched.pick(0, null, 0)).toEqual({ next: dom, runFor: 3 * MS });
    const d = sched.pick(3 * MS, dom, 3 * MS);
    expect(st()).toMatchObject({ r: 0, queue: "Qw", d: 10 * MS });
    expect(d).toEqual({ next: null, runFor: 7 * MS });
  });

  it("step 3: at its deadline a Qw domain gets a fresh slice and the next deadline", () => {
    const { sched, dom, st } = direct(() => new SedfScheduler());
    sched.pick(0, null, 0);
    sched.pick(3 * MS, dom, 3 * MS);
    expect(sched.pick(10 * MS, null, 0)).toEqual({ next: dom, runFor: 3 * MS });
    expect(st()).toMatchObject({ r: 3 * MS, d: 20 * MS, queue: "Qr" });
  });

  it("step 6, NOW < d: an unblocked domain keeps its deadline and remaining time", () => {
    const { sched, dom, st } = direct(() => new SedfScheduler());
    sched.pick(0, null, 0);
    dom.cpuBound = false; // runs 1 ms, then has nothing to do
    sched.pick(1 * MS, dom, 1 * MS);
    expect(st()).toMatchObject({ r: 2 * MS, queue: "Qb", d: 10 * MS });
    dom.cpuBound = true;
    expect(sched.wake(dom, 5 * MS, null)).toBe(true);
    expect(st()).toMatchObject({ r: 2 * MS, queue: "Qr", d: 10 * MS });
  });

  it("step 6, NOW ≥ d: counts the periods it missed, fresh slice, next deadline after NOW", () => {
    const { sched, dom, st } = direct(() => new SedfScheduler());
    sched.pick(0, null, 0);
    dom.cpuBound = false;
    sched.pick(1 * MS, dom, 1 * MS);
    dom.cpuBound = true;
    sched.wake(dom, 25 * MS, null);
    expect(st()).toMatchObject({ r: 3 * MS, queue: "Qr", d: 30 * MS });
  });

  it("refuses a task that costs a fraction of a ns (the clock could never run it off)", () => {
    const dom = new Domain(0, "Dom1", 0, { slice: 1 * MS, period: 10 * MS, extratime: false }, 1);
    expect(() => dom.submit(new Task(2.5, 0, () => {}, null))).toThrow("Dom1: a task must cost a whole number of ns, got 2.5");
  });

  it("a woken domain preempts only a later deadline (EDF)", () => {
    const sched = new SedfScheduler();
    const a = new Domain(0, "A", 0, { slice: 1 * MS, period: 5 * MS, extratime: false }, 2);
    const b = new Domain(1, "B", 0, { slice: 5 * MS, period: 20 * MS, extratime: false }, 2);
    b.cpuBound = true;
    sched.add(a, 0);
    sched.add(b, 0);
    expect(sched.pick(0, null, 0).next).toBe(b);
    a.cpuBound = true;
    expect(sched.wake(a, 1 * MS, b)).toBe(true); // a's deadline 5 ms < b's 20 ms
  });
});

describe("SEDF with Xen 3.0's unblock rules (sched_sedf.c, UNBLOCK_EXTRA_SUPPORT)", () => {
  const xen = () => new SedfScheduler({ unblock: "xen-3.0" });

  /** Runs 1 ms of a 3 ms slice (period 10 ms), blocks, and wakes at `at`. */
  function blockAndWake(at: number) {
    const h = direct(xen);
    h.sched.pick(0, null, 0);
    h.dom.cpuBound = false;
    h.sched.pick(1 * MS, h.dom, 1 * MS);
    h.dom.cpuBound = true;
    const preempt = h.sched.wake(h.dom, at, null);
    return { ...h, preempt };
  }

  it("short unblock: no more reserved time this period; the 2 ms it lost become a penalty claim", () => {
    const { st, preempt } = blockAndWake(5 * MS);
    expect(st()).toMatchObject({ r: 0, queue: "Qw", d: 10 * MS, penalty: 2 * MS });
    expect(preempt).toBe(true); // an idle CPU runs the claim
  });

  it("a penalty claim is repaid in EXTRA_QUANTUM slices of slack, without touching the next slice", () => {
    const { sched, dom, st } = blockAndWake(5 * MS);
    expect(sched.pick(5 * MS, null, 0)).toEqual({ next: dom, runFor: EXTRA_QUANTUM });
    sched.pick(5 * MS + EXTRA_QUANTUM, dom, EXTRA_QUANTUM);
    expect(st()).toMatchObject({ r: 0, queue: "Qw", penalty: 2 * MS - EXTRA_QUANTUM });
    // At its next period the domain gets its whole slice again.
    expect(sched.pick(10 * MS, null, 0)).toEqual({ next: dom, runFor: 3 * MS });
    expect(st()).toMatchObject({ r: 3 * MS, d: 20 * MS, queue: "Qr", penalty: 2 * MS - EXTRA_QUANTUM });
  });

  it("hands out no extra time with less than a quantum left before the next period", () => {
    const { sched } = blockAndWake(9.8 * MS);
    expect(sched.pick(9.8 * MS, null, 0)).toEqual({ next: null, runFor: 0.2 * MS });
  });

  it("long unblock: a new period starts at the wake-up, with a fresh slice", () => {
    const { st } = blockAndWake(25 * MS);
    expect(st()).toMatchObject({ r: 3 * MS, queue: "Qr", d: 35 * MS, penalty: 0 });
  });

  it("penalty claims come before ordinary slack, and preempt it; reserved time is never preempted", () => {
    /** A (3 ms in 10) runs 1 ms and blocks; C (2 ms in 10) runs its slice; B (slice 0, extratime) spins. */
    const host = () => {
      const sched = xen();
      const [a, b, c] = [
        new Domain(0, "A", 0, { slice: 3 * MS, period: 10 * MS, extratime: false }, 3),
        new Domain(1, "B", 0, { slice: 0, period: 10 * MS, extratime: true }, 3),
        new Domain(2, "C", 0, { slice: 2 * MS, period: 10 * MS, extratime: false }, 3),
      ];
      for (const d of [a, b, c]) {
        d.cpuBound = true;
        sched.add(d, 0);
      }
      expect(sched.pick(0, null, 0).next).toBe(a);
      a.cpuBound = false;
      expect(sched.pick(1 * MS, a, 1 * MS).next).toBe(c);
      a.cpuBound = true;
      return { sched, a, b, c };
    };
    const slackRunning = host();
    expect(slackRunning.sched.pick(3 * MS, slackRunning.c, 2 * MS).next).toBe(slackRunning.b);
    expect(slackRunning.sched.wake(slackRunning.a, 3.2 * MS, slackRunning.b)).toBe(true);
    expect(slackRunning.sched.pick(3.2 * MS, slackRunning.b, 0.2 * MS)).toEqual({ next: slackRunning.a, runFor: EXTRA_QUANTUM });
    const reservedRunning = host();
    expect(reservedRunning.sched.wake(reservedRunning.a, 1.5 * MS, reservedRunning.c)).toBe(false);
  });

  it("penalty extra time never gives a domain without extratime more than its slices, each claim rounded up to a quantum (property)", () => {
    fc.assert(
      fc.property(
        // Slices of at least 10 quanta, so that the bound below stays within 10 % of the reservation.
        fc.integer({ min: 50, max: 90 }),
        fc.integer({ min: 200, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 250 }), { minLength: 1, maxLength: 1000, size: "max" }),
        (sharePct, gapUs, loads) => {
          // Work arrives every `gap` in bursts of 0–250 % of the domain's share of the gap,
          // so it keeps blocking and waking mid-period, beside a spinning slack consumer.
          const slice = (sharePct / 100) * 10 * MS;
          const { engine, domains, cpu } = oneCpuHost(xen(), [{ slice, period: 10 * MS }, { slice: 0, extratime: true, cpuBound: true }]);
          loads.forEach((load, k) => {
            const work = Math.round((load / 100) * (sharePct / 100) * gapUs * 1000);
            if (k * gapUs * 1000 < SEC && work > 0) engine.at(k * gapUs * 1000, () => domains[0].submit(new Task(work, 0, () => {}, null)));
          });
          engine.run(1 * SEC);
          // At most 101 periods begin in the run, each with one slice. A period has at most
          // one claim, the slice it did not use, repaid in whole quanta (as Xen does), so it
          // may overrun by less than a quantum.
          expect(domains[0].timeInAt("running", engine.now)).toBeLessThanOrEqual(101 * (slice + EXTRA_QUANTUM));
          expect(domains[0].timeInAt("running", engine.now) + domains[1].timeInAt("running", engine.now) + cpu.idleTimeAt(engine.now)).toBe(engine.now);
        },
      ),
      { numRuns: 30 },
    );
  });
});
