import type { CpuObserver, SwitchReason } from "../host/cpu.js";
import type { Domain } from "../host/domain.js";
import { csvField } from "../report/csv.js";
import type { ShareGuardDecision } from "../shareguard/shareguard.js";
import type { Nanos } from "../sim/engine.js";

/** A stretch of time in ms: a domain running on a CPU, cut off by ShareGuard (cpu −1), or served by a disk (cpu −1, `disk` naming it). */
export interface TraceSpan {
  cpu: number;
  domain: string;
  from: number;
  to: number;
  disk?: string;
}

/** The columns of a trace, one row per event. */
export const TRACE_FIELDS = ["time_ms", "cpu", "event", "domain", "prev", "ran_us", "detail"] as const;

/**
 * What a trace is written as: `csv`, one row per event (TRACE_FIELDS); or `chrome`, the
 * Trace Event Format (JSON) that ui.perfetto.dev and chrome://tracing open, with who ran
 * when on each CPU as slices, ShareGuard's cuts and credit parking as slices on tracks of
 * their own, wake-ups as instants, and as counters SEDF-DC's debt, a share policy's
 * shares, the vif rates a ShareGuard policy sets and each net-IDD's queued work.
 */
export type TraceFormat = "csv" | "chrome";
export const TRACE_FORMATS: readonly TraceFormat[] = ["csv", "chrome"];

/**
 * One trace format. Instants come only when they fall in the trace's window; stretches
 * (a domain running, a cut, a parked domain) come clipped to it, once they are over or
 * at the run's end. Each method returns the record's text, or null when the format has
 * no record for it.
 */
interface TraceEncoder {
  /** Text before the first record, and after the last (null: none). */
  head(): string | null;
  tail(): string | null;
  switched(now: Nanos, cpu: number, next: string, prev: string, ran: Nanos, why: SwitchReason): string | null;
  woke(now: Nanos, cpu: number, dom: string): string | null;
  debt(now: Nanos, cpu: number, dom: string, amount: Nanos): string | null;
  share(now: Nanos, cpu: number, dom: string, share: number, extratime: boolean): string | null;
  cut(now: Nanos, dom: string, used: number, limit: number, cutFor: Nanos): string | null;
  /** A ShareGuard policy set the guest's vif rate limit to `rate` bytes/s (null: none). */
  vifRate(now: Nanos, dom: string, rate: number | null): string | null;
  parked(now: Nanos, cpu: number, dom: string, parked: boolean): string | null;
  ran(cpu: number, dom: string, from: Nanos, to: Nanos, why: SwitchReason): string | null;
  cutSpan(dom: Domain, from: Nanos, to: Nanos, used: number, limit: number): string | null;
  parkedSpan(dom: Domain, from: Nanos, to: Nanos): string | null;
  /** A watched domain's queued tasks, at one of its switches. */
  queued(now: Nanos, dom: string, tasks: number): string | null;
  /** The disk of driver domain `idd` finished a request of `guest` at `now`, after `took`, positioning first or following on. */
  diskDone(now: Nanos, idd: Domain, guest: string, took: Nanos, positioned: boolean): string | null;
  diskSpan(idd: Domain, guest: string, from: Nanos, to: Nanos, positioned: boolean): string | null;
}

/**
 * A scheduling trace of one run, as xentrace records a real host: every switch on every
 * CPU (`switch`: the domain switched in, the one switched out, how long it ran and why
 * it left; a domain the scheduler picks again keeps running, with no switch, as in
 * Xen), every wake-up (`wake`), and what the mechanisms do: SEDF-DC's or Credit-DC's
 * feedback (`debt`), a share policy's new shares (`share`), ShareGuard's cuts (`cut`,
 * with how long) and the vif rates a ShareGuard policy sets (`vifrate`), the credit scheduler parking and unparking a capped domain (`park`,
 * `unpark`), and every request a driver domain's disk serves (`disk`, at its end, with
 * how long the disk took and whether it positioned first). CSV rows are in time order;
 * only events in [from, to) are kept, so a long run can be traced in part. "idle"
 * stands for no domain.
 */
export class Trace implements CpuObserver {
  /** Records not yet handed to the sink: a long run's trace is written as it grows, never held whole. */
  private pending: string[] = [];
  /** With `keepSpans`: who ran when on each CPU within the window, and ShareGuard's cuts, for a chart. */
  readonly spans: TraceSpan[] | null;
  readonly cuts: TraceSpan[] | null;
  /** With `keepSpans`: whose request each disk served when, within the window. */
  readonly diskSpans: TraceSpan[] | null;
  /** Per CPU: the domain switched in last (null: idle) and when. */
  private readonly onCpu = new Map<number, { dom: Domain | null; since: Nanos }>();
  /** Domains the credit scheduler holds parked, and since when. */
  private readonly parkedSince = new Map<Domain, Nanos>();
  /** ShareGuard's cuts so far, whose spans `finish` draws. */
  private readonly cutsDecided: Array<{ dom: Domain; decision: Readonly<ShareGuardDecision> }> = [];
  /** Domains whose queued work is recorded at each of their switches (the net-IDDs: where packets wait). */
  private readonly watched = new Set<Domain>();
  private readonly encoder: TraceEncoder;

