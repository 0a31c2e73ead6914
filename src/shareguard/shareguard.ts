import type { Domain } from "../host/domain.js";
import type { NetBackend } from "../net/netback.js";
import type { Engine, Nanos } from "../sim/engine.js";
import type { SimEvent } from "../sim/event-queue.js";
import { creditPerInterval } from "../net/vif-credit.js";
import { IntervalTotals, type DomainSample, type XenMon } from "../xenmon/xenmon.js";
import { evaluatePolicy, type Policy, type PolicyReading } from "./policy.js";

/** A policy's change to a guest's vif rate limit (beyond the paper), for the trace. */
export interface VifRateChange {
  time: Nanos;
  domain: string;
  /** Bytes per second (what the chunk per interval comes to), or null: no limit. */
  rate: number | null;
}

/** One of ShareGuard's decisions, for the trace behind Figure 10. */
export interface ShareGuardDecision {
  /** When it was taken (ns). */
  time: Nanos;
  domain: string;
  /** XenMon's estimate of the guest's share of a CPU in the IDD over the last interval. */
  used: number;
  limit: number;
  /** How long the guest's traffic is off (ns). */
  cutFor: Nanos;
}

/**
 * t_def: how long to cut a guest off so that the window of one evaluation plus the cut
 * averages at most its limit. The paper's own example fixes the meaning (about 30 %
 * used against a 5 % limit: off for 2.5 s, so the 3 s window averages 5 %):
 *   used · t / (t + t_def) ≤ limit  ⇔  t_def ≥ t · (used / limit − 1).
 * We round up to whole intervals, the smallest cut that still complies.
 */
export function defenceTime(used: number, limit: number, interval: Nanos): Nanos {
  if (used <= limit) return 0;
  return interval * Math.ceil(used / limit - 1 - 1e-9);
}

/**
 * What ShareGuard does to a guest over its limit: `cut` is the paper's (all its traffic
 * off for t_def); `throttle` goes beyond the paper (its packets dropped past a budget
 * of IDD time per interval, so that it never goes off entirely).
 */
export type ShareGuardAction = "cut" | "throttle";

/** A decision rule of the user's (src/shareguard/policy.ts) in place of the paper's. */
export interface ShareGuardPolicy {
  /** The module's path, for messages. */
  path: string;
  policy: Policy;
  /** Every guest with a network port: what the policy is shown. */
  guests: Domain[];
}

/**
 * ShareGuard (paper §5.1): every interval t it reads XenMon's estimate of IDD CPU spent
 * for each limited guest over the last t; a guest over its limit has all its traffic
 * stopped for t_def (inbound dropped by a filter in the IDD after the driver's part of
 * the work; outbound dropped in netback before the IDD's stack), then restored.
 *
 * Throttled instead, a limited guest may use at most limit · t of IDD time in each
 * interval, as XenMon reckons it: IDD time per weighted packet (XenMon's wCount) over the
 * last interval's samples gives what each packet costs, and packets past the budget are
 * dropped at the same two points as a cut drops them. Budgets start with the first
 * evaluation; a guest under its limit never reaches its own.
 *
 * Beyond the paper, a guest's disk requests (src/block/blkback.ts) are held, not dropped:
 * blkback leaves them on the guest's ring while it is cut, or past its budget, at
 * XenMon's blockWeight received packets each (`GuestPort.setCut`).
 */
export class ShareGuard {
  readonly decisions: ShareGuardDecision[] = [];
  /** The vif rates a policy set, in order. */
  readonly vifRateChanges: VifRateChange[] = [];
  /** Each guest's sent bytes at the last evaluation, for a policy's `sentBytes`. */
  private readonly sentBytesBefore = new Map<Domain, number>();
  /** XenMon's figures over the interval in progress. */
  private readonly totals: IntervalTotals;
  /**
   * For the throttle's cost per packet, per net-IDD: the IDD time XenMon charged to the
   * guests it serves, and their weighted packets, over the interval's clean samples.
   */
  private readonly costSamples = new Map<NetBackend, { charged: number; weighted: number }>();
  private readonly cutUntil = new Map<Domain, Nanos>();
  /** Each cut in progress, with its end, so that a policy may replace or lift it. */
  private readonly inProgress = new Map<Domain, { decision: ShareGuardDecision; restore: SimEvent }>();
  private lastDroppedRx = 0;
  /** The limited guests by name, for a policy's actions. */
  private readonly limitedByName: Map<string, Domain>;

  constructor(
    private readonly engine: Engine,
    private readonly xenmon: XenMon,
    /** The backend of the net-IDD serving a guest. */
    private readonly netOf: (guest: Domain) => NetBackend,
    domainCount: number,
    private readonly limits: Map<Domain, number>,
    private readonly interval: Nanos,
    private readonly action: ShareGuardAction = "cut",
    private readonly policy: ShareGuardPolicy | null = null,
  ) {
    this.totals = new IntervalTotals(domainCount);
    this.limitedByName = new Map([...limits.keys()].map((d) => [d.name, d]));
    for (const dom of limits.keys()) this.costSamples.set(netOf(dom), { charged: 0, weighted: 0 });
  }

  attach(): void {
    this.xenmon.onSample((s) => {
      const t = this.totals;
      t.add(s);
      if (this.action === "throttle" || this.policy !== null) this.addCostSample(s.domains);
      if (t.elapsed < this.interval) return;
      if (this.policy !== null) this.applyPolicy(this.policy);
      else {
        for (const [dom, limit] of this.limits) {
          if (this.action === "cut") this.evaluate(dom, limit, t.iddEstimate[dom.id] / t.elapsed);
          else this.throttle(dom, limit);
        }
      }
      t.reset();
      for (const c of this.costSamples.values()) c.charged = c.weighted = 0;
    });
  }

