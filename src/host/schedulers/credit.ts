import { MS, US, type Nanos } from "../../sim/engine.js";
import type { Domain } from "../domain.js";
import type { DebtCollector, Decision, Scheduler } from "../scheduler.js";

/*
 * Xen's credit scheduler (sched_credit.c), the default from Xen 3.0.4 on: beyond the
 * paper, whose Xen 3.0 ran SEDF. By default we follow the version with time-based
 * accounting (burn_credits, as later releases have it), for one-VCPU domains, as
 * below; version "xen-3.0" (a scenario's `creditVersion`) is the first one instead
 * (see CreditVersion).
 *
 * - Every 10 ms tick, the running VCPU loses its boost and is made active (earning).
 * - Every 30 ms, the accounting hands the host's credits (300 per CPU) to the active
 *   domains by weight, each up to its cap; a VCPU with credit left is UNDER, one in
 *   debt OVER, and a capped one more than a cap's worth in debt is parked (paused)
 *   until its credit is positive again.
 * - A CPU runs the first VCPU of its run queue (BOOST, then UNDER, then OVER, FIFO
 *   within each) for a 30 ms time slice; a waking UNDER VCPU is boosted and preempts
 *   any VCPU of lower priority.
 * - Load balancing (csched_load_balance): a CPU whose best is OVER or nothing takes a
 *   waiting unpinned VCPU of higher priority from a busy peer's run queue; a VCPU
 *   waking on a busy CPU rouses the idle ones so that they may. A pinned VCPU never
 *   moves. (Xen also moves a running VCPU to an idle core whose siblings are idle, which
 *   a host of single-core CPUs never does.)
 */

export const CREDIT_TICK: Nanos = 10 * MS; // CSCHED_MSECS_PER_TICK
export const CREDIT_TIMESLICE: Nanos = 30 * MS; // CSCHED_MSECS_PER_TSLICE
export const CREDIT_ACCOUNTING: Nanos = 30 * MS; // CSCHED_TICKS_PER_ACCT ticks
export const DEFAULT_WEIGHT = 256; // CSCHED_DEFAULT_WEIGHT
/** Credits per accounting period for one CPU (CSCHED_CREDITS_PER_ACCT); also one time slice's worth. */
export const CREDITS_PER_ACCOUNTING = 300;
/** 10 credits per ms of CPU (CSCHED_CREDITS_PER_MSEC). */
const NS_PER_CREDIT: Nanos = 100 * US;

export const BOOST = 0;
export const UNDER = -1;
export const OVER = -2;
const IDLE = -64;

/** A domain's credit state (Xen's csched_vcpu and csched_dom in one: every domain has one VCPU). */
export interface CreditState {
  readonly dom: Domain;
  /** The CPU it is queued or running on; another CPU's, once an unpinned domain moves. */
  scheduler: CreditScheduler;
  credit: number;
  /** Xen's start_time: while running, where the time not yet burned begins; else minus the unburned remainder. */
  start: Nanos;
  pri: number;
  /** Paused by the accounting for running past its cap. */
  parked: boolean;
  /** On the accounting's active list: it earns credits. */
  active: boolean;
  onRunq: boolean;
  /** Credit-DC: IDD time done on its behalf still to be paid out of its earnings. */
  debt: Nanos;
  /** When it last left a CPU (Xen's last_run_time), for the migration delay. */
  lastRan: Nanos;
}

/**
 * Which sched_credit.c.
 * - "later" (the default): time-based accounting (burn_credits), BOOST for waking VCPUs,
 *   and a capped VCPU more than a cap's worth in debt paused until its credit is
 *   positive again, as later releases have it.
 * - "xen-3.0": the first credit scheduler, of the paper's time (Xen 3.0.x, 2006).
 *   Credits count whole ms (30 per CPU per accounting). The VCPU found running at each
 *   10 ms tick pays for the whole tick, whatever it ran (sampled accounting). There is
 *   no BOOST: a waking VCPU preempts only one of lower priority. A capped VCPU in any
 *   debt is PARKED: queued below the idle VCPU, so it waits, not paused. Nothing
 *   reschedules a CPU at an accounting: a parked VCPU runs out its time slice, an
 *   unparked one waits for its CPU's next decision, and an idle CPU decides every
 *   time slice.
 */
export type CreditVersion = "later" | "xen-3.0";

export interface CreditOptions {
  /** Credit-DC: each accounting pays the domain's debt out of what it earns. */
  collectDebt?: boolean;
  version?: CreditVersion;
  /**
   * Xen's vcpu_migration_delay (0 by default): a VCPU that left its CPU less than this
   * long ago is cache-hot there, and no peer takes it.
   */
  migrationDelay?: Nanos;
}

