import { evaluateActions, isAmount, makePolicy } from "./policy-module.js";

/**
 * A CPU reservation rule of the user's own (`scheduler.sharePolicy`), beyond the paper:
 * every feedback interval it is shown what XenMon saw and may set any domain's share of
 * its CPU, as an operator's tool would with `xm sched-sedf` or `xm sched-credit -c`
 * between samples. This is the paper's §8 "policies for capacity planning and workload
 * management" made pluggable: a rule can size Domain-0 to its load, or hold a guest's
 * own share down by what it causes in its IDD, SEDF-DC's aim reached from outside the
 * hypervisor (scenarios/policies/combined-share.mjs). Times are in seconds, shares are
 * fractions of a CPU.
 */
export interface SharePolicyContext {
  /** The scenario's `scheduler.shareOptions`, as the YAML has them (undefined when none). */
  options: unknown;
  /** The feedback interval t, in seconds: how often the policy is asked. */
  interval: number;
  /** Every domain, by name, as the scenario sets it up. */
  domains: Record<string, ShareDomainInfo>;
}

/** What does not change during a run. */
export interface ShareDomainInfo {
  /** The physical CPU it is pinned to, or "any" (credit scheduler, unpinned). */
  cpu: number | "any";
  /** The scheduler that runs it: a share is a slice under sedf and sedf-dc, a cap under credit and credit-dc. */
  scheduler: "sedf" | "sedf-dc" | "credit" | "credit-dc";
  /** Its SEDF period, in seconds. */
  period: number;
  /** Whether it is a net-IDD. */
  idd: boolean;
  /** Its net-IDD's name (a guest with a network), else undefined. */
  iddName?: string;
}

/** One domain over the feedback interval just ended. */
export interface ShareDomainReading {
  /** Its reservation now: slice / period under SEDF, its cap under credit (0: uncapped). */
  share: number;
  /** Under SEDF: whether it may also run on the CPU's slack beyond its share (false under credit, which has no such flag). */
  extratime: boolean;
  /** The CPU it got: a share of one CPU. */
  cpu: number;
  /** The time it was runnable but waiting for its CPU, and blocked (or paused), as shares of the interval. */
  waited: number;
  blocked: number;
  /** XenMon's estimate of the CPU its net-IDD spent for it (0 for an IDD and a domain with no network). */
  idd: number;
  /** Tasks waiting in it now (for a net-IDD, its packets' driver and netback stages; 0 for a CPU-bound domain). */
  queued: number;
}

export interface ShareReading {
  /** Now, in seconds since the start of the run. */
  time: number;
  domains: Record<string, ShareDomainReading>;
}

/**
 * Sets the domain's share of its CPU from now on. Under SEDF its slice becomes
 * share · period from its next period (the slice in progress runs out as it was, as
 * with Xen's sedf_adjust), and `extratime`, if given, says whether it may use the CPU's
 * slack too (`xm sched-sedf -e`): without it a share is a hard cap. Under credit its cap
 * becomes the share, in whole percent, at the next accounting (at least 1 %: Xen reads a
 * cap of 0 as none).
 */
export interface ShareAction {
  domain: string;
  share: number;
  extratime?: boolean;
}

export interface SharePolicy {
  evaluate(reading: ShareReading): ShareAction[] | undefined | void;
}

const KEY = "scheduler.sharePolicy";

/** Makes one run's share policy from its module (loaded with `loadPolicy`); throws PolicyError. */
export function makeSharePolicy(path: string, context: SharePolicyContext): SharePolicy {
  return makePolicy(path, KEY, context) as SharePolicy;
}

/** Calls the policy and checks each action against the domains it was told of. */
export function evaluateSharePolicy(path: string, policy: SharePolicy, reading: ShareReading, domains: Record<string, ShareDomainInfo>): ShareAction[] {
  return evaluateActions<ShareAction>(path, KEY, policy, reading, reading.time, ({ domain, share, extratime }) => {
    if (typeof domain !== "string" || !(domain in domains)) return `domain must name a domain (${Object.keys(domains).join(", ")})`;
    if (!isAmount(share) || share > 1) return "share must be a share of one CPU, from 0 to 1";
    const credit = domains[domain].scheduler.startsWith("credit");
    if (credit && share < 0.005) return `${domain} runs under the credit scheduler, where a share is a cap: at least 1 % (Xen reads a cap of 0 as none)`;
    if (extratime !== undefined && typeof extratime !== "boolean") return "extratime must be true or false";
    if (extratime !== undefined && credit) return `${domain} runs under the credit scheduler, which has no extratime (a cap alone limits it)`;
    return undefined;
  });
}
