import { PhysicalCpu } from "../host/cpu.js";
import { Domain } from "../host/domain.js";
import type { Scheduler } from "../host/scheduler.js";
import { SedfScheduler } from "../host/schedulers/sedf.js";
import { SedfDcScheduler } from "../host/schedulers/sedf-dc.js";
import { IddWorkQueue } from "../net/idd-queue.js";
import { NetBackend, type NetPathCosts } from "../net/netback.js";
import { PROFILES, type HostProfile } from "../profiles/profiles.js";
import { DEFAULT_PERIOD, measurementWindow, type Scenario } from "../scenario/schema.js";
import { Engine, type EngineOptions, type Nanos } from "../sim/engine.js";
import { normal, rngStream } from "../sim/rng.js";
import { UdpBenchmark } from "../workloads/udp.js";
import { WebWorkload } from "../workloads/web.js";
import { BulkTransfer } from "../workloads/bulk.js";
import { ShareGuard } from "../shareguard/shareguard.js";
import { XenMon, type Sample } from "../xenmon/xenmon.js";
import { SedfDcFeedback } from "./controllers.js";

/** One figure a run reports. `key` is stable across runs and versions; `label` is for people. */
export interface Metric {
  key: string;
  label: string;
  unit: string;
  value: number;
}

export interface RunResult {
  metrics: Metric[];
  events: number;
  samples: Sample[];
}

/** One point of a time series (Figures 7–10): a domain's figures over one bin. */
export interface SeriesPoint {
  /** End of the bin, in seconds. */
  t: number;
  domain: string;
  cpu: number;
  /** The IDD's CPU for this domain: XenMon's estimate and the ground truth (% of a CPU). */
  idd: number;
  iddTrue: number;
  combined: number;
  /** Replies completed in the bin, per second (web workloads only). */
  replyRate?: number;
  /** 1 if ShareGuard had this guest's traffic cut at the end of the bin (limited guests only). */
  cut?: number;
}

/** The net path's costs for one run: the profile's, each direction scaled by a per-run factor. */
export function netCostsForRun(profile: HostProfile, seed: number, run: number): NetPathCosts {
  const cv = profile.runVariation.value;
  const factor = (name: string) => Math.max(0.5, normal(rngStream(seed, run, name), 1, cv));
  const iddRx = Math.round(profile.iddRx.value * factor("profile/idd-rx"));
  return {
    iddRx,
    iddRxDriver: Math.round(iddRx * profile.iddRxDriverShare.value),
    iddTx: Math.round(profile.iddTx.value * factor("profile/idd-tx")),
    guestRx: profile.guestRx.value,
    guestTx: profile.guestTx.value,
    nicRxRing: profile.nicRxRing.value,
    netfrontRing: profile.netfrontRing.value,
    linkBitsPerSecond: profile.linkRate.value,
    linkPropagation: profile.linkPropagation.value,
  };
}

/** One run of a scenario: the host built from the scenario, driven for `duration`. */
export class Simulation {
  readonly engine: Engine;
  readonly profile: HostProfile;
  readonly domains: Domain[];
  readonly cpus: PhysicalCpu[];
  readonly net: NetBackend | null;
  readonly xenmon: XenMon;
  private readonly udp = new Map<Domain, UdpBenchmark>();
  private readonly web = new Map<Domain, WebWorkload>();
  /**
   * Replies completed per XenMon interval, per web workload: the same clock as every
   * other figure, and memory that grows by one number per interval rather than one per reply.
   */
  private readonly repliesPerSample = new Map<WebWorkload, number[]>();
  private readonly bulk = new Map<Domain, BulkTransfer>();
  readonly shareguard: ShareGuard | null = null;

