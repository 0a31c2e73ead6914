import type { HostProfile } from "../profiles/profiles.js";
import { SCHEMA_VERSION, XENISO_VERSION, type ResultDoc, type Row } from "../report/result.js";
import type { Scenario } from "../scenario/schema.js";
import { yieldToEventLoop } from "./runner.js";
import { Simulation } from "./simulation.js";
import { meanSd } from "./stats.js";

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
}

export const PAPER_PLAN: CalibrationPlan = {
  fixedRate: 10_000,
  sizes: [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200],
  fixedSize: 256,
  rates: [2_000, 4_000, 6_000, 8_000, 10_000, 12_000, 14_000],
  duration: 20e9,
  runs: 10,
};

type Direction = "send" | "recv";

/** A two-domain host: Domain-0 as the net-IDD and one guest running the UDP benchmark. */
export function benchmarkScenario(profile: HostProfile, direction: Direction, rate: number, size: number, duration: number): Scenario {
  const cpus = profile.cpus;
  return {
    name: `${direction}-benchmark`,
    profile: profile.name,
    seed: 1,
    runs: 1,
    duration,
    scheduler: { type: "sedf", feedbackInterval: 500e6, spreadDebt: true },
    xenmon: { interval: 100e6 },
    domains: [
      { name: "Domain-0", cpu: 0, idd: true, share: 0.5, period: 10e6, extratime: true },
      { name: "Domain-1", cpu: cpus > 1 ? 1 : 0, idd: false, share: 0.5, period: 10e6, extratime: true, workload: { type: "udp", direction, rate, size } },
    ],
  };
}

/** Domain-0's CPU (%) in one benchmark run, measured by XenMon through the simulation. */
function iddCpu(profile: HostProfile, direction: Direction, rate: number, size: number, duration: number, seed: number, run: number): number {
  const result = new Simulation(benchmarkScenario(profile, direction, rate, size, duration), run, seed, profile).execute();
  const m = result.metrics.find((x) => x.key === "Domain-0.cpu");
  return m!.value;
}

export interface CalibrationResult extends ResultDoc {
  weight: { mean: number; sd: number; n: number; paper: number };
}

/**
 * Runs the Send and Receive benchmarks and derives weight = IDD CPU(send) / IDD CPU(recv).
 * Every (point, direction, run) is its own experiment with its own random streams, as
 * each was a separate run on the paper's hardware.
 */
export async function calibrate(profile: HostProfile, plan: CalibrationPlan, seed: number, onProgress?: (done: number, total: number) => void): Promise<CalibrationResult> {
  const total = (plan.sizes.length + plan.rates.length) * 2 * plan.runs;
  let done = 0;
  let experiment = 0;
  const measure = async (direction: Direction, rate: number, size: number): Promise<number[]> => {
    const values: number[] = [];
    for (let k = 0; k < plan.runs; k++) {
      values.push(iddCpu(profile, direction, rate, size, plan.duration, seed, experiment++));
      onProgress?.(++done, total);
      await yieldToEventLoop();
    }
    return values;
  };
  const cell = (values: number[]) => ({ ...meanSd(values), n: values.length });

  const sizeRows: Row[] = [];
  for (const size of plan.sizes) {
    const send = await measure("send", plan.fixedRate, size);
    const recv = await measure("recv", plan.fixedRate, size);
    sizeRows.push({ label: `${size} B`, unit: "%", values: { Send: cell(send), Receive: cell(recv) } });
  }

  const ratios: number[] = [];
  const rateRows: Row[] = [];
  const weightRows: Row[] = [];
  for (const rate of plan.rates) {
    const send = await measure("send", rate, plan.fixedSize);
    const recv = await measure("recv", rate, plan.fixedSize);
    const pointRatios = send.map((s, k) => s / recv[k]);
    ratios.push(...pointRatios);
    rateRows.push({ label: `${rate} pkt/s`, unit: "%", values: { Send: cell(send), Receive: cell(recv) } });
    weightRows.push({ label: `at ${rate} pkt/s`, unit: "ratio", values: { weight: cell(pointRatios) } });
  }

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
    ],
    plan,
    weight,
  };
}
