import type { PhysicalCpu } from "../host/cpu.js";
import type { Domain } from "../host/domain.js";
import { isDebtCollector } from "../host/scheduler.js";
import type { Nanos } from "../sim/engine.js";
import type { XenMon } from "../xenmon/xenmon.js";

/**
 * SEDF-DC's feedback loop (paper §4.1): every feedback interval t, XenMon's estimate of
 * the IDD time used on behalf of each guest over the last t is added to its debt. The
 * scheduler receives the *estimate*, never the simulator's ground truth.
 */
export class SedfDcFeedback {
  private readonly used: Float64Array;
  private elapsed: Nanos = 0;

  constructor(
    private readonly xenmon: XenMon,
    private readonly cpus: PhysicalCpu[],
    private readonly domains: Domain[],
    private readonly interval: Nanos,
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
        if (this.used[dom.id] > 0 && isDebtCollector(sched)) sched.addDebt(dom, this.used[dom.id]);
      }
      this.used.fill(0);
      this.elapsed = 0;
    });
  }
}
