import type { Nanos } from "../sim/engine.js";
import type { DomainSample, Sample } from "../xenmon/xenmon.js";

/**
 * What a run reports, gathered from XenMon's samples as they come, so that a run's memory
 * does not grow with its length. Sums are taken in sample order starting from zero, as a
 * sum over a stored list would be, so the figures are the same to the last bit.
 */

/** One domain's XenMon figures summed over a set of samples. */
export class DomainTotals {
  gotten = 0;
  blocked = 0;
  waited = 0;
  execCount = 0;
  sent = 0;
  recv = 0;
  blk = 0;
  iddEstimate = 0;
  iddTruth = 0;

  add(d: DomainSample): void {
    this.gotten += d.gotten;
    this.blocked += d.blocked;
    this.waited += d.waited;
    this.execCount += d.execCount;
    this.sent += d.sent;
    this.recv += d.recv;
    this.blk += d.blk;
    this.iddEstimate += d.iddEstimate;
    this.iddTruth += d.iddTruth;
  }
}

/** httperf's sampling period: it reports the reply rate every 5 s. */
export const HTTPERF_SAMPLE: Nanos = 5e9;

/**
 * One web workload's replies inside the window, in all and per httperf sample: the
 * window's whole 5 s stretches, as httperf reports only whole samples. Each counts the
 * XenMon samples that end in it, and the time those cover, so that a rate is replies
 * over time covered even where XenMon's interval does not divide 5 s or the window's
 * start.
 */
export class ReplyCounts {
  inWindow = 0;
  readonly perHttperfSample: number[];
  /** Time covered by the XenMon samples counted in each httperf sample. */
  readonly httperfSampleTime: number[];

  constructor(from: Nanos, to: Nanos) {
    const n = Math.floor((to - from) / HTTPERF_SAMPLE);
    this.perHttperfSample = new Array<number>(n).fill(0);
    this.httperfSampleTime = new Array<number>(n).fill(0);
  }

  /** Replies per second in each httperf sample that XenMon's samples reached. */
  rates(): number[] {
    const out: number[] = [];
    this.perHttperfSample.forEach((count, b) => {
      const time = this.httperfSampleTime[b];
      if (time > 0) out.push(count / (time / 1e9));
    });
    return out;
  }
}

/** The length of the bins over which a domain's combined use is followed (`CombinedSwing`). */
export const COMBINED_BIN: Nanos = 1e9;

/** Samples per bin of `CombinedSwing`: whole XenMon intervals, as close to COMBINED_BIN as they come. */
export function swingSamples(interval: Nanos): number {
  return Math.max(1, Math.round(COMBINED_BIN / interval));
}

/**
 * How one domain's combined use (own CPU + the IDD's on its behalf, as XenMon estimates
 * it) swings from bin to bin: the paper's "oscillations" of SEDF-DC (§4.2, Figure 8c).
 * A bin is `per` consecutive samples (COMBINED_BIN's worth); a trailing partial bin is
 * dropped. Kept as running sums, so memory does not grow with the run.
 */
export class CombinedSwing {
  /** Whole bins seen, and the sum, sum of squares and largest of their combined use (%). */
  bins = 0;
  sum = 0;
  sumSquares = 0;
  max = -Infinity;
  private inBin = 0;
  private binNs = 0;
  private binSpan = 0;

  constructor(private readonly per: number) {}

  /** Adds one sample: `ns` of combined use over a sample of length `span`. */
  add(ns: number, span: Nanos): void {
    this.binNs += ns;
    this.binSpan += span;
    if (++this.inBin < this.per) return;
    const pct = (100 * this.binNs) / this.binSpan;
    this.bins++;
    this.sum += pct;
    this.sumSquares += pct * pct;
    this.max = Math.max(this.max, pct);
    this.inBin = 0;
    this.binNs = 0;
    this.binSpan = 0;
  }

  /** Sample standard deviation of the whole bins' combined use (0 with fewer than two). */
  get sd(): number {
    if (this.bins < 2) return 0;
    const mean = this.sum / this.bins;
    return Math.sqrt(Math.max(0, (this.sumSquares - this.bins * mean * mean) / (this.bins - 1)));
  }
}

/**
 * Totals over the measurement window [from, to]: a sample counts when it lies wholly
 * inside. `replies[k]` are the replies of web workload k completed in the sample.
 */
