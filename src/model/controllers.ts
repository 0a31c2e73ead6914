import type { PhysicalCpu } from "../host/cpu.js";
import type { Domain } from "../host/domain.js";
import { isDebtCollector, type DebtCollector } from "../host/scheduler.js";
import { CREDIT_ACCOUNTING, type CreditAccounting } from "../host/schedulers/credit.js";
import type { Engine, Nanos } from "../sim/engine.js";
import { IntervalTotals, type XenMon } from "../xenmon/xenmon.js";
import { evaluateDebtPolicy, type DebtPolicy, type DebtReading } from "./debt-policy.js";

/**
 * SEDF-DC's feedback loop (paper §4.1), also Credit-DC's: every feedback interval t,
 * XenMon's estimate of the IDD time used on behalf of each guest over the last t is
 * added to its debt. The scheduler receives the *estimate*, never the simulator's
 * ground truth.
 */
export class DebtFeedback {
  /** XenMon's figures over the interval in progress. */
  private readonly totals: IntervalTotals;

  constructor(
    private readonly xenmon: XenMon,
    private readonly cpus: PhysicalCpu[],
    private readonly domains: Domain[],
    private readonly interval: Nanos,
    /** Told of each feedback (a scheduling trace): the debt added to `dom`, in ns. */
    private readonly onDebt: ((dom: Domain, amount: Nanos) => void) | null = null,
    /** A rule of the user's in place of the paper's (src/model/debt-policy.ts), shown the guests that have a net-IDD. */
    private readonly policy: { path: string; policy: DebtPolicy; guests: Domain[] } | null = null,
  ) {
    this.totals = new IntervalTotals(domains.length);
  }

  attach(): void {
    this.xenmon.onSample((s) => {
      const t = this.totals;
      t.add(s);
      if (t.elapsed < this.interval) return;
      if (this.policy !== null) this.applyPolicy(this.policy, s.end);
      else {
        for (const dom of this.domains) {
          const sched = this.cpus[dom.cpu].scheduler;
          if (t.iddEstimate[dom.id] > 0 && isDebtCollector(sched)) this.charge(sched, dom, t.iddEstimate[dom.id]);
        }
      }
      t.reset();
    });
  }

  private charge(sched: DebtCollector, dom: Domain, amount: Nanos): void {
    sched.addDebt(dom, amount);
    this.onDebt?.(dom, amount);
  }

  /** Shows the policy the interval just ended and charges the debt it returns. */
  private applyPolicy({ path, policy, guests }: { path: string; policy: DebtPolicy; guests: Domain[] }, now: Nanos): void {
    const { iddEstimate, gotten, elapsed } = this.totals;
    const collectors = new Map<string, { dom: Domain; sched: DebtCollector }>();
    const reading: DebtReading = { time: now / 1e9, guests: {} };
    for (const dom of guests) {
      const sched = this.cpus[dom.cpu].scheduler;
      if (!isDebtCollector(sched)) continue;
      collectors.set(dom.name, { dom, sched });
      reading.guests[dom.name] = { idd: iddEstimate[dom.id] / elapsed, cpu: gotten[dom.id] / elapsed, debt: sched.debtOf(dom) / 1e9 };
    }
    for (const { guest, debt } of evaluateDebtPolicy(path, policy, reading)) {
      const { dom, sched } = collectors.get(guest)!;
      if (debt > 0) this.charge(sched, dom, debt * 1e9);
    }
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
