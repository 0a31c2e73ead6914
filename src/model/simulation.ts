import { PhysicalCpu } from "../host/cpu.js";
import { Domain } from "../host/domain.js";
import type { Scheduler } from "../host/scheduler.js";
import { SedfScheduler } from "../host/schedulers/sedf.js";
import { SedfDcScheduler } from "../host/schedulers/sedf-dc.js";
import { CreditAccounting } from "../host/schedulers/credit.js";
import { IddWorkQueue } from "../net/idd-queue.js";
import { NetBackend, type NetPathCosts } from "../net/netback.js";
import { creditPerInterval, VifCredit } from "../net/vif-credit.js";
import type { HostProfile } from "../profiles/profiles.js";
import { cpuSchedulerType, creditPoolOf, DEFAULT_PERIOD, netIddOf, isCreditScheduler, measurementWindow, type DomainConfig, type Scenario, type SchedulerKind } from "../scenario/schema.js";
import { Engine, type EngineOptions, type Nanos } from "../sim/engine.js";
import { normal, rngStream } from "../sim/rng.js";
import { reportsSenderDrops, TX_QUEUE_LEN, UdpBenchmark } from "../workloads/udp.js";
import { HTTPERF_MAX_OPEN, WebWorkload, type WebLoad } from "../workloads/web.js";
import { BulkTransfer } from "../workloads/bulk.js";
import { BlockBackend, type BlockCosts } from "../block/blkback.js";
import { DiskWorkload, GUEST_QUEUE_DEPTH } from "../workloads/disk.js";
import { makeShareGuardPolicy } from "../shareguard/policy.js";
import { ShareGuard } from "../shareguard/shareguard.js";
import { XenMon, type Sample } from "../xenmon/xenmon.js";
import { CreditTicker, DebtFeedback, ShareControl } from "./controllers.js";
import { makeDebtPolicy } from "./debt-policy.js";
import { makeSharePolicy, type ShareDomainInfo } from "./share-policy.js";
import type { Trace } from "./trace.js";
import { SeriesBinner, swingSamples, WindowTotals, type ReplyCounts } from "./sample-stats.js";
import { hostProfile } from "./host-profile.js";

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
  /** XenMon's samples, in order: only when the simulation was asked to keep them. */
  samples: Sample[];
}

export interface SimulationOptions extends EngineOptions {
  /** Keep every XenMon sample for `RunResult.samples` (tests); otherwise none are kept. */
  keepSamples?: boolean;
  /** Gather a time series in bins of this many ns (a whole number of XenMon intervals), for `series()`. */
  seriesBin?: Nanos;
  /** Record a scheduling trace of the run here. Tracing changes nothing in the run. */
  trace?: Trace;
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
  /** The mean connection time of those replies, ms (web workloads, bins with a reply). */
  connTime?: number;
  /** Block requests blkback answered in the bin, per second (disk workloads only). */
  blocks?: number;
  /** Reads (or writes) completed in the bin, MB per second (disk workloads only). */
  diskMBps?: number;
  /** 1 if ShareGuard had this guest's traffic cut at the end of the bin (limited guests only). */
  cut?: number;
  /** Its CPU share in force at the end of the bin, % of a CPU (with a share policy only). */
  share?: number;
  /** What netback sent for it in the bin, Mb/s (guests whose vif may be rate-limited only). */
  sentMbps?: number;
  /** Its vif's rate limit in force at the end of the bin, Mb/s (those guests, while limited). */
  vifRate?: number;
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
    iddBatch: profile.iddBatchCost.value,
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
  /** One network backend per net-IDD (each with its own NIC), in domain order. */
  readonly nets: NetBackend[];
  /** The backend each guest is attached to: its net-IDD's. */
  private readonly netOf = new Map<Domain, NetBackend>();
  readonly xenmon: XenMon;
  private readonly udp = new Map<Domain, UdpBenchmark>();
  private readonly web = new Map<Domain, WebWorkload>();
  /** Totals over the measurement window, gathered sample by sample. */
  private readonly window: WindowTotals;
  private readonly binner: SeriesBinner | null;
  private readonly keepSamples: boolean;
  private readonly bulk = new Map<Domain, BulkTransfer>();
  private readonly disk = new Map<Domain, DiskWorkload>();
  /** Each blkback with its disk, and the IDD it runs in. */
  private readonly blockBackends: Array<{ idd: Domain; blk: BlockBackend }> = [];
  readonly shareguard: ShareGuard | null = null;
  /** The share policy's loop (scheduler.sharePolicy), if the scenario has one. */
  readonly shares: ShareControl | null = null;