export class WindowTotals {
  /** Simulated time covered by the samples counted. */
  span: Nanos = 0;
  readonly domains: DomainTotals[];
  readonly replies: ReplyCounts[];
  /** Each domain's combined use, bin by bin. */
  readonly swings: CombinedSwing[];

  constructor(
    domainCount: number,
    webCount: number,
    readonly from: Nanos,
    readonly to: Nanos,
    /** Samples per bin of `swings`: COMBINED_BIN over XenMon's interval. */
    swingSamples = 10,
  ) {
    this.domains = Array.from({ length: domainCount }, () => new DomainTotals());
    this.replies = Array.from({ length: webCount }, () => new ReplyCounts(from, to));
    this.swings = Array.from({ length: domainCount }, () => new CombinedSwing(swingSamples));
  }

  add(s: Sample, replies: readonly number[]): void {
    if (s.start < this.from || s.end > this.to) return;
    this.span += s.end - s.start;
    for (let i = 0; i < this.domains.length; i++) {
      const d = s.domains[i];
      this.domains[i].add(d);
      this.swings[i].add(d.gotten + d.iddEstimate, s.end - s.start);
    }
    const b = Math.floor((s.end - 1 - this.from) / HTTPERF_SAMPLE);
    for (let k = 0; k < this.replies.length; k++) {
      const counts = this.replies[k];
      counts.inWindow += replies[k];
      if (b < counts.perHttperfSample.length) {
        counts.perHttperfSample[b] += replies[k];
        counts.httperfSampleTime[b] += s.end - s.start;
      }
    }
  }
}

/** One bin of a time series: per-domain sums over `per` consecutive samples. */
export interface Bin {
  from: Nanos;
  to: Nanos;
  gotten: number[];
  iddEstimate: number[];
  iddTruth: number[];
  /** Block requests blkback answered, per domain. */
  blk: number[];
  /** Replies per web workload. */
  replies: number[];
  /** The sum of those replies' connection times, ns. */
  connectionTime: number[];
  /** Bytes read or written per disk workload. */
  diskBytes: number[];
  /** Bytes netback sent, per domain (counted for the guests whose vif may be rate-limited). */
  sentBytes: number[];
}

/**
 * Groups consecutive samples `per` at a time into bins (a trailing partial group is
 * dropped). A bin is a few numbers per domain, so a series at one-second resolution
 * costs kilobytes for a long run, not a stored sample per XenMon interval.
 */
export class SeriesBinner {
  readonly bins: Bin[] = [];
  private current: Bin | null = null;
  private inCurrent = 0;

  constructor(
    private readonly per: number,
    private readonly domainCount: number,
    private readonly webCount: number,
    private readonly diskCount = 0,
  ) {}

  add(s: Sample, replies: readonly number[], connectionTime: readonly number[], diskBytes: readonly number[] = [], sentBytes: readonly number[] = []): void {
    const bin = (this.current ??= {
      from: s.start,
      to: s.end,
      gotten: new Array<number>(this.domainCount).fill(0),
      iddEstimate: new Array<number>(this.domainCount).fill(0),
      iddTruth: new Array<number>(this.domainCount).fill(0),
      blk: new Array<number>(this.domainCount).fill(0),
      replies: new Array<number>(this.webCount).fill(0),
      connectionTime: new Array<number>(this.webCount).fill(0),
      diskBytes: new Array<number>(this.diskCount).fill(0),
      sentBytes: new Array<number>(this.domainCount).fill(0),
    });
    bin.to = s.end;
    for (let i = 0; i < this.domainCount; i++) {
      bin.gotten[i] += s.domains[i].gotten;
      bin.iddEstimate[i] += s.domains[i].iddEstimate;
      bin.iddTruth[i] += s.domains[i].iddTruth;
      bin.blk[i] += s.domains[i].blk;
      bin.sentBytes[i] += sentBytes[i] ?? 0;
    }
    for (let k = 0; k < this.webCount; k++) {
      bin.replies[k] += replies[k];
      bin.connectionTime[k] += connectionTime[k];
    }
    for (let k = 0; k < this.diskCount; k++) bin.diskBytes[k] += diskBytes[k];
    if (++this.inCurrent === this.per) {
      this.bins.push(bin);
      this.current = null;
      this.inCurrent = 0;
    }
  }
}
