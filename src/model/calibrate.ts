import type { HostProfile } from "../profiles/profiles.js";
import { SCHEMA_VERSION, XENISO_VERSION, type ResultDoc, type Row, type Table } from "../report/result.js";
import type { Scenario } from "../scenario/schema.js";
import { runJobs } from "./replication.js";
import { yieldToEventLoop } from "./runner.js";
import { cellOfRuns, meanSd } from "./stats.js";

/** The paper's §3 benchmark plan; every number here is the paper's unless said otherwise. */
export interface CalibrationPlan {
  /** Fig. 4: fixed rate, varying packet size. */
  fixedRate: number;
  sizes: number[];
  /** Fig. 5: fixed size, varying rate. The paper's axis values are not in the text. */
  fixedSize: number;
  rates: number[];
  duration: number;
  runs: number;
  /**
   * Beyond the paper (`calibrate --block`): a disk benchmark, sequential reads of these
   * sizes at `blockRate` requests per second, to measure XenMon's block weight.
   */
  blockSizes?: number[];
  blockRate?: number;
}

export const PAPER_PLAN: CalibrationPlan = {
  fixedRate: 10_000,
  sizes: [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200],
  fixedSize: 256,
  rates: [2_000, 4_000, 6_000, 8_000, 10_000, 12_000, 14_000],
  duration: 20e9,
  runs: 10,
};

/** The benchmarks' request sizes and rate under `--block`: up to blkif's largest request, within what the disk serves (44 KB at 60 MB/s: 0.75 ms). */
export const BLOCK_PLAN = { blockSizes: [4096, 8192, 16384, 32768, 45056], blockRate: 1000 };

/** send and recv: the paper's UDP benchmarks; disk: a guest reading its disk (beyond the paper). */
type Direction = "send" | "recv" | "disk";

/** A two-domain host: Domain-0 as the IDD and one guest running the UDP benchmark (or the disk one). */
export function benchmarkScenario(profile: HostProfile, direction: Direction, rate: number, size: number, duration: number): Scenario {
  const cpus = profile.cpus;
  const workload = direction === "disk" ? { type: "disk" as const, size, op: "read" as const, access: "sequential" as const, rate, start: 0 } : { type: "udp" as const, direction, rate, size };
  return {
    name: `${direction}-benchmark`,
    profile: profile.name,
    seed: 1,
    runs: 1,
    duration,
    scheduler: { type: "sedf", feedbackInterval: 500e6, spreadDebt: true, migrationDelay: 0, creditVersion: "later", unblock: "paper" },
    xenmon: { interval: 100e6 },
    domains: [
      { name: "Domain-0", cpu: 0, idd: true, share: 0.5, period: 10e6, extratime: true },
      { name: "Domain-1", cpu: cpus > 1 ? 1 : 0, idd: false, share: 0.5, period: 10e6, extratime: true, workload },
    ],
  };
}

export interface CalibrationResult extends ResultDoc {
  weight: { mean: number; sd: number; n: number; paper: number };
}

/**
 * Runs the Send and Receive benchmarks and derives weight = IDD CPU(send) / IDD CPU(recv).
 * Every (point, direction, run) is its own experiment with its own random streams, as
 * each was a separate run on the paper's hardware.
 */
/** The sweep's benchmarks in a fixed order: sizes at the fixed rate, then rates at the fixed size, each Send then Receive. */
export function planPoints(plan: CalibrationPlan): Array<{ direction: Direction; rate: number; size: number }> {
  const points: Array<{ direction: Direction; rate: number; size: number }> = [];
  for (const size of plan.sizes) for (const direction of ["send", "recv"] as const) points.push({ direction, rate: plan.fixedRate, size });
  for (const rate of plan.rates) for (const direction of ["send", "recv"] as const) points.push({ direction, rate, size: plan.fixedSize });
  for (const size of plan.blockSizes ?? []) points.push({ direction: "disk", rate: plan.blockRate!, size });
  return points;
}