  constructor(
    readonly scenario: Scenario,
    readonly run: number,
    readonly seed: number,
    /** The host's costs; by default the profile the scenario names. */
    profile: HostProfile = hostProfile(scenario),
    options: SimulationOptions = {},
  ) {
    this.engine = new Engine(options);
    this.profile = profile;
    const n = scenario.domains.length;
    const cpuCount = scenario.cpus ?? this.profile.cpus;
    // The scheduler of each CPU: the scenario's, or the CPU's own (scheduler.cpuTypes).
    const types = Array.from({ length: cpuCount }, (_, i) => cpuSchedulerType(scenario.scheduler, i));
    // The CPUs of one credit pool share its accounting, which hands out only their credits
    // (Xen's cpupools): by default one pool per scheduler type, so credit and credit-dc
    // side by side are two; `scheduler.pools` splits them further.
    const credits = new Map<string, CreditAccounting>();
    const poolOf = types.map((_, cpu) => creditPoolOf(scenario.scheduler, cpu));
    types.forEach((type, cpu) => {
      if (!isCreditScheduler(type) || credits.has(poolOf[cpu])) return;
      credits.set(poolOf[cpu], new CreditAccounting({ collectDebt: type === "credit-dc", migrationDelay: scenario.scheduler.migrationDelay, version: scenario.scheduler.creditVersion }));
    });
    // Each net-IDD works through its own queue in the netback order.
    const iddQueues = new Map<number, IddWorkQueue>();
    this.domains = scenario.domains.map((d, i) => {
      const period = d.period ?? DEFAULT_PERIOD;
      const slice = d.slice ?? Math.round((d.share ?? 0) * period);
      // An unpinned domain starts on a CPU of its own where it can; the scheduler moves it.
      const cpu = d.cpu === "any" ? i % cpuCount : d.cpu;
      const sched = !isCreditScheduler(types[cpu]) ? { slice, period, extratime: d.extratime } : { slice, period, extratime: d.extratime, weight: d.weight, cap: creditCap(d) };
      const queue = d.idd ? new IddWorkQueue(scenario.netbackOrder ?? profile.netbackOrder.value, profile.netdevBudget.value) : undefined;
      if (queue) iddQueues.set(i, queue);
      return new Domain(i, d.name, cpu, sched, n, queue, d.cpu !== "any");
    });
    this.cpus = types.map((t, i) => new PhysicalCpu(i, this.engine, isCreditScheduler(t) ? credits.get(poolOf[i])!.scheduler(i) : this.makeSedf(t)));

    // Every NIC is the same hardware, so one run's costs hold for all of them.
    const netCosts = netCostsForRun(this.profile, seed, run);
    const backendOf = new Map([...iddQueues].map(([i, queue]) => [scenario.domains[i].name, new NetBackend(this.engine, this.domains[i], queue, netCosts)]));
    this.nets = [...backendOf.values()];
    // Blkback, with a disk, in each IDD that serves a guest with a disk workload.
    const blockOf = new Map<string, BlockBackend>();
    const blockCosts = blockCostsOf(this.profile);

    scenario.domains.forEach((cfg, i) => {
      const dom = this.domains[i];
      const iddName = netIddOf(scenario.domains, cfg);
      const net = iddName === undefined ? undefined : backendOf.get(iddName);
      if (net !== undefined) {
        net.attach(dom, cfg.vif ? new VifCredit(creditPerInterval(cfg.vif.rate, cfg.vif.interval), cfg.vif.interval) : null);
        this.netOf.set(dom, net);
      }
      const w = cfg.workload;
      if (w?.type === "cpu") dom.cpuBound = true;
      const rand = rngStream(seed, run, `workload/${dom.name}`);
      if (w?.type === "udp") this.udp.set(dom, new UdpBenchmark(this.engine, net!, dom.id, w, rand));
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
        const load: WebLoad = w.clients !== undefined ? { clients: w.clients, thinkTime: w.thinkTime ?? 0 } : { rate: w.rate!, exponential: w.arrivals === "exponential" };
        const cfg = { load, fileSize: w.fileSize, start: w.start, timeout: w.timeout ?? Infinity, duration: w.duration ?? Infinity, maxOpen: w.maxOpen ?? HTTPERF_MAX_OPEN };
        this.web.set(dom, new WebWorkload(this.engine, net!, dom, cfg, costs, rand, measurementWindow(scenario)));
      }
      if (w?.type === "bulk") {
        const mss = this.profile.web.mss.value;
        const cfg = { direction: w.direction, start: w.start, duration: w.duration ?? Infinity, mss, quickAckSegments: this.profile.web.quickAckSegments.value, maxWindow: Math.max(1, Math.floor(w.window / mss)), cpuPerSegment: w.cpuPerSegment };
        this.bulk.set(dom, new BulkTransfer(this.engine, net!, dom.id, cfg));
      }
      if (w?.type === "disk") {
        let blk = blockOf.get(iddName!);
        if (blk === undefined) {
          blk = new BlockBackend(this.engine, net!.idd, iddQueues.get(net!.idd.id)!, blockCosts);
          blockOf.set(iddName!, blk);
          this.blockBackends.push({ idd: net!.idd, blk });
        }
        blk.attach(net!.port(dom.id), w.ioPriority);
        const load = w.depth !== undefined ? { depth: w.depth } : { rate: w.rate! };
        const cfg = { load, size: w.size, access: w.access, op: w.op, start: w.start, duration: w.duration ?? Infinity };
        this.disk.set(dom, new DiskWorkload(this.engine, blk, dom.id, cfg, rand, measurementWindow(scenario)));
      }
    });
    for (const dom of this.domains) this.cpus[dom.cpu].add(dom);