/**
 * The host-wide part: csched_acct's credit hand-out over the active domains of every
 * CPU. Its owner calls `account` every CREDIT_ACCOUNTING and reschedules the CPUs it
 * names: the accounting parks and unparks VCPUs, as Xen's master ticker does.
 */
export class CreditAccounting {
  private readonly schedulers: CreditScheduler[] = [];
  /** The first credit scheduler's ways (see CreditVersion). */
  readonly first: boolean;
  /** Credits per CPU per accounting, also a time slice's worth and the bounds of a VCPU's credit. */
  readonly perAccounting: number;
  /** What one credit buys: 100 µs (later), 1 ms (xen-3.0). */
  readonly nsPerCredit: Nanos;
  /** Xen's active_sdom list, head first. */
  private activeList: CreditState[] = [];
  private weightTotal = 0;
  private creditBalance = 0;
  /** Bumped at every accounting: each CPU re-sorts its run queue at its next tick. */
  sortEpoch = 0;
  /** Asks CPU `i` to decide again: set by the host, for wake-ups that rouse idle CPUs. */
  onReschedule: (cpu: number) => void = () => {};
  /** Told when an accounting parks or unparks a domain (a scheduling trace); null otherwise. */
  onPark: ((dom: Domain, parked: boolean, now: Nanos) => void) | null = null;

  constructor(readonly options: CreditOptions = {}) {
    this.first = options.version === "xen-3.0";
    this.perAccounting = this.first ? 30 : CREDITS_PER_ACCOUNTING;
    this.nsPerCredit = this.first ? MS : NS_PER_CREDIT;
  }

  /** A CPU's scheduler; CPU `index` gets the `index`-th. */
  scheduler(index: number): CreditScheduler {
    const s = new CreditScheduler(this, index);
    this.schedulers.push(s);
    return s;
  }

  /**
   * csched_runq_steal over the busy peers of `thief`, its neighbour first: the first
   * waiting unpinned VCPU of priority above `pri`, taken off its run queue, or null.
   */
  steal(thief: CreditScheduler, pri: number, now: Nanos): CreditState | null {
    const n = this.schedulers.length;
    const hotSince = now - (this.options.migrationDelay ?? 0);
    // Peers by their place among the credit CPUs, which need not be all of the host's.
    const at = this.schedulers.indexOf(thief);
    for (let k = 1; k < n; k++) {
      const peer = this.schedulers[(at + k) % n];
      const st = peer.stealable(pri, hotSince);
      if (st !== null) return st;
    }
    return null;
  }

  /** __runq_tickle's idlers: a VCPU that may run anywhere woke on a busy CPU. */
  rouseIdlers(st: CreditState): void {
    if (st.dom.pinned) return;
    for (const s of this.schedulers) if (s !== st.scheduler && s.idle) this.onReschedule(s.cpu);
  }

  activate(st: CreditState): void {
    if (st.active) return;
    st.active = true;
    this.activeList.unshift(st);
    this.weightTotal += weightOf(st);
  }

  private deactivate(st: CreditState): void {
    st.active = false;
    this.activeList.splice(this.activeList.indexOf(st), 1);
    this.weightTotal -= weightOf(st);
  }