  constructor(
    readonly scenario: Scenario,
    readonly run: number,
    readonly seed: number,
    /** The host's costs; by default the profile the scenario names. */
    profile: HostProfile = PROFILES[scenario.profile],
    engineOptions: EngineOptions = {},
  ) {
    this.engine = new Engine(engineOptions);
    this.profile = profile;
    const n = scenario.domains.length;
    const iddQueue = new IddWorkQueue(scenario.netbackOrder ?? profile.netbackOrder.value);
    this.domains = scenario.domains.map((d, i) => {
      const period = d.period ?? DEFAULT_PERIOD;
      const slice = d.slice ?? Math.round((d.share ?? 0) * period);
      return new Domain(i, d.name, d.cpu, { slice, period, extratime: d.extratime }, n, d.idd ? iddQueue : undefined);
    });
    const cpuCount = scenario.cpus ?? this.profile.cpus;
    this.cpus = Array.from({ length: cpuCount }, (_, i) => new PhysicalCpu(i, this.engine, this.makeScheduler()));

    const iddIndex = scenario.domains.findIndex((d) => d.idd);
    this.net = iddIndex >= 0 ? new NetBackend(this.engine, this.domains[iddIndex], iddQueue, netCostsForRun(this.profile, seed, run)) : null;

    scenario.domains.forEach((cfg, i) => {
      const dom = this.domains[i];
      if (this.net !== null && !cfg.idd) this.net.attach(dom);
      const w = cfg.workload;
      if (w?.type === "cpu") dom.cpuBound = true;
      const rand = rngStream(seed, run, `workload/${dom.name}`);
      if (w?.type === "udp") this.udp.set(dom, new UdpBenchmark(this.engine, this.net!, dom.id, w, rand));
      if (w?.type === "web") {
        const web = this.profile.web;
        const costs = {
          requestBase: web.requestBase.value,
          requestPerKB: web.requestPerKB.value,
          mss: web.mss.value,
          quickAckSegments: web.quickAckSegments.value,
          listenBacklog: web.listenBacklog.value,
          maxClients: web.maxClients.value,
        };
        const cfg = { ...w, timeout: w.timeout ?? Infinity, duration: w.duration ?? Infinity };
        this.web.set(dom, new WebWorkload(this.engine, this.net!, dom, cfg, costs, rand));
      }
      if (w?.type === "bulk") {
        const mss = this.profile.web.mss.value;
        const cfg = { direction: w.direction, start: w.start, duration: w.duration ?? Infinity, mss, quickAckSegments: this.profile.web.quickAckSegments.value, maxWindow: Math.max(1, Math.floor(w.window / mss)) };
        this.bulk.set(dom, new BulkTransfer(this.engine, this.net!, dom.id, cfg));
      }
    });
    for (const dom of this.domains) this.cpus[dom.cpu].add(dom);

    const weight = scenario.xenmon.weight ?? this.profile.xenmonWeight.value;
    this.xenmon = new XenMon(this.engine, this.domains, this.cpus, this.net, scenario.xenmon.interval, weight);
    for (const web of this.web.values()) {
      const counts: number[] = [];
      let seen = 0;
      this.repliesPerSample.set(web, counts);
      this.xenmon.onSample(() => {
        counts.push(web.stats.replies - seen);
        seen = web.stats.replies;
      });
    }
    if (scenario.scheduler.type === "sedf-dc") {
      new SedfDcFeedback(this.xenmon, this.cpus, this.domains, scenario.scheduler.feedbackInterval).attach();
    }
    const sg = scenario.shareguard;
    if (sg?.enabled && this.net !== null) {
      const limits = new Map(Object.entries(sg.limits).map(([name, limit]) => [this.domains.find((d) => d.name === name)!, limit] as const));
      this.shareguard = new ShareGuard(this.engine, this.xenmon, this.net, n, limits, sg.interval);
      this.shareguard.attach();
    }
  }

  private makeScheduler(): Scheduler {
    const s = this.scenario.scheduler;
    return s.type === "sedf-dc"
      ? new SedfDcScheduler({ spread: s.spreadDebt, feedbackInterval: s.feedbackInterval })
      : new SedfScheduler();
  }

  execute(): RunResult {
    this.xenmon.start();
    for (const cpu of this.cpus) cpu.start();
    for (const w of this.udp.values()) w.start();
    for (const w of this.web.values()) w.start();
    for (const w of this.bulk.values()) w.start();
    this.engine.run(this.scenario.duration);
    return { metrics: this.metrics(), events: this.engine.eventsFired, samples: this.xenmon.samples };
  }