    const weight = scenario.xenmon.weight ?? this.profile.xenmonWeight.value;
    this.keepSamples = options.keepSamples ?? false;
    this.xenmon = new XenMon(this.engine, this.domains, this.cpus, this.nets, scenario.xenmon.interval, weight, this.keepSamples ? Infinity : 0, scenario.xenmon.blockWeight ?? 0);
    const { from, to } = measurementWindow(scenario);
    const webs = [...this.web.values()];
    this.window = new WindowTotals(n, webs.length, from, to, swingSamples(scenario.xenmon.interval));
    const disks = [...this.disk.values()];
    this.binner = options.seriesBin ? new SeriesBinner(Math.max(1, Math.round(options.seriesBin / scenario.xenmon.interval)), n, webs.length, disks.length) : null;
    // Replies are counted per XenMon interval: the same clock as every other figure.
    const seen = webs.map(() => 0);
    const replies = webs.map(() => 0);
    const timeSeen = webs.map(() => 0);
    const connectionTime = webs.map(() => 0);
    const bytesSeen = disks.map(() => 0);
    const diskBytes = disks.map(() => 0);
    // What netback sent for each guest whose vif may be rate-limited, for the series.
    const vifPorts = this.domains.flatMap((d) => (mayRateLimit(scenario, d.name) ? [{ id: d.id, port: this.netOf.get(d)!.port(d.id) }] : []));
    const sentSeen = new Array<number>(n).fill(0);
    const sentBytes = new Array<number>(n).fill(0);
    this.xenmon.onSample((sample) => {
      disks.forEach((disk, k) => {
        diskBytes[k] = disk.stats.bytesSoFar - bytesSeen[k];
        bytesSeen[k] = disk.stats.bytesSoFar;
      });
      for (const { id, port } of vifPorts) {
        sentBytes[id] = port.sentBytes - sentSeen[id];
        sentSeen[id] = port.sentBytes;
      }
      webs.forEach((web, k) => {
        replies[k] = web.stats.replies - seen[k];
        seen[k] = web.stats.replies;
        connectionTime[k] = web.stats.connectionTimeTotal - timeSeen[k];
        timeSeen[k] = web.stats.connectionTimeTotal;
      });
      this.window.add(sample, replies);
      this.binner?.add(sample, replies, connectionTime, diskBytes, sentBytes);
    });
    const trace = options.trace ?? null;
    if (types.includes("sedf-dc") || types.includes("credit-dc")) {
      const onDebt = trace && ((dom: Domain, amount: Nanos) => trace.debt(this.engine.now, dom, amount));
      const s = scenario.scheduler;
      const policy = s.debtPolicy === undefined ? null : { path: s.debtPolicy, guests: [...this.netOf.keys()], policy: makeDebtPolicy(s.debtPolicy, { options: structuredClone(s.debtOptions), interval: s.feedbackInterval / 1e9 }) };
      new DebtFeedback(this.xenmon, this.cpus, this.domains, s.feedbackInterval, onDebt, policy).attach();
    }
    for (const credit of credits.values()) new CreditTicker(this.engine, credit, this.cpus).attach();
    const { sharePolicy, shareOptions, feedbackInterval } = scenario.scheduler;
    if (sharePolicy !== undefined) {
      const info: Record<string, ShareDomainInfo> = {};
      scenario.domains.forEach((cfg, i) => {
        const iddName = netIddOf(scenario.domains, cfg);
        info[cfg.name] = { cpu: cfg.cpu, scheduler: types[this.domains[i].cpu], period: this.domains[i].sched.period / 1e9, idd: cfg.idd, ...(iddName !== undefined && { iddName }) };
      });
      const policy = makeSharePolicy(sharePolicy, { options: structuredClone(shareOptions), interval: feedbackInterval / 1e9, domains: structuredClone(info) });
      const onShare = trace && ((dom: Domain, share: number, extratime: boolean) => trace.share(this.engine.now, dom, share, extratime));
      this.shares = new ShareControl(this.xenmon, this.domains, feedbackInterval, sharePolicy, policy, info, onShare);
      this.shares.attach();
    }
    const sg = scenario.shareguard;
    if (sg?.enabled && this.nets.length > 0) {
      const limits = new Map(Object.entries(sg.limits).map(([name, limit]) => [this.domains.find((d) => d.name === name)!, limit] as const));
      const policy = sg.policy === undefined ? null : { path: sg.policy, guests: [...this.netOf.keys()], policy: makeShareGuardPolicy(sg.policy, { options: structuredClone(sg.options), interval: sg.interval / 1e9, limits: { ...sg.limits } }) };
      this.shareguard = new ShareGuard(this.engine, this.xenmon, (d) => this.netOf.get(d)!, n, limits, sg.interval, sg.action, policy);
      this.shareguard.attach();
    }
    if (trace !== null) this.attachTrace(trace, [...credits.values()]);
  }

  /** Hooks `trace` to the CPUs, the disks and the mechanisms; ShareGuard's cuts are read as it decides them. */
  private attachTrace(trace: Trace, credits: CreditAccounting[]): void {
    for (const cpu of this.cpus) cpu.observer = trace;
    trace.watchQueues(this.nets.map((net) => net.idd));
    for (const credit of credits) credit.onPark = (dom, parked, now) => trace.parked(now, dom, parked);
    for (const { idd, blk } of this.blockBackends) blk.diskObserver = (guest, from, to, positioned) => trace.diskServed(idd, this.domains[guest], from, to, positioned);
    const sg = this.shareguard;
    if (sg === null) return;
    let seen = 0;
    let ratesSeen = 0;
    const byName = (name: string) => this.domains.find((x) => x.name === name)!;
    // Listening after ShareGuard, so each sample's decisions are already taken.
    this.xenmon.onSample(() => {
      for (; seen < sg.decisions.length; seen++) {
        const d = sg.decisions[seen];
        trace.cut(byName(d.domain), d);
      }
      for (; ratesSeen < sg.vifRateChanges.length; ratesSeen++) {
        const { time, domain, rate } = sg.vifRateChanges[ratesSeen];
        trace.vifRate(time, byName(domain), rate);
      }
    });
  }

  private makeSedf(type: SchedulerKind): Scheduler {
    const s = this.scenario.scheduler;
    return type === "sedf-dc"
      ? new SedfDcScheduler({ spread: s.spreadDebt, feedbackInterval: s.feedbackInterval, unblock: s.unblock })
      : new SedfScheduler({ unblock: s.unblock });
  }

  execute(): RunResult {
    this.start();
    this.engine.run(this.scenario.duration);
    return this.result();
  }

  /**
   * As `execute`, but stopping after every `step` of simulated time for `pause` to settle
   * (a trace written to a pipe waits for the reader). Running in steps changes nothing
   * in the run: the engine stops after the step's last event and takes up from there.
   */
  async executeInSteps(step: Nanos, pause: () => Promise<void>): Promise<RunResult> {
    this.start();
    for (let t = step; t < this.scenario.duration; t += step) {
      this.engine.run(t);
      await pause();
    }
    this.engine.run(this.scenario.duration);
    return this.result();
  }

  private start(): void {
    this.xenmon.start();
    for (const cpu of this.cpus) cpu.start();
    for (const w of this.udp.values()) w.start();
    for (const w of this.web.values()) w.start();
    for (const w of this.bulk.values()) w.start();
    for (const w of this.disk.values()) w.start();
  }

  private result(): RunResult {
    const xenmon = this.xenmon;
    const keep = this.keepSamples;
    return {
      metrics: this.metrics(),
      events: this.engine.eventsFired,
      get samples(): Sample[] {
        // Loud rather than empty, so that no test checks an invariant over zero samples.
        if (!keep) throw new Error("XenMon samples were not kept: construct the Simulation with { keepSamples: true }");
        return xenmon.samples;
      },
    };
  }

  /** Per-domain figures in the bins asked for at construction (`seriesBin`). */
  series(): SeriesPoint[] {
    if (this.binner === null) throw new Error("no series was asked for: construct the Simulation with { seriesBin }");
    const webs = [...this.web.values()];
    const disks = [...this.disk.values()];
    const out: SeriesPoint[] = [];
    const vifLimitable = this.domains.map((d) => mayRateLimit(this.scenario, d.name));
    for (const bin of this.binner.bins) {
      const { from, to } = bin;
      const pct = (ns: number) => (100 * ns) / (to - from);
      this.domains.forEach((d, i) => {
        const cpu = pct(bin.gotten[i]);
        const idd = pct(bin.iddEstimate[i]);
        const point: SeriesPoint = { t: to / 1e9, domain: d.name, cpu, idd, iddTrue: pct(bin.iddTruth[i]), combined: cpu + idd };
        const web = this.web.get(d);
        if (web) {
          const k = webs.indexOf(web);
          point.replyRate = bin.replies[k] / ((to - from) / 1e9);
          if (bin.replies[k] > 0) point.connTime = bin.connectionTime[k] / bin.replies[k] / 1e6;
        }
        const disk = this.disk.get(d);
        if (disk) {
          point.blocks = bin.blk[i] / ((to - from) / 1e9);
          point.diskMBps = bin.diskBytes[disks.indexOf(disk)] / 1e6 / ((to - from) / 1e9);
        }
        if (this.shareguard && sgLimited(this.scenario, d.name)) point.cut = this.shareguard.isCut(d, to - 1) ? 1 : 0;
        // The share in force during the bin: one the policy sets at its end is for the next.
        if (this.shares) point.share = 100 * this.shares.shareAt(d, to - 1);
        if (vifLimitable[i]) {
          point.sentMbps = (bin.sentBytes[i] * 8) / 1e6 / ((to - from) / 1e9);
          const rate = this.vifRateAt(d, to - 1);
          if (rate !== null) point.vifRate = (rate * 8) / 1e6;
        }
        out.push(point);
      });
    }
    return out;
  }

  /** The guest's vif rate limit in force at `time`, bytes/s: the last a policy set by then, else its scenario's (null: none). */
  private vifRateAt(dom: Domain, time: Nanos): number | null {
    const changes = this.shareguard?.vifRateChanges ?? [];
    for (let k = changes.length - 1; k >= 0; k--) if (changes[k].domain === dom.name && changes[k].time <= time) return changes[k].rate;
    return this.scenario.domains[dom.id].vif?.rate ?? null;
  }

  /** Averages over the measurement window [warmup, duration], from XenMon's samples. */
  private metrics(): Metric[] {
    const { from, to, span } = this.window;
    const seconds = span / 1e9;
    const pct = (ns: number) => (span > 0 ? (100 * ns) / span : 0);
    const out: Metric[] = [];
    const webs = [...this.web.values()];
    // XenMon hands out all of each IDD's CPU by weighted packet counts to the guests it serves: each guest's part.
    const iddCharged = new Map<NetBackend, number>();
    for (const [dom, net] of this.netOf) iddCharged.set(net, (iddCharged.get(net) ?? 0) + this.window.domains[dom.id].iddEstimate);
    const interval = this.scenario.xenmon.interval;
    const swingBin = `${Number(((swingSamples(interval) * interval) / 1e9).toFixed(3))} s`;
    this.domains.forEach((d, i) => {
      const sum = this.window.domains[i];
      out.push({ key: `${d.name}.cpu`, label: `${d.name} CPU`, unit: "%", value: pct(sum.gotten) });
      out.push({ key: `${d.name}.blocked`, label: `${d.name} blocked`, unit: "%", value: pct(sum.blocked) });
      out.push({ key: `${d.name}.waited`, label: `${d.name} waited`, unit: "%", value: pct(sum.waited) });
      out.push({ key: `${d.name}.exPerSec`, label: `${d.name} ex/s`, unit: "1/s", value: sum.execCount / seconds });
      const net = this.netOf.get(d);
      const iddName = net?.idd.name;
      if (net !== undefined) {
        const charged = iddCharged.get(net)!;
        out.push({ key: `${d.name}.sent`, label: `${d.name} packets sent`, unit: "pkt/s", value: sum.sent / seconds });
        out.push({ key: `${d.name}.recv`, label: `${d.name} packets received`, unit: "pkt/s", value: sum.recv / seconds });
        out.push({ key: `${d.name}.idd`, label: `${iddName} for ${d.name} (XenMon)`, unit: "%", value: pct(sum.iddEstimate) });
        out.push({ key: `${d.name}.iddPart`, label: `${d.name}'s part of ${iddName}'s CPU (XenMon)`, unit: "%", value: charged > 0 ? (100 * sum.iddEstimate) / charged : 0 });
        out.push({ key: `${d.name}.iddTrue`, label: `${iddName} for ${d.name} (ground truth)`, unit: "%", value: pct(sum.iddTruth) });
        out.push({ key: `${d.name}.combined`, label: `${d.name} combined (own + ${iddName})`, unit: "%", value: pct(sum.gotten + sum.iddEstimate) });
        // How the combined use swings about its average: SEDF-DC's oscillations (§4.2).
        const swing = this.window.swings[i];
        if (swing.bins > 0) {
          out.push({ key: `${d.name}.combinedSd`, label: `${d.name} combined, sd over ${swingBin} bins`, unit: "%", value: swing.sd });
          out.push({ key: `${d.name}.combinedMax`, label: `${d.name} combined, highest ${swingBin} bin`, unit: "%", value: swing.max });
        }
      }
      const web = this.web.get(d);
      if (web) out.push(...webMetrics(d.name, web, this.window.replies[webs.indexOf(web)], span));
      const bulk = this.bulk.get(d);
      if (bulk) {
        out.push({ key: `${d.name}.bulkMbps`, label: `${d.name} bulk transfer (whole run)`, unit: "Mb/s", value: (bulk.delivered * this.profile.web.mss.value * 8) / (this.scenario.duration / 1e3) });
      }
      if (this.shareguard) {
        const cuts = this.shareguard.decisions.filter((x) => x.domain === d.name && x.time >= from && x.time < to);
        if (sgLimited(this.scenario, d.name)) {
          out.push({ key: `${d.name}.shareguardCuts`, label: `${d.name} ShareGuard cuts`, unit: "count", value: cuts.length });
          out.push({ key: `${d.name}.shareguardOff`, label: `${d.name} traffic off (ShareGuard)`, unit: "%", value: pct(cuts.reduce((a, c) => a + Math.min(c.cutFor, to - c.time), 0)) });
          const port = net!.port(d.id);
          out.push({ key: `${d.name}.shareguardDrops`, label: `${d.name} packets dropped by ShareGuard (whole run)`, unit: "pkt/s", value: (port.droppedByFilterRx + port.droppedByFilterTx) / (this.scenario.duration / 1e9) });
          if (this.disk.has(d)) out.push({ key: `${d.name}.shareguardHeld`, label: `${d.name} block requests held by ShareGuard (whole run)`, unit: "1/s", value: port.heldBlock / (this.scenario.duration / 1e9) });
          // The rhythm the paper describes (one window at about 30 %, then 2.5 s off).
          // A run without a cut has no rhythm: it adds nothing, and the cell counts fewer runs.
          if (cuts.length > 0) {
            out.push({ key: `${d.name}.shareguardFirstUsed`, label: `${d.name} use of ${iddName} that drew the first cut (ShareGuard)`, unit: "%", value: 100 * cuts[0].used });
            out.push({ key: `${d.name}.shareguardFirstCut`, label: `${d.name} first cut (ShareGuard)`, unit: "s", value: cuts[0].cutFor / 1e9 });
            out.push({ key: `${d.name}.shareguardMedianCut`, label: `${d.name} median cut (ShareGuard)`, unit: "s", value: median(cuts.map((c) => c.cutFor)) / 1e9 });
          }
        }
      }
      const disk = this.disk.get(d);
      if (disk) out.push(...diskMetrics(d.name, disk, sum.blk, seconds, this.scenario.duration));
      if (this.shares) out.push({ key: `${d.name}.share`, label: `${d.name} CPU share (share policy, window average)`, unit: "%", value: 100 * this.shares.averageShare(d, from, to) });
      const udp = this.udp.get(d);
      if (udp) {
        // The benchmark's own count over the whole run (its delivery rate).
        out.push({ key: `${d.name}.udpDelivered`, label: `${d.name} UDP delivered`, unit: "pkt/s", value: udp.sink.packets / (this.scenario.duration / 1e9) });
        if (reportsSenderDrops(udp.cfg, this.profile.linkRate.value)) {
          const queue = udp.cfg.direction === "send" ? "its full queue" : "the external sender's full queue";
          out.push({ key: `${d.name}.udpNotSent`, label: `${d.name} UDP sends dropped by ${queue} (txqueuelen ${TX_QUEUE_LEN})`, unit: "pkt/s", value: udp.notSent / (this.scenario.duration / 1e9) });
        }
      }
    });
    if (this.nets.length > 0) {
      const nicDrops = this.nets.reduce((a, net) => a + net.droppedNicRing, 0);
      out.push({ key: "net.nicDrops", label: this.nets.length > 1 ? "NIC ring drops (all NICs)" : "NIC ring drops", unit: "pkt/s", value: nicDrops / (this.scenario.duration / 1e9) });
      for (const port of this.nets.flatMap((net) => [...net.ports.values()]).sort((a, b) => a.guest.id - b.guest.id)) {
        const name = port.guest.name;
        out.push({ key: `${name}.netbackDrops`, label: `${name} packets dropped in netback (queue full)`, unit: "pkt/s", value: port.droppedNetback / (this.scenario.duration / 1e9) });
        if (port.everRateLimited) out.push({ key: `${name}.vifWaits`, label: `${name} packets held for vif credit (whole run)`, unit: "pkt/s", value: port.creditWaits / (this.scenario.duration / 1e9) });
      }
    }
    return out;
  }
}

