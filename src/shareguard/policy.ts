import { evaluateActions, isAmount, makePolicy } from "../model/policy-module.js";

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
  /** The name of its net-IDD, a key of `PolicyReading.idds`. */
  iddName: string;
  /** Its own CPU: a share of one CPU. */
  cpu: number;
  /** Packets netback handled for it, in each direction. */
  sent: number;
  received: number;
  /** Block requests blkback answered for it (beyond the paper; 0 for a guest without a disk workload). */
  blocks: number;
  /** Whether its traffic is cut right now. */
  cut: boolean;
}

/** What a policy is shown at the end of each interval. */
export interface PolicyReading {
  /** Now, in seconds since the start of the run. */
  time: number;
  /** Every guest with a network port, by name. */
  guests: Record<string, GuestReading>;
  /**
   * Every net-IDD, by name: its own CPU over the interval (a share of one CPU), what its
   * guests' `idd` shares come out of; and the work waiting in it now, as tasks (each
   * packet's driver and netback stages): a backlog says it is short of CPU.
   */
  idds: Record<string, { cpu: number; queued: number }>;
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

const KEY = "shareguard.policy";

/** Makes one run's ShareGuard policy from its module (loaded with `loadPolicy`); throws PolicyError. */
export function makeShareGuardPolicy(path: string, context: PolicyContext): Policy {
  return makePolicy(path, KEY, context) as Policy;
}

/** Calls the policy and checks what it returns against the guests it may act on. */
export function evaluatePolicy(path: string, policy: Policy, reading: PolicyReading, limits: Record<string, number>): PolicyAction[] {
  return evaluateActions<PolicyAction>(path, KEY, policy, reading, reading.time, ({ guest, cut, throttle }) => {
    if (typeof guest !== "string" || !(guest in limits)) return `guest must name a guest in shareguard.limits (${Object.keys(limits).join(", ")})`;
    if ((cut === undefined) === (throttle === undefined)) return "give one of cut (seconds) or throttle (a share of a CPU)";
    if (!isAmount(cut ?? throttle)) return `${cut !== undefined ? "cut" : "throttle"} must be a finite number ≥ 0`;
    if (throttle !== undefined && (throttle as number) > 1) return "throttle is a share of one CPU, at most 1";
    return undefined;
  });
}