  constructor(
    /** Takes the trace's text, a batch of whole records at a time. */
    private readonly sink: (text: string) => void,
    readonly from: Nanos = 0,
    readonly to: Nanos = Infinity,
    keepSpans = false,
    format: TraceFormat = "csv",
  ) {
    this.spans = keepSpans ? [] : null;
    this.cuts = keepSpans ? [] : null;
    this.diskSpans = keepSpans ? [] : null;
    this.encoder = format === "csv" ? new CsvEncoder() : new ChromeEncoder();
    this.push(this.encoder.head());
  }

  /** Records the queued work of `doms` each time one of them is switched in or out. */
  watchQueues(doms: Domain[]): void {
    for (const d of doms) this.watched.add(d);
  }

  switched(cpu: number, now: Nanos, prev: Domain | null, next: Domain | null, ran: Nanos, why: SwitchReason): void {
    if (this.inWindow(now)) {
      this.push(this.encoder.switched(now, cpu, next?.name ?? "idle", prev?.name ?? "idle", ran, why));
      for (const d of [prev, next]) if (d !== null && this.watched.has(d)) this.push(this.encoder.queued(now, d.name, d.queuedTasks));
    }
    const last = this.onCpu.get(cpu);
    if (last?.dom) this.ran(cpu, last.dom, last.since, now, why);
    this.onCpu.set(cpu, { dom: next, since: now });
  }

  woke(cpu: number, now: Nanos, dom: Domain): void {
    if (this.inWindow(now)) this.push(this.encoder.woke(now, cpu, dom.name));
  }

  parked(now: Nanos, dom: Domain, parked: boolean): void {
    if (this.inWindow(now)) this.push(this.encoder.parked(now, dom.cpu, dom.name, parked));
    const since = this.parkedSince.get(dom);
    if (parked) {
      if (since === undefined) this.parkedSince.set(dom, now);
    } else if (since !== undefined) {
      this.parkedSince.delete(dom);
      this.clipped(since, now, (a, b) => this.encoder.parkedSpan(dom, a, b));
    }
  }

  debt(now: Nanos, dom: Domain, amount: Nanos): void {
    if (this.inWindow(now)) this.push(this.encoder.debt(now, dom.cpu, dom.name, amount));
  }

  /** A share policy set `dom`'s share of its CPU (a fraction), and whether it may use slack, at `now`. */
  share(now: Nanos, dom: Domain, share: number, extratime: boolean): void {
    if (this.inWindow(now)) this.push(this.encoder.share(now, dom.cpu, dom.name, share, extratime));
  }

  /**
   * A cut as ShareGuard decided it: its record now, its span at the end of the run. A
   * policy module may end a cut early (src/shareguard/policy.ts), which shortens the
   * decision in place, so a span is drawn only once no cut can change.
   */
  cut(dom: Domain, decision: Readonly<ShareGuardDecision>): void {
    const { time, used, limit, cutFor } = decision;
    if (this.inWindow(time)) this.push(this.encoder.cut(time, dom.name, used, limit, cutFor));
    this.cutsDecided.push({ dom, decision });
  }

  /** A ShareGuard policy set `dom`'s vif rate limit to `rate` bytes/s (null: none) at `now`. */
  vifRate(now: Nanos, dom: Domain, rate: number | null): void {
    if (this.inWindow(now)) this.push(this.encoder.vifRate(now, dom.name, rate));
  }

  /** The disk of driver domain `idd` served a request of `guest` over [from, to). */
  diskServed(idd: Domain, guest: Domain, from: Nanos, to: Nanos, positioned: boolean): void {
    if (this.inWindow(to)) this.push(this.encoder.diskDone(to, idd, guest.name, to - from, positioned));
    this.clipped(from, to, (a, b) => {
      this.diskSpans?.push({ ...msSpan(-1, guest.name, a, b), disk: `${idd.name}'s disk` });
      return this.encoder.diskSpan(idd, guest.name, a, b, positioned);
    });
  }