/**
 * Every metric key a run of this column scenario can report, as `metrics()` names them,
 * without running it: what a report row may ask for. A few are reported only when the
 * run gives them a value (a combined-use swing needs whole bins, ShareGuard's rhythm a
 * cut). test/metric-keys.test.ts keeps this list and `metrics()` in step.
 */
export function metricKeys(sc: Scenario): Set<string> {
  const keys = new Set<string>();
  const add = (name: string, ...ks: string[]) => ks.forEach((k) => keys.add(`${name}.${k}`));
  const networked = sc.domains.some((d) => d.idd);
  for (const d of sc.domains) {
    add(d.name, "cpu", "blocked", "waited", "exPerSec");
    if (sc.scheduler.sharePolicy !== undefined) add(d.name, "share");
    if (!networked || d.idd) continue;
    add(d.name, "sent", "recv", "idd", "iddPart", "iddTrue", "combined", "combinedSd", "combinedMax", "netbackDrops");
    const w = d.workload?.type;
    if (w === "web") add(d.name, "replyRate", "replyRateMin", "replyRateMax", "replyRateSd", "connTime", "connTimeMedian", "connTimeP90", "connTimeP99", "connTimeMax", "connections", "clientTimo", "connFailed", "fdUnavail", "backlogDrops");
    if (w === "bulk") add(d.name, "bulkMbps");
    if (w === "udp") add(d.name, "udpDelivered");
    if (d.workload?.type === "udp" && reportsSenderDrops(d.workload, hostProfile(sc).linkRate.value)) add(d.name, "udpNotSent");
    if (w === "disk") add(d.name, "blk", "diskIops", "diskMBps", "diskBusy", "diskLatency", "diskLatencyP99", "diskNotIssued");
    if (sgLimited(sc, d.name) && w === "disk") add(d.name, "shareguardHeld");
    if (mayRateLimit(sc, d.name)) add(d.name, "vifWaits");
    if (sgLimited(sc, d.name)) add(d.name, "shareguardCuts", "shareguardOff", "shareguardDrops", "shareguardFirstUsed", "shareguardFirstCut", "shareguardMedianCut");
  }
  if (networked) keys.add("net.nicDrops");
  return keys;
}

