import { US, type Nanos } from "../../sim/engine.js";
import type { Domain } from "../domain.js";
import type { Decision, Scheduler } from "../scheduler.js";

/** Xen 3.0's sched_sedf.c hands out slack in quanta of this length (EXTRA_QUANTUM). */
export const EXTRA_QUANTUM: Nanos = 500 * US;

type Queue = "Qr" | "Qw" | "Qb";

/**
 * What a domain that blocked with slice left gets when it wakes before its deadline.
 * - "paper": §4.1 step 6 — it resumes with the slice it had left, deadline unchanged.
 *   After its deadline, the periods it missed are counted and it gets a fresh slice on
 *   the original period grid.
 * - "xen-3.0": sched_sedf.c as Xen 3.0 ships it (UNBLOCK_EXTRA_SUPPORT with
 *   EXTRA_BLOCK_WEIGHT). "No more realtime execution in this period!": it waits for
 *   its next period, and the slice it lost is repaid as *penalty extra time*, slack
 *   handed out in EXTRA_QUANTUM slices ahead of ordinary extra time, whether or not
 *   the domain has extratime (unblock_short_extra_support). After its deadline, a new
 *   period starts at the wake-up (unblock_long_cons_b). No extra time is handed out
 *   when less than a quantum is left before the next period begins.
 */
export type UnblockRule = "paper" | "xen-3.0";

export interface SedfOptions {
  unblock?: UnblockRule;
}

/** What the running domain is using: its reservation, penalty extra time, or slack. */
type RunMode = "edf" | "penalty" | "slack";

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
  /** Under "xen-3.0": slice lost to a short block, still to be repaid as penalty extra time. */
  penalty: Nanos;
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
  private mode: RunMode = "edf";
  /** Every decision is returned in this one object: the CPU asks for several per packet. */
  private readonly decision: Decision = { next: null, runFor: 0 };
  /** When the current decision runs out (Xen's current_slice_expires). */
  private decidedUntil: Nanos = 0;
  private readonly xenUnblock: boolean;

  constructor(options: SedfOptions = {}, protected readonly debtOptions?: DebtOptions) {
    this.xenUnblock = options.unblock === "xen-3.0";
  }

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
      penalty: 0,
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
      if (running === null || this.mode !== "edf") return true;
      return st.d < this.state(running).d;
    }
    // In Qw. Step 4: the current decision was timed without this domain's next period
    // (it was blocked), so one that begins sooner calls for a new decision.
    if (st.d < this.decidedUntil) return true;
    if (!this.xenUnblock) {
      // Otherwise it can only use slack, and only an idle CPU has slack right now.
      return running === null && dom.sched.extratime;
    }
    // sched_sedf.c's should_switch: an idle CPU, or a penalty claim against ordinary
    // slack or against a smaller claim.
    if (running === null) return dom.sched.extratime || st.penalty > 0;
    if (st.penalty <= 0 || this.mode === "edf") return false;
    return this.mode === "slack" || penaltyScore(st) < penaltyScore(this.state(running));
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
      this.mode = "edf";
      return this.decide(head.dom, Math.min(head.r, head.d - now, nextRefill - now), now);
    }
    // Step 5: Qr is empty, so the CPU's slack is handed out as extra time.
    if (this.xenUnblock) {
      // sched_sedf_do_extra_schedule: none with less than a quantum to go, and penalty
      // claims first, the largest against its period first.
      if (nextRefill - now < EXTRA_QUANTUM) return this.idle(nextRefill, now);
      let claim: SedfState | null = null;
      for (const st of this.states) {
        if (st.penalty <= 0 || st.queue !== "Qw" || !st.dom.hasWork()) continue;
        if (claim === null || penaltyScore(st) < penaltyScore(claim)) claim = st;
      }
      if (claim !== null) {
        this.mode = "penalty";
        return this.decide(claim.dom, EXTRA_QUANTUM, now);
      }
    }
    // Ordinary slack goes round-robin to waiting domains with extratime.
    let extra: SedfState | null = null;
    for (const st of this.states) {
      if (st.queue !== "Qw" || !st.dom.sched.extratime || !st.dom.hasWork()) continue;
      if (extra === null || st.lastExtra < extra.lastExtra) extra = st;
    }
    if (extra !== null) {
      extra.lastExtra = now;
      this.mode = "slack";
      return this.decide(extra.dom, Math.min(EXTRA_QUANTUM, nextRefill - now), now);
    }
    return this.idle(nextRefill, now);
  }

  private idle(until: Nanos, now: Nanos): Decision {
    // Nothing runs; a domain dispatched without a new decision is charged as reserved time.
    this.mode = "edf";
    return this.decide(null, until - now, now);
  }

  private decide(next: Domain | null, runFor: Nanos, now: Nanos): Decision {
    this.decision.next = next;
    this.decision.runFor = runFor;
    this.decidedUntil = now + runFor;
    return this.decision;
  }

  /** Steps 1–2: charge the time the domain ran, collect debt, and requeue it. */
  private deschedule(st: SedfState, _now: Nanos, ran: Nanos): void {
    if (this.mode === "edf") {
      st.r = Math.max(0, st.r - ran);
      this.chargeDebt(st);
    } else if (this.mode === "penalty") {
      st.penalty = Math.max(0, st.penalty - ran);
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

  /** Step 6: the unblock rules (or Xen 3.0's, see UnblockRule). */
  private unblock(st: SedfState, now: Nanos): void {
    const { slice: s, period: p } = st.dom.sched;
    if (now < st.d) {
      if (this.xenUnblock) {
        // The rest of this period's slice becomes a penalty claim (set, not added up,
        // as in Xen); the domain waits in Qw for its next period.
        st.penalty = st.r;
        st.r = 0;
      } else {
        this.chargeDebt(st);
      }
    } else {
      // The periods it sat blocked were CPU it did not use: they pay off debt.
      const blockedPeriods = Math.floor((now - st.d) / p);
      st.debt = Math.max(0, st.debt - st.r - blockedPeriods * s);
      // Xen starts the new period at the wake-up; the paper keeps the period grid.
      st.d = this.xenUnblock ? now + p : st.d + (blockedPeriods + 1) * p;
      st.penalty = 0;
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

/**
 * Xen's order among penalty claims (score[EXTRA_PEN_Q] = (period << 10) / lost): the
 * smaller score, the larger the claim against the domain's period, goes first.
 */
function penaltyScore(st: SedfState): number {
  return Math.floor((st.dom.sched.period * 1024) / st.penalty);
}