  /** csched_acct at `now`. Returns the CPUs that must decide again. */
  account(now: Nanos): number[] {
    for (const s of this.schedulers) s.catchUp(now);
    const weightTotal = this.weightTotal;
    let creditTotal = this.perAccounting * this.schedulers.length;
    // Converge the balance towards 0 when it is negative.
    if (this.creditBalance < 0) creditTotal -= this.creditBalance;
    if (weightTotal === 0) {
      this.creditBalance = 0;
      return [];
    }
    const resched = new Set<number>();
    let weightLeft = weightTotal;
    let creditBalance = 0;
    let creditXtra = false;
    for (const st of [...this.activeList]) {
      const weight = weightOf(st);
      weightLeft -= weight;
      // At most one accounting period's run for its VCPU, more only while the host-wide
      // balance is negative.
      let creditPeak = this.perAccounting;
      if (this.creditBalance < 0) creditPeak += ceilDiv(-this.creditBalance * weight, weightTotal);
      let creditCap = 0;
      // Xen's cap is a whole number of percent, 0 meaning none.
      const cap = Math.round((st.dom.sched.cap ?? 0) * 100);
      if (cap > 0) {
        creditCap = ceilDiv(cap * this.perAccounting, 100);
        if (creditCap < creditPeak) creditPeak = creditCap;
      }
      let creditFair = ceilDiv(creditTotal * weight, weightTotal);
      if (creditFair < creditPeak) {
        creditXtra = true;
      } else {
        // Give the domains after it a chance at what it cannot use.
        if (weightLeft !== 0) creditTotal += ceilDiv((creditFair - creditPeak) * weightTotal, weightLeft);
        if (creditXtra) {
          // Keep domains with credit to spare at the head, for the next accounting.
          this.activeList.splice(this.activeList.indexOf(st), 1);
          this.activeList.unshift(st);
        }
        creditFair = creditPeak;
      }
      if (this.options.collectDebt && st.debt > 0) {
        // Credit-DC: the IDD's work for it is paid out of what it earns.
        const paid = Math.min(creditFair, Math.ceil(st.debt / this.nsPerCredit));
        creditFair -= paid;
        st.debt = Math.max(0, st.debt - paid * this.nsPerCredit);
      }
      st.credit += creditFair;
      if (st.credit < 0) {
        st.pri = OVER;
        // The first scheduler parks a capped VCPU in any debt, later ones past a cap's worth.
        if (cap > 0 && st.credit < (this.first ? 0 : -creditCap) && !st.parked) {
          if (st.scheduler.park(st, now)) resched.add(st.scheduler.cpu);
          this.onPark?.(st.dom, true, now);
        }
        if (st.credit < -this.perAccounting) st.credit = -this.perAccounting;
      } else {
        st.pri = UNDER;
        if (st.parked) {
          if (st.scheduler.unpark(st, now)) resched.add(st.scheduler.cpu);
          this.onPark?.(st.dom, false, now);
        }
        // A VCPU that cannot spend what it earns stops earning.
        if (st.credit > this.perAccounting) {
          this.deactivate(st);
          st.credit = 0;
        }
      }
      creditBalance += st.credit;
    }
    this.creditBalance = creditBalance;
    this.sortEpoch++;
    return [...resched].sort((a, b) => a - b);
  }
}

/** One CPU's run queue under the credit scheduler. */
export class CreditScheduler implements Scheduler, DebtCollector {
  readonly name: string;
  /** Domains' states by domain id. */
  private readonly byId: CreditState[] = [];
  /** BOOST first, then UNDER, then OVER; FIFO within a priority. */
  private runq: CreditState[] = [];
  private current: CreditState | null = null;
  private nextTick: Nanos = CREDIT_TICK;
  private sortedAt = 0;
  private readonly decision: Decision = { next: null, runFor: 0 };

  constructor(
    private readonly accounting: CreditAccounting,
    readonly cpu: number,
  ) {
    this.name = accounting.options.collectDebt ? "credit-dc" : "credit";
  }

  add(dom: Domain, now: Nanos): void {
    const st: CreditState = { dom, scheduler: this, credit: 0, start: 0, pri: UNDER, parked: false, active: false, onRunq: false, debt: 0, lastRan: -Infinity };
    this.byId[dom.id] = st;
    this.catchUp(now);
    if (dom.hasWork()) this.insert(st);
  }

  state(dom: Domain): CreditState {
    const st = this.byId[dom.id];
    if (st === undefined || st.dom !== dom) throw new Error(`${dom.name} is not scheduled on this CPU`);
    return st;
  }

  wake(dom: Domain, now: Nanos): boolean {
    this.catchUp(now);
    const st = this.state(dom);
    if (st === this.current || st.onRunq || st.parked) return false;
    // Boost a waking VCPU that has credit, so an I/O-bound domain runs soon after its
    // event; one that uses the CPU for long loses the boost at the next tick. The first
    // credit scheduler had no boost.
    if (st.pri === UNDER && !this.accounting.first) st.pri = BOOST;
    this.insert(st);
    if (this.current !== null) this.accounting.rouseIdlers(st);
    return st.pri > (this.current?.pri ?? IDLE);
  }

  pick(now: Nanos, prev: Domain | null): Decision {
    this.catchUp(now);
    const cur = this.current;
    if (cur !== null) {
      if (!this.accounting.first) this.burn(cur, now);
      cur.start -= now;
      cur.lastRan = now;
      if (prev !== null && prev.hasWork() && !cur.parked) this.insert(cur);
    }
    // csched_schedule: the head of the run queue, unless it is OVER (or there is none)
    // and a busy peer has an unpinned VCPU waiting with more right to run.
    const head = this.runq[0] ?? null;
    let next = head === null || head.pri <= OVER ? this.accounting.steal(this, head?.pri ?? IDLE, now) : null;
    if (next !== null) {
      next.scheduler = this;
      this.byId[next.dom.id] = next;
    } else if (head !== null) {
      next = head;
      this.remove(head);
    }
    this.current = next;
    // The first scheduler's idle CPU decides again every time slice too; later ones wait for a wake-up.
    if (next === null) return this.decide(null, this.accounting.first ? CREDIT_TIMESLICE : Infinity);
    next.start += now;
    return this.decide(next.dom, CREDIT_TIMESLICE);
  }

