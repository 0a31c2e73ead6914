import type { Nanos } from "../sim/engine.js";
import type { Domain } from "./domain.js";

/** What runs next on a CPU, and for how long before the scheduler must be asked again. */
export interface Decision {
  next: Domain | null;
  /** ns until the next scheduling decision (Infinity: none needed until a wake-up). */
  runFor: Nanos;
}

/**
 * A per-CPU scheduler. The CPU tells it about wake-ups and asks it for decisions; the
 * scheduler never touches the clock or the event queue itself.
 */
export interface Scheduler {
  readonly name: string;
  add(d: Domain, now: Nanos): void;
  /** `d` had no work and now has some. Returns true when the running domain should be preempted. */
  wake(d: Domain, now: Nanos, running: Domain | null): boolean;
  /**
   * The running domain `prev` (null if idle) has run `ran` ns since it was dispatched;
   * `prev.hasWork()` tells whether it blocked. Choose what runs next. The decision
   * may be an object the scheduler reuses at its next call: read it at once.
   */
  pick(now: Nanos, prev: Domain | null, ran: Nanos): Decision;
}

/** A scheduler that can be charged for work done on a domain's behalf elsewhere (SEDF-DC, Credit-DC). */
export interface DebtCollector {
  /** False for a scheduler that could keep debt but is not set to collect it (plain credit). */
  readonly collectsDebt: boolean;
  addDebt(d: Domain, amount: Nanos): void;
  debtOf(d: Domain): Nanos;
}

export function isDebtCollector(s: Scheduler): s is Scheduler & DebtCollector {
  return (s as Partial<DebtCollector>).collectsDebt === true;
}
