import type { Domain } from "../host/domain.js";
import type { PhysicalCpu } from "../host/cpu.js";
import type { Engine, Nanos } from "../sim/engine.js";
import type { NetBackend } from "../net/netback.js";

/** One domain's figures over one sampling interval (times in ns). */
export interface DomainSample {
  gotten: Nanos;
  blocked: Nanos;
  waited: Nanos;
  execCount: number;
  /** Packets netback handled for this guest in each direction. */
  sent: number;
  recv: number;
  /** Block requests blkback answered for this guest. */
  blk: number;
  /** XenMon's estimate of IDD time spent for this guest: IDD time × wCount(i) / wCount(IDD). */
  iddEstimate: Nanos;
  /** What the simulator knows: IDD time actually spent on this guest's packets and block requests. */
  iddTruth: Nanos;
}

export interface Sample {
  start: Nanos;
  end: Nanos;
  domains: DomainSample[];
  /** Idle time per physical CPU. */
  cpuIdle: Nanos[];
}

interface Snapshot {
  running: Nanos;
  blocked: Nanos;
  waited: Nanos;
  execCount: number;
  sent: number;
  recv: number;
  blk: number;
  truth: Nanos;
}

/**
 * XenMon: every `interval` it turns the hypervisor's counters into per-domain figures and
 * charges each net-IDD's CPU to the guests it serves by weighted packet count,
 * wCount(i) = weight · Send(i) + Recv(i) (paper §3). Beyond the paper, a block request
 * blkback answered may count too, `blockWeight` received packets' worth (0 by default:
 * the paper's XenMon, blind to block I/O, charges the IDD's block work by packets).
 */
export class XenMon {
  readonly samples: Sample[] = [];
  private readonly listeners: Array<(s: Sample) => void> = [];
  private last: Snapshot[];
  private lastIdle: Nanos[];
  private lastTime: Nanos = 0;
  /** The backend serving each domain, by id (undefined for an IDD and a domain with no network). */
  private readonly netOf: Array<NetBackend | undefined>;

  constructor(
    private readonly engine: Engine,
    private readonly domains: Domain[],
    private readonly cpus: PhysicalCpu[],
    /** The net-IDDs' backends (none on a host without network), each serving its own guests. */
    private readonly nets: NetBackend[],
    readonly interval: Nanos,
    readonly weight: number,
    /**
     * Keep at most this many samples in `samples` (listeners see every one). A run keeps
     * none and gathers what it reports as the samples come (src/model/sample-stats.ts).
     */
    private readonly keep = Infinity,
    readonly blockWeight = 0,
  ) {
    // Guests are attached to their backends before XenMon is made.
    this.netOf = domains.map((d) => nets.find((net) => net.ports.has(d.id)));
    this.last = domains.map(() => emptySnapshot());
    this.lastIdle = cpus.map(() => 0);
  }

  onSample(listener: (s: Sample) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    this.lastTime = this.engine.now;
    this.last = this.domains.map((d) => this.snapshot(d));
    this.lastIdle = this.cpus.map((c) => c.idleTimeAt(this.engine.now));
    this.engine.after(this.interval, () => this.tick());
  }

  private snapshot(d: Domain): Snapshot {
    const now = this.engine.now;
    const net = this.netOf[d.id];
    const port = net?.ports.get(d.id);
    const idd = net?.idd;
    return {
      running: d.timeInAt("running", now),
      // xenbaked counts a paused VCPU (TRC_SCHED_SLEEP) as it counts a blocked one.
      blocked: d.timeInAt("blocked", now) + d.pausedTimeAt(now),
      waited: d.timeInAt("runnable", now),
      execCount: d.execCount,
      sent: port?.sent ?? 0,
      recv: port?.recv ?? 0,
      blk: port?.blk ?? 0,
      truth: idd ? this.cpus[idd.cpu].onBehalfAt(idd, d.id, now) : 0,
    };
  }

  /** A guest's weighted count over one sample: what XenMon shares its IDD's CPU by. */
  wCount(d: DomainSample): number {
    return this.weight * d.sent + d.recv + this.blockWeight * d.blk;
  }

  private tick(): void {
    const now = this.engine.now;
    const snaps = this.domains.map((d) => this.snapshot(d));
    const domains: DomainSample[] = snaps.map((s, i) => {
      const p = this.last[i];
      return {
        gotten: s.running - p.running,
        blocked: s.blocked - p.blocked,
        waited: s.waited - p.waited,
        execCount: s.execCount - p.execCount,
        sent: s.sent - p.sent,
        recv: s.recv - p.recv,
        blk: s.blk - p.blk,
        iddEstimate: 0,
        iddTruth: s.truth - p.truth,
      };
    });
    for (const net of this.nets) {
      const iddTime = domains[this.domains.indexOf(net.idd)].gotten;
      let total = 0;
      for (const id of net.ports.keys()) total += this.wCount(domains[id]);
      if (total > 0) {
        for (const id of net.ports.keys()) domains[id].iddEstimate = (iddTime * this.wCount(domains[id])) / total;
      }
    }
    const idle = this.cpus.map((c) => c.idleTimeAt(now));
    const sample: Sample = {
      start: this.lastTime,
      end: now,
      domains,
      cpuIdle: idle.map((v, i) => v - this.lastIdle[i]),
    };
    this.last = snaps;
    this.lastIdle = idle;
    this.lastTime = now;
    if (this.keep > 0) {
      this.samples.push(sample);
      if (this.samples.length > this.keep) this.samples.shift();
    }
    for (const l of this.listeners) l(sample);
    this.engine.after(this.interval, () => this.tick());
  }
}

/**
 * XenMon's samples added up over a controller's own interval (ShareGuard's t, SEDF-DC's
 * feedback interval, a share policy's), per domain: what the controller reads at the interval's end.
 */
export class IntervalTotals {
  /** XenMon's estimate of the IDD time spent for each domain (ns). */
  readonly iddEstimate: Float64Array;
  /** Each domain's own CPU time, and its time runnable but waiting, and blocked or paused (ns). */
  readonly gotten: Float64Array;
  readonly waited: Float64Array;
  readonly blocked: Float64Array;
  /** Packets netback handled for each domain, per direction. */
  readonly sent: Float64Array;
  readonly recv: Float64Array;
  /** Block requests blkback answered for each domain. */
  readonly blk: Float64Array;
  /** The time the samples cover (ns). */
  elapsed: Nanos = 0;

  constructor(domainCount: number) {
    this.iddEstimate = new Float64Array(domainCount);
    this.gotten = new Float64Array(domainCount);
    this.waited = new Float64Array(domainCount);
    this.blocked = new Float64Array(domainCount);
    this.sent = new Float64Array(domainCount);
    this.recv = new Float64Array(domainCount);
    this.blk = new Float64Array(domainCount);
  }

  add(s: Sample): void {
    s.domains.forEach((ds, i) => {
      this.iddEstimate[i] += ds.iddEstimate;
      this.gotten[i] += ds.gotten;
      this.waited[i] += ds.waited;
      this.blocked[i] += ds.blocked;
      this.sent[i] += ds.sent;
      this.recv[i] += ds.recv;
      this.blk[i] += ds.blk;
    });
    this.elapsed += s.end - s.start;
  }

  reset(): void {
    for (const a of [this.iddEstimate, this.gotten, this.waited, this.blocked, this.sent, this.recv, this.blk]) a.fill(0);
    this.elapsed = 0;
  }
}

function emptySnapshot(): Snapshot {
  return { running: 0, blocked: 0, waited: 0, execCount: 0, sent: 0, recv: 0, blk: 0, truth: 0 };
}