/**
 * The httperf summary for one web workload over the XenMon intervals inside the window,
 * which cover `span`. httperf reports a reply rate's min, max and sd over its whole 5 s
 * samples only; a window shorter than one has none, and those three are left out.
 */
function webMetrics(name: string, web: WebWorkload, replies: ReplyCounts, span: Nanos): Metric[] {
  const st = web.stats;
  const seconds = span / 1e9;
  const rates = replies.rates();
  const avg = rates.reduce((a, r) => a + r, 0) / rates.length;
  const sd = Math.sqrt(rates.reduce((a, r) => a + (r - avg) ** 2, 0) / Math.max(1, rates.length - 1));
  const sampled: Metric[] =
    rates.length === 0
      ? []
      : [
          { key: `${name}.replyRateMin`, label: `${name} Reply rate min (5 s samples)`, unit: "req/s", value: Math.min(...rates) },
          { key: `${name}.replyRateMax`, label: `${name} Reply rate max (5 s samples)`, unit: "req/s", value: Math.max(...rates) },
          { key: `${name}.replyRateSd`, label: `${name} Reply rate stddev (5 s samples)`, unit: "req/s", value: rates.length > 1 ? sd : 0 },
        ];
  return [
    { key: `${name}.replyRate`, label: `${name} Reply rate [replies/s]`, unit: "req/s", value: seconds > 0 ? replies.inWindow / seconds : 0 },
    ...sampled,
    { key: `${name}.connTime`, label: `${name} Connection time avg [ms]`, unit: "ms", value: st.connectionTimes.mean / 1e6 },
    { key: `${name}.connTimeMedian`, label: `${name} Connection time median [ms] (1 ms bins)`, unit: "ms", value: st.connectionTimes.median / 1e6 },
    { key: `${name}.connTimeP90`, label: `${name} Connection time 90th percentile [ms] (1 ms bins)`, unit: "ms", value: st.connectionTimes.quantile(0.9) / 1e6 },
    { key: `${name}.connTimeP99`, label: `${name} Connection time 99th percentile [ms] (1 ms bins)`, unit: "ms", value: st.connectionTimes.quantile(0.99) / 1e6 },
    { key: `${name}.connTimeMax`, label: `${name} Connection time max [ms]`, unit: "ms", value: st.connectionTimes.max / 1e6 },
    { key: `${name}.connections`, label: `${name} connections attempted (httperf total)`, unit: "count", value: st.connections },
    { key: `${name}.clientTimo`, label: `${name} Errors: client-timo`, unit: "count", value: st.clientTimo },
    { key: `${name}.connFailed`, label: `${name} Errors: connect failed (SYN retries exhausted)`, unit: "count", value: st.connFailed },
    { key: `${name}.fdUnavail`, label: `${name} Errors: fd-unavail (httperf out of descriptors)`, unit: "count", value: st.fdUnavail },
    { key: `${name}.backlogDrops`, label: `${name} SYNs dropped (listen backlog full)`, unit: "count", value: st.backlogDrops },
  ];
}

