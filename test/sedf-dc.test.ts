import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Domain, Task } from "../src/host/domain.js";
import { SedfDcScheduler } from "../src/host/schedulers/sedf-dc.js";
import { MS, SEC } from "../src/sim/engine.js";
import { oneCpuHost } from "./helpers/host.js";

const T = 500 * MS;

function dc(spread: boolean, slice = 3 * MS, period = 10 * MS) {
  const sched = new SedfDcScheduler({ spread, feedbackInterval: T });
  const dom = new Domain(0, "Dom1", 0, { slice, period, extratime: false }, 1);
  dom.cpuBound = true;
  sched.add(dom, 0);
  return { sched, dom, st: () => sched.state(dom) };
}

describe("SEDF-DC steps (paper §4.1), without spreading", () => {
  it("step 1: debt ≤ r is paid out of the remaining slice at deschedule", () => {
    const { sched, dom, st } = dc(false);
    sched.pick(0, null, 0);
    sched.addDebt(dom, 1 * MS);
    sched.pick(1 * MS, dom, 1 * MS); // r = 3 − 1 = 2, then debt 1 → r = 1
    expect(st()).toMatchObject({ r: 1 * MS, debt: 0, queue: "Qr" });
  });

  it("step 1–2: debt > r empties the slice and the rest stays owed; the domain waits in Qw", () => {
    const { sched, dom, st } = dc(false);
    sched.pick(0, null, 0);
    sched.addDebt(dom, 5 * MS);
    sched.pick(1 * MS, dom, 1 * MS); // r = 2; debt 5 > 2 → debt 3, r 0
    expect(st()).toMatchObject({ r: 0, debt: 3 * MS, queue: "Qw" });
  });

  it("step 3: at the next period r = s ∸ debt and debt drops by min(s, debt)", () => {
    const { sched, dom, st } = dc(false);
    sched.pick(0, null, 0);
    sched.addDebt(dom, 5 * MS);
    sched.pick(1 * MS, dom, 1 * MS); // debt 3, Qw
    sched.pick(10 * MS, null, 0); // refill: r = 3 ∸ 3 = 0, debt 0: still nothing to run this period
    expect(st()).toMatchObject({ r: 0, debt: 0, d: 20 * MS, queue: "Qw" });
    sched.addDebt(dom, 1 * MS);
    sched.pick(20 * MS, null, 0); // r = 3 ∸ 1 = 2
    expect(st()).toMatchObject({ r: 2 * MS, debt: 0, d: 30 * MS, queue: "Qr" });
  });

  it("step 6, NOW < d: debt is charged against the kept remaining time", () => {
    const { sched, dom, st } = dc(false);
    sched.pick(0, null, 0);
    dom.cpuBound = false;
    sched.pick(1 * MS, dom, 1 * MS); // blocked with r = 2
    sched.addDebt(dom, 1.5 * MS);
    dom.cpuBound = true;
    expect(sched.wake(dom, 4 * MS, null)).toBe(true);
    expect(st()).toMatchObject({ r: 0.5 * MS, debt: 0, queue: "Qr", d: 10 * MS });
    // …and debt > r leaves it with nothing to run until its next period.
    dom.cpuBound = false;
    sched.pick(4.5 * MS, dom, 0.5 * MS);
    sched.addDebt(dom, 1 * MS);
    dom.cpuBound = true;
    sched.wake(dom, 5 * MS, null);
    expect(st()).toMatchObject({ r: 0, debt: 1 * MS, queue: "Qw" });
  });

  it("step 4: a domain that unblocks into Qw has its next period timed (a new decision)", () => {
    const { sched, dom, st } = dc(false);
    sched.pick(0, null, 0);
    dom.cpuBound = false;
    // Blocked with r = 2: the idle CPU has no period to wait for, so no timer at all.
    expect(sched.pick(1 * MS, dom, 1 * MS)).toEqual({ next: null, runFor: Infinity });
    sched.addDebt(dom, 5 * MS);
    dom.cpuBound = true;
    // The debt empties its slice: it waits in Qw for 10 ms, and the CPU must decide again.
    expect(sched.wake(dom, 4 * MS, null)).toBe(true);
    expect(st()).toMatchObject({ r: 0, debt: 3 * MS, queue: "Qw" });
    expect(sched.pick(4 * MS, null, 0)).toEqual({ next: null, runFor: 6 * MS });
  });

  it("step 6, NOW ≥ d: the periods it sat blocked pay off debt", () => {
    const { sched, dom, st } = dc(false);
    sched.pick(0, null, 0);
    dom.cpuBound = false;
    sched.pick(1 * MS, dom, 1 * MS); // blocked, r = 2, d = 10
    sched.addDebt(dom, 10 * MS);
    dom.cpuBound = true;
    // Woken at 35 ms: bl_periods = int((35 − 10) / 10) = 2 → debt = 10 − 2 − 2·3 = 2;
    // r = 3 ∸ 2 = 1; debt = 0; d = 10 + 3·10 = 40.
    sched.wake(dom, 35 * MS, null);
    expect(st()).toMatchObject({ r: 1 * MS, debt: 0, d: 40 * MS, queue: "Qr" });
  });
});

