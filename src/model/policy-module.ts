import { statSync } from "node:fs";
import { pathToFileURL } from "node:url";

/**
 * A decision rule of the user's own, as a JavaScript module a scenario names: ShareGuard's
 * (`shareguard.policy`, src/shareguard/policy.ts), SEDF-DC's debt (`scheduler.debtPolicy`,
 * src/model/debt-policy.ts) or the domains' CPU shares (`scheduler.sharePolicy`,
 * src/model/share-policy.ts). Its default export is called once per run with a context and
 * returns an object whose `evaluate(reading)` the controller calls every interval. This
 * file loads modules and calls them; what a reading holds and what `evaluate` may return
 * is each controller's.
 */
export interface PolicyObject {
  evaluate(reading: unknown): unknown;
}

/** Where a scenario names a policy module: the key, for messages. */
export type PolicyKey = "shareguard.policy" | "scheduler.debtPolicy" | "scheduler.sharePolicy";

/** The user's policy failed: it would not load, it threw, or it returned what its controller cannot do. Exit 2. */
export class PolicyError extends Error {
  constructor(
    /** The scenario key that named the module. */
    readonly key: PolicyKey,
    message: string,
  ) {
    super(message);
    this.name = "PolicyError";
  }
}

const loaded = new Map<string, (context: unknown) => unknown>();

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
export async function loadPolicy(path: string, key: PolicyKey): Promise<void> {
  if (loaded.has(path)) return;
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (e) {
    throw new PolicyError(key, `${path}: could not be loaded: ${(e as Error)?.message ?? String(e)}`);
  }
  if (typeof mod.default !== "function") {
    throw new PolicyError(key, `${path}: its default export must be a function (context) => ({ evaluate(reading) { … } }); it is ${mod.default === undefined ? "missing" : typeof mod.default}`);
  }
  loaded.set(path, mod.default as (context: unknown) => unknown);
}

/** Makes one run's policy from a module `loadPolicy` has imported; throws PolicyError. */
export function makePolicy(path: string, key: PolicyKey, context: unknown): PolicyObject {
  const factory = loaded.get(path);
  if (factory === undefined) throw new Error(`policy module ${path} was used before it was loaded`);
  let policy: unknown;
  try {
    policy = factory(context);
  } catch (e) {
    throw new PolicyError(key, `${path}: its default export threw: ${describe(e)}`);
  }
  if (typeof (policy as PolicyObject | null)?.evaluate !== "function") throw new PolicyError(key, `${path}: its default export must return an object with an evaluate(reading) method`);
  return policy as PolicyObject;
}

/**
 * Calls `evaluate` at simulated time `time` (s) and returns its actions, each checked by
 * `check`, which returns what is wrong with one or undefined. Throws PolicyError.
 */
export function evaluateActions<A>(path: string, key: PolicyKey, policy: PolicyObject, reading: unknown, time: number, check: (action: Record<string, unknown>) => string | undefined): A[] {
  const when = `at ${time} s`;
  let actions: unknown;
  try {
    actions = policy.evaluate(reading);
  } catch (e) {
    throw new PolicyError(key, `${path}: evaluate ${when} threw: ${describe(e)}`);
  }
  if (actions === undefined || actions === null) return [];
  if (!Array.isArray(actions)) throw new PolicyError(key, `${path}: evaluate ${when} returned ${typeof actions}; expected an array of actions`);
  for (const [i, a] of actions.entries()) {
    const problem = typeof a !== "object" || a === null ? "expected an object" : check(a as Record<string, unknown>);
    if (problem !== undefined) throw new PolicyError(key, `${path}: evaluate ${when}: action ${i} (${safeJson(a)}): ${problem}`);
  }
  return actions as A[];
}

/** Whether `v` is a number an action may carry: finite and not negative. */
export function isAmount(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
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
