import { describe, expect, it } from "vitest";
import { bisect, formatQuantity, judge, meets, parseGoal, parseQuantity } from "../src/model/search.js";

describe("search: bisection for a goal's boundary (xeniso search)", () => {
  it("reads a setting's value with its unit and writes it back", () => {
    expect(parseQuantity("2.5%")).toEqual({ value: 2.5, unit: "%" });
    expect(parseQuantity("10ms")).toEqual({ value: 10, unit: "ms" });
    expect(parseQuantity("400")).toEqual({ value: 400, unit: "" });
    expect(parseQuantity("10KB")).toBeNull(); // sizes are not varied: bytes are whole
    expect(parseQuantity("29.6Mb/s")).toEqual({ value: 29.6, unit: "Mb/s" }); // a vif's rate
    expect(parseQuantity("fast")).toBeNull();
    expect(formatQuantity({ value: 6.34375, unit: "%" })).toBe("6.34375%");
    expect(formatQuantity({ value: 1 / 3, unit: "ms" })).toBe("0.333333ms");
  });

  it("reads a goal and checks a value against it", () => {
    expect(parseGoal("Domain-2.replyRate>=225")).toEqual({ key: "Domain-2.replyRate", op: ">=", target: 225 });
    expect(parseGoal("Domain-0.cpu < 10.5")).toEqual({ key: "Domain-0.cpu", op: "<", target: 10.5 });
    expect(parseGoal("Domain-0.cpu = 10")).toBeNull();
    const goal = parseGoal("x<=3")!;
    expect([meets(goal, 3), meets(goal, 3.01)]).toEqual([true, false]);
  });

  it("brackets the boundary of a monotone metric, from either side, with both ends and `steps` halvings probed", async () => {
    const linear = async (x: number) => [{ mean: 10 * x, sd: 0 }];
    const up = await bisect(0, 10, 5, [parseGoal("m>=35")!], linear);
    expect(up.probes.map((p) => p.value)).toEqual([0, 10, 5, 2.5, 3.75, 3.125, 3.4375]);
    expect(up.boundary).toEqual({ met: 3.75, unmet: 3.4375 });
    const down = await bisect(0, 10, 5, [parseGoal("m<=35")!], linear);
    expect(down.boundary).toEqual({ met: 3.4375, unmet: 3.75 });
    // Each probe's verdict is the goal on its mean.
    expect(up.probes.every((p) => p.met === p.readings[0].mean >= 35 && p.readings[0].met === p.met)).toBe(true);
  });

  it("probes whole numbers for a whole-number setting, and stops once the bracket's ends are neighbours", async () => {
    const r = await bisect(0, 10, 8, [parseGoal("m>=35")!], async (x) => [{ mean: 10 * x, sd: 0 }], true);
    expect(r.probes.map((p) => p.value)).toEqual([0, 10, 5, 2, 3, 4]);
    expect(r.boundary).toEqual({ met: 4, unmet: 3 });
  });

  it("finds no boundary when the goal holds at both ends, or at neither, after probing only the ends", async () => {
    const flat = async () => [{ mean: 5, sd: 0 }];
    for (const goal of ["m>=1", "m>=9"]) {
      const r = await bisect(0, 10, 5, [parseGoal(goal)!], flat);
      expect(r.boundary).toBeNull();
      expect(r.probes).toHaveLength(2);
    }
  });

  it("with several goals, finds where they stop holding together: the first of them to fail decides", async () => {
    // A throughput that grows with the setting, and a response time that grows faster.
    const server = async (x: number) => [
      { mean: 10 * x, sd: 0 },
      { mean: x * x, sd: 0 },
    ];
    const goals = [parseGoal("rate>=20")!, parseGoal("time<=36")!];
    const r = await bisect(0, 10, 6, goals, server);
    // rate>=20 holds from 2 on, time<=36 up to 6: together in [2, 6], and the ends fail both.
    expect(r.boundary).toBeNull();
    expect(r.probes.map((p) => p.readings.map((x) => x.met))).toEqual([
      [false, true],
      [true, false],
    ]);
    const upTo = await bisect(2, 10, 6, goals, server);
    expect(upTo.boundary!.met).toBeLessThanOrEqual(6);
    expect(upTo.boundary!.unmet).toBeGreaterThan(6);
    expect(upTo.boundary!.unmet - upTo.boundary!.met).toBeLessThanOrEqual(8 / 2 ** 6);
    expect(upTo.probes.every((p) => p.met === p.readings.every((x) => x.met))).toBe(true);
  });

  it("with a confidence, holds a goal only where the runs show it (one-sided t-test; SciPy's t.sf)", () => {
    const atLeast = parseGoal("m>=10")!;
    // Mean 11 over 4 runs of sd 2: t = 1 on 3 degrees of freedom, P(T > 1) = 0.1955.
    const r = judge(atLeast, { mean: 11, sd: 2, n: 4 }, 0.95);
    expect(r.met).toBe(false);
    expect(r.p).toBeCloseTo(0.19550110947788524, 10);
    expect(judge(atLeast, { mean: 11, sd: 2, n: 4 }, 0.8).met).toBe(true);
    expect(judge(atLeast, { mean: 11, sd: 2, n: 4 })).toEqual({ met: true });
    // An upper bound: mean 9.5 over 10 runs of sd 0.632 (t = 2.5) is 98.3 % sure to be under 10.
    const atMost = parseGoal("m<=10")!;
    const sd = 0.5 / (2.5 / Math.sqrt(10));
    expect(judge(atMost, { mean: 9.5, sd, n: 10 }, 0.95).p).toBeCloseTo(0.016930913841492867, 10);
    // 10.1 lies half a standard error over: t = −0.5, P(T > −0.5) = 0.685.
    const over = judge(atMost, { mean: 10.1, sd, n: 10 }, 0.5);
    expect([over.met, over.p]).toEqual([false, expect.closeTo(0.6854643500869868, 10)]);
    // Runs that agree decide at once; one run shows nothing.
    expect(judge(atLeast, { mean: 10, sd: 0, n: 3 }, 0.99)).toEqual({ met: true, p: 0 });
    expect(judge(atLeast, { mean: 9.9, sd: 0, n: 3 }, 0.99)).toEqual({ met: false, p: 1 });
    expect(judge(atLeast, { mean: 50, sd: 1, n: 1 }, 0.95)).toEqual({ met: false, p: 1 });
  });

  it("with a confidence, brackets a boundary no further out than the mean's", async () => {
    // A metric growing with the setting whose runs vary by 5: the goal m>=35 on the mean
    // holds from 3.5 on; shown with 95 % confidence over 4 runs, only further up.
    const noisy = async (x: number) => [{ mean: 10 * x, sd: 5, n: 4 }];
    const onMean = await bisect(0, 10, 8, [parseGoal("m>=35")!], noisy);
    const sure = await bisect(0, 10, 8, [parseGoal("m>=35")!], noisy, false, 0.95);
    expect(onMean.boundary!.met).toBeGreaterThanOrEqual(3.5);
    expect(sure.boundary!.unmet).toBeGreaterThan(onMean.boundary!.met);
    // The mean must clear the target by t(0.95, 3) · 5 / 2 = 5.88: m ≥ 40.88, x ≥ 4.088.
    expect(sure.boundary!.met).toBeGreaterThanOrEqual(4.088);
    expect(sure.boundary!.unmet).toBeLessThan(4.088);
  });
});