  /**
   * The throttle's cost per packet comes from samples in which the filter dropped nothing
   * inbound: a dropped packet's driver work is IDD time XenMon charges to the packets it
   * counts, so those samples would make packets look dearer the more are dropped.
   */
  private addCostSample(domains: DomainSample[]): void {
    const dropped = this.droppedRx();
    if (dropped === this.lastDroppedRx) {
      for (const [net, c] of this.costSamples) {
        for (const id of net.ports.keys()) {
          c.charged += domains[id].iddEstimate;
          c.weighted += this.xenmon.wCount(domains[id]);
        }
      }
    }
    this.lastDroppedRx = dropped;
  }

  /** Inbound packets the filter has dropped so far, over every limited guest. */
  private droppedRx(): number {
    let n = 0;
    for (const dom of this.limits.keys()) n += this.netOf(dom).port(dom.id).droppedByFilterRx;
    return n;
  }

  /** Shows the policy the interval just ended and carries out what it returns. */
  private applyPolicy({ path, policy, guests }: ShareGuardPolicy): void {
    const now = this.engine.now;
    const { iddEstimate, gotten, sent, recv, blk, elapsed } = this.totals;
    const reading: PolicyReading = { time: now / 1e9, guests: {}, idds: {} };
    for (const g of guests) {
      const i = g.id;
      const net = this.netOf(g);
      const port = net.port(i);
      const sentBytes = port.sentBytes - (this.sentBytesBefore.get(g) ?? 0);
      this.sentBytesBefore.set(g, port.sentBytes);
      const vifRate = port.credit === null ? null : (port.credit.bytesPerInterval * 1e9) / port.vifInterval;
      reading.guests[g.name] = { idd: iddEstimate[i] / elapsed, iddName: net.idd.name, cpu: gotten[i] / elapsed, sent: sent[i], received: recv[i], sentBytes, vifRate, blocks: blk[i], cut: this.isCut(g, now) };
      reading.idds[net.idd.name] = { cpu: gotten[net.idd.id] / elapsed, queued: net.idd.queuedTasks };
    }
    const limits = Object.fromEntries([...this.limits].map(([d, limit]) => [d.name, limit]));
    const throttled = new Set<Domain>();
    const portOf = (dom: Domain) => this.netOf(dom).port(dom.id);
    const vifInterval = (name: string) => portOf(this.limitedByName.get(name)!).vifInterval;
    for (const action of evaluatePolicy(path, policy, reading, limits, vifInterval)) {
      const dom = this.limitedByName.get(action.guest)!;
      if ("cut" in action) this.cut(dom, reading.guests[dom.name].idd, this.limits.get(dom)!, Math.round(action.cut * 1e9));
      else if ("vifRate" in action) this.setVifRate(dom, action.vifRate);
      else {
        this.throttle(dom, action.throttle);
        throttled.add(dom);
      }
    }
    for (const dom of this.limits.keys()) if (!throttled.has(dom)) this.netOf(dom).port(dom.id).setAllowance(Infinity);
  }

  /** Gives the guest's vif a rate limit of `rate` bytes per second from now (null: none). */
  private setVifRate(dom: Domain, rate: number | null): void {
    const net = this.netOf(dom);
    const port = net.port(dom.id);
    net.setVifRate(port, rate === null ? null : creditPerInterval(rate, port.vifInterval));
    this.vifRateChanges.push({ time: this.engine.now, domain: dom.name, rate });
  }

  /** Sets the guest's budget for the interval beginning now, at the last known cost per packet. */
  private throttle(dom: Domain, limit: number): void {
    const net = this.netOf(dom);
    const port = net.port(dom.id);
    const { charged, weighted } = this.costSamples.get(net)!;
    // No clean sample this interval: the last cost per packet stands.
    if (weighted > 0) {
      const perPacket = charged / weighted;
      port.rxCharge = perPacket;
      port.txCharge = perPacket * this.xenmon.weight;
      port.blkCharge = perPacket * this.xenmon.blockWeight;
    }
    port.setAllowance(limit * this.interval);
  }

  /** Whether `dom`'s traffic is cut at time `t`. */
  isCut(dom: Domain, t: Nanos): boolean {
    return t < (this.cutUntil.get(dom) ?? -1);
  }

  private evaluate(dom: Domain, limit: number, used: number): void {
    const now = this.engine.now;
    if (this.isCut(dom, now)) return;
    const cutFor = defenceTime(used, limit, this.interval);
    if (cutFor === 0) return;
    this.cut(dom, used, limit, cutFor);
  }

  /**
   * Stops the guest's traffic from now for `cutFor` (0: restores it now). A cut in
   * progress, which only a policy can replace, ends now: its decision is shortened to
   * what it lasted, so the record adds up to the time the traffic was off.
   */
  private cut(dom: Domain, used: number, limit: number, cutFor: Nanos): void {
    const now = this.engine.now;
    const port = this.netOf(dom).port(dom.id);
    const current = this.inProgress.get(dom);
    if (current !== undefined && this.isCut(dom, now)) {
      this.engine.cancel(current.restore);
      current.decision.cutFor = now - current.decision.time;
      this.cutUntil.set(dom, now);
      port.setCut(false);
    }
    if (cutFor === 0) return;
    const decision = { time: now, domain: dom.name, used, limit, cutFor };
    this.decisions.push(decision);
    this.cutUntil.set(dom, now + cutFor);
    port.setCut(true);
    const restore = this.engine.at(now + cutFor, () => port.setCut(false));
    this.inProgress.set(dom, { decision, restore });
  }
}