describe("SEDF-DC debt spreading", () => {
  it("charges int(debt / period_freq) per period, period_freq = int(t / p)", () => {
    const { sched, dom, st } = dc(true);
    sched.pick(0, null, 0);
    sched.pick(3 * MS, dom, 3 * MS); // slice used, Qw
    sched.addDebt(dom, 100 * MS); // period_freq = 50 → 2 ms per period
    sched.pick(10 * MS, null, 0);
    expect(st()).toMatchObject({ r: 1 * MS, debt: 98 * MS });
    sched.pick(11 * MS, dom, 1 * MS);
    sched.pick(20 * MS, null, 0);
    expect(st()).toMatchObject({ r: 1 * MS, debt: 96 * MS });
  });

  it("collects the whole debt over one feedback interval, where charging it at once would starve the domain", () => {
    const run = (spread: boolean) => {
      const sched = new SedfDcScheduler({ spread, feedbackInterval: T });
      const { engine, domains } = oneCpuHost(sched, [{ slice: 3 * MS, period: 10 * MS, cpuBound: true }]);
      const got: number[] = [];
      let last = 0;
      // 50 ms of debt every feedback interval; record CPU per 10 ms period.
      for (let t = 0; t < 2 * SEC; t += 10 * MS) {
        if (t > 0 && t % T === 0) sched.addDebt(domains[0], 50 * MS);
        engine.run(t + 10 * MS);
        const now = domains[0].timeInAt("running", engine.now);
        got.push(now - last);
        last = now;
      }
      return got.slice(50); // after the first feedback
    };
    const spread = run(true);
    const lump = run(false);
    const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    // Without spreading, 50 ms of debt is 50/3 periods with no CPU at all; with it, every
    // period after a feedback is 1 ms short: r = 3 − int(50/50).
    expect(Math.min(...lump)).toBe(0);
    expect(spread.filter((x) => x === 2 * MS).length).toBeGreaterThanOrEqual(145);
    // Both collect the same debt (up to the charge still due when the run ends).
    expect(Math.abs(total(spread) - total(lump))).toBeLessThanOrEqual(1 * MS);
    expect(total(lump)).toBe(150 * 3 * MS - 150 * MS);
  });

  it("never lets debt go negative, and only charges what was owed (property)", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.record({ at: fc.integer({ min: 1, max: 190 }), debt: fc.integer({ min: 0, max: 30 }), work: fc.integer({ min: 0, max: 40 }) }), { maxLength: 30, size: "max" }),
        (spread, events) => {
          const sched = new SedfDcScheduler({ spread, feedbackInterval: T });
          const { engine, domains } = oneCpuHost(sched, [
            { slice: 3 * MS, period: 10 * MS },
            { slice: 0, period: 10 * MS, cpuBound: true, extratime: true },
          ]);
          const d = domains[0];
          let owed = 0;
          for (const e of [...events].sort((a, b) => a.at - b.at)) {
            engine.run(e.at * 10 * MS);
            sched.addDebt(d, e.debt * MS);
            owed += e.debt * MS;
            if (e.work > 0) d.submit(new Task(e.work * MS, 0, () => {}, undefined));
            expect(sched.debtOf(d)).toBeGreaterThanOrEqual(0);
          }
          engine.run(2 * SEC);
          expect(sched.debtOf(d)).toBeGreaterThanOrEqual(0);
          expect(sched.debtOf(d)).toBeLessThanOrEqual(owed);
          // Whatever it ran came out of its 30% reservation, never out of anyone else's.
          expect(d.timeInAt("running", engine.now)).toBeLessThanOrEqual(0.3 * engine.now + 3 * MS);
        },
      ),
      { numRuns: 80 },
    );
  });
});
