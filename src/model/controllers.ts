import type { PhysicalCpu } from "../host/cpu.js";
import type { Domain } from "../host/domain.js";
import { isDebtCollector, type DebtCollector } from "../host/scheduler.js";
import { CREDIT_ACCOUNTING, type CreditAccounting } from "../host/schedulers/credit.js";
import type { Engine, Nanos } from "../sim/engine.js";
import { IntervalTotals, type XenMon } from "../xenmon/xenmon.js";
import { evaluateDebtPolicy, type DebtPolicy, type DebtReading } from "./debt-policy.js";
import { PolicyError } from "./policy-module.js";
import { evaluateSharePolicy, type ShareDomainInfo, type SharePolicy, type ShareReading } from "./share-policy.js";

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

/** One domain's reservation as a share policy left it: `share` (and, under SEDF, `extratime`) from `time` (ns) on. */
export interface ShareChange {
  time: Nanos;
  domain: string;
  share: number;
  extratime: boolean;
}

/**
 * A share policy's loop (src/model/share-policy.ts): every feedback interval it shows the
 * policy XenMon's figures and sets the shares it returns, as slices under SEDF and caps
 * under credit. It keeps each change, for the metrics and the series.
 */
export class ShareControl {
  private readonly totals: IntervalTotals;
  readonly changes: ShareChange[] = [];
  /** Each domain's share as the run began, by id: where `changes` start from. */
  private readonly initial: number[];
  private readonly byName: Map<string, Domain>;

  constructor(
    private readonly xenmon: XenMon,
    private readonly domains: Domain[],
    private readonly interval: Nanos,
    private readonly path: string,
    private readonly policy: SharePolicy,
    /** What the policy was told of each domain, its scheduler among it. */
    private readonly info: Record<string, ShareDomainInfo>,
    /** Told of each share or extratime set that changes one (a scheduling trace). */
    private readonly onShare: ((dom: Domain, share: number, extratime: boolean) => void) | null = null,
  ) {
    this.totals = new IntervalTotals(domains.length);
    this.initial = domains.map((d) => this.shareOf(d));
    this.byName = new Map(domains.map((d) => [d.name, d]));
  }

  attach(): void {
    this.xenmon.onSample((s) => {
      this.totals.add(s);
      if (this.totals.elapsed < this.interval) return;
      this.apply(s.end);
      this.totals.reset();
    });
  }

  /** The domain's reservation: its slice over its period, or its credit cap. */
  private shareOf(dom: Domain): number {
    return this.isCredit(dom) ? (dom.sched.cap ?? 0) : dom.sched.slice / dom.sched.period;
  }

  /** Whether it may run on slack beyond its share: SEDF's flag (the credit scheduler has none). */
  private extratimeOf(dom: Domain): boolean {
    return !this.isCredit(dom) && dom.sched.extratime;
  }

  /** The SEDF slice a share comes to: a whole number of ns of the domain's period. */
  private sliceOf(dom: Domain, share: number): Nanos {
    return Math.round(share * dom.sched.period);
  }

  private isCredit(dom: Domain): boolean {
    return this.info[dom.name].scheduler.startsWith("credit");
  }

  private apply(now: Nanos): void {
    const { gotten, waited, blocked, iddEstimate, elapsed } = this.totals;
    const reading: ShareReading = { time: now / 1e9, domains: {} };
    for (const dom of this.domains) {
      const i = dom.id;
      reading.domains[dom.name] = { share: this.shareOf(dom), extratime: this.extratimeOf(dom), cpu: gotten[i] / elapsed, waited: waited[i] / elapsed, blocked: blocked[i] / elapsed, idd: iddEstimate[i] / elapsed, queued: dom.queuedTasks };
    }
    const actions = evaluateSharePolicy(this.path, this.policy, reading, this.info);
    // The last action for a domain wins; SEDF's reservations on a CPU must still fit in it.
    const next = new Map<Domain, number>();
    const extra = new Map<Domain, boolean>();
    for (const { domain, share, extratime } of actions) {
      const dom = this.byName.get(domain)!;
      next.set(dom, share);
      if (extratime !== undefined) extra.set(dom, extratime);
    }
    const reserved = new Map<number, number>();
    for (const dom of this.domains) {
      if (this.isCredit(dom)) continue;
      const slice = next.has(dom) ? this.sliceOf(dom, next.get(dom)!) : dom.sched.slice;
      reserved.set(dom.cpu, (reserved.get(dom.cpu) ?? 0) + slice / dom.sched.period);
    }
    for (const [cpu, total] of reserved) {
      if (total > 1 + 1e-9) throw new PolicyError("scheduler.sharePolicy", `${this.path}: evaluate at ${reading.time} s: the shares it sets on CPU ${cpu} add up to ${(100 * total).toFixed(1)} %, more than the CPU has`);
    }
    for (const [dom, share] of next) {
      const before = { share: this.shareOf(dom), extratime: this.extratimeOf(dom) };
      if (this.isCredit(dom)) dom.sched.cap = share;
      else dom.sched.slice = this.sliceOf(dom, share);
      // SEDF reads the flag at each decision, so a domain that loses it stops using slack at the next one.
      if (extra.has(dom)) dom.sched.extratime = extra.get(dom)!;
      const change = { time: now, domain: dom.name, share: this.shareOf(dom), extratime: this.extratimeOf(dom) };
      if (change.share === before.share && change.extratime === before.extratime) continue;
      this.changes.push(change);
      this.onShare?.(dom, change.share, change.extratime);
    }
  }

  /** The domain's share at time `t` (ns). */
  shareAt(dom: Domain, t: Nanos): number {
    let share = this.initial[dom.id];
    for (const c of this.changes) {
      if (c.time > t) break;
      if (c.domain === dom.name) share = c.share;
    }
    return share;
  }

  /** The domain's share averaged over [from, to] (ns). */
  averageShare(dom: Domain, from: Nanos, to: Nanos): number {
    let share = this.initial[dom.id];
    let since = from;
    let sum = 0;
    for (const c of this.changes) {
      if (c.domain !== dom.name) continue;
      if (c.time >= to) break;
      if (c.time > since) {
        sum += share * (c.time - since);
        since = c.time;
      }
      share = c.share;
    }
    sum += share * (to - since);
    return to > from ? sum / (to - from) : share;
  }
}
