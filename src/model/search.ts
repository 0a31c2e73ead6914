import { studentTwoSided } from "../report/significance.js";

/**
 * Capacity planning (paper §8, beyond the paper): the boundary of a goal as one setting
 * varies, found by bisection. A goal is one or more conditions on metrics, all of which
 * must hold (a throughput and a response time, say). It assumes each metric is monotone
 * in the setting over the range, as a share, a limit or an offered rate usually is, and
 * that the conditions all hold at the same end; the probes are printed, so a user can
 * see whether they did.
 */

/** A setting's value as written, split into a number and its unit: "2.5%", "10ms", "400". */
export interface Quantity {
  value: number;
  unit: string;
}

/**
 * Units a varied setting may carry: those whose values mean the same at any scale
 * (percentages, durations, rates, and bandwidths such as a vif's rate). Not sizes: a
 * probe between two sizes need not be a whole number of bytes, or of sectors.
 */
export const SEARCH_UNITS = ["%", "ns", "us", "ms", "s", "/s", "k/s", "b/s", "Kb/s", "Mb/s", "Gb/s", "B/s", "KB/s", "MB/s", "GB/s", ""];

export function parseQuantity(text: string): Quantity | null {
  const m = /^\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*([a-z%/]*)\s*$/i.exec(text);
  if (m === null || !SEARCH_UNITS.includes(m[2])) return null;
  return { value: Number(m[1]), unit: m[2] };
}

/** Back as a scenario would write it; enough digits that nearby probes stay apart. */
export function formatQuantity(q: Quantity): string {
  return `${+q.value.toPrecision(6)}${q.unit}`;
}

export type GoalOp = ">=" | "<=" | ">" | "<";

/** "Domain-2.replyRate>=220": a metric key, a comparison and a number. */
export interface Goal {
  key: string;
  op: GoalOp;
  target: number;
}

export function parseGoal(text: string): Goal | null {
  const m = /^\s*([A-Za-z0-9_.\-]+)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/.exec(text);
  if (m === null) return null;
  return { key: m[1], op: m[2] as GoalOp, target: Number(m[3]) };
}

export function meets(goal: Goal, value: number): boolean {
  switch (goal.op) {
    case ">=":
      return value >= goal.target;
    case "<=":
      return value <= goal.target;
    case ">":
      return value > goal.target;
    case "<":
      return value < goal.target;
  }
}

/** A condition's metric at a probe, over its runs. */
export interface Stats {
  mean: number;
  sd: number;
  /** Runs; needed only to judge with a confidence. */
  n?: number;
}

/** One condition's metric at a probe, over the runs, and whether the condition held. */
export interface Reading extends Stats {
  met: boolean;
  /** With a confidence: the one-sided p, how likely runs at least this favourable would be were the true mean on the target. */
  p?: number;
}

/**
 * Whether `goal` holds for a metric measured over runs. On the mean alone, or, with a
 * `confidence` (0.95), only where the runs show it: the one-sided t-test of the runs'
 * mean against the target gives p < 1 − confidence. Runs
 * that all agree (sd 0) decide at once; fewer than two runs show nothing.
 */
export function judge(goal: Goal, s: Stats, confidence?: number): { met: boolean; p?: number } {
  if (confidence === undefined) return { met: meets(goal, s.mean) };
  const n = s.n ?? 0;
  if (n < 2 || !Number.isFinite(s.mean)) return { met: false, p: 1 };
  if (s.sd === 0) return meets(goal, s.mean) ? { met: true, p: 0 } : { met: false, p: 1 };
  // t > 0 when the mean lies on the goal's side of its target.
  const above = goal.op === ">=" || goal.op === ">";
  const t = ((above ? 1 : -1) * (s.mean - goal.target)) / (s.sd / Math.sqrt(n));
  const tail = studentTwoSided(t, n - 1) / 2;
  const p = t > 0 ? tail : 1 - tail;
  return { met: p < 1 - confidence, p };
}

/** One probe: the setting's value, each condition's reading, and whether they all held. */
export interface Probe {
  value: number;
  readings: Reading[];
  met: boolean;
}

export interface SearchOutcome {
  probes: Probe[];
  /**
   * The boundary, bracketed by the two nearest probes on either side of it: `met` is the
   * value nearest it at which the goal holds, `unmet` the one at which it does not.
   * Null when the goal holds at both ends of the range, or at neither.
   */
  boundary: { met: number; unmet: number } | null;
}

/**
 * Probes both ends of [lo, hi], then, if the goal holds at exactly one, halves the
 * bracket `steps` times, keeping the end where it holds on its side. With `integer`,
 * probes are whole numbers (a weight, a ring size, a count), and the halving stops once
 * the bracket's ends are neighbours.
 */
export async function bisect(
  lo: number,
  hi: number,
  steps: number,
  goals: Goal[],
  /** Each goal's metric at setting `x`: its mean, sd and runs, in the order of `goals`. */
  evaluate: (x: number) => Promise<Stats[]>,
  integer = false,
  /** Judge each goal with this confidence (see `judge`) rather than on the mean alone. */
  confidence?: number,
): Promise<SearchOutcome> {
  const probes: Probe[] = [];
  const probe = async (x: number) => {
    const stats = await evaluate(x);
    const readings = stats.map((s, i) => ({ ...s, ...judge(goals[i], s, confidence) }));
    const p = { value: x, readings, met: readings.every((r) => r.met) };
    probes.push(p);
    return p;
  };
  const a = await probe(lo);
  const b = await probe(hi);
  if (a.met === b.met) return { probes, boundary: null };
  let met = a.met ? lo : hi;
  let unmet = a.met ? hi : lo;
  for (let k = 0; k < steps; k++) {
    const mid = integer ? Math.floor((met + unmet) / 2) : (met + unmet) / 2;
    if (mid === met || mid === unmet) break;
    if ((await probe(mid)).met) met = mid;
    else unmet = mid;
  }
  return { probes, boundary: { met, unmet } };
}