  /** Nothing running on this CPU. */
  get idle(): boolean {
    return this.current === null;
  }

  /**
   * For a peer's load balancing: the first waiting unpinned VCPU above `pri` that left
   * this CPU no later than `hotSince`, handed over. None from an idle CPU, which is about to
   * run it itself.
   */
  stealable(pri: number, hotSince: Nanos): CreditState | null {
    if (this.current === null) return null;
    for (const st of this.runq) {
      if (st.pri <= pri) return null;
      if (!st.dom.pinned && st.lastRan <= hotSince) {
        this.remove(st);
        delete this.byId[st.dom.id];
        return st;
      }
    }
    return null;
  }

  /** Credit-DC's: only an accounting set to collect debt takes it out of the credits. */
  get collectsDebt(): boolean {
    return this.accounting.options.collectDebt === true;
  }

  addDebt(dom: Domain, amount: Nanos): void {
    this.state(dom).debt += Math.max(0, Math.round(amount));
  }

  debtOf(dom: Domain): Nanos {
    return this.state(dom).debt;
  }

  /** Runs the ticks up to `now`: the VCPU running at each is the one running since the last call. */
  catchUp(now: Nanos): void {
    while (this.nextTick <= now) {
      const cur = this.current;
      if (cur !== null) {
        // csched_vcpu_acct: found running at a tick, it uses the CPU for real. The first
        // scheduler charges it the whole tick (CSCHED_TICK), whatever it ran.
        if (cur.pri === BOOST) cur.pri = UNDER;
        if (this.accounting.first) cur.credit -= CREDIT_TICK / this.accounting.nsPerCredit;
        else this.burn(cur, this.nextTick);
        this.accounting.activate(cur);
      }
      if (this.sortedAt !== this.accounting.sortEpoch) {
        this.sortedAt = this.accounting.sortEpoch;
        // csched_runq_sort: the accounting changed priorities; UNDERs move ahead of OVERs.
        this.runq = [...this.runq.filter((s) => s.pri >= UNDER), ...this.runq.filter((s) => s.pri < UNDER)];
      }
      this.nextTick += CREDIT_TICK;
    }
  }

  /**
   * Pauses a capped domain in debt. True when it was running, so the CPU must decide
   * again. The first scheduler's PARKED VCPU is only queued behind the idle one: not
   * paused, and one that is running runs out its slice.
   */
  park(st: CreditState, now: Nanos): boolean {
    st.parked = true;
    if (!this.accounting.first) st.dom.setPaused(true, now);
    if (st.onRunq) this.remove(st);
    return st === this.current && !this.accounting.first;
  }

  /** Unpauses it: it queues if it has work, without a boost. True when it should preempt (never for the first scheduler). */
  unpark(st: CreditState, now: Nanos): boolean {
    st.parked = false;
    if (!this.accounting.first) st.dom.setPaused(false, now);
    if (st === this.current || st.onRunq || !st.dom.hasWork()) return false;
    this.insert(st);
    if (this.accounting.first) return false;
    if (this.current !== null) this.accounting.rouseIdlers(st);
    return st.pri > (this.current?.pri ?? IDLE);
  }

  private decide(next: Domain | null, runFor: Nanos): Decision {
    this.decision.next = next;
    this.decision.runFor = runFor;
    return this.decision;
  }

  /** burn_credits: 10 credits per ms run, rounded to the nearest, the remainder carried. */
  private burn(st: CreditState, now: Nanos): void {
    const delta = now - st.start;
    if (delta <= 0) return;
    const credits = Math.floor((delta + NS_PER_CREDIT / 2) / NS_PER_CREDIT);
    st.credit -= credits;
    st.start += credits * NS_PER_CREDIT;
  }

  /** __runq_insert: behind every VCPU of its priority or higher. */
  private insert(st: CreditState): void {
    let i = 0;
    while (i < this.runq.length && this.runq[i].pri >= st.pri) i++;
    this.runq.splice(i, 0, st);
    st.onRunq = true;
  }

  private remove(st: CreditState): void {
    this.runq.splice(this.runq.indexOf(st), 1);
    st.onRunq = false;
  }
}

function weightOf(st: CreditState): number {
  return st.dom.sched.weight ?? DEFAULT_WEIGHT;
}

function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}