export async function calibrate(
  profile: HostProfile,
  plan: CalibrationPlan,
  seed: number,
  onProgress?: (done: number, total: number, work: number) => void,
  workers = 1,
): Promise<CalibrationResult> {
  // Every (point, direction, run) in a fixed order; its place in that order is its run index.
  const points = planPoints(plan);
  const jobs = points.flatMap((p, i) =>
    Array.from({ length: plan.runs }, (_, k) => ({ scenario: benchmarkScenario(profile, p.direction, p.rate, p.size, plan.duration), run: i * plan.runs + k, seed, profile })),
  );
  // A benchmark's cost is its packets, so the share of work done goes by packet rate.
  const rateOf = (i: number) => points[Math.floor(i / plan.runs)].rate;
  const totalRate = jobs.reduce((a, _, i) => a + rateOf(i), 0);
  let done = 0;
  let doneRate = 0;
  const results = await runJobs(jobs, workers, (i) => onProgress?.(++done, jobs.length, (doneRate += rateOf(i)) / totalRate), yieldToEventLoop);
  const iddCpu = results.map((r) => r.metrics.find((m) => m.key === "Domain-0.cpu")!.value);
  /** Domain-0's CPU (%) in each run of point number `i`. */
  const measured = (i: number) => iddCpu.slice(i * plan.runs, (i + 1) * plan.runs);

  const sizeRows: Row[] = plan.sizes.map((size, i) => ({
    label: `${size} B`,
    unit: "%",
    values: { Send: cellOfRuns(measured(2 * i)), Receive: cellOfRuns(measured(2 * i + 1)) },
  }));

  const ratios: number[] = [];
  const rateRows: Row[] = [];
  const weightRows: Row[] = [];
  plan.rates.forEach((rate, j) => {
    const i = plan.sizes.length + j;
    const send = measured(2 * i);
    const recv = measured(2 * i + 1);
    const pointRatios = send.map((s, k) => s / recv[k]);
    ratios.push(...pointRatios);
    rateRows.push({ label: `${rate} pkt/s`, unit: "%", values: { Send: cellOfRuns(send), Receive: cellOfRuns(recv) } });
    weightRows.push({ label: `at ${rate} pkt/s`, unit: "ratio", values: { weight: cellOfRuns(pointRatios) } });
  });

  const blockTables = plan.blockSizes === undefined ? [] : blockWeightTables(plan, measured);
  const paperWeight = profile.xenmonWeight.value;
  const weight = { ...meanSd(ratios), n: ratios.length, paper: paperWeight };
  weightRows.push({ label: "all rates", unit: "ratio", values: { weight: { mean: weight.mean, sd: weight.sd, n: weight.n, paper: paperWeight } } });
  return {
    schemaVersion: SCHEMA_VERSION,
    xeniso: XENISO_VERSION,
    command: "calibrate",
    scenario: null,
    profile: profile.name,
    seed,
    runs: plan.runs,
    tables: [
      {
        id: "fig4",
        title: `Figure 4: Domain-0 CPU at ${plan.fixedRate} pkt/s by packet size (${profile.title})`,
        columns: ["Send", "Receive"],
        rows: sizeRows,
      },
      {
        id: "fig5",
        title: `Figure 5: Domain-0 CPU for ${plan.fixedSize} B packets by rate`,
        columns: ["Send", "Receive"],
        rows: rateRows,
      },
      {
        id: "weight",
        title: "Weight: Domain-0 CPU of Send / Receive, per run",
        columns: ["weight"],
        rows: weightRows,
      },
      ...blockTables,
    ],
    plan,
    weight,
  };
}

/**
 * The disk benchmark's tables: Domain-0's CPU at each request size, and the block weight
 * XenMon would need, a request's IDD cost over a received packet's, per run: each disk
 * run against the Receive benchmark's run of the same number at the fixed rate (the
 * paper's send/receive weight pairs its runs the same way).
 */
function blockWeightTables(plan: CalibrationPlan, measured: (i: number) => number[]): Table[] {
  const sizes = plan.blockSizes!;
  const rate = plan.blockRate!;
  const j = plan.rates.includes(plan.fixedRate) ? plan.rates.indexOf(plan.fixedRate) : plan.rates.length - 1;
  const recvRate = plan.rates[j];
  const recv = measured(2 * (plan.sizes.length + j) + 1);
  const first = 2 * (plan.sizes.length + plan.rates.length);
  const label = (size: number) => `${size / 1024} KB`;
  const cpu = sizes.map((_, i) => measured(first + i));
  return [
    {
      id: "block",
      title: `Disk benchmark (beyond the paper): Domain-0 CPU at ${rate} requests/s by request size`,
      columns: ["Disk"],
      rows: sizes.map((size, i) => ({ label: label(size), unit: "%", values: { Disk: cellOfRuns(cpu[i]) } })),
    },
    {
      id: "block-weight",
      title: `Block weight: Domain-0 CPU per block request / per packet received at ${recvRate} pkt/s, per run (xenmon.blockWeight)`,
      columns: ["block weight"],
      rows: sizes.map((size, i) => ({ label: label(size), unit: "ratio", values: { "block weight": cellOfRuns(cpu[i].map((c, k) => c / rate / (recv[k] / recvRate))) } })),
    },
  ];
}