  /** Per-domain figures in bins of `bin` ns (a whole number of XenMon intervals). */
  series(bin: Nanos): SeriesPoint[] {
    const per = Math.max(1, Math.round(bin / this.xenmon.interval));
    const out: SeriesPoint[] = [];
    const samples = this.xenmon.samples;
    for (let k = 0; k + per <= samples.length; k += per) {
      const group = samples.slice(k, k + per);
      const from = group[0].start;
      const to = group[group.length - 1].end;
      const pct = (f: (s: Sample) => number) => (100 * group.reduce((a, s) => a + f(s), 0)) / (to - from);
      this.domains.forEach((d, i) => {
        const cpu = pct((s) => s.domains[i].gotten);
        const idd = pct((s) => s.domains[i].iddEstimate);
        const point: SeriesPoint = { t: to / 1e9, domain: d.name, cpu, idd, iddTrue: pct((s) => s.domains[i].iddTruth), combined: cpu + idd };
        const web = this.web.get(d);
        if (web) point.replyRate = sumOf(this.repliesPerSample.get(web)!, k, k + per) / ((to - from) / 1e9);
        if (this.shareguard && sgLimited(this.scenario, d.name)) point.cut = this.shareguard.isCut(d, to - 1) ? 1 : 0;
        out.push(point);
      });
    }
    return out;
  }

  /** Averages over the measurement window [warmup, duration], from XenMon's samples. */
  private metrics(): Metric[] {
    const { from, to } = measurementWindow(this.scenario);
    const window = this.xenmon.samples.filter((s) => s.start >= from && s.end <= to);
    const span: Nanos = window.reduce((a, s) => a + (s.end - s.start), 0);
    const seconds = span / 1e9;
    const sum = (f: (s: Sample) => number) => window.reduce((a, s) => a + f(s), 0);
    const pct = (ns: number) => (span > 0 ? (100 * ns) / span : 0);
    const out: Metric[] = [];
    const iddName = this.net?.idd.name;
    this.domains.forEach((d, i) => {
      out.push({ key: `${d.name}.cpu`, label: `${d.name} CPU`, unit: "%", value: pct(sum((s) => s.domains[i].gotten)) });
      out.push({ key: `${d.name}.blocked`, label: `${d.name} blocked`, unit: "%", value: pct(sum((s) => s.domains[i].blocked)) });
      out.push({ key: `${d.name}.waited`, label: `${d.name} waited`, unit: "%", value: pct(sum((s) => s.domains[i].waited)) });
      out.push({ key: `${d.name}.exPerSec`, label: `${d.name} ex/s`, unit: "1/s", value: sum((s) => s.domains[i].execCount) / seconds });
      if (this.net?.ports.has(d.id)) {
        out.push({ key: `${d.name}.sent`, label: `${d.name} packets sent`, unit: "pkt/s", value: sum((s) => s.domains[i].sent) / seconds });
        out.push({ key: `${d.name}.recv`, label: `${d.name} packets received`, unit: "pkt/s", value: sum((s) => s.domains[i].recv) / seconds });
        out.push({ key: `${d.name}.idd`, label: `${iddName} for ${d.name} (XenMon)`, unit: "%", value: pct(sum((s) => s.domains[i].iddEstimate)) });
        out.push({ key: `${d.name}.iddTrue`, label: `${iddName} for ${d.name} (ground truth)`, unit: "%", value: pct(sum((s) => s.domains[i].iddTruth)) });
      }
      if (this.net?.ports.has(d.id)) {
        const own = sum((s) => s.domains[i].gotten);
        const idd = sum((s) => s.domains[i].iddEstimate);
        out.push({ key: `${d.name}.combined`, label: `${d.name} combined (own + ${iddName})`, unit: "%", value: pct(own + idd) });
      }
      const web = this.web.get(d);
      if (web) out.push(...webMetrics(d.name, web, this.xenmon.samples, this.repliesPerSample.get(web)!, from, to));
      const bulk = this.bulk.get(d);
      if (bulk) {
        out.push({ key: `${d.name}.bulkMbps`, label: `${d.name} bulk transfer (whole run)`, unit: "Mb/s", value: (bulk.delivered * this.profile.web.mss.value * 8) / (this.scenario.duration / 1e3) });
      }
      if (this.shareguard) {
        const cuts = this.shareguard.decisions.filter((x) => x.domain === d.name && x.time >= from && x.time < to);
        if (sgLimited(this.scenario, d.name)) {
          out.push({ key: `${d.name}.shareguardCuts`, label: `${d.name} ShareGuard cuts`, unit: "count", value: cuts.length });
          out.push({ key: `${d.name}.shareguardOff`, label: `${d.name} traffic off (ShareGuard)`, unit: "%", value: pct(cuts.reduce((a, c) => a + Math.min(c.cutFor, to - c.time), 0)) });
        }
      }
      const udp = this.udp.get(d);
      if (udp) {
        // The benchmark's own count over the whole run (its delivery rate).
        out.push({ key: `${d.name}.udpDelivered`, label: `${d.name} UDP delivered`, unit: "pkt/s", value: udp.sink.packets / (this.scenario.duration / 1e9) });
      }
    });
    if (this.net) {
      out.push({ key: "net.nicDrops", label: "NIC ring drops", unit: "pkt/s", value: this.net.droppedNicRing / (this.scenario.duration / 1e9) });
      for (const port of this.net.ports.values()) {
        const name = port.guest.name;
        out.push({ key: `${name}.netbackDrops`, label: `${name} packets dropped in netback (queue full)`, unit: "pkt/s", value: port.droppedNetback / (this.scenario.duration / 1e9) });
      }
    }
    return out;
  }
}

