import type { Nanos } from "../../sim/engine.js";
import type { Domain } from "../domain.js";
import type { DebtCollector } from "../scheduler.js";
import { SedfScheduler, type DebtOptions, type SedfOptions } from "./sedf.js";

/**
 * SEDF-DC, the "debt collector" (paper §4.1): SEDF whose domains are charged, out of
 * their own slices, for the IDD time XenMon estimates was spent on their behalf.
 */
export class SedfDcScheduler extends SedfScheduler implements DebtCollector {
  override readonly name: string = "sedf-dc";
  readonly collectsDebt = true;

  constructor(options: DebtOptions & SedfOptions) {
    super(options, options);
  }

  /** Called once per feedback interval with XenMon's estimate used_i^IDD. */
  addDebt(dom: Domain, amount: Nanos): void {
    const st = this.state(dom);
    st.debt += Math.max(0, Math.round(amount));
    const periodFreq = Math.floor(this.debtOptions!.feedbackInterval / dom.sched.period);
    // spread_debt = int(debt / period_freq); with period_freq ≤ 1 there is nothing to spread.
    st.spreadCharge = periodFreq > 1 ? Math.floor(st.debt / periodFreq) : st.debt;
  }

  debtOf(dom: Domain): Nanos {
    return this.state(dom).debt;
  }
}
