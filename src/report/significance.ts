/**
 * Does a difference between two results stand out from their run-to-run spread? Two
 * tests of two cells' means. When both cells keep each run's value and the runs share
 * their seeds (run i of every column draws the same random numbers), the paired t-test
 * on the runs' differences: the draws common to both cancel, so it sees changes the
 * spread of either side would hide. Otherwise Welch's t-test from mean, sample sd and
 * number of runs, which needs no more (nor equal variances, which two settings of a
 * scenario rarely have).
 */

import { meanSd } from "../model/stats.js";

export interface Sample {
  mean: number;
  sd: number;
  n: number;
}

export interface TestResult {
  t: number;
  /** Degrees of freedom: Welch–Satterthwaite's (Infinity when both spreads are 0), or pairs − 1. */
  df: number;
  /** Two-sided p-value: the chance of a difference at least this large were the true means equal. */
  p: number;
}

/**
 * Welch's t-test of `b`'s mean against `a`'s. Undefined when either side has fewer than
 * two runs (no spread to test against) or no finite mean and sd. When both sides are the
 * same in every run (sd 0) there is no noise: p is 1 if the means are equal and 0 if
 * they are not.
 */
export function welch(a: Sample, b: Sample): TestResult | undefined {
  const known = (x: Sample) => x.n >= 2 && Number.isFinite(x.mean) && Number.isFinite(x.sd) && x.sd >= 0;
  if (!known(a) || !known(b)) return undefined;
  const va = (a.sd * a.sd) / a.n;
  const vb = (b.sd * b.sd) / b.n;
  const diff = b.mean - a.mean;
  const se2 = va + vb;
  if (se2 === 0) return { t: diff === 0 ? 0 : Math.sign(diff) * Infinity, df: Infinity, p: diff === 0 ? 1 : 0 };
  const t = diff / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  return { t, df, p: studentTwoSided(t, df) };
}

/**
 * The paired t-test on `b[i] − a[i]`, runs of equal seeds side by side. Undefined for
 * fewer than two pairs or lists of unequal length. When every pair differs by the same
 * amount there is no noise: p is 1 if that amount is 0 and 0 if it is not.
 */
export function pairedT(a: readonly number[], b: readonly number[]): TestResult | undefined {
  const n = a.length;
  if (n < 2 || b.length !== n) return undefined;
  // A run with no value (NaN, null in JSON) leaves nothing to pair.
  if (!a.every(Number.isFinite) || !b.every(Number.isFinite)) return undefined;
  const d = a.map((x, i) => b[i] - x);
  const { mean, sd } = meanSd(d);
  // Differences equal to the last few bits are one difference, not noise.
  if (sd <= 1e-12 * Math.max(...d.map(Math.abs))) return { t: mean === 0 ? 0 : Math.sign(mean) * Infinity, df: n - 1, p: mean === 0 ? 1 : 0 };
  const t = mean / (sd / Math.sqrt(n));
  return { t, df: n - 1, p: studentTwoSided(t, n - 1) };
}

/** P(|T| ≥ |t|) for Student's t with `df` degrees of freedom (any real df > 0). */
export function studentTwoSided(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  // P(|T| ≥ |t|) = I_x(df/2, 1/2) with x = df / (df + t²).
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * The t with P(|T| ≤ t) = `level` for Student's t with `df` degrees of freedom: the
 * multiple of the standard error a two-sided confidence interval spans either side of
 * the mean (2.262 for 95 % over 10 runs). By bisection on `studentTwoSided`, which falls
 * as t grows, halved to a relative 1e-12 (far below the digits printed).
 */
export function studentQuantile(level: number, df: number): number {
  const alpha = 1 - level;
  let lo = 0;
  let hi = 1;
  while (studentTwoSided(hi, df) > alpha) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSided(mid, df) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Half the width of the `level` confidence interval of a cell's mean over its runs
 * (Student's t: the runs are independent, their mean close to normal). Undefined for a
 * single run, whose spread is unknown.
 */
export function confidenceHalfWidth(c: Sample, level: number): number | undefined {
  if (c.n < 2 || !Number.isFinite(c.sd)) return undefined;
  return (studentQuantile(level, c.n - 1) * c.sd) / Math.sqrt(c.n);
}

/** The regularized incomplete beta function I_x(a, b), by Lentz's continued fraction (Numerical Recipes §6.4). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast for x below (a + 1) / (a + b + 2); above it, use I_x(a, b) = 1 − I_{1−x}(b, a).
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    // The even step of the fraction, then the odd one.
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

// Lanczos' approximation (g = 7, 9 terms), good to about 15 digits for positive arguments.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(z) for z > 0. */
export function lnGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - lnGamma(1 - z);
  const x = z - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < 9; i++) sum += LANCZOS[i] / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** A p-value as the reports print it: three decimals, and "<0.001" below that. */
export function pText(p: number): string {
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}