/** httperf sample length: it reports the reply rate every 5 s. */
const HTTPERF_SAMPLE = 5e9;

function sumOf(xs: number[], from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += xs[i];
  return sum;
}

/**
 * The httperf summary for one web workload over the XenMon intervals inside [from, to],
 * from its replies per interval (`replies[i]` belongs to `samples[i]`).
 */
function webMetrics(name: string, web: WebWorkload, samples: Sample[], replies: number[], from: Nanos, to: Nanos): Metric[] {
  const st = web.stats;
  const seconds = (to - from) / 1e9;
  const bins = Math.max(1, Math.floor((to - from) / HTTPERF_SAMPLE));
  const counts = new Array<number>(bins).fill(0);
  let inWindow = 0;
  samples.forEach((s, i) => {
    if (s.start < from || s.end > to) return;
    inWindow += replies[i];
    const b = Math.floor((s.end - 1 - from) / HTTPERF_SAMPLE);
    if (b < bins) counts[b] += replies[i];
  });
  const rates = counts.map((c) => c / (HTTPERF_SAMPLE / 1e9));
  const avg = rates.reduce((a, r) => a + r, 0) / rates.length;
  const sd = Math.sqrt(rates.reduce((a, r) => a + (r - avg) ** 2, 0) / Math.max(1, rates.length - 1));
  return [
    { key: `${name}.replyRate`, label: `${name} Reply rate [replies/s]`, unit: "req/s", value: inWindow / seconds },
    { key: `${name}.replyRateMin`, label: `${name} Reply rate min (5 s samples)`, unit: "req/s", value: Math.min(...rates) },
    { key: `${name}.replyRateMax`, label: `${name} Reply rate max (5 s samples)`, unit: "req/s", value: Math.max(...rates) },
    { key: `${name}.replyRateSd`, label: `${name} Reply rate stddev (5 s samples)`, unit: "req/s", value: rates.length > 1 ? sd : 0 },
    { key: `${name}.connections`, label: `${name} connections opened`, unit: "count", value: st.connections },
    { key: `${name}.clientTimo`, label: `${name} Errors: client-timo`, unit: "count", value: st.clientTimo },
    { key: `${name}.connFailed`, label: `${name} Errors: connect failed (SYN retries exhausted)`, unit: "count", value: st.connFailed },
    { key: `${name}.backlogDrops`, label: `${name} SYNs dropped (listen backlog full)`, unit: "count", value: st.backlogDrops },
  ];
}

function sgLimited(sc: Scenario, name: string): boolean {
  return sc.shareguard?.enabled === true && name in sc.shareguard.limits;
}
