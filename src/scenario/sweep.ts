import { loadScenarioFile, UsageError } from "./load.js";
import { OverrideError, parseValue, splitPath, type Override } from "./overrides.js";
import type { Scenario } from "./schema.js";

/**
 * One `--sweep PATH=V1,V2,...` flag: the scenario is run once per value, as if with
 * `--set PATH=V` (src/scenario/overrides.ts), and the results stand side by side as
 * columns of one table. Several sweeps give every combination of their values.
 */
export interface Sweep {
  /** The flag's argument as given, for the result's provenance. */
  text: string;
  /** PATH as written. */
  path: string;
  segments: string[];
  /** Each value as written and as the override that sets it. */
  values: Array<{ text: string; override: Override }>;
}

/** Keys that describe a run rather than the model; sweeping them would mean nothing or be ignored. */
const NOT_SWEPT: Record<string, string> = {
  runs: "use --runs",
  seed: "use --seed, or more --runs",
  name: "it names the scenario, not a setting of the model",
  description: "it describes the scenario, not a setting of the model",
  report: "it lays out the tables, not a setting of the model",
  reports: "it lays out the tables, not a setting of the model",
};

/** Parses a `--sweep` flag's text; throws OverrideError if it is malformed. */
export function parseSweep(text: string): Sweep {
  const eq = text.indexOf("=");
  if (eq < 0) throw new OverrideError("--sweep takes PATH=V1,V2,..., e.g. shareguard.limits.Domain-3=2.5%,5%,10%");
  const path = text.slice(0, eq);
  const segments = splitPath(path, "--sweep");
  const why = NOT_SWEPT[segments[0]];
  if (why !== undefined) throw new OverrideError(`--sweep: cannot sweep ${segments[0]}: ${why}`);
  if (segments.length === 1 && segments[0] === "variants") throw new OverrideError("--sweep: cannot sweep the whole variants list; sweep a key inside one variant, e.g. variants[With ShareGuard].shareguard.limits.Domain-3");
  const texts = splitTopLevel(text.slice(eq + 1));
  const seen = new Set<string>();
  const values = texts.map((v) => {
    const trimmed = v.trim();
    if (trimmed === "") throw new OverrideError("--sweep: an empty value in the list; values are separated by commas, e.g. 2.5%,5%,10%");
    if (seen.has(trimmed)) throw new OverrideError(`--sweep: the value ${trimmed} is given twice`);
    seen.add(trimmed);
    return { text: trimmed, override: { flag: "--sweep" as const, text: `${path}=${trimmed}`, path, segments, value: parseValue(trimmed, "--sweep") } };
  });
  return { text, path, segments, values };
}

/**
 * The values' texts, split at the commas outside brackets, braces and quotes, so that a
 * value may itself be a YAML list or mapping (`[a, b]`, `{ type: bulk, window: 1MB }`).
 */
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (quote !== null) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "[" || ch === "{") depth++;
    else if (ch === "]" || ch === "}") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts;
}

/** One sweep's value at a point: the short key that names the sweep in labels, and the value as written. */
export interface SweptValue {
  key: string;
  value: string;
}

/** One combination of the sweeps' values: its overrides and how a column names them. */
export interface SweepPoint {
  /** One per sweep, e.g. Domain-3 = 2.5%, window = 1MB. */
  parts: SweptValue[];
  overrides: Override[];
}

/** How a column names the values of a point: "Domain-3=2.5%, window=1MB". */
export function partsLabel(parts: SweptValue[]): string {
  return parts.map((p) => `${p.key}=${p.value}`).join(", ");
}

/** Throws OverrideError if `next` sweeps a path one of `earlier` already sweeps. */
export function checkNewPath(earlier: Sweep[], next: Sweep): void {
  const same = (a: Sweep) => a.segments.length === next.segments.length && a.segments.every((seg, i) => seg === next.segments[i]);
  if (earlier.some(same)) throw new OverrideError(`--sweep: ${next.path} is swept twice; give all its values in one --sweep`);
}

/**
 * Every combination of the sweeps' values, the first sweep varying slowest. A column is
 * labelled by each sweep's last key (`limits.Domain-3` → `Domain-3=5%`), after the
 * domain's name for a domain's key (`Domain-1 rate=400`), or by as many of its last keys
 * as tell two sweeps apart.
 */
export function sweepPoints(sweeps: Sweep[]): SweepPoint[] {
  const keys = sweeps.map((s) => shortKey(s, sweeps));
  let points: SweepPoint[] = [{ parts: [], overrides: [] }];
  sweeps.forEach((s, k) => {
    points = points.flatMap((p) => s.values.map((v) => ({ parts: [...p.parts, { key: keys[k], value: v.text }], overrides: [...p.overrides, v.override] })));
  });
  return points;
}

function shortKey(sweep: Sweep, all: Sweep[]): string {
  // A domain's key says whose it is: domains.Domain-1.workload.rate → "Domain-1 rate".
  const suffix = (s: Sweep, n: number) => {
    const key = s.segments.slice(-n).join(".");
    const owner = s.segments[0] === "domains" && s.segments.length > n + 1 ? s.segments[1] : undefined;
    return owner === undefined ? key : `${owner} ${key}`;
  };
  for (let n = 1; n < sweep.segments.length; n++) {
    const key = suffix(sweep, n);
    if (all.every((other) => other === sweep || suffix(other, n) !== key)) return key;
  }
  return sweep.path;
}

/**
 * Loads `file` with the `--set` flags once per point of the sweeps. Throws UsageError
 * with every problem, each once: a problem of the file itself would otherwise be
 * reported for every point.
 */
export function loadSweepPoints(file: string, set: Override[], sweeps: Sweep[]): Array<{ parts: SweptValue[]; scenario: Scenario }> {
  const problems = new Set<string>();
  const loaded = sweepPoints(sweeps).flatMap((p) => {
    try {
      return [{ parts: p.parts, scenario: loadScenarioFile(file, [...set, ...p.overrides]).scenario }];
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      for (const d of e.diagnostics) problems.add(d);
      return [];
    }
  });
  if (problems.size > 0) throw new UsageError([...problems]);
  return loaded;
}
