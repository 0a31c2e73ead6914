import type { PhysicalCpu } from "../host/cpu.js";
import type { Domain } from "../host/domain.js";
import { isDebtCollector } from "../host/scheduler.js";
import { CREDIT_ACCOUNTING, type CreditAccounting } from "../host/schedulers/credit.js";
import type { Engine, Nanos } from "../sim/engine.js";
import type { XenMon } from "../xenmon/xenmon.js";

/**
 * SEDF-DC's feedback loop (paper §4.1), also Credit-DC's: every feedback interval t,
 * XenMon's estimate of the IDD time used on behalf of each guest over the last t is
 * added to its debt. The scheduler receives the *estimate*, never the simulator's
 * ground truth.
 */
export class DebtFeedback {
  private readonly used: Float64Array;
  private elapsed: Nanos = 0;

  constructor(
    private readonly xenmon: XenMon,
    private readonly cpus: PhysicalCpu[],
    private readonly domains: Domain[],
    private readonly interval: Nanos,
    /** Told of each feedback (a scheduling trace): the debt added to `dom`, in ns. */
    private readonly onDebt: ((dom: Domain, amount: Nanos) => void) | null = null,
  ) {
    this.used = new Float64Array(domains.length);
  }

  attach(): void {
    this.xenmon.onSample((s) => {
      s.domains.forEach((ds, i) => (this.used[i] += ds.iddEstimate));
      this.elapsed += s.end - s.start;
      if (this.elapsed < this.interval) return;
      for (const dom of this.domains) {
        const sched = this.cpus[dom.cpu].scheduler;
        if (this.used[dom.id] > 0 && isDebtCollector(sched)) {
          sched.addDebt(dom, this.used[dom.id]);
          this.onDebt?.(dom, this.used[dom.id]);
        }
      }
      this.used.fill(0);
      this.elapsed = 0;
    });
  }
}

/**
 * The credit scheduler's master ticker: every 30 ms the accounting hands out credits,
 * and the CPUs whose domains it parked or unparked decide again. It also lets the
 * schedulers rouse idle CPUs for load balancing.
 */
export class CreditTicker {
  constructor(
    private readonly engine: Engine,
    private readonly accounting: CreditAccounting,
    private readonly cpus: PhysicalCpu[],
  ) {}

  attach(): void {
    this.accounting.onReschedule = (cpu) => this.cpus[cpu].poke();
    const tick = () => {
      for (const cpu of this.accounting.account(this.engine.now)) this.cpus[cpu].poke();
      this.engine.after(CREDIT_ACCOUNTING, tick);
    };
    this.engine.after(CREDIT_ACCOUNTING, tick);
  }
}
