import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { confidenceHalfWidth, lnGamma, pairedT, regularizedBeta, studentQuantile, studentTwoSided, welch } from "../src/report/significance.js";

// Reference values from SciPy 1.x (scipy.stats.t.sf, scipy.special.betainc, ttest_ind_from_stats).
describe("Student's t and the incomplete beta", () => {
  it("gives the tabled two-sided 5 % and 1 % points", () => {
    expect(studentTwoSided(12.7062047, 1)).toBeCloseTo(0.05, 8);
    expect(studentTwoSided(2.228138852, 10)).toBeCloseTo(0.05, 9);
    expect(studentTwoSided(3.169272667, 10)).toBeCloseTo(0.01, 9);
    expect(studentTwoSided(1.959963985, 1e9)).toBeCloseTo(0.05, 7);
    expect(studentTwoSided(0, 5)).toBe(1);
    expect(studentTwoSided(Infinity, 5)).toBe(0);
  });

  it("matches SciPy at fractional degrees of freedom, as Welch's test produces", () => {
    expect(studentTwoSided(2.5, 3.7)).toBeCloseTo(0.07182202291182678, 10);
    expect(studentTwoSided(0.3, 100)).toBeCloseTo(0.7647998803003035, 10);
    expect(studentTwoSided(-6, 2)).toBeCloseTo(0.02667147321542477, 10);
    expect(studentTwoSided(1e-3, 1)).toBeCloseTo(0.9993633804398159, 10);
    expect(regularizedBeta(0.3, 2.5, 0.5)).toBeCloseTo(0.018927124071945658, 12);
    expect(regularizedBeta(0.9, 0.5, 7)).toBeCloseTo(0.9999999780702157, 12);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  it("I_x(a, b) = 1 − I_(1−x)(b, a), and it rises with x", () => {
    const shape = fc.double({ min: 0.05, max: 200, noNaN: true });
    const x = fc.double({ min: 0.001, max: 0.999, noNaN: true });
    fc.assert(
      fc.property(shape, shape, x, x, (a, b, x1, x2) => {
        expect(regularizedBeta(x1, a, b) + regularizedBeta(1 - x1, b, a)).toBeCloseTo(1, 9);
        const [lo, hi] = x1 < x2 ? [x1, x2] : [x2, x1];
        expect(regularizedBeta(lo, a, b)).toBeLessThanOrEqual(regularizedBeta(hi, a, b) + 1e-12);
      }),
    );
  });
});

describe("Student's t quantiles and confidence intervals", () => {
  it("gives the tabled two-sided points (scipy.stats.t.ppf)", () => {
    expect(studentQuantile(0.95, 1)).toBeCloseTo(12.706204736174694, 8);
    expect(studentQuantile(0.95, 9)).toBeCloseTo(2.262157162798205, 9);
    expect(studentQuantile(0.99, 4)).toBeCloseTo(4.604094871349992, 9);
    expect(studentQuantile(0.9, 29)).toBeCloseTo(1.6991270265334972, 9);
    expect(studentQuantile(0.5, 3)).toBeCloseTo(0.7648923284043444, 9);
    expect(studentQuantile(0.95, 1e9)).toBeCloseTo(1.959963984540054, 6);
  });

  it("inverts the two-sided tail, and widens with the level and with fewer runs", () => {
    const level = fc.double({ min: 0.5, max: 0.999, noNaN: true });
    const df = fc.integer({ min: 1, max: 500 });
    fc.assert(
      fc.property(level, level, df, (l1, l2, n) => {
        expect(studentTwoSided(studentQuantile(l1, n), n)).toBeCloseTo(1 - l1, 9);
        const [lo, hi] = l1 < l2 ? [l1, l2] : [l2, l1];
        expect(studentQuantile(lo, n)).toBeLessThanOrEqual(studentQuantile(hi, n) + 1e-9);
        expect(studentQuantile(l1, n + 1)).toBeLessThanOrEqual(studentQuantile(l1, n) + 1e-9);
      }),
      { numRuns: 200 },
    );
  });

  it("spans t · sd / √n either side of the mean; a single run has no interval", () => {
    // 10 runs of sd 9.87 (Table 1's SEDF Dom-1 throughput): 2.262 · 9.87 / √10.
    expect(confidenceHalfWidth({ mean: 341.7, sd: 9.87, n: 10 }, 0.95)).toBeCloseTo(7.0603, 3);
    expect(confidenceHalfWidth({ mean: 5, sd: 0, n: 4 }, 0.95)).toBe(0);
    expect(confidenceHalfWidth({ mean: 5, sd: 0, n: 1 }, 0.95)).toBeUndefined();
  });
});

describe("Welch's t-test from mean, sd and runs", () => {
  it("gives SciPy's ttest_ind_from_stats(equal_var=False) result", () => {
    const r = welch({ mean: 10, sd: 2, n: 5 }, { mean: 12, sd: 2, n: 5 })!;
    expect(r.t).toBeCloseTo(1.5811388300841898, 12);
    expect(r.df).toBeCloseTo(8, 12);
    expect(r.p).toBeCloseTo(0.15250228520801462, 10);
    // Unequal spreads and runs: the degrees of freedom are Welch–Satterthwaite's.
    const u = welch({ mean: 100, sd: 5, n: 10 }, { mean: 104, sd: 12, n: 4 })!;
    expect(u.t).toBeCloseTo(0.6446583712203042, 12);
    expect(u.df).toBeCloseTo(3.425627527765295, 10);
    expect(u.p).toBeCloseTo(0.5597464856182564, 10);
  });

  it("has nothing to test with a single run, and no noise when every run agrees", () => {
    expect(welch({ mean: 1, sd: 0, n: 1 }, { mean: 2, sd: 1, n: 10 })).toBeUndefined();
    expect(welch({ mean: 1, sd: NaN, n: 10 }, { mean: 2, sd: 1, n: 10 })).toBeUndefined();
    expect(welch({ mean: 5, sd: 0, n: 10 }, { mean: 5, sd: 0, n: 10 })!.p).toBe(1);
    expect(welch({ mean: 5, sd: 0, n: 10 }, { mean: 5.1, sd: 0, n: 10 })!.p).toBe(0);
  });

  it("is symmetric, and a change grows more significant as the runs' spread shrinks", () => {
    const cell = fc.record({ mean: fc.double({ min: -1e3, max: 1e3, noNaN: true }), sd: fc.double({ min: 0.01, max: 100, noNaN: true }), n: fc.integer({ min: 2, max: 50 }) });
    fc.assert(
      fc.property(cell, cell, fc.double({ min: 0.05, max: 0.95, noNaN: true }), (a, b, k) => {
        const ab = welch(a, b)!;
        expect(welch(b, a)!.p).toBeCloseTo(ab.p, 12);
        expect(ab.p).toBeGreaterThanOrEqual(0);
        expect(ab.p).toBeLessThanOrEqual(1);
        const tighter = welch({ ...a, sd: a.sd * k }, { ...b, sd: b.sd * k })!;
        expect(tighter.p).toBeLessThanOrEqual(ab.p + 1e-12);
      }),
    );
  });
});

describe("the paired t-test over runs of the same seed", () => {
  const a = [1, 2, 3, 4, 5];
  const b = [1.1, 2.3, 2.9, 4.4, 5.2];

  it("gives SciPy's ttest_rel result, and sees a change the runs' spread hides from Welch's test", () => {
    const r = pairedT(a, b)!;
    expect(r.t).toBeCloseTo(2.092457497388747, 12);
    expect(r.df).toBe(4);
    expect(r.p).toBeCloseTo(0.10453999977837544, 10);
    // The same runs unpaired: SciPy's ttest_ind(equal_var=False) gives 0.864.
    const cell = (xs: number[]) => {
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      return { mean, sd: Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1)), n: xs.length };
    };
    expect(welch(cell(a), cell(b))!.p).toBeCloseTo(0.8641216495215591, 10);
    // Each run 0.5 higher: the spread across runs (sd 1.58) is the draws both sides share.
    const shifted = a.map((x) => x + 0.5);
    expect(pairedT(a, shifted)!.p).toBe(0);
    const sd = Math.sqrt(2.5);
    expect(welch({ mean: 3, sd, n: 5 }, { mean: 3.5, sd, n: 5 })!.p).toBeGreaterThan(0.6);
  });

  it("has nothing to pair with fewer than two runs, lists of unequal length or a run without a value", () => {
    expect(pairedT([1], [2])).toBeUndefined();
    expect(pairedT([1, 2], [1, 2, 3])).toBeUndefined();
    expect(pairedT([1, NaN, 3], [1, 2, 3])).toBeUndefined();
    // JSON writes a NaN as null, which arithmetic would take for 0.
    expect(pairedT([1, null as unknown as number, 3], [1, 2, 3])).toBeUndefined();
    expect(pairedT(a, a)!.p).toBe(1);
  });
});
