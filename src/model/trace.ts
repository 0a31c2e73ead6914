import type { CpuObserver } from "../host/cpu.js";
import type { Domain } from "../host/domain.js";
import { csvField } from "../report/csv.js";
import type { Nanos } from "../sim/engine.js";

/** The columns of a trace, one row per event. */
export const TRACE_FIELDS = ["time_ms", "cpu", "event", "domain", "prev", "ran_us", "detail"] as const;

/**
 * A scheduling trace of one run, as xentrace records a real host: every switch on every
 * CPU (`switch`: the domain switched in, the one switched out and how long it ran; a
 * domain the scheduler picks again keeps running, with no switch, as in Xen), every
 * wake-up (`wake`), and what the mechanisms do: SEDF-DC's or Credit-DC's feedback
 * (`debt`), ShareGuard's cuts (`cut`, with how long), and the credit scheduler parking
 * and unparking a capped domain (`park`, `unpark`). Rows are in time order; only events
 * in [from, to) are kept, so a long run can be traced in part. "idle" stands for no
 * domain.
 */
export class Trace implements CpuObserver {
  /** Rows not yet handed to the sink: a long run's trace is written as it grows, never held whole. */
  private pending: string[] = [TRACE_FIELDS.join(",")];

  constructor(
    /** Takes the trace's text, a batch of whole rows at a time. */
    private readonly sink: (text: string) => void,
    readonly from: Nanos = 0,
    readonly to: Nanos = Infinity,
  ) {}

  switched(cpu: number, now: Nanos, prev: Domain | null, next: Domain | null, ran: Nanos): void {
    this.row(now, cpu, "switch", next?.name ?? "idle", prev?.name ?? "idle", ran, "");
  }

  woke(cpu: number, now: Nanos, dom: Domain): void {
    this.row(now, cpu, "wake", dom.name, "", undefined, "");
  }

  parked(now: Nanos, dom: Domain, parked: boolean): void {
    this.row(now, dom.cpu, parked ? "park" : "unpark", dom.name, "", undefined, "");
  }

  debt(now: Nanos, dom: Domain, amount: Nanos): void {
    this.row(now, dom.cpu, "debt", dom.name, "", undefined, `added ${us(amount)} us`);
  }

  cut(now: Nanos, dom: Domain, used: number, limit: number, cutFor: Nanos): void {
    this.row(now, "", "cut", dom.name, "", undefined, `used ${pct(used)} of the IDD > limit ${pct(limit)}: off ${cutFor / 1e6} ms`);
  }

  /** Hands the last rows to the sink; call once the run is over. */
  flush(): void {
    if (this.pending.length > 0) this.sink(this.pending.join("\n") + "\n");
    this.pending = [];
  }

  private row(now: Nanos, cpu: number | "", event: string, domain: string, prev: string, ran: Nanos | undefined, detail: string): void {
    if (now < this.from || now >= this.to) return;
    this.pending.push([+(now / 1e6).toFixed(6), cpu, event, csvField(domain), csvField(prev), ran === undefined ? "" : us(ran), csvField(detail)].join(","));
    if (this.pending.length >= 8192) this.flush();
  }
}

const us = (ns: Nanos) => +(ns / 1e3).toFixed(3);
const pct = (x: number) => `${+(100 * x).toFixed(2)}%`;