  /** Closes what still runs, or stays parked, at `end` (the run's end) and hands the last records to the sink. */
  finish(end: Nanos): void {
    for (const [cpu, last] of this.onCpu) if (last.dom) this.ran(cpu, last.dom, last.since, end, "");
    this.onCpu.clear();
    for (const [dom, since] of this.parkedSince) this.clipped(since, end, (a, b) => this.encoder.parkedSpan(dom, a, b));
    this.parkedSince.clear();
    for (const { dom, decision: d } of this.cutsDecided) {
      this.clipped(d.time, d.time + d.cutFor, (a, b) => {
        this.cuts?.push(msSpan(-1, dom.name, a, b));
        return this.encoder.cutSpan(dom, a, b, d.used, d.limit);
      });
    }
    this.cutsDecided.length = 0;
    this.push(this.encoder.tail());
    this.flush();
  }

  /** Hands the records gathered so far to the sink. */
  flush(): void {
    if (this.pending.length > 0) this.sink(this.pending.join("\n") + "\n");
    this.pending = [];
  }

  private ran(cpu: number, dom: Domain, start: Nanos, end: Nanos, why: SwitchReason): void {
    this.clipped(start, end, (a, b) => {
      this.spans?.push(msSpan(cpu, dom.name, a, b));
      // Cut short by the window's end, the stretch did not end where the domain left.
      return this.encoder.ran(cpu, dom.name, a, b, end > this.to ? "" : why);
    });
  }

  /** Hands [start, end) clipped to the window to `record`, if anything is left of it. */
  private clipped(start: Nanos, end: Nanos, record: (from: Nanos, to: Nanos) => string | null): void {
    const a = Math.max(start, this.from);
    const b = Math.min(end, this.to);
    if (b > a) this.push(record(a, b));
  }

  private inWindow(now: Nanos): boolean {
    return now >= this.from && now < this.to;
  }

  private push(record: string | null): void {
    if (record === null) return;
    this.pending.push(record);
    if (this.pending.length >= 8192) this.flush();
  }
}

const msSpan = (cpu: number, domain: string, from: Nanos, to: Nanos): TraceSpan => ({ cpu, domain, from: from / 1e6, to: to / 1e6 });
const us = (ns: Nanos) => +(ns / 1e3).toFixed(3);
const pct = (x: number) => `${+(100 * x).toFixed(2)}%`;
/** Bytes per second in Mb/s, as xm writes a vif's rate. */
const mbps = (bytesPerSecond: number) => +((8 * bytesPerSecond) / 1e6).toFixed(4);

/** One row per event, TRACE_FIELDS; stretches are read off the switches. */
class CsvEncoder implements TraceEncoder {
  head = () => TRACE_FIELDS.join(",");
  tail = () => null;
  switched = (now: Nanos, cpu: number, next: string, prev: string, ran: Nanos, why: SwitchReason) => this.row(now, cpu, "switch", next, prev, us(ran), why);
  woke = (now: Nanos, cpu: number, dom: string) => this.row(now, cpu, "wake", dom);
  debt = (now: Nanos, cpu: number, dom: string, amount: Nanos) => this.row(now, cpu, "debt", dom, "", "", `added ${us(amount)} us`);
  share = (now: Nanos, cpu: number, dom: string, share: number, extratime: boolean) => this.row(now, cpu, "share", dom, "", "", `set to ${pct(share)}${extratime ? " + extratime" : ""}`);
  cut = (now: Nanos, dom: string, used: number, limit: number, cutFor: Nanos) =>
    // A policy module may cut a guest within its limit too.
    this.row(now, "", "cut", dom, "", "", `used ${pct(used)} of the IDD ${used > limit ? ">" : "≤"} limit ${pct(limit)}: off ${cutFor / 1e6} ms`);
  vifRate = (now: Nanos, dom: string, rate: number | null) => this.row(now, "", "vifrate", dom, "", "", rate === null ? "no limit" : `set to ${mbps(rate)} Mb/s`);
  parked = (now: Nanos, cpu: number, dom: string, parked: boolean) => this.row(now, cpu, parked ? "park" : "unpark", dom);
  ran = () => null;
  cutSpan = () => null;
  parkedSpan = () => null;
  queued = () => null;
  diskDone = (now: Nanos, idd: Domain, guest: string, took: Nanos, positioned: boolean) => this.row(now, "", "disk", guest, "", us(took), `${idd.name}'s disk: ${positioned ? "positioned" : "follows on"}`);
  diskSpan = () => null;

  private row(now: Nanos, cpu: number | "", event: string, domain: string, prev = "", ran: number | "" = "", detail = ""): string {
    return [+(now / 1e6).toFixed(6), cpu, event, csvField(domain), csvField(prev), ran, csvField(detail)].join(",");
  }
}

/** The tracks ("processes" of the Trace Event Format) a chrome trace draws. */
const CPUS = 0;
const CUTS = 1;
const PARKED = 2;
const DISKS = 3;
const TRACK_NAMES = ["CPUs", "ShareGuard: traffic cut off", "credit scheduler: parked", "disks: whose request each serves"];

