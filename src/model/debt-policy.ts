import { evaluateActions, isAmount, makePolicy } from "./policy-module.js";

/**
 * SEDF-DC's (and Credit-DC's) feedback rule as a module of the user's own
 * (`scheduler.debtPolicy`): every feedback interval it is shown what XenMon saw and says
 * how much debt each guest takes on. The paper's rule (§4.1) is all of XenMon's estimate
 * of the IDD time spent for it (scenarios/policies/sedf-dc.mjs). The schedulers collect
 * the debt as ever. Times are in seconds, shares are fractions of a CPU.
 */
export interface DebtPolicyContext {
  /** The scenario's `scheduler.debtOptions`, as the YAML has them (undefined when none). */
  options: unknown;
  /** The feedback interval t, in seconds. */
  interval: number;
}

/** One guest over the feedback interval just ended. */
export interface DebtGuestReading {
  /** XenMon's estimate of the CPU its net-IDD spent for it: a share of one CPU (idd · interval is the paper's debt). */
  idd: number;
  /** Its own CPU: a share of one CPU. */
  cpu: number;
  /** Debt its scheduler has still to collect (s). */
  debt: number;
}

export interface DebtReading {
  /** Now, in seconds since the start of the run. */
  time: number;
  /** Every guest that a debt-collecting scheduler runs and that has a net-IDD, by name. */
  guests: Record<string, DebtGuestReading>;
}

/** Adds `debt` seconds of CPU to what the guest's scheduler will collect from it. */
export interface DebtAction {
  guest: string;
  debt: number;
}

export interface DebtPolicy {
  evaluate(reading: DebtReading): DebtAction[] | undefined | void;
}

const KEY = "scheduler.debtPolicy";

/** Makes one run's debt policy from its module (loaded with `loadPolicy`); throws PolicyError. */
export function makeDebtPolicy(path: string, context: DebtPolicyContext): DebtPolicy {
  return makePolicy(path, KEY, context) as DebtPolicy;
}

/** Calls the policy and checks what it returns against the guests it was shown. */
export function evaluateDebtPolicy(path: string, policy: DebtPolicy, reading: DebtReading): DebtAction[] {
  return evaluateActions<DebtAction>(path, KEY, policy, reading, reading.time, ({ guest, debt }) => {
    if (typeof guest !== "string" || !(guest in reading.guests)) return `guest must name a guest in the reading (${Object.keys(reading.guests).join(", ")})`;
    if (!isAmount(debt)) return "debt must be a finite number of seconds ≥ 0";
    return undefined;
  });
}
