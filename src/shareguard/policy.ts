import { statSync } from "node:fs";
import { pathToFileURL } from "node:url";

/**
 * ShareGuard's decision rule as a module of the user's own (`shareguard.policy`): every
 * interval it is shown what XenMon saw and says which guests to cut or throttle.
 * ShareGuard keeps doing the rest as it does for its built-in rule (the measurement,
 * the drops in the IDD and in netback, the throttle's price per packet, the decisions'
 * record behind the figures and the trace), so a policy is a few lines of JavaScript and
 * its results read like ShareGuard's. scenarios/policies/ has examples, the paper's rule
 * among them. Times are in seconds and shares are fractions of a CPU (0.05 is 5 %).
 */

/** What a policy is given once per run. */
export interface PolicyContext {
  /** The scenario's `shareguard.options`, as the YAML has them (undefined when none). */
  options: unknown;
  /** ShareGuard's interval t, in seconds. */
  interval: number;
  /** The guests the policy may act on (`shareguard.limits`) and their limits. */
  limits: Record<string, number>;
}

/** One guest over the interval just ended, as XenMon saw it (never the simulator's ground truth). */
export interface GuestReading {
  /** XenMon's estimate of the CPU its net-IDD spent for it: a share of one CPU. */
  idd: number;
  /** Its own CPU: a share of one CPU. */
  cpu: number;
  /** Packets netback handled for it, in each direction. */
  sent: number;
  received: number;
  /** Whether its traffic is cut right now. */
  cut: boolean;
}

/** What a policy is shown at the end of each interval. */
export interface PolicyReading {
  /** Now, in seconds since the start of the run. */
  time: number;
  /** Every guest with a network port, by name. */
  guests: Record<string, GuestReading>;
}

/**
 * - `cut: s`: the guest's traffic is off for the next s seconds (rounded to the ns),
 *   replacing a cut in progress; `cut: 0` restores it now.
 * - `throttle: share`: in the interval beginning now, the guest may cause at most this
 *   share of a CPU in its IDD, priced by XenMon's cost per packet; packets past it are
 *   dropped where a cut drops them. A guest not throttled in an interval is not limited.
 */
export type PolicyAction = { guest: string; cut: number } | { guest: string; throttle: number };

export interface Policy {
  evaluate(reading: PolicyReading): PolicyAction[] | undefined | void;
}

/** A policy module's default export: called once per run. */
export type PolicyFactory = (context: PolicyContext) => Policy;

/** The user's policy failed: it threw, or returned what ShareGuard cannot do. Exit 2, with the module's name. */
export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyError";
  }
}

const loaded = new Map<string, PolicyFactory>();

/**
 * Whether `path` (absolute) can be a policy module: a file named .js or .mjs. Returns the
 * problem, or undefined. Checked when the scenario is read, so the message is located.
 */
export function policyFileProblem(path: string): string | undefined {
  if (!/\.m?js$/.test(path)) return `${path}: a policy is a JavaScript module (.js or .mjs)`;
  try {
    if (!statSync(path).isFile()) return `${path}: not a file`;
  } catch {
    return `${path}: no such file (a relative path is read from the scenario file's folder)`;
  }
  return undefined;
}

/** Imports the policy module at `path` once per thread and checks its default export; throws PolicyError. */
export async function loadPolicy(path: string): Promise<void> {
  if (loaded.has(path)) return;
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (e) {
    throw new PolicyError(`${path}: could not be loaded: ${(e as Error)?.message ?? String(e)}`);
  }
  if (typeof mod.default !== "function") {
    throw new PolicyError(`${path}: its default export must be a function (context) => ({ evaluate(reading) { … } }); it is ${mod.default === undefined ? "missing" : typeof mod.default}`);
  }
  loaded.set(path, mod.default as PolicyFactory);
}

/** Makes one run's policy from a module `loadPolicy` has imported; throws PolicyError. */
export function makePolicy(path: string, context: PolicyContext): Policy {
  const factory = loaded.get(path);
  if (factory === undefined) throw new Error(`policy module ${path} was used before it was loaded`);
  let policy: unknown;
  try {
    policy = factory(context);
  } catch (e) {
    throw new PolicyError(`${path}: its default export threw: ${describe(e)}`);
  }
  if (typeof (policy as Policy | null)?.evaluate !== "function") throw new PolicyError(`${path}: its default export must return an object with an evaluate(reading) method`);
  return policy as Policy;
}

/** Calls the policy and checks what it returns against the guests it may act on. */
export function evaluatePolicy(path: string, policy: Policy, reading: PolicyReading, limits: Record<string, number>): PolicyAction[] {
  const when = `at ${reading.time} s`;
  let actions: unknown;
  try {
    actions = policy.evaluate(reading);
  } catch (e) {
    throw new PolicyError(`${path}: evaluate ${when} threw: ${describe(e)}`);
  }
  if (actions === undefined || actions === null) return [];
  if (!Array.isArray(actions)) throw new PolicyError(`${path}: evaluate ${when} returned ${typeof actions}; expected an array of actions`);
  for (const [i, a] of actions.entries()) {
    const bad = (why: string) => new PolicyError(`${path}: evaluate ${when}: action ${i} (${safeJson(a)}): ${why}`);
    if (typeof a !== "object" || a === null) throw bad("expected { guest, cut } or { guest, throttle }");
    const { guest, cut, throttle } = a as Record<string, unknown>;
    if (typeof guest !== "string" || !(guest in limits)) throw bad(`guest must name a guest in shareguard.limits (${Object.keys(limits).join(", ")})`);
    if ((cut === undefined) === (throttle === undefined)) throw bad("give one of cut (seconds) or throttle (a share of a CPU)");
    const value = cut ?? throttle;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw bad(`${cut !== undefined ? "cut" : "throttle"} must be a finite number ≥ 0`);
    if (throttle !== undefined && (throttle as number) > 1) throw bad("throttle is a share of one CPU, at most 1");
  }
  return actions as PolicyAction[];
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