/**
 * The Trace Event Format's JSON object form, one event per line so that it streams:
 * complete events ("X") for stretches, instants ("i") for wake-ups, counters ("C") per
 * domain for the debt each feedback adds, for the shares a share policy sets and for a
 * net-IDD's queued tasks at each of its switches, and metadata ("M") naming each track
 * the first time it is used. Times are µs, to the ns.
 */
class ChromeEncoder implements TraceEncoder {
  private first = true;
  /** Tracks already named, as "process" or "process:thread". */
  private readonly named = new Set<string>();

  head = () => `{"displayTimeUnit":"ns","traceEvents":[`;
  tail = () => `]}`;
  switched = () => null;
  woke = (now: Nanos, cpu: number, dom: string) =>
    this.events(this.cpuTrack(cpu), { name: `wake ${dom}`, ph: "i", s: "t", ts: us(now), pid: CPUS, tid: cpu });
  debt = (now: Nanos, _cpu: number, dom: string, amount: Nanos) =>
    this.events(this.track(CPUS), { name: `${dom} debt added (us)`, ph: "C", ts: us(now), pid: CPUS, args: { [dom]: us(amount) } });
  share = (now: Nanos, _cpu: number, dom: string, share: number) =>
    this.events(this.track(CPUS), { name: `${dom} share (%)`, ph: "C", ts: us(now), pid: CPUS, args: { [dom]: +(100 * share).toFixed(4) } });
  cut = () => null;
  // A counter has no value for "no limit": lifting the limit is an instant on the same track.
  vifRate = (now: Nanos, dom: string, rate: number | null) =>
    rate === null
      ? this.events(this.track(CUTS), { name: `${dom} vif rate lifted`, ph: "i", s: "p", ts: us(now), pid: CUTS })
      : this.events(this.track(CUTS), { name: `${dom} vif rate (Mb/s)`, ph: "C", ts: us(now), pid: CUTS, args: { [dom]: mbps(rate) } });
  parked = () => null;
  ran = (cpu: number, dom: string, from: Nanos, to: Nanos, why: SwitchReason) =>
    this.events(this.cpuTrack(cpu), { name: dom, ph: "X", ts: us(from), dur: us(to - from), pid: CPUS, tid: cpu, args: why === "" ? {} : { left: why } });
  cutSpan = (dom: Domain, from: Nanos, to: Nanos, used: number, limit: number) =>
    this.events(this.domainTrack(CUTS, dom), { name: `${dom.name} cut`, ph: "X", ts: us(from), dur: us(to - from), pid: CUTS, tid: dom.id, args: { used: pct(used), limit: pct(limit) } });
  parkedSpan = (dom: Domain, from: Nanos, to: Nanos) =>
    this.events(this.domainTrack(PARKED, dom), { name: `${dom.name} parked`, ph: "X", ts: us(from), dur: us(to - from), pid: PARKED, tid: dom.id });
  queued = (now: Nanos, dom: string, tasks: number) => this.events(this.track(CPUS), { name: `${dom} queued tasks`, ph: "C", ts: us(now), pid: CPUS, args: { [dom]: tasks } });
  diskDone = () => null;
  diskSpan = (idd: Domain, guest: string, from: Nanos, to: Nanos, positioned: boolean) =>
    this.events([...this.track(DISKS), ...this.thread(DISKS, idd.id, `${idd.name}'s disk`)], { name: guest, ph: "X", ts: us(from), dur: us(to - from), pid: DISKS, tid: idd.id, args: { positioned } });

  private cpuTrack(cpu: number): object[] {
    return [...this.track(CPUS), ...this.thread(CPUS, cpu, `CPU ${cpu}`)];
  }

  private domainTrack(pid: number, dom: Domain): object[] {
    return [...this.track(pid), ...this.thread(pid, dom.id, dom.name)];
  }

  /** The metadata naming track `pid`, the first time it is used. */
  private track(pid: number): object[] {
    if (this.named.has(`${pid}`)) return [];
    this.named.add(`${pid}`);
    return [
      { name: "process_name", ph: "M", pid, args: { name: TRACK_NAMES[pid] } },
      { name: "process_sort_index", ph: "M", pid, args: { sort_index: pid } },
    ];
  }

  private thread(pid: number, tid: number, name: string): object[] {
    if (this.named.has(`${pid}:${tid}`)) return [];
    this.named.add(`${pid}:${tid}`);
    return [
      { name: "thread_name", ph: "M", pid, tid, args: { name } },
      { name: "thread_sort_index", ph: "M", pid, tid, args: { sort_index: tid } },
    ];
  }

  /** `meta` then `event`, each on a line, with the commas between events. */
  private events(meta: object[], event: object): string {
    const lines = [...meta, event].map((e) => JSON.stringify(e));
    const text = (this.first ? "" : ",") + lines.join("\n,");
    this.first = false;
    return text;
  }
}
