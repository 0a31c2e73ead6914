import type { CpuObserver, SwitchReason } from "../host/cpu.js";
import type { Domain } from "../host/domain.js";
import { csvField } from "../report/csv.js";
import type { Nanos } from "../sim/engine.js";

/** A stretch of time in ms: a domain running on a CPU, or cut off by ShareGuard (cpu −1). */
export interface TraceSpan {
  cpu: number;
  domain: string;
  from: number;
  to: number;
}

/** The columns of a trace, one row per event. */
export const TRACE_FIELDS = ["time_ms", "cpu", "event", "domain", "prev", "ran_us", "detail"] as const;

/**
 * A scheduling trace of one run, as xentrace records a real host: every switch on every
 * CPU (`switch`: the domain switched in, the one switched out, how long it ran and why
 * it left; a domain the scheduler picks again keeps running, with no switch, as in
 * Xen), every wake-up (`wake`), and what the mechanisms do: SEDF-DC's or Credit-DC's
 * feedback (`debt`), ShareGuard's cuts (`cut`, with how long), and the credit scheduler
 * parking and unparking a capped domain (`park`, `unpark`). Rows are in time order;
 * only events in [from, to) are kept, so a long run can be traced in part. "idle"
 * stands for no domain.
 */
export class Trace implements CpuObserver {
  /** Rows not yet handed to the sink: a long run's trace is written as it grows, never held whole. */
  private pending: string[] = [TRACE_FIELDS.join(",")];
  /** With `keepSpans`: who ran when on each CPU within the window, and ShareGuard's cuts, for a chart. */
  readonly spans: TraceSpan[] | null;
  readonly cuts: TraceSpan[] | null;
  /** Per CPU: the domain switched in last (null: idle) and when. */
  private readonly onCpu = new Map<number, { dom: Domain | null; since: Nanos }>();

  constructor(
    /** Takes the trace's text, a batch of whole rows at a time. */
    private readonly sink: (text: string) => void,
    readonly from: Nanos = 0,
    readonly to: Nanos = Infinity,
    keepSpans = false,
  ) {
    this.spans = keepSpans ? [] : null;
    this.cuts = keepSpans ? [] : null;
  }

  switched(cpu: number, now: Nanos, prev: Domain | null, next: Domain | null, ran: Nanos, why: SwitchReason): void {
    this.row(now, cpu, "switch", next?.name ?? "idle", prev?.name ?? "idle", ran, why);
    if (this.spans === null) return;
    const last = this.onCpu.get(cpu);
    if (last?.dom) this.span(this.spans, cpu, last.dom.name, last.since, now);
    this.onCpu.set(cpu, { dom: next, since: now });
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
    if (this.cuts !== null) this.span(this.cuts, -1, dom.name, now, now + cutFor);
  }

  /** Closes what still runs at `end` (the run's end) and hands the last rows to the sink. */
  finish(end: Nanos): void {
    if (this.spans !== null) for (const [cpu, last] of this.onCpu) if (last.dom) this.span(this.spans, cpu, last.dom.name, last.since, end);
    this.flush();
  }

  /** Hands the rows gathered so far to the sink. */
  flush(): void {
    if (this.pending.length > 0) this.sink(this.pending.join("\n") + "\n");
    this.pending = [];
  }

  /** [start, end) clipped to the window, in ms, if anything is left of it. */
  private span(into: TraceSpan[], cpu: number, domain: string, start: Nanos, end: Nanos): void {
    const a = Math.max(start, this.from);
    const b = Math.min(end, this.to);
    if (b > a) into.push({ cpu, domain, from: a / 1e6, to: b / 1e6 });
  }

  private row(now: Nanos, cpu: number | "", event: string, domain: string, prev: string, ran: Nanos | undefined, detail: string): void {
    if (now < this.from || now >= this.to) return;
    this.pending.push([+(now / 1e6).toFixed(6), cpu, event, csvField(domain), csvField(prev), ran === undefined ? "" : us(ran), csvField(detail)].join(","));
    if (this.pending.length >= 8192) this.flush();
  }
}

const us = (ns: Nanos) => +(ns / 1e3).toFixed(3);
const pct = (x: number) => `${+(100 * x).toFixed(2)}%`;