/** What a guest's disk workload measured over the window, and what blkback answered for it (XenMon's count). */
function diskMetrics(name: string, disk: DiskWorkload, answered: number, seconds: number, duration: Nanos): Metric[] {
  const st = disk.stats;
  const ops = `${disk.op}s`;
  return [
    { key: `${name}.blk`, label: `${name} block requests answered by blkback`, unit: "1/s", value: answered / seconds },
    { key: `${name}.diskIops`, label: `${name} disk ${ops} completed`, unit: "1/s", value: st.completed / seconds },
    { key: `${name}.diskMBps`, label: `${name} disk throughput`, unit: "MB/s", value: st.bytes / 1e6 / seconds },
    { key: `${name}.diskBusy`, label: `${name}'s share of the disk's time (positioning and transfer)`, unit: "%", value: (100 * st.diskBusy) / 1e9 / seconds },
    { key: `${name}.diskLatency`, label: `${name} disk latency avg [ms]`, unit: "ms", value: st.latencies.mean / 1e6 },
    { key: `${name}.diskLatencyP99`, label: `${name} disk latency 99th percentile [ms] (1 ms bins)`, unit: "ms", value: st.latencies.quantile(0.99) / 1e6 },
    { key: `${name}.diskNotIssued`, label: `${name} disk ${ops} not issued, ${GUEST_QUEUE_DEPTH} requests outstanding (whole run)`, unit: "1/s", value: st.notIssued / (duration / 1e9) },
  ];
}

