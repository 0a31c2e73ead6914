import { US, type Nanos } from "../../sim/engine.js";
import type { Domain } from "../domain.js";
import type { Decision, Scheduler } from "../scheduler.js";

/** Xen 3.0's sched_sedf.c hands out slack in quanta of this length (EXTRA_QUANTUM). */
export const EXTRA_QUANTUM: Nanos = 500 * US;

type Queue = "Qr" | "Qw" | "Qb";

/** Per-domain SEDF state: the paper's (d_i, r_i, debt_i) plus queue membership. */
export interface SedfState {
  readonly dom: Domain;
  /** Deadline: end of the current period. */
  d: Nanos;
  /** Remaining slice time in the current period. */
  r: Nanos;
  /** IDD time still to be collected from this domain (always 0 under plain SEDF). */
  debt: Nanos;
  queue: Queue;
  /** Debt still chargeable in the current period (Infinity unless debt spreading is on). */
  allowance: Nanos;
  /** With spreading: the per-period charge, int(debt / period_freq), set at each feedback. */
  spreadCharge: Nanos;
  /** Last time the domain was given extra time, for round-robin among slack consumers. */
  lastExtra: Nanos;
}

export interface DebtOptions {
  /** Spread each feedback's debt over the periods of one feedback interval (paper §4.1). */
  spread: boolean;
  /** The feedback interval t; with spreading, period_freq = int(t / p_i). */
  feedbackInterval: Nanos;
}

/**
 * SEDF as the paper's §4.1 gives it, with the SEDF-DC debt terms built in: with no
 * debt ever added, every step reduces to plain SEDF, which is exactly the paper's
 * claim ("SEDF-DC with zero debt is SEDF"). Where the paper is silent the rules follow
 * Xen 3.0.3's sched_sedf.c: one-shot timers, missed deadlines roll forward with a fresh
 * slice, and extra time is handed out only when Qr is empty, in EXTRA_QUANTUM slices.
 */
export class SedfScheduler implements Scheduler {
  readonly name: string = "sedf";
  protected readonly states: SedfState[] = [];
  /** The same states indexed by domain id. */
  private readonly byId: SedfState[] = [];
  private inExtraTime = false;
  /** Every decision is returned in this one object: the CPU asks for several per packet. */
  private readonly decision: Decision = { next: null, runFor: 0 };

  constructor(protected readonly debtOptions?: DebtOptions) {}

  add(dom: Domain, now: Nanos): void {
    const st: SedfState = {
      dom,
      d: now + dom.sched.period,
      r: dom.sched.slice,
      debt: 0,
      queue: dom.hasWork() ? "Qr" : "Qb",
      allowance: Infinity,
      spreadCharge: 0,
      lastExtra: -1,
    };
    if (st.r === 0) st.queue = "Qw";
    this.states.push(st);
    this.byId[dom.id] = st;
  }

  state(dom: Domain): SedfState {
    const st = this.byId[dom.id];
    if (st === undefined || st.dom !== dom) throw new Error(`${dom.name} is not scheduled on this CPU`);
    return st;
  }

  wake(dom: Domain, now: Nanos, running: Domain | null): boolean {
    const st = this.state(dom);
    if (st.queue === "Qb") this.unblock(st, now);
    if (st.queue === "Qr") {
      if (running === null || this.inExtraTime) return true;
      return st.d < this.state(running).d;
    }
    // In Qw: it can only use slack, and only an idle CPU has slack right now.
    return running === null && dom.sched.extratime;
  }

  pick(now: Nanos, prev: Domain | null, ran: Nanos): Decision {
    if (prev !== null) this.deschedule(this.state(prev), now, ran);

    // One pass: step 3 brings each domain's period up to date, then Qr's earliest
    // deadline and Qw's earliest refill are taken from the updated state.
    let head: SedfState | null = null;
    let nextRefill = Infinity;
    const states = this.states;
    for (let i = 0; i < states.length; i++) {
      const st = states[i];
      if (st.queue !== "Qb" && st.d <= now) this.rollForward(st, now);
      if (st.queue === "Qr") {
        if (head === null || st.d < head.d) head = st;
      } else if (st.queue === "Qw" && st.d < nextRefill) nextRefill = st.d;
    }
    // Step 4: the next decision point is the earliest of: the head's slice running out,
    // its deadline, and a waiting domain's period beginning.
    if (head !== null) {
      this.inExtraTime = false;
      return this.decide(head.dom, Math.min(head.r, head.d - now, nextRefill - now));
    }
    // Step 5: Qr is empty, so slack goes round-robin to waiting domains with extratime.
    let extra: SedfState | null = null;
    for (const st of this.states) {
      if (st.queue !== "Qw" || !st.dom.sched.extratime || !st.dom.hasWork()) continue;
      if (extra === null || st.lastExtra < extra.lastExtra) extra = st;
    }
    if (extra !== null) {
      extra.lastExtra = now;
      this.inExtraTime = true;
      return this.decide(extra.dom, Math.min(EXTRA_QUANTUM, nextRefill - now));
    }
    this.inExtraTime = false;
    return this.decide(null, nextRefill - now);
  }

  private decide(next: Domain | null, runFor: Nanos): Decision {
    this.decision.next = next;
    this.decision.runFor = runFor;
    return this.decision;
  }

  /** Steps 1–2: charge the time the domain ran, collect debt, and requeue it. */
  private deschedule(st: SedfState, _now: Nanos, ran: Nanos): void {
    if (!this.inExtraTime) {
      st.r = Math.max(0, st.r - ran);
      this.chargeDebt(st);
    }
    if (st.r === 0) st.queue = "Qw";
    else st.queue = st.dom.hasWork() ? "Qr" : "Qb";
  }

  /** Step 3 for Qw, and the roll-forward of missed deadlines in Qr (sched_sedf.c); `st` is not blocked and its deadline has come. */
  private rollForward(st: SedfState, now: Nanos): void {
    const p = st.dom.sched.period;
    // A domain waiting in Qw is refilled at exactly d; one in Qr whose deadline passed
    // without its slice being served loses the rest of that slice, as in Xen.
    st.d += (Math.floor((now - st.d) / p) + 1) * p;
    this.newPeriod(st);
    if (st.r === 0) st.queue = "Qw";
    else st.queue = st.dom.hasWork() ? "Qr" : "Qb";
  }

  /** Step 6: the unblock rules. */
  private unblock(st: SedfState, now: Nanos): void {
    const { slice: s, period: p } = st.dom.sched;
    if (now < st.d) {
      this.chargeDebt(st);
    } else {
      // The periods it sat blocked were CPU it did not use: they pay off debt.
      const blockedPeriods = Math.floor((now - st.d) / p);
      st.debt = Math.max(0, st.debt - st.r - blockedPeriods * s);
      st.d += (blockedPeriods + 1) * p;
      this.newPeriod(st);
    }
    st.queue = st.r > 0 ? "Qr" : "Qw";
  }

  /** A fresh slice, reduced by whatever debt this period may collect (r = s ∸ debt). */
  private newPeriod(st: SedfState): void {
    st.r = st.dom.sched.slice;
    st.allowance = this.debtOptions?.spread ? st.spreadCharge : Infinity;
    this.chargeDebt(st);
  }

  /** Step 1's charge: take debt out of the remaining slice, as far as it goes. */
  protected chargeDebt(st: SedfState): void {
    const due = Math.min(st.debt, st.allowance);
    if (due <= 0) return;
    const paid = Math.min(due, st.r);
    st.r -= paid;
    st.debt -= paid;
    st.allowance -= paid;
  }
}
