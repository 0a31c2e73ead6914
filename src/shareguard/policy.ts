import { evaluateActions, isAmount, makePolicy } from "../model/policy-module.js";
import { creditPerInterval, MAX_VIF_CREDIT } from "../net/vif-credit.js";
import type { Nanos } from "../sim/engine.js";

/**
 * ShareGuard's decision rule as a module of the user's own (`shareguard.policy`): every
 * interval it is shown what XenMon saw and says which guests to cut or throttle, or what
 * rate limit to give their vifs.
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
  /** Bytes of the packets netback sent for it (a vif's byte counter in Domain-0). */
  sentBytes: number;
  /** Its vif's rate limit now, in bytes per second (what its credit per interval comes to), or null for none. */
  vifRate: number | null;
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
 * - `vifRate: bytes/s`: netback's rate limit on the guest's vif from now on, as a write to
 *   the vif's xenstore `rate` key sets it (its interval stays; 50 ms for a vif that had
 *   none); `vifRate: null` lifts it. It holds until the policy changes it.
 */
export type PolicyAction = { guest: string; cut: number } | { guest: string; throttle: number } | { guest: string; vifRate: number | null };

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

/**
 * Calls the policy and checks what it returns against the guests it may act on;
 * `vifInterval` is the credit interval a guest's vif has, or would have.
 */
export function evaluatePolicy(path: string, policy: Policy, reading: PolicyReading, limits: Record<string, number>, vifInterval: (guest: string) => Nanos): PolicyAction[] {
  return evaluateActions<PolicyAction>(path, KEY, policy, reading, reading.time, (action) => {
    const { guest, cut, throttle, vifRate } = action;
    if (typeof guest !== "string" || !(guest in limits)) return `guest must name a guest in shareguard.limits (${Object.keys(limits).join(", ")})`;
    const given = [cut !== undefined, throttle !== undefined, "vifRate" in action].filter(Boolean).length;
    if (given !== 1) return "give one of cut (seconds), throttle (a share of a CPU) or vifRate (bytes per second, or null)";
    if ("vifRate" in action) {
      if (vifRate === null) return undefined;
      if (!isAmount(vifRate)) return "vifRate must be a finite number of bytes per second, or null for no limit";
      const interval = vifInterval(guest);
      const chunk = creditPerInterval(vifRate, interval);
      if (chunk < 1 || chunk > MAX_VIF_CREDIT) return `vifRate × the vif's interval (${interval / 1e6} ms) is ${chunk} bytes of credit: it must be 1 byte to 2^32 − 1`;
      return undefined;
    }
    if (!isAmount(cut ?? throttle)) return `${cut !== undefined ? "cut" : "throttle"} must be a finite number ≥ 0`;
    if (throttle !== undefined && (throttle as number) > 1) return "throttle is a share of one CPU, at most 1";
    return undefined;
  });
}