/** The split block driver's costs, from the host's profile. */
function blockCostsOf(p: HostProfile): BlockCosts {
  const d = p.disk;
  return {
    iddSubmit: d.iddSubmit.value,
    iddPerPage: d.iddPerPage.value,
    iddComplete: d.iddComplete.value,
    guestPerRequest: d.guestPerRequest.value,
    ring: d.ring.value,
    maxPending: d.maxPending.value,
    positioning: d.positioning.value,
    transferRate: d.transferRate.value,
    elevator: d.elevator.value,
    cfq: { slice: d.cfqSlice.value, sliceIdle: d.cfqSliceIdle.value, quantum: d.cfqQuantum.value, sliceAsync: d.cfqSliceAsync.value, sliceAsyncRq: d.cfqSliceAsyncRq.value },
  };
}

/**
 * The credit scheduler's cap for a domain: its own `cap`, else, for a domain SEDF would
 * hold to its reservation (no extratime), that reservation, as `xm sched-credit -c`
 * would carry it over; 0 (uncapped) otherwise. The scheduler rounds it to a whole
 * percent, and 0 % is Xen's "no cap", so a domain with no reservation is uncapped.
 */
export function creditCap(d: DomainConfig): number {
  if (d.cap !== undefined) return d.cap;
  if (d.extratime) return 0;
  return d.share ?? (d.slice ?? 0) / (d.period ?? DEFAULT_PERIOD);
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function sgLimited(sc: Scenario, name: string): boolean {
  return sc.shareguard?.enabled === true && name in sc.shareguard.limits;
}

/**
 * Whether the guest's vif may be rate-limited in this run: by its scenario, or by a
 * ShareGuard policy that may act on it (whose runs report the vif's metric only if the
 * policy sets a rate).
 */
function mayRateLimit(sc: Scenario, name: string): boolean {
  return sc.domains.find((d) => d.name === name)?.vif !== undefined || (sgLimited(sc, name) && sc.shareguard!.policy !== undefined);
}
